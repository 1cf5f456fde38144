/**
 * The built-in `http` source end to end: a project with no plugins/ folder lands a JSON API
 * served by a real local HTTP server written here, through `dpf build`, into a DuckDB file.
 * The server pages, checks the token, answers one 429 (Retry-After) and one 500; the token,
 * read from the environment at run time, is nowhere under target/.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dpf, makeProject } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const TOKEN = 's3cr3t-token-4f9a7c';
let base = '';
let close: () => Promise<void>;
/** Every request the server took: path with query, its Authorization header, when it arrived. */
const seen: { url: string; auth?: string; at: number }[] = [];
let inFlight = 0;
let maxInFlight = 0;
const answered = new Set<string>();

/** Answers once per key with `status` (and the headers), then as usual. */
function once(key: string, res: ServerResponse, status: number, headers: Record<string, string> = {}): boolean {
  if (answered.has(key)) return false;
  answered.add(key);
  res.writeHead(status, headers).end(JSON.stringify({ error: `status ${status}` }));
  return true;
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url!, base);
  if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end('{"error":"unauthorized"}');
  const json = (body: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const item = (id: number) => ({ id, name: `item ${id}`, tags: ['a', `t${id}`], meta: { score: id / 2 }, ignored: true });
  switch (url.pathname) {
    case '/items': {
      // Pages 1..3 of three items, then an empty page.
      const page = Number(url.searchParams.get('page'));
      if (page === 1 && once('429', res, 429, { 'retry-after': '1' })) return;
      if (page === 2 && once('500', res, 500)) return;
      return json({ data: page <= 3 ? [1, 2, 3].map((i) => item((page - 1) * 3 + i)) : [] });
    }
    case '/events': {
      // Cursor pagination: meta.next_cursor until null.
      const cursor = url.searchParams.get('cursor') ?? '0';
      const next = { '0': 'c1', c1: 'c2', c2: null }[cursor];
      return json({ events: [{ id: Number(cursor.replace('c', '')) + 100, kind: `k${cursor}` }], meta: { next_cursor: next } });
    }
    case '/linked': {
      // next_link: a relative URL at links.next, absent on the last page.
      const n = Number(url.searchParams.get('n') ?? '1');
      return json({ rows: [{ id: n }], links: n < 3 ? { next: `/linked?n=${n + 1}` } : {} });
    }
  }
  res.writeHead(404).end();
}

beforeAll(async () => {
  const server = createServer((req, res) => {
    seen.push({ url: req.url!, auth: req.headers.authorization, at: Date.now() });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Held a little, so that requests allowed to overlap would.
    setTimeout(() => {
      inFlight--;
      handle(req, res);
    }, 15);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});
afterAll(() => close());

const env = (dir: string) => ({ HOME: dir, API_TOKEN: TOKEN });
const db = (dir: string) => join(dir, 'target/dev.duckdb');
const auth = `headers: {Authorization: "Bearer {{env 'API_TOKEN'}}"}`;

/** Every file under dir, recursively. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]));

describe('the built-in http source', () => {
  it('lands every page of a JSON API with a token from the environment, waiting out a 429 and a 500, and the token stays out of target/', async () => {
    const dir = makeProject(
      {
        'models/sources.yml': `sources:
  - name: api
    tables:
      - name: items
        extract:
          plugin: http
          url: ${base}/items
          ${auth}
          records: data
          pagination: {type: page, param: page, start: 1}
          columns: {id: integer, name: text, tags: text, meta: text}
          max_requests_per_second: 5
`,
        'models/item_count.sql': '{{config materialized="table"}}\nselect count(*) as n from {{source "api" "items"}}\n',
      },
      'name: proj\nmonitors: off\n',
    );
    expect(existsSync(join(dir, 'plugins'))).toBe(false);
    const before = seen.length;
    const run = await dpf(['build'], { cwd: dir, env: env(dir) });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/OK +extr +main_api\.items \.+ \[9 rows landed in/);

    const rows = await queryDuckDB(db(dir), 'select id, name, tags, meta from main_api.items order by id');
    expect(rows.map((r) => Number(r.id))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(rows[0]).toMatchObject({ name: 'item 1', tags: '["a","t1"]', meta: '{"score":0.5}' });
    expect(await queryDuckDB(db(dir), "select column_name, data_type from information_schema.columns where table_name = 'items' order by ordinal_position")).toEqual([
      { column_name: 'id', data_type: 'INTEGER' },
      { column_name: 'name', data_type: 'VARCHAR' },
      { column_name: 'tags', data_type: 'VARCHAR' },
      { column_name: 'meta', data_type: 'VARCHAR' },
    ]);
    expect(Number((await queryDuckDB(db(dir), 'select n from main.item_count'))[0]!.n)).toBe(9);

    // page 1 twice (429, then 200), page 2 twice (500, then 200), pages 3 and 4: every one with the token.
    const requests = seen.slice(before);
    expect(requests.map((r) => r.url)).toEqual(['/items?page=1', '/items?page=1', '/items?page=2', '/items?page=2', '/items?page=3', '/items?page=4']);
    expect(requests.every((r) => r.auth === `Bearer ${TOKEN}`)).toBe(true);
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(1000);

    // The manifest keeps the YAML's text; the token is in no file dpf wrote.
    const manifest = readFileSync(join(dir, 'target/manifest.json'), 'utf8');
    expect(manifest).toContain("Bearer {{env 'API_TOKEN'}}");
    expect(manifest).toContain('"pluginPath":"dpf:http"');
    const leaks = filesUnder(join(dir, 'target')).filter((f) => readFileSync(f).includes(TOKEN));
    expect(leaks).toEqual([]);
    expect(run.output).not.toContain(TOKEN);
  });

  it('follows a cursor and next links, shares max_concurrent_requests between the extracts of the plugin, and says which variable is missing', async () => {
    const yml = `sources:
  - name: api
    tables:
      - name: events
        extract:
          plugin: http
          url: ${base}/events
          ${auth}
          records: events
          pagination: {type: cursor, param: cursor, path: meta.next_cursor}
          columns: {id: integer, kind: text}
          max_concurrent_requests: 1
      - name: linked
        extract:
          plugin: http
          url: ${base}/linked
          ${auth}
          records: rows
          pagination: {type: next_link, path: links.next}
          columns: {id: bigint}
`;
    const dir = makeProject({ 'models/sources.yml': yml }, 'name: proj\nmonitors: off\n');
    maxInFlight = 0;
    const run = await dpf(['build'], { cwd: dir, env: env(dir) });
    expect(run.code, run.output).toBe(0);
    expect((await queryDuckDB(db(dir), 'select id, kind from main_api.events order by id')).map((r) => [Number(r.id), r.kind])).toEqual([
      [100, 'k0'],
      [101, 'kc1'],
      [102, 'kc2'],
    ]);
    expect((await queryDuckDB(db(dir), 'select id from main_api.linked order by id')).map((r) => Number(r.id))).toEqual([1, 2, 3]);
    // Two extracts at once (threads: 2) on one plugin: the strictest limit holds for both.
    expect(maxInFlight).toBe(1);

    const missing = await dpf(['build'], { cwd: dir, env: { HOME: dir } });
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/DPF303/);
    expect(missing.output).toMatch(/API_TOKEN is not set/);
    expect(missing.output).toMatch(/models\/sources\.yml:6/);
  });

  it('is shadowed by a project plugin of the same name, and its config is checked at its line', async () => {
    const dir = makeProject(
      {
        'plugins/http.ts': `import { defineSource } from 'dpf';
export default defineSource({ config: { type: 'object', properties: { url: { type: 'string' } } }, columns: [{ name: 'mine', type: 'text' }], extract: () => [[['own plugin']]] });
`,
        'models/sources.yml': `sources:\n  - name: api\n    tables:\n      - name: t\n        extract: {plugin: http, url: "${base}/nothing"}\n`,
      },
      'name: proj\nmonitors: off\n',
    );
    const run = await dpf(['build'], { cwd: dir, env: env(dir) });
    expect(run.code, run.output).toBe(0);
    expect(await queryDuckDB(db(dir), 'select mine from main_api.t')).toEqual([{ mine: 'own plugin' }]);

    const bad = makeProject(
      { 'models/sources.yml': `sources:\n  - name: api\n    tables:\n      - name: t\n        extract:\n          plugin: http\n          url: ${base}/items\n          columns: {id: integr}\n` },
      'name: proj\nmonitors: off\n',
    );
    const compile = await dpf(['compile'], { cwd: bad, env: env(bad) });
    expect(compile.code).toBe(2);
    expect(compile.output).toMatch(/DPF103/);
    expect(compile.output).toMatch(/models\/sources\.yml:8/);
    // dpf's limit keys are checked by dpf, at their line.
    writeFileSync(join(bad, 'models/sources.yml'), `sources:\n  - name: api\n    tables:\n      - name: t\n        extract:\n          plugin: http\n          url: ${base}/items\n          columns: {id: integer}\n          max_concurrent_requests: 0\n`);
    const limit = await dpf(['compile'], { cwd: bad, env: env(bad) });
    expect(limit.code).toBe(2);
    expect(limit.output).toMatch(/DPF103/);
    expect(limit.output).toMatch(/max_concurrent_requests/);
    expect(limit.output).toMatch(/models\/sources\.yml:9/);
  });
});
