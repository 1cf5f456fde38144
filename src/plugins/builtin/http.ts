/**
 * The built-in `http` source (docs/plugins.md): a JSON API read with GET, page after page.
 * Every request goes through ctx.fetch, so the extract's rate limits hold and a 429 or 5xx is
 * waited out there; a header's `{{env 'API_TOKEN'}}` was rendered by the extract step, so the
 * token is never in the manifest. The API cannot say what its columns are: the YAML declares
 * them, and each record gives the values of those keys (nested objects and lists as JSON
 * text, keys not declared ignored).
 */
import type { LogicalType } from '../../adapters/adapter.js';
import { defineSource, type ExtractContext, type PluginColumn } from '../define-plugin.js';

type Pagination =
  /** ?<param>=start, start+1, … until a page has no records. */
  | { type: 'page'; param: string; start?: number }
  /** The next page's URL at `path` in the body (absolute or relative), else the Link header's rel="next"; stops when there is none. */
  | { type: 'next_link'; path?: string }
  /** ?<param>=<the value at `path` in the body>, until it is empty or repeats. */
  | { type: 'cursor'; param: string; path: string };

export interface HttpConfig {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly params?: Readonly<Record<string, string | number | boolean>>;
  /** Dotted path to the list of records in the body (`data.items`); default: the body is the list. */
  readonly records?: string;
  readonly pagination?: Pagination;
  /** Stop after this many pages (a guard against an API that never says it is done). */
  readonly max_pages?: number;
  /** The columns to land, in order: name → logical type. */
  readonly columns: Readonly<Record<string, LogicalType>>;
}

const TYPES: LogicalType[] = ['boolean', 'integer', 'bigint', 'double', 'date', 'timestamp', 'text'];

export default defineSource<HttpConfig>({
  description: 'Rows from a JSON API over HTTP GET, with pagination',
  config: {
    type: 'object',
    required: ['url', 'columns'],
    properties: {
      url: { type: 'string', minLength: 1 },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      params: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      records: { type: 'string' },
      pagination: {
        oneOf: [
          { type: 'object', required: ['type', 'param'], additionalProperties: false, properties: { type: { const: 'page' }, param: { type: 'string' }, start: { type: 'integer' } } },
          { type: 'object', required: ['type'], additionalProperties: false, properties: { type: { const: 'next_link' }, path: { type: 'string' } } },
          { type: 'object', required: ['type', 'param', 'path'], additionalProperties: false, properties: { type: { const: 'cursor' }, param: { type: 'string' }, path: { type: 'string' } } },
        ],
      },
      max_pages: { type: 'integer', minimum: 1 },
      columns: { type: 'object', minProperties: 1, additionalProperties: { enum: TYPES } },
    },
  },
  columns: (config): PluginColumn[] => Object.entries(config.columns).map(([name, type]) => ({ name, type })),
  async *extract(config, ctx) {
    const names = Object.keys(config.columns);
    const texts = new Set(names.filter((n) => config.columns[n] === 'text'));
    const pagination = config.pagination;
    let url: URL | undefined = withParams(new URL(config.url), config.params ?? {});
    let page = pagination?.type === 'page' ? (pagination.start ?? 1) : 0;
    const seen = new Set<string>();
    for (let pages = 0; url && !ctx.signal.aborted && pages < (config.max_pages ?? Infinity); pages++) {
      if (pagination?.type === 'page') url.searchParams.set(pagination.param, String(page++));
      const { body, response } = await getJson(url, config, ctx);
      const records = at(body, config.records);
      if (!Array.isArray(records)) throw new Error(`the body of ${shown(url)} has no list of records${config.records ? ` at "${config.records}"` : ''} (set records: to the dotted path of the list)`);
      if (records.length > 0) yield records.map((r) => rowOf(r, names, texts));
      url = nextUrl(pagination, url, body, response, records.length, seen);
    }
  },
});

async function getJson(url: URL, config: HttpConfig, ctx: ExtractContext): Promise<{ body: unknown; response: Response }> {
  const response = await ctx.fetch(url, { headers: { accept: 'application/json', ...config.headers } });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${shown(url)} answered ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`);
  try {
    return { body: JSON.parse(text), response };
  } catch {
    throw new Error(`GET ${shown(url)} did not answer JSON: ${text.slice(0, 200)}`);
  }
}

/** Where the next page is, or undefined when this one was the last. */
function nextUrl(pagination: Pagination | undefined, url: URL, body: unknown, response: Response, count: number, seen: Set<string>): URL | undefined {
  switch (pagination?.type) {
    case undefined:
      return undefined;
    case 'page':
      return count > 0 ? url : undefined;
    case 'next_link': {
      const link = pagination.path ? at(body, pagination.path) : /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get('link') ?? '')?.[1];
      if (typeof link !== 'string' || link === '') return undefined;
      const next = new URL(link, url);
      return seen.has(next.href) ? undefined : (seen.add(next.href), next);
    }
    case 'cursor': {
      const cursor = at(body, pagination.path);
      if (cursor === null || cursor === undefined || cursor === '' || seen.has(String(cursor))) return undefined;
      seen.add(String(cursor));
      const next = new URL(url);
      next.searchParams.set(pagination.param, String(cursor));
      return next;
    }
  }
}

function withParams(url: URL, params: Readonly<Record<string, string | number | boolean>>): URL {
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
  return url;
}

/** The value at a dotted path (`meta.next_cursor`); the whole value for no path. */
function at(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  return path.split('.').reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);
}

/** A record as values of the declared columns: nested values as JSON text, keys not declared dropped. */
function rowOf(record: unknown, names: readonly string[], texts: ReadonlySet<string>): unknown[] {
  const object = record !== null && typeof record === 'object' && !Array.isArray(record) ? (record as Record<string, unknown>) : {};
  return names.map((name) => {
    const value = object[name];
    if (value === undefined || value === null) return null;
    if (typeof value === 'object') return JSON.stringify(value);
    return texts.has(name) && typeof value !== 'string' ? String(value) : value;
  });
}

/** A URL for a message: without its query, which may carry a key. */
const shown = (url: URL) => `${url.origin}${url.pathname}`;
