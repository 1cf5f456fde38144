/**
 * The Explore page's chart and "Save as analysis", in real Chromium against `dpf docs serve` on
 * the demo project built into DuckDB: a query's result drawn as a chart the builder changes;
 * saved as analyses/<name>.yml (YAML read back: the SQL with its relation turned into a ref,
 * the chart); published by `dpf docs generate` as a static page with the chart and snapshot;
 * a second save under the same name, a name like ../x, a request without the token beyond
 * loopback and one from another origin all refused with nothing written; an XSS payload in the
 * title saved and shown as text.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { collectProblems, launchChromium, openSite } from '../../bench/chromium.js';
import { copyDemoProject, dpf, REPO_ROOT } from '../helpers/run-dpf.js';

const TITLE = 'Orders <img src=x onerror="window.__xss=1"> by <script>window.__xss=2</script> status';
const SQL = 'select status, count(*) as orders from "main"."fct_orders" group by 1 order by 1';

let browser: Browser;
let dir: string;
let site: string;
const servers: ChildProcess[] = [];

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

const analysisFiles = () => readdirSync(join(dir, 'analyses')).sort();
const chartState = (page: Page) => page.$eval('#explore-chart', (el) => ({ ...(el as HTMLElement).dataset, canvases: el.querySelectorAll('canvas').length }));

async function saveAs(page: Page, name: string): Promise<void> {
  await page.fill('#explore-save-name', name);
  await page.click('#explore-save-button');
  await page.waitForSelector('#explore-saved, #explore-save-error');
}

const post = (body: unknown, headers: Record<string, string> = {}, base = site) =>
  fetch(`${base}api/analyses`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('Explore: chart and Save as analysis', () => {
  it('charts a result, saves it as an analysis, and dpf docs generate publishes it with chart and snapshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = collectProblems(page);
    await openSite(page, `${site}#/explore`);
    await page.waitForSelector('#explore-sql');
    await page.fill('#explore-sql', SQL);
    await page.click('#explore-run');
    await page.waitForSelector('#explore-count');
    const rows = await page.$$eval('#explore-table tbody tr', (trs) => trs.length);
    expect(rows).toBeGreaterThan(1);

    // The builder: choose mark, x and y; the chart redraws with a mark per status.
    await page.selectOption('#explore-chart-builder select[name=mark]', 'line');
    await page.selectOption('#explore-chart-builder select[name=x]', 'status');
    await page.selectOption('#explore-chart-builder select[name=y]', 'orders');
    await page.selectOption('#explore-chart-builder select[name=aggregate]', 'none');
    expect(await chartState(page)).toMatchObject({ state: 'drawn', mark: 'line', marks: String(rows), canvases: expect.any(Number) });
    expect((await chartState(page)).canvases).toBeGreaterThan(0);
    await page.selectOption('#explore-chart-builder select[name=mark]', 'bar');
    expect(await chartState(page)).toMatchObject({ state: 'drawn', mark: 'bar', marks: String(rows) });

    await page.click('#explore-save summary');
    await page.fill('#explore-save-title', TITLE);
    await page.fill('#explore-save-owner', 'ops@shop.example');
    await page.fill('#explore-save-description', 'Orders per **status**.');
    await saveAs(page, 'orders_by_status');
    expect(await page.textContent('#explore-saved-file')).toBe('analyses/orders_by_status.yml');
    expect(await page.textContent('#explore-saved')).toContain('dpf docs generate');

    const file = join(dir, 'analyses', 'orders_by_status.yml');
    const saved = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(saved).toEqual({
      title: TITLE,
      description: 'Orders per **status**.',
      owner: 'ops@shop.example',
      sql: 'select status, count(*) as orders from {{ref "fct_orders"}} group by 1 order by 1\n',
      chart: { mark: 'bar', x: 'status', y: 'orders' },
    });

    // The same name again: refused, the file as it was.
    const before = readFileSync(file, 'utf8');
    await page.fill('#explore-save-title', 'Another');
    await saveAs(page, 'orders_by_status');
    expect(await page.textContent('#explore-save-error')).toContain('DPF187');
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    // The refused save's 409 is the only thing the console reports.
    expect(problems.filter((p) => !p.includes('409 (Conflict)'))).toEqual([]);
    await page.close();

    // Published: the analysis is compiled into the lineage, and its static page has the chart and the snapshot.
    const generated = await dpf(['docs', 'generate', '--project-dir', dir], { cwd: dir });
    expect(generated.code, generated.output).toBe(0);
    const listed = await dpf(['ls', '--project-dir', dir, '-s', 'fct_orders+', '--resource-type', 'analysis'], { cwd: dir });
    expect(listed.output).toContain('orders_by_status');
    const staticPage = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const staticProblems = collectProblems(staticPage);
    await openSite(staticPage, `${pathToFileURL(join(dir, 'target', 'site', 'index.html')).href}#/analysis/analysis.shop.orders_by_status`);
    await staticPage.waitForSelector('#analysis-page');
    expect(await staticPage.textContent('#analysis-title')).toBe(TITLE);
    expect(await staticPage.$$('#analysis-page img, #analysis-title script')).toHaveLength(0);
    expect(await staticPage.$eval('#analysis-chart .result-chart', (el) => ({ ...(el as HTMLElement).dataset, canvases: el.querySelectorAll('canvas').length }))).toMatchObject({ state: 'drawn', mark: 'bar', marks: String(rows) });
    expect(await staticPage.$$eval('#snapshot-table tbody tr', (trs) => trs.length)).toBe(rows);
    expect(await staticPage.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(staticProblems).toEqual([]);
    await staticPage.close();
  });

  it('refuses names that are not identifiers, and writes nothing', async () => {
    const before = analysisFiles();
    for (const name of ['../x', '..', 'a/b', 'a\\b', '.hidden', 'x.yml', '']) {
      const res = await post({ name, sql: 'select 1 as a', chart: { mark: 'bar', x: 'a', y: 'a' } });
      expect(res.status, name).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('DPF186');
    }
    expect(existsSync(join(dir, 'x.yml'))).toBe(false);
    expect(existsSync(join(dirname(dir), 'x.yml'))).toBe(false);
    expect(analysisFiles()).toEqual(before);
  });

  it('refuses SQL that is not one select and a chart an analysis cannot hold; replaces a file only when asked', async () => {
    const bad = await post({ name: 'dropper', sql: 'drop table main.fct_orders' });
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('DPF180');
    const chart = await post({ name: 'pie', sql: 'select 1 as a', chart: { mark: 'pie', x: 'a', y: 'a' } });
    expect(((await chart.json()) as { error: { code: string } }).error.code).toBe('DPF188');
    expect(analysisFiles()).not.toContain('dropper.yml');
    expect(analysisFiles()).not.toContain('pie.yml');

    const replaced = await post({ name: 'orders_by_status', sql: 'select 1 as a', chart: { mark: 'bar', x: 'a', aggregate: 'count' }, overwrite: true });
    expect(replaced.status).toBe(201);
    expect(await replaced.json()).toMatchObject({ file: 'analyses/orders_by_status.yml', overwritten: true, refs: [] });
    expect(parse(readFileSync(join(dir, 'analyses', 'orders_by_status.yml'), 'utf8'))).toEqual({ sql: 'select 1 as a\n', chart: { mark: 'bar', x: 'a', aggregate: 'count' } });
  });

  it('refuses a request from another origin, and one without the token beyond loopback', async () => {
    const before = analysisFiles();
    const body = { name: 'sneaky', sql: 'select 1 as a' };
    expect((await post(body, { Origin: 'http://evil.example' })).status).toBe(403);
    const { url, stdout } = await serve('--host', '0.0.0.0');
    const local = url.replace('0.0.0.0', '127.0.0.1');
    expect((await post(body, {}, local)).status).toBe(401);
    expect((await post(body, { 'X-Dpf-Token': 'not-the-token' }, local)).status).toBe(401);
    expect(analysisFiles()).toEqual(before);
    const token = /\?token=([\w-]+)/.exec(stdout)![1]!;
    expect((await post(body, { 'X-Dpf-Token': token }, local)).status).toBe(201);
    expect(analysisFiles()).toContain('sneaky.yml');
  });
});
