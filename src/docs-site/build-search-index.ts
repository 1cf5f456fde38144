/**
 * Step 6 of `dpf docs generate`: the search index, built with MiniSearch at generate time so
 * that the browser only loads it (MiniSearch.loadJSON). Documents, tokenizer and field
 * weights come from templates/site/js/shared/search-core.js, which the browser queries with.
 * Large parts are split into shards (documents in order), each file under MAX_FILE_BYTES; the
 * browser searches every shard and merges.
 */
import { BROWSER_FILE_BUDGET_BYTES } from './write-site.js';
import MiniSearch from 'minisearch';
import { loadSearchCore, type SearchPart } from './browser-shared.js';
import type { SiteData } from './build-site-data.js';

/** Keep every file the browser loads well under 5 MB. */
/** A shard's budget, with room under the site's per-file budget for the data-script wrapper. */
export const MAX_FILE_BYTES = 0.8 * BROWSER_FILE_BUDGET_BYTES;

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

/**
 * Text indexed per field of one document. Search finds a description by its words; past a few
 * pages they add nothing but size (one 6 MB description made a 17 MB shard, over the 5 MB the
 * browser may load in one file).
 */
const MAX_FIELD_CHARS = 10_000;
const capped = (text: string) => (text.length > MAX_FIELD_CHARS ? text.slice(0, MAX_FIELD_CHARS) : text);

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
      d: capped(d.source ? `${d.description} ${d.source.sourceName} ${d.source.sourceDescription}` : d.description),
      t: node.t.map((t) => index.tags[t]).join(' '),
      o: node.o >= 0 ? index.owners[node.o]! : '',
      x: snippet(d.description),
    });
    for (const c of d.columns) {
      docs.columns.push({ id: `${i}:${c.name}`, n: c.name, d: capped(c.description), t: c.tags.join(' '), in: node.n, x: snippet(c.description) });
    }
    if (d.rawSql) docs.sql.push({ id: i, q: capped(d.rawSql) });
  });
  return docs;
}

function buildPart(part: SearchPart, docs: Doc[]): string {
  const core = loadSearchCore();
  const search = new MiniSearch<Doc>(core.indexOptions(part) as ConstructorParameters<typeof MiniSearch<Doc>>[0]);
  search.addAll(docs);
  return JSON.stringify(search);
}

/** Source text per shard: the index's JSON is about as large as the text it indexes. */
const SHARD_TEXT_BYTES = 2.5 * 1024 * 1024;

const textSize = (doc: Doc) => Object.values(doc).reduce<number>((n, v) => n + String(v).length, 0);

/** Builds one part in shards of about SHARD_TEXT_BYTES of text; a shard still too large is halved. */
function buildShards(part: SearchPart, docs: Doc[], out: SearchFile[]): void {
  let start = 0;
  let bytes = 0;
  const flush = (end: number) => {
    if (end > start) buildBounded(part, docs.slice(start, end), out);
    start = end;
    bytes = 0;
  };
  docs.forEach((doc, i) => {
    bytes += textSize(doc);
    if (bytes > SHARD_TEXT_BYTES) flush(i + 1);
  });
  flush(docs.length);
}

function buildBounded(part: SearchPart, docs: Doc[], out: SearchFile[]): void {
  const json = buildPart(part, docs);
  if (json.length <= MAX_FILE_BYTES || docs.length < 2) {
    out.push({ part, json, documents: docs.length });
    return;
  }
  const half = Math.ceil(docs.length / 2);
  buildBounded(part, docs.slice(0, half), out);
  buildBounded(part, docs.slice(half), out);
}

export function buildSearchIndex(site: SiteData): SearchFile[] {
  const all = searchDocuments(site);
  const files: SearchFile[] = [];
  for (const part of ['nodes', 'columns', 'sql'] as const) buildShards(part, all[part], files);
  return files;
}
