/**
 * Step 6 of `dpf docs generate`: the search index, built with MiniSearch at generate time so
 * that the browser only loads it (MiniSearch.loadJSON). Documents, tokenizer and field
 * weights come from templates/site/js/shared/search-core.js, which the browser queries with.
 * A part whose index would exceed MAX_FILE_BYTES is split into shards (documents split in
 * order; the browser searches every shard and merges).
 */
import MiniSearch from 'minisearch';
import { loadSearchCore, type SearchPart } from './browser-shared.js';
import type { SiteData } from './build-site-data.js';

/** Keep every file the browser loads well under 5 MB. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

export interface SearchFile {
  readonly part: SearchPart;
  /** MiniSearch's JSON. */
  readonly json: string;
  readonly documents: number;
}

type Doc = Record<string, string | number>;

const SNIPPET = 140;

/** A description as one line of plain text, for result lists. */
export function snippet(markdown: string): string {
  const text = markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*_#>~|]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > SNIPPET ? `${text.slice(0, SNIPPET - 1).trimEnd()}…` : text;
}

export function searchDocuments(site: SiteData): Record<SearchPart, Doc[]> {
  const { index, chunks } = site;
  const details = new Map(chunks.flat().map((d) => [d.id, d]));
  const docs: Record<SearchPart, Doc[]> = { nodes: [], columns: [], sql: [] };
  index.nodes.forEach((node, i) => {
    if (node.hide) return;
    const d = details.get(node.id)!;
    docs.nodes.push({
      id: i,
      n: node.n,
      d: d.source ? `${d.description} ${d.source.sourceName} ${d.source.sourceDescription}` : d.description,
      t: node.t.map((t) => index.tags[t]).join(' '),
      o: node.o >= 0 ? index.owners[node.o]! : '',
      x: snippet(d.description),
    });
    for (const c of d.columns) {
      docs.columns.push({ id: `${i}:${c.name}`, n: c.name, d: c.description, t: c.tags.join(' '), in: node.n, x: snippet(c.description) });
    }
    if (d.rawSql) docs.sql.push({ id: i, q: d.rawSql });
  });
  return docs;
}

function buildPart(part: SearchPart, docs: Doc[]): string {
  const core = loadSearchCore();
  const search = new MiniSearch<Doc>(core.indexOptions(part) as ConstructorParameters<typeof MiniSearch<Doc>>[0]);
  search.addAll(docs);
  return JSON.stringify(search);
}

export function buildSearchIndex(site: SiteData): SearchFile[] {
  const all = searchDocuments(site);
  const files: SearchFile[] = [];
  for (const part of ['nodes', 'columns', 'sql'] as const) {
    const docs = all[part];
    if (docs.length === 0) continue;
    const json = buildPart(part, docs);
    if (json.length <= MAX_FILE_BYTES) {
      files.push({ part, json, documents: docs.length });
      continue;
    }
    // Shard by document order, with headroom: the shards' vocabularies overlap.
    const shards = Math.ceil((json.length / MAX_FILE_BYTES) * 1.3);
    const size = Math.ceil(docs.length / shards);
    for (let s = 0; s < docs.length; s += size) {
      const slice = docs.slice(s, s + size);
      files.push({ part, json: buildPart(part, slice), documents: slice.length });
    }
  }
  return files;
}
