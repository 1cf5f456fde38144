// @ts-check
/**
 * The catalog site's search: how documents are tokenized, which fields are indexed with which
 * weight, and how results of the index parts are merged and ranked. Shared by Node (which
 * builds the MiniSearch indexes at generate time, src/docs-site/build-search-index.ts) and the
 * browser (which loads and queries them), so both tokenize exactly alike. A classic script:
 * it defines `dpfSearchCore` on the global object and never touches the DOM.
 *
 * Parts, each its own MiniSearch index and file, loaded in this order:
 *   nodes    name, description, tags, owner of models, seeds, sources, snapshots
 *   columns  column name, description, tags, and the name of the node it belongs to
 *   sql      identifiers in a model's SQL (keywords left out)
 * Ranking: an exact name match first, then names starting with the query, then names with a
 * part (between underscores) starting with it, then the rest; within each tier by MiniSearch's
 * BM25 score times the part's weight.
 */
(function (root) {
  'use strict';

  const WORD = /[\p{L}\p{N}_.$]+/gu;
  const SQL_KEYWORDS = new Set(
    ('select from where and or not as on join left right inner outer full cross using group by order having limit offset ' +
      'union all distinct case when then else end with is null in between like ilike cast coalesce nullif sum min max avg count ' +
      'over partition rows range preceding following current row asc desc true false date timestamp interval integer int bigint ' +
      'double decimal varchar text boolean lower upper trim exists filter window qualify lateral unnest values insert into ' +
      'create table view replace if').split(' '),
  );

  /** A word and, when it has _ . or $ in it, its parts: fct_orders -> fct_orders, fct, orders. */
  function withParts(word, out) {
    out.push(word);
    if (/[_.$]/.test(word)) for (const p of word.split(/[_.$]+/)) if (p && p !== word) out.push(p);
  }

  /** Document side: every word with its parts; SQL without keywords and bare numbers. */
  function tokenize(text, field) {
    const out = [];
    const words = String(text).toLowerCase().match(WORD) || [];
    for (const w of words) {
      if (field === 'q' && (SQL_KEYWORDS.has(w) || /^[\d.]+$/.test(w) || w.length < 2)) continue;
      withParts(w.replace(/^[.$]+|[.$]+$/g, ''), out);
    }
    return out.filter(Boolean);
  }

  /** Query side: whole words only (the document side indexed their parts). */
  function tokenizeQuery(text) {
    return (String(text).toLowerCase().match(WORD) || []).map((w) => w.replace(/^[.$]+|[.$]+$/g, '')).filter(Boolean);
  }

  const PARTS = [
    { name: 'nodes', fields: ['n', 'd', 't', 'o'], storeFields: ['x'], boost: { n: 8, t: 3, o: 2, d: 1 }, weight: 1 },
    { name: 'columns', fields: ['n', 'd', 't', 'in'], storeFields: ['x'], boost: { n: 6, t: 2, d: 1, in: 0.5 }, weight: 0.85 },
    { name: 'sql', fields: ['q'], storeFields: [], boost: { q: 1 }, weight: 0.35 },
  ];

  /** MiniSearch options of a part, identical at index and query time. */
  function indexOptions(part) {
    const spec = PARTS.find((p) => p.name === part);
    if (!spec) throw new Error(`unknown search part ${part}`);
    return { fields: spec.fields, storeFields: spec.storeFields, tokenize, processTerm: (t) => t, searchOptions: { tokenize: tokenizeQuery } };
  }

  function searchOptions(part) {
    const spec = PARTS.find((p) => p.name === part);
    return {
      boost: spec ? spec.boost : {},
      combineWith: 'AND',
      tokenize: tokenizeQuery,
      // Search as you type: the last word is a prefix; longer words forgive a typo.
      prefix: (_term, i, terms) => i === terms.length - 1,
      fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
      maxFuzzy: 2,
    };
  }

  /** Column documents have ids "<node index>:<column name>"; node documents the node index. */
  function parseId(id) {
    if (typeof id === 'number') return { node: id };
    const i = id.indexOf(':');
    return { node: Number(id.slice(0, i)), column: id.slice(i + 1) };
  }

  /**
   * Queries every loaded part and ranks the union. `indexes` maps part name to MiniSearch
   * instances, one per shard (parts not yet loaded are absent); `nameOf(hit)` gives a hit's display name;
   * `keep(hit)` filters (kind, tag, owner...).
   */
  function search(indexes, query, nameOf, keep, limit) {
    const q = String(query).trim().toLowerCase();
    if (!q) return [];
    const merged = new Map();
    for (const part of PARTS) {
      const loaded = indexes[part.name];
      const shards = Array.isArray(loaded) ? loaded : loaded ? [loaded] : [];
      const results = shards.flatMap((index) => index.search(q, searchOptions(part.name)));
      for (const r of results) {
        const ref = parseId(r.id);
        const key = ref.column === undefined ? `n${ref.node}` : `c${ref.node}:${ref.column}`;
        const hit = merged.get(key) || { key, node: ref.node, column: ref.column, score: 0, fields: new Set(), snippet: undefined };
        hit.score += r.score * part.weight;
        for (const fields of Object.values(r.match)) for (const f of fields) hit.fields.add(part.name === 'sql' ? 'sql' : f);
        if (r.x && !hit.snippet) hit.snippet = r.x;
        merged.set(key, hit);
      }
    }
    const out = [];
    for (const hit of merged.values()) {
      if (keep && !keep(hit)) continue;
      const name = String(nameOf(hit)).toLowerCase();
      hit.tier = name === q ? 0 : name.startsWith(q) ? 1 : name.split(/[_.$]+/).some((p) => p.startsWith(q)) ? 2 : 3;
      out.push(hit);
    }
    // Among equal name matches, models, seeds and sources come before columns.
    const rank = (hit) => hit.tier * 2 + (hit.tier < 3 && hit.column !== undefined ? 1 : 0);
    out.sort((a, b) => rank(a) - rank(b) || b.score - a.score || (a.key < b.key ? -1 : 1));
    return limit ? out.slice(0, limit) : out;
  }

  root.dpfSearchCore = { PARTS, tokenize, tokenizeQuery, indexOptions, searchOptions, parseId, search };
})(typeof window !== 'undefined' ? window : globalThis);
