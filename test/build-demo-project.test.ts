/** End to end: the demo project builds on a real DuckDB file, and the artifacts are valid. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { schemaValidator } from '../src/compiler/schema-validators.js';
import { copyDemoProject, dpf, tempDir, type DpfRun } from './helpers/run-dpf.js';
import { queryDuckDB, relationsIn } from './helpers/query-duckdb.js';

describe('dpf build on the demo project', () => {
  let dir: string;
  let first: DpfRun;
  let db: string;

  beforeAll(async () => {
    dir = copyDemoProject();
    db = join(dir, 'target/dev.duckdb');
    first = await dpf(['build', '--project-dir', dir], { cwd: tempDir() });
  });

  it('exits 0 and prints a progress line per node and a summary', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Found 17 models, 5 seeds, 2 sources, \d+ data tests, 3 unit tests/);
    // The demo's data tests and unit tests run too (test/demo-tests.test.ts checks them).
    const total = Number(/Running (\d+) nodes/.exec(first.stdout)?.[1]);
    expect(total).toBeGreaterThan(16);
    expect(first.stdout).toMatch(new RegExp(`^\\s*\\d+ of ${total} OK +table +main\\.fct_orders \\.+ \\[500 rows in \\d+\\.\\d\\ds\\]$`, 'm'));
    expect(first.stdout).toMatch(new RegExp(`^\\s*\\d+ of ${total} OK +seed +main\\.raw_order_items \\.+ \\[1,236 rows in`, 'm'));
    expect(first.stdout).toMatch(new RegExp(`Finished in \\d+\\.\\d\\ds: ${total - 1} ok, 1 warning, 0 errors, 0 skipped`));
  });

  it('builds views, tables, seeds and a custom schema, and inlines the ephemeral model', async () => {
    const relations = await relationsIn(db);
    expect(relations).toContain('main.fct_orders');
    expect(relations).toContain('main.stg_orders');
    expect(relations).toContain('main.raw_customers');
    expect(relations).toContain('main_finance.revenue_by_category');
    expect(relations).not.toContain('main.int_order_payments');
    expect(relations.some((r) => r.includes('__dpf_'))).toBe(false);
    const types = await queryDuckDB(db, "select table_name, table_type from information_schema.tables where table_name in ('stg_orders', 'fct_orders')");
    expect(Object.fromEntries(types.map((r) => [r.table_name, r.table_type]))).toEqual({ stg_orders: 'VIEW', fct_orders: 'BASE TABLE' });
    const [count] = await queryDuckDB(db, 'select count(*)::int as n from main.fct_orders');
    expect(count!.n).toBe(500);
  });

  it('expands the list var with #each, keeping "Home & Kitchen" unescaped', async () => {
    const columns = await queryDuckDB(db, "select column_name from information_schema.columns where table_name = 'revenue_by_category'");
    expect(columns.map((c) => c.column_name)).toContain('Home & Kitchen');
  });

  it('writes a manifest and run results that match their JSON Schemas', () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8'));
    const validManifest = schemaValidator('manifest');
    expect(validManifest(manifest), JSON.stringify(validManifest.errors)).toBe(true);
    expect(manifest.nodes['model.shop.fct_orders'].compiledCode).toContain('"__dpf_cte__int_order_payments" as (');
    expect(manifest.parentMap['model.shop.fct_orders']).toContain('model.shop.int_order_payments');
    const results = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8'));
    const validResults = schemaValidator('run_results');
    expect(validResults(results), JSON.stringify(validResults.errors)).toBe(true);
    expect(results.results).toHaveLength(Number(/Running (\d+) nodes/.exec(first.stdout)?.[1]));
    expect(results.results.filter((r: { resourceType: string }) => r.resourceType === 'model' || r.resourceType === 'seed')).toHaveLength(21);
    expect(results.metadata.invocationId).toBe(manifest.metadata.invocationId);
  });

  it('writes compiled and executed SQL per model', () => {
    expect(readFileSync(join(dir, 'target/compiled/shop/models/marts/fct_orders.sql'), 'utf8')).toMatch(/from "main"\."stg_orders"/);
    const run = readFileSync(join(dir, 'target/run/shop/models/marts/fct_orders.sql'), 'utf8');
    // DuckDB replaces a table atomically in one statement: no temporary table is needed.
    expect(run).toContain('create or replace table "main"."fct_orders" as (');
    const seedRun = readFileSync(join(dir, 'target/run/shop/seeds/raw_orders.csv'), 'utf8');
    expect(seedRun).toContain('create table "main"."raw_orders__dpf_tmp"');
    expect(seedRun).toContain('rename');
  });

  it('reuses unchanged models on the next build, rebuilds with --rebuild-all, and honours --select', async () => {
    const select = ['--select', 'fct_orders+', '--exclude', 'orders_daily'];
    const again = await dpf(['build', '--project-dir', dir, ...select], { cwd: dir });
    expect(again.code).toBe(0);
    // Two models, unchanged since the first build, plus their unit tests and data tests.
    expect(again.stdout.match(/ REUSE +(table|view) /g)).toHaveLength(2);
    expect(again.stdout).toMatch(/REUSE +table +main\.fct_orders .*\[inputs unchanged\]/);
    // And the monitor of each table among them (views have none), reused with it.
    const tables = again.stdout.match(/ REUSE +table /g)!.length;
    expect(again.stdout.match(/ REUSE +mon /g)).toHaveLength(tables);
    expect(again.stdout).toContain(`${2 + tables} unchanged, reused`);
    expect(again.stdout).not.toMatch(/orders_daily/);
    const forced = await dpf(['build', '--project-dir', dir, ...select, '--rebuild-all'], { cwd: dir });
    expect(forced.stdout.match(/ OK +(table|view) /g)).toHaveLength(2);
    expect(forced.stdout).toMatch(/OK +table +main\.dim_customers/);
  });

  it('runs the review pipeline: an extract through the partner API, a TypeScript model, a run_if branch and two exports', async () => {
    // The extract landed every review the bundled API serves, into the target's own schema.
    expect(first.stdout).toMatch(/OK +extr +main_partner\.reviews \.+ \[140 rows landed, updated_at \(start\) → 2024-06-28 19:29:51 in/);
    expect(await queryDuckDB(db, 'select count(*)::int as n, count(distinct product_id)::int as products from main_partner.reviews')).toEqual([{ n: 140, products: 30 }]);
    // The TypeScript model scored each review from its words, within its tested range.
    expect(first.stdout).toMatch(/OK +ts +main\.int_review_sentiment \.+ \[140 rows in/);
    const [scores] = await queryDuckDB(db, 'select min(sentiment) as low, max(sentiment) as high, count(*)::int as n from main.int_review_sentiment');
    expect(scores).toEqual({ low: -1, high: 1, n: 140 });
    // The branch ran (two products average below 2.5 stars), and both exports delivered.
    expect(first.stdout).toMatch(/OK +table +main\.low_rated_products \.+ \[2 rows in/);
    expect(first.stdout).toMatch(/OK +exp +low_rated_products_to_quality \.+ \[2 rows to exports\/low_rated_products\.csv in/);
    const csv = readFileSync(join(dir, 'exports/low_rated_products.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('product_id,product_name,category,reviews,avg_rating,avg_sentiment');
    expect(csv.slice(1).map((l) => l.split(',')[0]).sort()).toEqual(['117', '124']);
    const lake = await queryDuckDB(db, `select count(*)::int as n from read_parquet('${join(dir, 'exports/product_ratings.parquet')}')`);
    expect(lake).toEqual([{ n: 30 }]);
  });

  it('prints one JSON event per line with --log-format json', async () => {
    const run = await dpf(['run', '--project-dir', dir, '-s', 'tag:staging', '--log-format', 'json'], { cwd: dir });
    expect(run.code).toBe(0);
    const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0].event).toBe('run_started');
    expect(events.at(-1).event).toBe('run_finished');
    expect(events.filter((e) => e.event === 'node_finished')).toHaveLength(7);
  });
});

describe('dpf init', () => {
  it('scaffolds a project that builds at once', async () => {
    const cwd = tempDir();
    const init = await dpf(['init', 'my_shop'], { cwd });
    expect(init.code).toBe(0);
    // Spelt as the README's install line puts it on the PATH.
    expect(init.stdout).toContain('Next:\n  cd my_shop\n  dpf build\n  dpf show --select fct_orders');
    expect(readFileSync(join(cwd, 'my_shop/dpf_project.yml'), 'utf8')).toMatch(/^name: my_shop$/m);
    expect(existsSync(join(cwd, 'my_shop/.gitignore'))).toBe(true);
    const build = await dpf(['build'], { cwd: join(cwd, 'my_shop') });
    expect(build.code, build.output).toBe(0);
    expect(build.stdout).toMatch(/ok, 1 warning, 0 errors, 0 skipped/);
    expect(existsSync(join(cwd, 'my_shop/target/dev.duckdb'))).toBe(true);
  });

  it('refuses to overwrite a folder that has files', async () => {
    const cwd = tempDir();
    await dpf(['init', 'p'], { cwd });
    const again = await dpf(['init', 'p'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/DPF502.*already exists/s);
  });
});
