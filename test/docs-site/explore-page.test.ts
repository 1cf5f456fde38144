/**
 * The Explore page in a real browser (Chromium through playwright-core) against `dpf docs serve`
 * on the demo project built into DuckDB: a query with completion, its result, sorting and
 * downloads; preview from a node page; write statements refused with the warehouse unchanged;
 * the row limit; an XSS payload in data shown as text; cancel; a build holding the file; the
 * token beyond loopback; and the page opened from disk.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectProblems, launchChromium, openSite } from '../../bench/chromium.js';
import { relationsIn } from '../helpers/query-duckdb.js';
import { copyDemoProject, dpf, REPO_ROOT } from '../helpers/run-dpf.js';

let browser: Browser;
let dir: string;
const servers: ChildProcess[] = [];

/** `dpf docs serve` in its own process, as a user starts it; resolves with what it printed once it listens. */
async function serve(...args: string[]): Promise<{ url: string; stdout: string }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'dpf.js'), 'docs', 'serve', '--port', '0', ...args], { cwd: dir, env: { ...process.env, HOME: dir } });
  servers.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes('Ctrl+C to stop') && (!args.includes('--host') || stdout.includes('token'))) resolve();
    });
    child.on('exit', (code) => reject(new Error(`dpf docs serve exited with ${code}: ${stdout}${stderr}`)));
  });
  return { url: /at (http:\/\/\S+)/.exec(stdout)![1]!, stdout };
}

let site: string;

beforeAll(async () => {
  dir = copyDemoProject();
  expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(0);
  expect((await dpf(['docs', 'generate', '--project-dir', dir, '--empty-catalog'], { cwd: dir })).code).toBe(0);
  site = (await serve()).url;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const child of servers) child.kill('SIGTERM');
});

async function explore(hash = '#/explore'): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems = collectProblems(page);
  await openSite(page, `${site}${hash}`);
  await page.waitForSelector('#explore-sql');
  return { page, problems };
}

async function runQuery(page: Page, sql: string): Promise<void> {
  await page.fill('#explore-sql', sql);
  await page.click('#explore-run');
  await page.waitForSelector('#explore-run:not([disabled])');
}

const cells = (page: Page) => page.$$eval('#explore-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));

describe('the Explore page', () => {
  it('completes a model name, runs the query, shows rows, count and timing, sorts, and downloads', async () => {
    const { page, problems } = await explore();
    await page.click('#explore-sql');
    await page.keyboard.type('select order_id, status from fct_ord');
    await page.waitForSelector('#explore-complete:not([hidden]) li');
    expect(await page.textContent('#explore-complete li.active .c-label')).toBe('fct_orders');
    await page.keyboard.press('Enter');
    expect(await page.inputValue('#explore-sql')).toBe('select order_id, status from main.fct_orders');
    await page.keyboard.type(' order by order_id limit 5');
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('#explore-count');
    expect(await page.textContent('#explore-count')).toBe('5 rows');
    expect(await page.textContent('#explore-status')).toMatch(/5 rows in [\d,]+ ms/);
    expect(await page.$$eval('#explore-table th', (ths) => ths.map((th) => th.textContent))).toEqual(['order_id', 'status']);
    const ids = (await cells(page)).map((r) => Number(r[0]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    await page.click('#explore-table th:first-child button');
    await page.click('#explore-table th:first-child button');
    expect((await cells(page)).map((r) => Number(r[0]))).toEqual([...ids].reverse());
    expect(await page.getAttribute('#explore-table th:first-child', 'aria-sort')).toBe('descending');
    // The seam for charts and Save: the last result as data.
    const last = await page.evaluate(() => (window as unknown as { dpf: { explorePage: { lastResult(): { columns: { name: string }[]; rows: unknown[][] } } } }).dpf.explorePage.lastResult());
    expect(last.columns.map((c) => c.name)).toEqual(['order_id', 'status']);
    expect(last.rows.map((r) => Number(r[0]))).toEqual(ids);

    const csv = await page.evaluate(async () => (await fetch((document.getElementById('explore-csv') as HTMLAnchorElement).href)).text());
    expect(csv.split(/\r?\n/)[0]).toBe('order_id,status');
    expect(csv.trim().split(/\r?\n/)).toHaveLength(6);
    const parquet = await page.evaluate(async () => {
      const res = await fetch((document.getElementById('explore-parquet') as HTMLAnchorElement).href);
      return [res.headers.get('content-disposition'), new TextDecoder().decode((await res.arrayBuffer()).slice(0, 4))];
    });
    expect(parquet).toEqual(['attachment; filename="query-result.parquet"', 'PAR1']);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('previews a node from its page: its first 100 rows', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = collectProblems(page);
    await openSite(page, `${site}#/node/model.shop.fct_orders`);
    await page.click('#preview-node');
    await page.waitForSelector('#explore-count');
    expect(await page.inputValue('#explore-sql')).toBe('select * from "main"."fct_orders" limit 100');
    const rows = await cells(page);
    expect(await page.textContent('#explore-count')).toBe(`${rows.length} rows`);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(100);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('refuses write statements, and the warehouse and the disk stay as they were', async () => {
    const warehouse = join(dir, 'target', 'dev.duckdb');
    const before = await relationsIn(warehouse);
    const { page } = await explore();
    const refused = [
      ['drop table main.fct_orders', 'DPF180', 'DROP'],
      ["copy (select 1 as x) to 'explore-copy.csv'", 'DPF180', 'COPY'],
      ["attach 'explore-attached.duckdb' as other", 'DPF180', 'ATTACH'],
      ['select 1; drop table main.fct_orders', 'DPF181', 'line 1'],
    ];
    for (const [sql, code, word] of refused) {
      await runQuery(page, sql!);
      const error = await page.textContent('#explore-error');
      expect(error).toContain(code);
      expect(error).toContain(word);
    }
    expect(existsSync(join(dir, 'explore-copy.csv'))).toBe(false);
    expect(existsSync(join(dir, 'explore-attached.duckdb'))).toBe(false);
    expect(await relationsIn(warehouse)).toEqual(before);
    await runQuery(page, 'select count(*) as n from main.fct_orders');
    expect(Number((await cells(page))[0]![0])).toBeGreaterThan(0);
    await page.close();
  });

  it('cuts a result at the row limit and says so', async () => {
    const { page } = await explore();
    await page.fill('#explore-limit', '50');
    await page.dispatchEvent('#explore-limit', 'change');
    await runQuery(page, 'select * from range(120)');
    expect(await page.textContent('#explore-cut')).toBe('cut at 50 rows');
    expect(await page.textContent('#explore-count')).toBe('50 rows');
    expect(await cells(page)).toHaveLength(50);
    await runQuery(page, 'select * from range(20)');
    expect(await page.$('#explore-cut')).toBeNull();
    await page.close();
  });

  it('shows an XSS payload in data values and column names as text, and runs none of it', async () => {
    const { page, problems } = await explore();
    const payload = '<img src=x onerror="window.__xss=1">';
    await runQuery(page, `select '${payload}' as "<script>window.__xss=2</script>", '<b onmouseover=alert(1)>bold</b>' as b`);
    expect(await page.textContent('#explore-table tbody td')).toBe(payload);
    expect(await page.textContent('#explore-table th button')).toBe('<script>window.__xss=2</script>');
    expect(await page.$$('#explore-table img, #explore-table script, #explore-table b')).toHaveLength(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(problems.filter((p) => !p.includes('favicon'))).toEqual([]);
    await page.close();
  });

  it('cancels a long query on the engine, and the next query runs', async () => {
    const { page } = await explore();
    await page.fill('#explore-sql', 'select count(*) from range(1000000000) a, range(1000000000) b');
    await page.click('#explore-run');
    await page.waitForSelector('#explore-cancel:not([disabled])');
    await page.click('#explore-cancel');
    await page.waitForSelector('#explore-run:not([disabled])');
    expect(await page.textContent('#explore-error')).toContain('cancelled');
    await runQuery(page, 'select 42 as answer');
    expect(await cells(page)).toEqual([['42']]);
    await page.close();
  });

  it('says a build is running while another process holds the warehouse for writing', async () => {
    const writer = await DuckDBInstance.create(join(dir, 'target', 'dev.duckdb'));
    try {
      const res = await fetch(`${site}api/query`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sql: 'select 1' }) });
      expect(res.status).toBe(409);
      const body = (await res.json()) as { error: { code: string; hint: string } };
      expect(body.error.code).toBe('DPF182');
      expect(body.error.hint).toContain('try again when it ends');
    } finally {
      writer.closeSync();
    }
    const again = await fetch(`${site}api/query`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sql: 'select 1 as one' }) });
    expect(again.status).toBe(200);
  });

  it('refuses API requests without the start-up token beyond loopback', async () => {
    const { url, stdout } = await serve('--host', '0.0.0.0');
    const token = /\?token=([\w-]+)/.exec(stdout)![1]!;
    const local = url.replace('0.0.0.0', '127.0.0.1');
    const post = (headers: Record<string, string>) => fetch(`${local}api/query`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ sql: 'select 1 as one' }) });
    expect((await post({})).status).toBe(401);
    expect((await post({ 'X-Dpf-Token': 'not-the-token' })).status).toBe(401);
    expect((await fetch(`${local}api/explore`)).status).toBe(401);
    expect((await post({ 'X-Dpf-Token': token })).status).toBe(200);
    expect((await fetch(`${local}api/explore?token=${token}`)).status).toBe(200);

    // The page opened from the printed URL carries the token to its queries.
    const page = await browser.newPage();
    await openSite(page, `${local}?token=${token}#/explore`);
    await page.waitForSelector('#explore-sql');
    await runQuery(page, 'select 7 as seven');
    expect(await cells(page)).toEqual([['7']]);
    await page.close();
  });

  it('opened from disk, says it needs dpf docs serve', async () => {
    const page = await browser.newPage();
    await openSite(page, `${pathToFileURL(join(dir, 'target', 'site', 'index.html')).href}#/explore`);
    expect(await page.textContent('#explore-needs-server')).toContain('dpf docs serve');
    await page.close();
  });
});
