/**
 * Monitors end to end on real DuckDB files (docs/monitors.md): the demo built seven times with
 * changing data (bench/monitor-demo.ts) shows the planted volume anomaly and schema change as
 * warnings in the build output and as rows of dpf_meta.monitor_results; severity error fails
 * a build; dpf monitor runs monitors alone; dpf ls lists them; an older dpf_meta is upgraded.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectionProof } from '../bench/monitor-bench.js';
import { copyMonitorDemo, DEMO_BUILDS, prepareDemoBuild } from '../bench/monitor-demo.js';
import { COLUMN_ROW_COLUMNS, NODE_RUN_COLUMNS, TABLE_ROW_COLUMNS, readMonitorHistory } from '../src/monitors/read-monitor-history.js';
import { adapterFactory } from '../src/adapters/index.js';
import type { TargetConfig } from '../src/adapters/adapter.js';
import { SqlTemplates } from '../src/adapters/sql-templates.js';
import type { MonitorNode } from '../src/compiler/manifest.js';
import { HISTORY_TABLES, HISTORY_VERSION } from '../src/history/history-tables.js';
import { dpf, makeProject, tempDir } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const db = (dir: string) => join(dir, 'target/dev.duckdb');

describe('monitors on the demo, built seven times with changing data', () => {
  it('warns of the planted volume anomaly and schema change on the seventh build, and records them', async () => {
    const dir = join(tempDir(), 'shop');
    copyMonitorDemo(dir);
    const outputs: string[] = [];
    for (let n = 1; n <= DEMO_BUILDS; n++) {
      prepareDemoBuild(dir, n);
      const run = await dpf(['build'], { cwd: dir });
      expect(run.code, run.output).toBe(0);
      outputs.push(run.stdout);
    }
    // Builds 1–6: the monitors measure (and train) without a warning.
    for (const out of outputs.slice(0, -1)) {
      expect(out).toMatch(/PASS +mon +main\.raw_orders/);
      expect(out).not.toMatch(/WARN +mon/);
    }
    const last = outputs.at(-1)!;
    expect(last).toMatch(/WARN +mon +main\.raw_orders \.+ \[WARN \d+ anomal(y|ies) in/);
    expect(last).toMatch(/volume: row_count 5000 outside \d+–\d+/);
    expect(last).toMatch(/WARN +mon +main\.raw_customers \.+ \[WARN 1 anomaly in/);
    expect(last).toContain('schema_change: column loyalty_tier (VARCHAR) added');
    // The summary names them, as warnings: the build passed.
    expect(last).toMatch(/Finished in .*warnings, 0 errors/);
    expect(last).toMatch(/ {2}anomaly: main\.raw_orders volume: row_count 5000/);
    expect(last).toMatch(/ {2}anomaly: main\.raw_customers schema_change: column loyalty_tier/);

    const lastRun = String((await queryDuckDB(db(dir), 'select run_id from dpf_meta.runs order by started_at desc limit 1'))[0]!.run_id);
    const found = await queryDuckDB(db(dir), `select unique_id, attached_node, monitor, metric, column_name, status, value, low, high from dpf_meta.monitor_results where run_id = '${lastRun}' and status <> 'pass' order by unique_id, monitor`);
    const volume = found.find((r) => r.unique_id === 'monitor.shop.raw_orders' && r.monitor === 'volume');
    expect(volume).toMatchObject({ attached_node: 'seed.shop.raw_orders', metric: 'row_count', status: 'warn', value: 5000 });
    expect(Number(volume!.high)).toBeLessThan(5000);
    expect(Number(volume!.low)).toBeGreaterThan(400);
    expect(found.find((r) => r.unique_id === 'monitor.shop.raw_customers')).toMatchObject({ monitor: 'schema_change', metric: 'column_added', column_name: 'loyalty_tier', status: 'warn' });
    // No earlier run has an anomaly; every judged volume of raw_orders is in monitor_results.
    const earlier = await queryDuckDB(db(dir), `select count(*) as n from dpf_meta.monitor_results where run_id <> '${lastRun}' and status <> 'pass'`);
    expect(Number(earlier[0]!.n)).toBe(0);
    const volumes = await queryDuckDB(db(dir), `select value from dpf_meta.monitor_results where unique_id = 'monitor.shop.raw_orders' and monitor = 'volume' order by measured_at`);
    // Judged from the sixth build on (five earlier points), pass then warn.
    expect(volumes.map((r) => Number(r.value))).toEqual([530, 5000]);
    // table_stats: one table row per build of raw_orders, with its row count, and a row per column.
    const counts = await queryDuckDB(db(dir), `select row_count from dpf_meta.table_stats where unique_id = 'seed.shop.raw_orders' and column_name is null order by measured_at`);
    expect(counts.map((r) => Number(r.row_count))).toEqual([505, 510, 515, 520, 525, 530, 5000]);
    // Without column_stats (the default): the table row keeps the columns and their types, and
    // no column has a row of its own.
    const [table] = await queryDuckDB(db(dir), `select columns_json from dpf_meta.table_stats where unique_id = 'seed.shop.raw_orders' and run_id = '${lastRun}' and column_name is null`);
    expect((JSON.parse(String(table!.columns_json)) as { name: string }[]).map((c) => c.name).sort()).toEqual(['customer_id', 'order_date', 'order_id', 'status']);
    expect(await queryDuckDB(db(dir), `select * from dpf_meta.table_stats where column_name is not null`)).toEqual([]);
  });
});

const counted = (n: number) => `{{config materialized="table"}}\nselect i as id, case when i % 10 = 0 or {{var "nulls" 0}} = 1 then null else 'x' || i end as label from range({{var "n" 100}}) t(i)\n`;

/** A project with monitors (on by default, said here for the reader: docs/monitors.md). */
const ON = 'name: proj\nmonitors:\n  enabled: true\n';

describe('monitors are on by default', () => {
  it('a project that says nothing of monitors gives each table one; monitors: off (or enabled: false) none', async () => {
    const files = { 'models/t.sql': '{{config materialized="table"}}\nselect 1 as one\n', 'models/v.sql': 'select 1 as one\n' };
    const names = async (project?: string) => (await dpf(['ls', '--output', 'name'], { cwd: makeProject(files, project) })).stdout.trim().split('\n').sort();
    expect(await names()).toEqual(['monitor_t', 't', 'v']);
    expect(await names('name: proj\nmonitors: off\n')).toEqual(['t', 'v']);
    expect(await names('name: proj\nmonitors:\n  enabled: false\n')).toEqual(['t', 'v']);
  });
});

describe('monitors and personal data', () => {
  it('measure a column marked pii or sensitive by counts only: no value, extreme or mean reaches table_stats', async () => {
    const dir = makeProject(
      {
        'models/people.sql': "{{config materialized=\"table\"}}\nselect 1 as id, 'ann@example.com' as email, 52000 as salary union all select 2, 'bo@example.com', 61000\n",
        'models/people.yml': 'models:\n  - name: people\n    columns:\n      - name: email\n        meta: {pii: true}\n      - name: salary\n        tags: [sensitive]\n',
      },
      `${ON}  column_stats: true\n`,
    );
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const rows = await queryDuckDB(db(dir), "select column_name, null_pct, min_value, max_value, mean, mean_length from dpf_meta.table_stats where column_name is not null order by column_name");
    const byColumn = Object.fromEntries(rows.map((r) => [String(r.column_name), r]));
    expect(byColumn.id).toMatchObject({ min_value: '1', max_value: '2' });
    for (const column of ['email', 'salary']) {
      expect(byColumn[column], column).toMatchObject({ min_value: null, max_value: null, mean: null, mean_length: null });
      expect(Number(byColumn[column]!.null_pct), column).toBe(0);
    }
    const all = JSON.stringify(await queryDuckDB(db(dir), 'select * from dpf_meta.table_stats'));
    expect(all).not.toContain('example.com');
    expect(all).not.toContain('52000');
  });
});

describe('column_stats', () => {
  it('measures every column in the one stats pass and judges its drift', async () => {
    const dir = makeProject({ 'models/t.sql': counted(0) }, `${ON}  column_stats: true\n  min_training_points: 5\n`);
    for (const n of [100, 102, 101, 103, 100, 102]) expect((await dpf(['build', '--vars', JSON.stringify({ n })], { cwd: dir })).code).toBe(0);
    const columns = await queryDuckDB(db(dir), "select column_name, null_pct, distinct_pct, min_value, max_value, mean, mean_length from dpf_meta.table_stats where column_name is not null order by measured_at desc, column_name limit 2");
    expect(columns[0]).toMatchObject({ column_name: 'id', min_value: '0', max_value: '101' });
    expect(Number(columns[1]!.null_pct)).toBeCloseTo((100 * 11) / 102, 9); // i % 10 = 0 of 0..101
    expect(Number(columns[1]!.mean_length)).toBeGreaterThan(2);
    // Every tenth label null, then every label: a null burst.
    const burst = await dpf(['build', '--vars', JSON.stringify({ n: 102, nulls: 1 })], { cwd: dir });
    expect(burst.stdout).toMatch(/column_drift: null_pct of label 100 outside/);
  });
});

describe('a sampled monitor with a where', () => {
  it('counts the rows its where keeps, sampled or not, so the series does not jump when the table grows past the sample', async () => {
    const dir = makeProject(
      { 'models/t.sql': '{{config materialized="table"}}\nselect n from range(1, 6) as r(n)\n' },
      'name: proj\nmonitors:\n  enabled: true\n  column_stats: true\n  sample: 2\n  where: "n > 1"\n',
    );
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const [row] = await queryDuckDB(db(dir), 'select row_count, sampled_rows from dpf_meta.table_stats where column_name is null');
    expect(Number(row!.row_count)).toBe(4);
    // The sample is drawn from the table, then the where keeps its part of it: at most 2 rows.
    expect(row!.sampled_rows).not.toBeNull();
    expect(Number(row!.sampled_rows)).toBeLessThanOrEqual(2);
  });
});

describe('monitor settings, dpf monitor and dpf ls', () => {
  it('fails the build with severity: error, leaves the downstream model built, and dpf monitor runs monitors alone', async () => {
    const dir = makeProject(
      {
        'models/counted.sql': counted(0),
        'models/after.sql': '{{config materialized="table"}}\nselect count(*) as n from {{ref "counted"}}\n',
        'models/quiet.sql': '{{config materialized="table" monitors="off"}}\nselect 1 as one\n',
        'models/a_view.sql': 'select 1 as one\n',
      },
      'name: proj\nmonitors:\n  enabled: true\n  severity: error\n  min_training_points: 5\n',
    );
    const ls = await dpf(['ls', '--resource-type', 'monitor'], { cwd: dir });
    expect(ls.code, ls.output).toBe(0);
    // Tables only: not the view, not the model whose monitor is off.
    expect(ls.stdout.trim().split('\n').sort()).toEqual(['monitor   monitor_after', 'monitor   monitor_counted']);
    for (const n of [100, 102, 101, 103, 100, 102]) {
      const run = await dpf(['build', '--vars', JSON.stringify({ n })], { cwd: dir });
      expect(run.code, run.output).toBe(0);
    }
    const spike = await dpf(['build', '--vars', JSON.stringify({ n: 1000 })], { cwd: dir });
    expect(spike.code, spike.output).toBe(1);
    expect(spike.stdout).toMatch(/FAIL +mon +main\.counted \.+ \[FAIL \d+ anomal(y|ies) in/);
    expect(spike.stdout).toMatch(/failed: main\.counted volume: row_count 1000 outside/);
    // A monitor gates nothing: the model downstream was built.
    expect(spike.stdout).toMatch(/OK +table +main\.after/);
    expect((await queryDuckDB(db(dir), 'select n from main.after'))[0]!.n).toBe("1000");

    // dpf monitor: monitors alone, selected with their node; nothing is built.
    const alone = await dpf(['monitor', '--select', 'counted'], { cwd: dir });
    expect(alone.stdout).toMatch(/Running 1 node/);
    expect(alone.stdout).toMatch(/mon +main\.counted/);
    expect(alone.stdout).not.toMatch(/table +main\.counted/);
  });

  it('rejects unknown monitor settings with the file and key', async () => {
    const dir = makeProject({ 'models/m.sql': '{{config materialized="table"}}\nselect 1 as one\n' }, 'name: proj\nmonitors:\n  sensitivty: 2\n');
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.output).toContain('sensitivty');
    expect(run.output).toContain('dpf_project.yml');
  });
});

describe('monitor history', () => {
  it('upgrades a version-1 dpf_meta: the new tables are created and written, the old rows kept', async () => {
    const dir = makeProject({ 'models/t.sql': `{{config materialized="table"}}\nselect {{var "n"}} as n\n` }, ON);
    expect((await dpf(['build', '--vars', '{"n": 1}'], { cwd: dir })).code).toBe(0);
    // As version 1 left it: no table_stats, no monitor_results.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(db(dir));
    const c = await instance.connect();
    await c.run('drop table dpf_meta.table_stats');
    await c.run('drop table dpf_meta.monitor_results');
    await c.run('update dpf_meta.history_version set version = 1');
    c.closeSync();
    instance.closeSync();
    const run = await dpf(['build', '--vars', '{"n": 2}'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.output).not.toContain('DPF513');
    expect((await queryDuckDB(db(dir), 'select version from dpf_meta.history_version'))[0]!.version).toBe(HISTORY_VERSION);
    expect((await queryDuckDB(db(dir), 'select count(*) as n from dpf_meta.runs'))[0]!.n).toBe("2");
    expect((await queryDuckDB(db(dir), "select count(*) as n from dpf_meta.table_stats where unique_id = 'model.proj.t'"))[0]!.n).toBe("1"); // the table row (column rows: column_stats)
  });

  it('reads back only columns the history tables have', () => {
    const names = (table: 'table_stats' | 'node_runs') => HISTORY_TABLES[table].map((c) => c.name);
    for (const c of [...TABLE_ROW_COLUMNS, ...COLUMN_ROW_COLUMNS]) expect(names('table_stats')).toContain(c);
    for (const c of NODE_RUN_COLUMNS) expect(names('node_runs')).toContain(c);
  });
});

describe('the detection proof (bench/monitor-bench.ts)', () => {
  it('finds the injected anomalies with precision and recall of at least 0.9 with seasonality, and never alerts on the stable control series', () => {
    const { rows } = detectionProof(20);
    const all = (seasonal: boolean) => rows.find((r) => r.series === 'all' && r.seasonality === seasonal)!;
    expect(all(true).precision).toBeGreaterThanOrEqual(0.9);
    expect(all(true).recall).toBeGreaterThanOrEqual(0.9);
    // Without seasonality a weekday falling to the weekend's level goes unseen: the weekly
    // series is what seasonality is for.
    expect(rows.find((r) => r.series === 'weekly' && !r.seasonality)!.recall).toBeLessThan(0.6);
    expect(rows.find((r) => r.series === 'volume' && !r.seasonality)!.recall).toBeGreaterThanOrEqual(0.9);
    expect(rows.filter((r) => r.series === 'control').map((r) => r.falsePositives)).toEqual([0, 0]);
  });
});

describe('a monitor with nothing to measure', () => {
  it('warns (DPF700) of a declared source that is not loaded, and the build goes on', async () => {
    const dir = makeProject({
      'models/sources.yml': 'sources:\n  - name: landing\n    tables: [{name: later}]\n',
      'models/m.sql': '{{config materialized="table"}}\nselect 1 as one\n',
    }, ON);
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/WARN +mon +landing\.later/);
    expect(run.stdout).toContain('DPF700: monitor_landing_later watches');
    expect(run.stdout).toMatch(/OK +table +main\.m/);
  });
});

describe('monitors measured in batches', () => {
  const project = () =>
    makeProject(
      {
        'models/a.sql': '{{config materialized="table"}}\nselect range as n, \'x\' || range as s from range({{var "n"}})\n',
        'models/b.sql': '{{config materialized="table"}}\nselect range * 2.5 as amount, null as gap from range(7)\n',
        'models/c.sql': '{{config materialized="table"}}\nselect 1 as one\n',
        'models/bad.sql': '{{config materialized="table"}}\nselect 1 as one\n',
        'models/_bad.yml': 'models:\n  - name: bad\n    config:\n      monitors:\n        where: "no_such_column > 0"\n',
      },
      'name: proj\nmonitors:\n  enabled: true\n  column_stats: true\n',
    );
  const stats = async (dir: string, runId: string) =>
    (await queryDuckDB(db(dir), `select relation, column_name, data_type, row_count, null_pct, distinct_pct, min_value, max_value, mean, stddev, mean_length from dpf_meta.table_stats where run_id = '${runId}' order by relation, column_name nulls first`)).map((r) => JSON.stringify(r));
  const lastRunId = async (dir: string) => String((await queryDuckDB(db(dir), 'select run_id from dpf_meta.runs order by started_at desc limit 1'))[0]!.run_id);

  it('measures many tables in one statement, gives a table the batch cannot measure its own error, and measures as each alone would', async () => {
    const dir = project();
    const build = await dpf(['build', '--vars', '{"n": 5}'], { cwd: dir });
    expect(build.code, build.output).toBe(1);
    // dpf monitor: the four monitors are ready at once, so they run as one batch.
    const run = await dpf(['monitor', '--vars', '{"n": 5}'], { cwd: dir });
    expect(run.code, run.output).toBe(1);
    // The monitor whose where does not bind is the one error.
    expect(run.stdout).toMatch(/ERROR +mon +main\.bad/);
    expect(run.stdout).toMatch(/PASS +mon +main\.a/);
    expect(run.stdout).toMatch(/Finished in .* 1 error/);
    const results = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8')) as { results: { uniqueId: string; status: string; runPath?: string; message: string }[] };
    const monitors = results.results.filter((r) => r.uniqueId.startsWith('monitor.'));
    expect(monitors.map((r) => [r.uniqueId, r.status]).sort()).toEqual([
      ['monitor.proj.a', 'pass'],
      ['monitor.proj.b', 'pass'],
      ['monitor.proj.bad', 'error'],
      ['monitor.proj.c', 'pass'],
    ]);
    expect(monitors.find((m) => m.uniqueId === 'monitor.proj.bad')!.message).toContain('no_such_column');
    // One file of the batch's statements, which every monitor of it points to: one empty read
    // of the columns, one statement of stats for all four, then each table alone (one failed).
    const paths = new Set(monitors.map((m) => m.runPath));
    expect(paths.size).toBe(1);
    expect([...paths][0]).toMatch(/^target\/run\/proj\/batches\/monitor_\d+\.sql$/);
    const batchSql = readFileSync(join(dir, [...paths][0]!), 'utf8');
    expect(batchSql.match(/union all/g)?.length).toBe(3);
    expect(batchSql).toContain('cross join');

    // The batched stats are those of each table measured alone (dpf monitor -s one table).
    const together = await stats(dir, await lastRunId(dir));
    expect(together.length).toBe(3 + 3 + 2); // table rows of a, b, c and their columns
    const alone: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      const one = await dpf(['monitor', '--select', name, '--vars', '{"n": 5}'], { cwd: dir });
      expect(one.code, one.output).toBe(0);
      alone.push(...(await stats(dir, await lastRunId(dir))));
    }
    expect(alone.sort()).toEqual([...together].sort());
  });
});

describe('row counts the build reported', () => {
  it('are what counting the table gives: a build counts nothing again, dpf monitor counts, and both agree as the data changes', async () => {
    const dir = makeProject(
      {
        'models/t.sql': '{{config materialized="table"}}\nselect range as n from range({{var "n"}})\n',
        'seeds/s.csv': 'id\n1\n2\n3\n',
      },
      ON,
    );
    const rowCount = async (unique: string) =>
      Number((await queryDuckDB(db(dir), `select row_count from dpf_meta.table_stats where unique_id = '${unique}' and column_name is null order by measured_at desc limit 1`))[0]!.row_count);
    for (const n of [5, 0, 12]) {
      const build = await dpf(['build', '--vars', JSON.stringify({ n })], { cwd: dir });
      expect(build.code, build.output).toBe(0);
      const fromBuild = [await rowCount('model.proj.t'), await rowCount('seed.proj.s')];
      expect(fromBuild).toEqual([n, 3]);
      // The build's monitors ran no stats statement: the counts came with the builds.
      const results = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8')) as { results: { uniqueId: string; status: string; runPath?: string }[] };
      const monitors = results.results.filter((r) => r.uniqueId.startsWith('monitor.') && r.status !== 'reused');
      expect(monitors.map((r) => r.uniqueId)).toContain('monitor.proj.t');
      const monitorFiles = new Set(monitors.map((r) => r.runPath!));
      for (const file of monitorFiles) expect(readFileSync(join(dir, file), 'utf8')).not.toMatch(/count\(\*\)/);
      // dpf monitor counts the tables as they are, and finds the same.
      const counted = await dpf(['monitor', '--vars', JSON.stringify({ n })], { cwd: dir });
      expect(counted.code, counted.output).toBe(0);
      expect([await rowCount('model.proj.t'), await rowCount('seed.proj.s')]).toEqual(fromBuild);
    }
  });
});

describe('a monitor\'s history', () => {
  it('leaves out the rows its own run wrote already (the recorder flushes while the run goes on), and durations of other targets', async () => {
    const dir = makeProject({ 'models/t.sql': '{{config materialized="table"}}\nselect range as n from range({{var "n"}})\n' }, ON);
    for (const n of [3, 4]) expect((await dpf(['build', '--vars', JSON.stringify({ n })], { cwd: dir })).code).toBe(0);
    const runs = (await queryDuckDB(db(dir), 'select run_id from dpf_meta.runs order by started_at')).map((r) => String(r.run_id));
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, MonitorNode> };
    const node = manifest.nodes['monitor.proj.t']!;
    // The same project and target name built into another schema of the same database (a second
    // developer, another test run): its durations are its relation's, not main.t's.
    const profile = readFileSync(join(dir, 'profiles.yml'), 'utf8');
    writeFileSync(join(dir, 'profiles.yml'), profile.replace('schema: main', 'schema: other'));
    for (const n of [5, 6, 7]) expect((await dpf(['build', '--vars', JSON.stringify({ n })], { cwd: dir })).code).toBe(0);
    writeFileSync(join(dir, 'profiles.yml'), profile);
    const target: TargetConfig = { profileName: 'proj', targetName: 'dev', type: 'duckdb', schema: 'main', threads: 1, settings: { path: db(dir) }, secrets: [] };
    const adapter = adapterFactory('duckdb').create(target, dir);
    await adapter.open();
    try {
      const read = (runId?: string, targetName?: string) =>
        adapter.withConnection((connection) =>
          readMonitorHistory(
            node,
            { connection, dialect: adapter.dialect, templates: new SqlTemplates(adapter.name), engine: 'DuckDB', manifest: manifest as never, runId, targetName, resultOf: () => undefined, query: (sql) => connection.query(sql), queryValue: async (sql) => (await connection.query(sql)).rows[0]?.[0] },
            14,
          ),
        );
      const all = await read();
      expect(all.measurements.map((m) => [m.runId, m.rowCount])).toEqual([[runs[0], 3], [runs[1], 4]]);
      expect(all.durations).toHaveLength(2);
      // Read by the second run (as if its rows had been flushed before its monitors asked): the first run's only.
      const second = await read(runs[1]);
      expect(second.measurements.map((m) => [m.runId, m.rowCount])).toEqual([[runs[0], 3]]);
      expect(second.durations).toHaveLength(1);
      // Durations are the target's own (node_runs names no relation; targets may share dpf_meta).
      expect((await read(undefined, 'dev')).durations).toHaveLength(2);
      expect((await read(undefined, 'prod')).durations).toHaveLength(0);
      const other = await adapter.withConnection((connection) =>
        readMonitorHistory(
          { ...node, relationName: '"other"."t"' },
          { connection, dialect: adapter.dialect, templates: new SqlTemplates(adapter.name), engine: 'DuckDB', manifest: manifest as never, targetName: 'dev', resultOf: () => undefined, query: (sql) => connection.query(sql), queryValue: async (sql) => (await connection.query(sql)).rows[0]?.[0] },
          14,
        ),
      );
      expect(other.durations).toHaveLength(3);
      expect(other.measurements.map((m) => m.rowCount)).toEqual([5, 6, 7]);
    } finally {
      await adapter.close();
    }
  });
});
