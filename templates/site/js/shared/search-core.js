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
 * Ranking: an exact name match first; then node names (models, seeds, sources, snapshots)
 * starting with the query, then node names with a part (between underscores) starting with it;
 * then column names the same two ways; then the rest. Within each tier by MiniSearch's BM25
 * score times the part's weight.
 */
(function (root) {
  'use strict';

  const WORD = /[\p{L}\p{N}_.$]+/gu;
  const SQL_KEYWORDS = new Set(
    ('select from where and or not as on join left right inner outer full cross using group by order having limit offset ' +
      'union all distinct case when then else end with is null in between like ilike cast coalesce nullif sum min max avg count ' +
      'over partition rows range preceding following current row asc desc true false date timestamp interval integer int bigint ' +
      'double decimal varchar text boolean lower upper trim exists filter window qualify lateral unnest values insert into ' +
      'create table view replace if ' +
      // dpf's template helpers, in every model
      'ref source config var this self is_incremental target').split(' '),
  );

  /** A word and, when it has _ . or $ in it, its parts: fct_orders -> fct_orders, fct, orders. */
  function withParts(word, out) {
    out.push(word);
    if (/[_.$]/.test(word)) for (const p of word.split(/[_.$]+/)) if (p && p !== word) out.push(p);
  }

  /**
   * Document side: every word with its parts. SQL (field q) keeps each identifier once and
   * whole (qualified names split at dots), without keywords and bare numbers: it is the biggest part of the index, and the
   * last word of a query matches as a prefix anyway (order -> order_id).
   */
  function tokenize(text, field) {
    const out = [];
    const words = String(text).toLowerCase().match(WORD) || [];
    if (field === 'q') {
      const seen = new Set();
      // Qualified names count by their parts: o.order_id -> order_id.
      for (const word of words.flatMap((w) => w.split(/[.$]+/))) {
        if (word.length < 2 || SQL_KEYWORDS.has(word) || /^\d+$/.test(word) || seen.has(word)) continue;
        seen.add(word);
        out.push(word);
      }
      return out;
    }
    for (const w of words) withParts(w.replace(/^[.$]+|[.$]+$/g, ''), out);
    return out.filter(Boolean);
  }

  /** Query side: whole words only (the document side indexed their parts). */
  function tokenizeQuery(text) {
    return (String(text).toLowerCase().match(WORD) || []).map((w) => w.replace(/^[.$]+|[.$]+$/g, '')).filter(Boolean);
  }

  /** prefixFields: where the word being typed is completed by MiniSearch (see queryFor). */
  const PARTS = [
    { name: 'nodes', fields: ['n', 'd', 't', 'o'], prefixFields: [], storeFields: ['x'], boost: { n: 8, t: 3, o: 2, d: 1 }, weight: 1 },
    { name: 'columns', fields: ['n', 'd', 't', 'in'], prefixFields: ['n'], storeFields: ['x'], boost: { n: 6, t: 2, d: 1, in: 0.5 }, weight: 0.85 },
    { name: 'sql', fields: ['q'], prefixFields: [], storeFields: [], boost: { q: 1 }, weight: 0.35 },
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
      prefix: false,
      // Longer words forgive a typo.
      fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
      maxFuzzy: 1,
    };
  }

  /**
   * Search as you type: every word must match (AND), whole (or with one typo from five
   * letters on), and the last word, still being typed, is also completed as a prefix in names:
   * column names here, node names by completeNames (a sorted word list). Completing it in
   * descriptions, tags or SQL would, on a large project, score tens of thousands of postings
   * per keystroke ("int" starts thousands of generated names and tags), for results that rank
   * below the name matches anyway.
   */
  function queryFor(part, q) {
    const spec = PARTS.find((p) => p.name === part);
    const words = tokenizeQuery(q);
    const last = words[words.length - 1];
    const lastQuery = spec.prefixFields.length
      ? { combineWith: 'OR', queries: [{ queries: [last] }, { queries: [last], prefix: true, fields: spec.prefixFields }] }
      : { queries: [last] };
    return { combineWith: 'AND', queries: [...words.slice(0, -1).map((w) => ({ queries: [w] })), lastQuery] };
  }

  /** The words of every shown node's name, sorted, for prefix completion: [[word, node], ...]. */
  function nameWords(nodes) {
    const out = [];
    nodes.forEach((n, i) => {
      if (!n.hide) for (const w of new Set(tokenize(n.n, 'n'))) out.push([w, i]);
    });
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  }

  /** Nodes with a name word starting with prefix, shortest word first, at most limit (0: all). */
  function completeNames(words, prefix, limit) {
    let lo = 0;
    let hi = words.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (words[mid][0] < prefix) lo = mid + 1;
      else hi = mid;
    }
    const found = [];
    for (let i = lo; i < words.length && words[i][0].startsWith(prefix); i++) found.push(words[i]);
    if (limit && found.length > limit) found.sort((a, b) => a[0].length - b[0].length || a[1] - b[1]).length = limit;
    return found.map((w) => w[1]);
  }

  /** Column documents have ids "<node index>:<column name>"; node documents the node index. */
  function parseId(id) {
    if (typeof id === 'number') return { node: id };
    const i = id.indexOf(':');
    return { node: Number(id.slice(0, i)), column: id.slice(i + 1) };
  }

  /** Fewer characters than this are not searched: a one-letter prefix matches nearly everything. */
  const MIN_QUERY = 2;

  /**
   * The query as searched: a last word of one letter is left out until it grows ("amount m"
   * searches "amount"), so that a keystroke never expands a prefix to most of the index.
   */
  function effectiveQuery(query) {
    const words = tokenizeQuery(query);
    if (words.length > 1 && words[words.length - 1].length < MIN_QUERY) words.pop();
    const q = words.join(' ');
    return q.length < MIN_QUERY ? '' : q;
  }

  /** Per shard, results beyond this many (by score) cannot reach the first page of results. */
  const PER_SHARD = 400;
  /** What a completed name word adds to a node's score (BM25 scores of a name match are ~10-30). */
  const NAME_COMPLETION_SCORE = 12;

  /**
   * Queries every loaded part and ranks the union. `indexes` maps part name to MiniSearch
   * instances, one per shard (parts not yet loaded are absent); `names` is nameWords(nodes);
   * `nameOf(hit)` gives a hit's display name; `keep(hit)` filters (kind, tag, owner...).
   * Returns the ranked hits, at most `limit` (0: up to PER_SHARD per shard), and `total`, how
   * many documents matched.
   */
  function search(indexes, names, query, nameOf, keep, limit) {
    const q = effectiveQuery(query);
    const out = [];
    out.total = 0;
    if (!q) return out;
    const words = tokenizeQuery(q);
    const last = words[words.length - 1];
    const merged = new Map();
    const perShard = limit ? Math.max(limit * 8, 64) : PER_SHARD;
    const matched = new Set();
    const hitFor = (key, node, column) => {
      let hit = merged.get(key);
      if (!hit) {
        hit = { key: String(key), node, column, score: 0, fields: new Set(), snippet: undefined, tier: 3 };
        merged.set(key, hit);
      }
      return hit;
    };
    // Nodes matching every word but the last, for completions of the last one.
    const heads = words.length > 1 ? new Map() : undefined;
    for (const part of PARTS) {
      const loaded = indexes[part.name];
      const shards = Array.isArray(loaded) ? loaded : loaded ? [loaded] : [];
      for (const index of shards) {
        const options = searchOptions(part.name);
        if (keep) options.filter = (r) => keep(parseId(r.id));
        const results = index.search(queryFor(part.name, q), options);
        for (const r of results) matched.add(r.id);
        // MiniSearch sorts by score: the rest of this shard cannot outrank what is kept.
        for (let k = 0; k < results.length && k < perShard; k++) {
          const r = results[k];
          const ref = parseId(r.id);
          const hit = hitFor(ref.column === undefined ? ref.node : `${ref.node}:${ref.column}`, ref.node, ref.column);
          hit.score += r.score * part.weight;
          for (const term in r.match) for (const f of r.match[term]) hit.fields.add(part.name === 'sql' ? 'sql' : f);
          if (r.x && !hit.snippet) hit.snippet = r.x;
        }
        if (heads && part.name === 'nodes') {
          for (const r of index.search({ combineWith: 'AND', queries: words.slice(0, -1) }, options)) heads.set(r.id, r);
        }
      }
    }
    if (names) {
      for (const node of completeNames(names, last, limit ? perShard : 0)) {
        const head = heads ? heads.get(node) : undefined;
        if ((heads && !head) || (keep && !keep({ node }))) continue;
        const hit = hitFor(node, node, undefined);
        if (!matched.has(node)) {
          matched.add(node);
          if (head) {
            hit.score += head.score;
            for (const term in head.match) for (const f of head.match[term]) hit.fields.add(f);
            hit.snippet = hit.snippet || head.x;
          }
        }
        hit.score += NAME_COMPLETION_SCORE;
        hit.fields.add('n');
      }
    }
    for (const hit of merged.values()) {
      const name = String(nameOf(hit)).toLowerCase();
      hit.tier = name === q ? 0 : name.startsWith(q) ? 1 : name.split(/[_.$]+/).some((p) => p.startsWith(q)) ? 2 : 3;
      out.push(hit);
    }
    // An exact name first (a node before a column), then nodes whose name starts with the query
    // or has a part starting with it, then such columns: "customer" finds dim_customers before
    // the many customer_id columns that would otherwise fill the box.
    const rank = (hit) => (hit.tier === 0 ? (hit.column === undefined ? 0 : 1) : hit.tier === 3 ? 6 : (hit.column === undefined ? 1 : 3) + hit.tier);
    out.sort((a, b) => rank(a) - rank(b) || b.score - a.score || (a.key < b.key ? -1 : 1));
    const ranked = limit ? out.slice(0, limit) : out;
    // Node documents of the nodes and sql parts share ids: count each document once.
    ranked.total = matched.size;
    return ranked;
  }

  root.dpfSearchCore = { PARTS, MIN_QUERY, tokenize, tokenizeQuery, effectiveQuery, indexOptions, searchOptions, queryFor, nameWords, completeNames, parseId, search };
})(typeof window !== 'undefined' ? window : globalThis);
