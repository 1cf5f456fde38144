/**
 * The Health page and the node pages' history charts in a real browser (Chromium through
 * playwright-core), on the demo project built four times into DuckDB, the second build failing.
 *
 * Monitors (table_stats, monitor_results) and costs (node_runs.compute_cost) are written by
 * other parts of issue 11; where this branch does not write them, the test creates those
 * tables and column in dpf_meta with the columns the monitors part defines (run_id, unique_id,
 * attached_node, monitor, metric, column_name, status, value, expected, low, high, z_score,
 * detail, measured_at; table_stats: run_id, unique_id, column_name, data_type, row_count, ...)
 * and inserts rows itself. Some of those rows carry script payloads: the page must show them
 * as text and run none of them. Screenshots of the Health page and a node page go to
 * test-output/ (docs/img/ holds copies for the README).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectProblems, launchChromium, openSite } from '../../bench/chromium.js';
import { queryDuckDB } from '../helpers/query-duckdb.js';
import { copyDemoProject, dpf, REPO_ROOT } from '../helpers/run-dpf.js';

const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '<script>window.__pwned=2</script>';
const FCT = 'model.shop.fct_orders';
// The README's screenshots (docs/img/) are copies of these two, taken here so they show real runs.
const SCREENSHOTS = join(REPO_ROOT, 'test-output');

let browser: Browser;
let dir: string;
let url: string;
let runIds: string[];
let lastRunSteps: number;

const sql = (s: string) => `'${s.replace(/'/g, "''")}'`;

beforeAll(async () => {
  dir = copyDemoProject();
  const build = async (expected: number) => expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(expected);
  const payments = join(dir, 'models', 'staging', 'stg_payments.sql');
  const good = readFileSync(payments, 'utf8');
  await build(0);
  writeFileSync(payments, `${good.trimEnd()}\nwhere no_such_column = 1\n`);
  await build(1);
  writeFileSync(payments, good);
  await build(0);
  // The last build rebuilds something (stg_payments' code changed), so its timeline has real bars.
  writeFileSync(payments, `-- the fourth build\n${good}`);
  await build(0);

  const db = join(dir, 'target', 'dev.duckdb');
  runIds = (await queryDuckDB(db, 'select run_id from dpf_meta.runs order by started_at')).map((r) => String(r.run_id));
  expect(runIds).toHaveLength(4);
  lastRunSteps = Number((await queryDuckDB(db, `select count(*) as n from dpf_meta.node_runs where run_id = ${sql(runIds[3]!)} and started_at is not null`))[0]!.n);

  // What the monitors and cost parts would have written.
  const statements = [
    `create table if not exists dpf_meta.table_stats (run_id varchar, unique_id varchar, relation varchar, measured_at timestamp, column_name varchar, data_type varchar, row_count bigint, rows_added bigint, sampled_rows bigint, freshness_lag_seconds double, null_pct double, distinct_pct double, min_value varchar, max_value varchar, mean double, stddev double, mean_length double)`,
    `create table if not exists dpf_meta.monitor_results (run_id varchar, unique_id varchar, attached_node varchar, monitor varchar, metric varchar, column_name varchar, status varchar, value double, expected double, low double, high double, z_score double, detail varchar, measured_at timestamp)`,
    `alter table dpf_meta.node_runs add column if not exists compute_cost double`,
    `update dpf_meta.node_runs set compute_cost = execution_seconds * 0.5 where unique_id = ${sql(FCT)}`,
    ...runIds.map((id, i) => `insert into dpf_meta.table_stats (run_id, unique_id, column_name, row_count) values (${sql(id)}, ${sql(FCT)}, null, ${i === 3 ? 2400 : 1000 + 10 * i})`),
    ...runIds.map((id, i) => `insert into dpf_meta.monitor_results values (${sql(id)}, 'monitor.shop.fct_orders', ${sql(FCT)}, 'volume', 'row_count', null, ${sql(i === 3 ? 'warn' : 'pass')}, ${i === 3 ? 2400 : 1000 + 10 * i}, ${i === 0 ? 'null' : 1010}, ${i === 0 ? 'null' : 940}, ${i === 0 ? 'null' : 1080}, ${i === 3 ? 25 : 0.1}, null, now()::timestamp)`),
    `insert into dpf_meta.monitor_results values (${sql(runIds[3]!)}, 'monitor.shop.fct_orders', ${sql(FCT)}, 'schema_change', 'column_added', ${sql(`email ${IMG}`)}, 'warn', null, null, null, null, null, ${sql(`column email ${SCRIPT} added`)}, now()::timestamp)`,
    // Names and selectors are text from people and files: payloads in them must stay text.
    `update dpf_meta.node_runs set name = ${sql(`stg_orders ${IMG}`)} where run_id = ${sql(runIds[3]!)} and unique_id = 'model.shop.stg_orders'`,
    `update dpf_meta.runs set selector = ${sql(`--select ${SCRIPT}`)} where run_id = ${sql(runIds[0]!)}`,
  ];
  for (const statement of statements) await queryDuckDB(db, statement);

  const generated = await dpf(['docs', 'generate', '--project-dir', dir], { cwd: dir });
  expect(generated.code).toBe(0);
  expect(generated.stdout).toContain('History: the last 4 runs from dpf_meta');
  url = pathToFileURL(join(dir, 'target', 'site', 'index.html')).href;
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(() => browser?.close());

async function open(hash: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
  const problems = collectProblems(page);
  await openSite(page, `${url}${hash}`);
  return { page, problems };
}

describe('the Health page', () => {
  it('lists the four runs, the failed one failed, draws one bar per step of the last run, and links problems to node pages', async () => {
    const { page, problems } = await open('#/health');
    await page.waitForSelector('#runs');
    const rows = page.locator('#runs tbody tr');
    expect(await rows.count()).toBe(4);
    // Newest first.
    expect(await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.run))).toEqual([...runIds].reverse());
    const statuses = await page.locator('#runs tbody tr .badge').allTextContents();
    expect(statuses).toEqual(['success', 'success', 'error', 'success']);
    expect(await rows.nth(2).textContent()).toMatch(/1 error/);

    // The Gantt of the last run: one bar per step that started, on the lanes of the threads.
    expect(await page.locator('#gantt .gantt-bar').count()).toBe(lastRunSteps);
    expect(await page.locator('#gantt .gantt-bar.cp').count()).toBeGreaterThan(0);
    expect(await page.textContent('#timeline-summary')).toContain(runIds[3]!.slice(0, 8));
    expect(await page.locator('#gantt .gantt-lane-label').count()).toBeGreaterThan(0);

    // Failures: the model that failed in run 2, linked to its page; the anomaly of run 4.
    const failed = page.locator('#problems tr', { hasText: 'stg_payments' }).first();
    expect(await failed.locator('.badge').textContent()).toBe('error');
    expect(await failed.locator('a[href^="#/node/"]').first().getAttribute('href')).toBe('#/node/model.shop.stg_payments');
    const anomaly = page.locator('#problems tr[data-kind="monitor"]', { hasText: 'row_count' });
    expect(await anomaly.textContent()).toContain('2,400');
    expect(await anomaly.textContent()).toContain('expected 940 – 1,080');

    // An older run's timeline, by its link.
    await page.click(`#runs a[href="#/health?run=${runIds[0]}"]`);
    await page.waitForFunction((id) => document.querySelector('#timeline-summary')?.textContent?.includes(id), runIds[0]!.slice(0, 8));
    expect(await page.locator('#gantt .gantt-bar').count()).toBeGreaterThan(0);

    expect(problems).toEqual([]);
    await page.goto(`${url}#/health`);
    await page.waitForSelector('#gantt');
    await page.screenshot({ path: join(SCREENSHOTS, 'catalog-health.png'), fullPage: true });
    await page.close();
  });

  // As in xss.test.ts: with the page's Content-Security-Policy bypassed, only the escaping keeps
  // the payloads inert; with it enforced, the pages still work.
  it.each([
    ['bypassed', true],
    ['enforced', false],
  ] as const)('shows names, selectors and monitor details with payloads as text and runs none of them (CSP %s)', async (_csp, bypassCSP) => {
    const context = await browser.newContext({ viewport: { width: 1300, height: 900 }, bypassCSP });
    try {
      for (const hash of ['#/health', `#/health?run=${runIds[0]}`, `#/node/${FCT}`]) {
        const page = await context.newPage();
        const problems = collectProblems(page);
        await openSite(page, `${url}${hash}`);
        await page.waitForSelector(hash.startsWith('#/health') ? '#gantt' : '#history');
        expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
        expect(await page.locator('#main img').count()).toBe(0);
        expect(await page.locator('#main script').count()).toBe(0);
        if (hash === '#/health') {
          expect(await page.locator('#gantt title', { hasText: IMG }).count()).toBe(1);
          expect(await page.textContent('#runs')).toContain(SCRIPT);
          expect(await page.textContent('#problems')).toContain(`column email ${SCRIPT} added`);
          expect(await page.textContent('#problems')).toContain(`of email ${IMG}`);
        }
        expect(problems).toEqual([]);
        await page.close();
      }
    } finally {
      await context.close();
    }
  });
});

describe('a node page', () => {
  it('charts duration and rows over the runs with the volume band, the test pass rate, the schema change and the cost', async () => {
    const { page, problems } = await open(`#/node/${FCT}`);
    await page.waitForSelector('#history');
    const duration = page.locator('#chart-duration');
    expect(await duration.getAttribute('data-points')).toBe('4');
    expect(await duration.locator('.chart-values tbody tr').count()).toBe(4);
    // uPlot drew it: a canvas of the chart's size.
    const canvas = await duration.locator('canvas').boundingBox();
    expect(canvas!.width).toBeGreaterThan(300);

    const rowsChart = page.locator('#chart-rows');
    expect(await rowsChart.getAttribute('data-points')).toBe('4');
    expect(await rowsChart.getAttribute('data-band')).toBe('1');
    expect(await rowsChart.locator('figcaption').textContent()).toContain('Rows in the table');
    // The planted spike is outside the band; the other runs are inside.
    expect(await rowsChart.locator('tbody tr.outside').count()).toBe(1);

    expect(await page.getAttribute('#chart-tests', 'data-points')).not.toBe('0');
    expect(await page.textContent('#schema-changes')).toContain(`column email ${SCRIPT} added`);
    expect(await page.getAttribute('#chart-res-compute_cost', 'data-points')).toBe('4');
    expect(await page.locator('#run-statuses .badge').allTextContents()).toEqual(['success', 'skipped', 'success', 'success']);
    expect(problems).toEqual([]);

    await page.evaluate(() => document.querySelector('#history')!.scrollIntoView({ block: 'start' }));
    await page.evaluate(() => window.scrollBy(0, -140));
    await page.screenshot({ path: join(SCREENSHOTS, 'catalog-node-history.png') });
    await page.close();
  });
});
