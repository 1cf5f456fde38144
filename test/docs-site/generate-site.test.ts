/**
 * `dpf docs generate` end to end on real projects and a real DuckDB file (no browser): what the
 * site's data says about the demo, the catalog read from the warehouse, profiles, the
 * --empty-catalog path, models whose SQL cannot be parsed, and that no profile secret reaches
 * target/site/.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyDemoProject, dpf, makeProject, type DpfRun } from '../helpers/run-dpf.js';
import { readSite, runDataScript, type SiteFiles } from './helpers/site-files.js';
import type { HealthData } from '../../src/docs-site/site-data.js';
import { queryDuckDB } from '../helpers/query-duckdb.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

describe('dpf docs generate on the built demo project', () => {
  let dir: string;
  let run: DpfRun;
  let site: SiteFiles;

  beforeAll(async () => {
    dir = copyDemoProject();
    expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    run = await dpf(['docs', 'generate', '--project-dir', dir], { cwd: dir });
    site = readSite(join(dir, 'target', 'site'));
  });

  it('exits 0 and says what it read and wrote', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Catalog: 23 relations read from the warehouse/);
    expect(run.stdout).toMatch(/Column lineage: 17 models, all parsed/);
    expect(run.stdout).toContain('Overview page: models/overview.md');
    expect(run.stdout).toMatch(/Site written to target\/site\/ in \d+\.\d\ds: \d+ files/);
    for (const f of ['index.html', 'css/site.css', 'js/app.js', 'vendor/minisearch.js', 'vendor/highlight-sql.js', 'vendor/LICENSES.txt', 'data/index.js']) {
      expect(existsSync(join(dir, 'target', 'site', f)), f).toBe(true);
    }
  });

  it('reads the run history for the Health page and the node charts', async () => {
    expect(run.stdout).toContain('History: the last 1 run from dpf_meta');
    expect(site.index.history).toEqual({ runs: 1 });
    const health = JSON.parse(runDataScript(readFileSync(join(dir, 'target', 'site', 'data', 'health.js'), 'utf8')).json) as HealthData;
    const [stored] = await queryDuckDB(join(dir, 'target', 'dev.duckdb'), 'select run_id, status from dpf_meta.runs');
    expect(health.runs.map((r) => [r.id, r.status])).toEqual([[stored!.run_id, stored!.status]]);
    const [{ steps }] = (await queryDuckDB(join(dir, 'target', 'dev.duckdb'), 'select count(*)::int as steps from dpf_meta.node_runs where started_at is not null')) as [{ steps: number }];
    expect(health.timelines[0]!.bars).toHaveLength(steps);
    // The demo's designed warning is a problem of the run, linked to the node its test is on.
    const warning = health.problems.find((p) => p.name === 'warn_by_design_customers_without_orders');
    expect(warning && site.index.nodes[warning.node!]!.n).toBe('dim_customers');
    // Rows as the table's monitor measured them (monitors are on by default); one build is
    // no band yet (the volume monitor is still training).
    const fct = site.details('model.shop.fct_orders').history!;
    expect(fct.t).toHaveLength(1);
    expect(fct.rowsFrom).toBe('table_stats');
    expect(fct.rows![0]).toBe(Number((await queryDuckDB(join(dir, 'target', 'dev.duckdb'), 'select count(*)::int as n from main.fct_orders'))[0]!.n));
    expect(fct.rowsBand).toBeUndefined();
    expect(fct.tests!.total[0]).toBeGreaterThan(0);
  });

  it('indexes every model, seed and source with its health from the last run', () => {
    const kinds = site.index.nodes.map((n) => n.k);
    expect(kinds.filter((k) => k === 'model')).toHaveLength(17);
    expect(kinds.filter((k) => k === 'seed')).toHaveLength(5);
    expect(kinds.filter((k) => k === 'source')).toHaveLength(2);
    expect(site.node('fct_orders').h).toBe('ok');
    // The demo's designed warning is on dim_customers.
    expect(site.node('dim_customers').h).toBe('warn');
    expect(site.index.problems.map((p) => p.name)).toEqual(['warn_by_design_customers_without_orders']);
    expect(site.index.run?.command).toBe('build');
    expect(site.index.overview).toContain('Where to start');
    const fct = site.node('fct_orders');
    expect(fct.up.map((i) => site.index.nodes[i]!.n).sort()).toEqual(['int_order_items_priced', 'int_order_payments', 'stg_customers', 'stg_orders']);
  });

  it('shows warehouse facts: column types, row counts and sizes, for seeds and sources too', () => {
    const fct = site.details('model.shop.fct_orders');
    expect(fct.catalog).toMatchObject({ type: 'table', rowCount: 500 });
    expect(fct.catalog!.sizeBytes).toBeGreaterThan(0);
    expect(fct.columns.find((c) => c.name === 'order_id')).toMatchObject({ type: 'INTEGER', origin: 'both' });
    expect(fct.run).toMatchObject({ status: 'success' });
    expect(fct.tests.find((t) => t.name === 'unique_fct_orders_order_id')).toMatchObject({ status: 'pass', column: 'order_id' });
    expect(site.details('seed.shop.raw_orders').catalog).toMatchObject({ type: 'table', rowCount: 500 });
    const sessions = site.details('source.shop.web.sessions');
    expect(sessions.catalog?.type).toBe('external');
    expect(sessions.catalog?.rowCount).toBeGreaterThan(0);
    expect(sessions.columns.find((c) => c.name === 'session_id')?.type).toBeTruthy();
    // Files read in place are named by their path in the project, not by the SQL reading them.
    expect(sessions.relation).toBe('files data/web_sessions.csv');
    expect(sessions.source?.externalLocation).toBe('data/web_sessions.csv');
    const catalog = JSON.parse(readFileSync(join(dir, 'target', 'catalog.json'), 'utf8'));
    expect(catalog.metadata.empty).toBe(false);
    expect(catalog.nodes['model.shop.fct_orders'].columns.order_id).toEqual({ type: 'INTEGER', index: 1 });
    expect(catalog.nodes['model.shop.fct_orders'].stats.rowCount).toBe(500);
    expect(catalog.sources['source.shop.web.sessions'].type).toBe('external');
  });

  it('carries column lineage both ways: upstream on the model, downstream on its parents', () => {
    const daily = site.details('model.shop.orders_daily');
    const upstream = (d: typeof daily, column: string) =>
      d.columns.find((c) => c.name === column)!.up!.map((r) => `${site.index.nodes[r.n]!.n}.${r.c}`);
    expect(upstream(daily, 'net_revenue_7d')).toEqual(['fct_orders.net_revenue']);
    const fct = site.details('model.shop.fct_orders');
    expect(upstream(fct, 'customer_country')).toEqual(['stg_customers.country']);
    // The ephemeral int_order_payments is inlined: lineage passes through it to stg_payments.
    expect(upstream(fct, 'amount_paid')).toEqual(['stg_payments.amount']);
    const down = fct.columns.find((c) => c.name === 'net_revenue')!.down!.map((r) => `${site.index.nodes[r.n]!.n}.${r.c}`);
    expect(down).toContain('orders_daily.net_revenue_7d');
    expect(down).toContain('dim_customers.lifetime_value');
    // A source read from a CSV file in place is traced like a table.
    const sessions = site.details('model.shop.stg_web_sessions');
    expect(upstream(sessions, 'session_date')).toEqual(['sessions.started_at']);
    expect(upstream(sessions, 'device')).toEqual(['sessions.device']);
  });

  it('indexes names, descriptions and SQL for search', () => {
    expect(site.index.search.map((s) => s.part)).toEqual(['nodes', 'columns', 'sql']);
    const columns = readFileSync(join(dir, 'target', 'site', 'data', 'search-1.js'), 'utf8');
    expect(columns).toContain('rolling');
  });

  it('profiles columns with --profile: nulls, distinct values, extremes, top values and a histogram', async () => {
    const again = await dpf(['docs', 'generate', '--project-dir', dir, '--profile'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/\d+ tables profiled/);
    const profiled = readSite(join(dir, 'target', 'site')).details('model.shop.fct_orders');
    const status = profiled.columns.find((c) => c.name === 'status')!.profile!;
    expect(status).toMatchObject({ rowCount: 500, nullCount: 0, distinct: 5 });
    expect(status.top!.map((t) => t.value).sort()).toEqual(['cancelled', 'completed', 'placed', 'returned', 'shipped']);
    expect(status.top!.reduce((s, t) => s + t.count, 0)).toBe(500);
    const amount = profiled.columns.find((c) => c.name === 'items_amount')!.profile!;
    expect(amount.histogram!.counts.reduce((s, n) => s + n, 0)).toBe(500 - amount.nullCount);
    expect(amount.histogram!.min).toBe(Number(amount.min));
    expect(amount.mean).toBeGreaterThan(amount.histogram!.min);
    const paid = profiled.columns.find((c) => c.name === 'last_paid_at')!.profile!;
    expect(paid.nullCount).toBeGreaterThan(0);
    expect(paid.min! < paid.max!).toBe(true);
    // Views are not profiled (reading one runs its query).
    expect(readSite(join(dir, 'target', 'site')).details('model.shop.orders_daily').columns.some((c) => c.profile)).toBe(false);
    // Personal data (meta: {pii: true}) is counted, never shown; an id's "top values" would be rows.
    const customers = readSite(join(dir, 'target', 'site')).details('model.shop.dim_customers');
    const email = customers.columns.find((c) => c.name === 'email')!.profile!;
    expect(email).toEqual({ rowCount: 100, nullCount: 0, distinct: 100, valuesHidden: 'pii' });
    const orderId = profiled.columns.find((c) => c.name === 'order_id')!.profile!;
    expect(orderId.valuesHidden).toBe('unique');
    expect(orderId.top).toBeUndefined();
    expect(orderId.histogram!.counts.reduce((s, n) => s + n, 0)).toBe(500);
    const everything = readFileSync(join(dir, 'target', 'catalog.json'), 'utf8') + filesUnder(join(dir, 'target', 'site')).map((f) => readFileSync(f, 'utf8')).join('');
    const someEmail = (await queryDuckDB(join(dir, 'target', 'dev.duckdb'), 'select max(email) as e from main.dim_customers'))[0]!.e as string;
    expect(everything).not.toContain(someEmail);
  });
});

describe('dpf docs generate without the warehouse', () => {
  it('--empty-catalog reads no warehouse: it works before any build and opens no database', async () => {
    const dir = copyDemoProject();
    const run = await dpf(['docs', 'generate', '--project-dir', dir, '--empty-catalog'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Catalog: skipped (--empty-catalog)');
    expect(existsSync(join(dir, 'target', 'dev.duckdb'))).toBe(false);
    const site = readSite(join(dir, 'target', 'site'));
    expect(site.index.project.catalog).toBe('skipped');
    expect(site.index.run).toBeUndefined();
    // No history either: the Health page says why, and there is no data/health.js.
    expect(site.index.history).toBeUndefined();
    expect(existsSync(join(dir, 'target', 'site', 'data', 'health.js'))).toBe(false);
    expect(site.node('fct_orders').h).toBe('unknown');
    const fct = site.details('model.shop.fct_orders');
    expect(fct.catalog).toBeUndefined();
    expect(fct.columns.find((c) => c.name === 'order_id')).toMatchObject({ origin: 'yaml' });
    // Lineage still works from the columns declared in YAML.
    expect(fct.columns.find((c) => c.name === 'customer_country')!.up!.map((r) => site.index.nodes[r.n]!.n)).toEqual(['stg_customers']);
    const catalog = JSON.parse(readFileSync(join(dir, 'target', 'catalog.json'), 'utf8'));
    expect(catalog).toMatchObject({ metadata: { empty: true }, nodes: {}, sources: {} });
  });

  it('marks relations that are not built as missing instead of failing', async () => {
    const dir = makeProject({
      'models/built.sql': 'select 1 as id\n',
      'models/not_built.sql': 'select id from {{ref "built"}}\n',
    });
    expect((await dpf(['run', '--project-dir', dir, '--select', 'built'], { cwd: dir })).code).toBe(0);
    const run = await dpf(['docs', 'generate', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 not built yet: not_built');
    const site = readSite(join(dir, 'target', 'site'));
    expect(site.details('model.proj.not_built').catalog?.type).toBe('missing');
    expect(site.details('model.proj.built').catalog).toMatchObject({ type: 'view' });
    expect(site.details('model.proj.built').catalog?.rowCount).toBeUndefined();
  });

  it('says which models have SQL it could not parse, and keeps them on the site', async () => {
    const dir = makeProject({
      'models/a.sql': 'select 1 as id\n',
      // Valid for DuckDB, but no grammar of the lineage parser reads it.
      'models/pivoted.sql': 'pivot {{ref "a"}} on id using count(*)\n',
    });
    const run = await dpf(['docs', 'generate', '--project-dir', dir, '--empty-catalog'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Column lineage: 2 models, 1 could not be parsed: pivoted \(.+\)/);
    const site = readSite(join(dir, 'target', 'site'));
    expect(site.details('model.proj.pivoted').lineage?.status).toBe('unparsed');
    expect(site.index.lineage.unparsed.map((u) => site.index.nodes[u.node]!.n)).toEqual(['pivoted']);
  });

  it('writes no profile secret anywhere under target/site/', async () => {
    const secret = 'pa55-W0rd-from-the-environment';
    const dir = makeProject({
      'profiles.yml': "proj:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/dev.duckdb, schema: main, password: \"{{env 'DPF_TEST_PASSWORD'}}\" }\n",
      // A careless description repeats it; redaction still keeps it out of the site.
      'models/a.sql': 'select 1 as id\n',
      'models/a.yml': `models:\n  - name: a\n    description: "connect with password ${secret}"\n`,
    });
    const env = { HOME: dir, DPF_TEST_PASSWORD: secret };
    expect((await dpf(['build', '--project-dir', dir], { cwd: dir, env })).code).toBe(0);
    const run = await dpf(['docs', 'generate', '--project-dir', dir], { cwd: dir, env });
    expect(run.code).toBe(0);
    const files = filesUnder(join(dir, 'target', 'site'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of [...files, join(dir, 'target', 'catalog.json')]) expect(readFileSync(file, 'utf8'), file).not.toContain(secret);
    expect(readSite(join(dir, 'target', 'site')).details('model.proj.a').description).toBe('connect with password ****');
  });

  it('a huge description does not make a huge search file, and a large file is reported', async () => {
    const words = Array.from({ length: 700_000 }, (_, i) => `word${i % 5000}`).join(' ');
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n', 'models/a.yml': `models:\n  - name: a\n    description: "${words}"\n` });
    const run = await dpf(['docs', 'generate', '--empty-catalog', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const data = join(dir, 'target', 'site', 'data');
    for (const file of readdirSync(data).filter((f) => f.startsWith('search-'))) expect(statSync(join(data, file)).size).toBeLessThan(1024 * 1024);
    // The page itself still has the whole description, in a data chunk over 5 MB: dpf says so.
    expect(run.stdout).toMatch(/warning: .*data\/chunks\/0\.js is \d+(\.\d)? MB; browsers load a file this large slowly/);
  });

  it('shows each node\'s latest result in the target, also after a run of a few nodes', async () => {
    const dir = makeProject({
      'models/a.sql': '{{config materialized="table"}}\nselect 1 as id\n',
      'models/b.sql': 'select id from {{ref "a"}}\n',
      'models/b.yml': 'models:\n  - name: b\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
    });
    expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    // Only the test runs now: run_results.json knows nothing of a and b any more.
    expect((await dpf(['test', '--project-dir', dir, '--select', 'b'], { cwd: dir })).code).toBe(0);
    expect((await dpf(['docs', 'generate', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    const site = readSite(join(dir, 'target', 'site'));
    const health = (name: string) => site.index.nodes.find((n) => n.n === name)!.h;
    expect(health('a')).toBe('ok');
    expect(health('b')).toBe('ok');
    expect(site.details('model.proj.a').run).toMatchObject({ status: 'success' });
  });

  it('keeps ordinary {{env}} values readable, and a secret that looks like JSON cannot break the data', async () => {
    const dir = makeProject({
      // The schema comes from the environment but is no secret; the password is one, and is "true".
      'profiles.yml': "proj:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/dev.duckdb, schema: \"{{env 'DPF_SCHEMA' 'main'}}\", password: \"{{env 'DPF_PASSWORD'}}\" }\n",
      'models/a.sql': 'select 1 as id\n',
      'models/a.yml': 'models:\n  - name: a\n    description: The main table.\n    meta: {pii: true}\n',
    });
    const env = { HOME: dir, DPF_SCHEMA: 'main', DPF_PASSWORD: 'true' };
    const run = await dpf(['docs', 'generate', '--empty-catalog', '--project-dir', dir], { cwd: dir, env });
    expect(run.code, run.output).toBe(0);
    const node = readSite(join(dir, 'target', 'site')).details('model.proj.a');
    expect(node.description).toBe('The main table.');
    expect(node.relation).toBe('"main"."a"');
    expect(node.meta).toEqual({ pii: true });
  });

  it('profiles only the tables that opt in, by folder config, by their YAML config or by meta', async () => {
    const dir = makeProject(
      {
        'models/marts/by_folder.sql': 'select range as n from range(10)\n',
        'models/by_meta.sql': "select 'a' as letter union all select 'b' union all select null\n",
        'models/by_meta.yml': 'models:\n  - name: by_meta\n    config: {materialized: table}\n    meta: {docs_profile: true}\n',
        'models/by_config.sql': 'select 7 as seven\n',
        'models/by_config.yml': 'models:\n  - name: by_config\n    config: {docs: {profile: true}}\n',
        'models/not_asked.sql': 'select 1 as id\n',
      },
      'name: proj\nmodels:\n  proj:\n    +materialized: table\n    marts:\n      +docs: {profile: true}\n',
    );
    expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    const run = await dpf(['docs', 'generate', '--project-dir', dir], { cwd: dir });
    expect(run.stdout).toContain('3 tables profiled');
    const site = readSite(join(dir, 'target', 'site'));
    expect(site.details('model.proj.by_folder').columns[0]!.profile).toMatchObject({ rowCount: 10, nullCount: 0, distinct: 10, min: '0', max: '9', mean: 4.5 });
    expect(site.details('model.proj.by_folder').columns[0]!.profile!.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(10);
    expect(site.details('model.proj.by_meta').columns[0]!.profile).toMatchObject({ rowCount: 3, nullCount: 1, distinct: 2 });
    expect(site.details('model.proj.by_config').columns[0]!.profile).toMatchObject({ rowCount: 1, distinct: 1, min: '7', max: '7' });
    expect(site.details('model.proj.not_asked').columns[0]!.profile).toBeUndefined();
  });

  it('reports the run as JSON with --log-format json', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' });
    const run = await dpf(['docs', 'generate', '--project-dir', dir, '--empty-catalog', '--log-format', 'json'], { cwd: dir });
    expect(run.code).toBe(0);
    const event = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(event).toMatchObject({ event: 'docs_generated', lineage: { models: 1 }, site: { dir: 'target/site' } });
  });

  it('reuses cached column lineage when nothing changed', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n', 'models/b.sql': 'select id from {{ref "a"}}\n' });
    expect((await dpf(['docs', 'generate', '--project-dir', dir, '--empty-catalog'], { cwd: dir })).code).toBe(0);
    const cacheFile = join(dir, 'target', 'docs_lineage_cache.json');
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8'));
    expect(Object.keys(cache.entries)).toHaveLength(2);
    // Tamper with a cached entry: an unchanged model must come from the cache, not a new parse.
    const [key] = Object.entries(cache.entries).find(([, v]) => JSON.stringify(v).includes('"id"'))!;
    cache.entries[key!] = { status: 'partial', reason: 'from the cache', columns: { id: [] }, unresolved: ['id'] };
    writeFileSync(cacheFile, JSON.stringify(cache));
    expect((await dpf(['docs', 'generate', '--project-dir', dir, '--empty-catalog'], { cwd: dir })).code).toBe(0);
    const site = readSite(join(dir, 'target', 'site'));
    expect([site.details('model.proj.a').lineage?.reason, site.details('model.proj.b').lineage?.reason]).toContain('from the cache');
  });
});
