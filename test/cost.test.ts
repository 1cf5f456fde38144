/**
 * Resources and cost (docs/cost.md), end to end on real DuckDB files: a build records what the
 * engine measured per node run (CPU, rows scanned, bytes written) in
 * dpf_meta.node_runs and the run's totals in runs; the target's cost: rates price them the
 * same way in history and in `dpf cost` (text, JSON and the cost() API); engine_stats: false
 * turns the figures off; a version-1 history database gets the new columns on the next run.
 */
import { HISTORY_VERSION } from '../src/history/history-tables.js';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cost, history, nodeHistory } from '../src/index.js';
import { computeCost, type CostReport } from '../src/cost/index.js';
import { HISTORY_TABLES } from '../src/history/history-tables.js';
import { dpf, makeProject } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const RATES = { perCpuHour: 40, perTbScanned: 5, perGbMonth: 0.02, currency: 'EUR' };
const profile = (extra: string) =>
  `proj:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/dev.duckdb\n      schema: main\n      threads: 2\n${extra}`;
const COST_BLOCK = '      cost: {per_cpu_hour: 40, per_tb_scanned: 5, per_gb_month: 0.02, currency: EUR}\n';

const FILES = {
  'seeds/codes.csv': 'code,label\n1,one\n2,two\n',
  'models/big.sql': "{{config materialized='table'}}\nselect range as id, range % 97 as g, md5(cast(range as varchar)) as s from range(300000)\n",
  'models/grouped.sql': "{{config materialized='table'}}\nselect g, count(*) as n, max(s) as s from {{ref 'big'}} group by g\n",
  'models/v.sql': "{{config materialized='view'}}\nselect * from {{ref 'grouped'}}\n",
  'models/schema.yml': 'models:\n  - name: grouped\n    columns:\n      - name: g\n        data_tests: [not_null]\n',
};

const db = (dir: string) => join(dir, 'target/dev.duckdb');
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

async function nodeRuns(dir: string, runId?: string) {
  const where = runId ? `where run_id = '${runId}'` : '';
  const rows = await queryDuckDB(db(dir), `select * from dpf_meta.node_runs ${where}`);
  return new Map(rows.map((r) => [String(r.name), r]));
}

async function lastRunId(dir: string): Promise<string> {
  const [row] = await queryDuckDB(db(dir), 'select run_id from dpf_meta.runs order by started_at desc limit 1');
  return String(row!.run_id);
}

describe('engine figures and cost per node run', () => {
  it('records CPU, rows scanned and bytes written, priced by the cost: block, and dpf cost ranks models by them and tables by size', async () => {
    const dir = makeProject(FILES);
    writeFileSync(join(dir, 'profiles.yml'), profile(COST_BLOCK));
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const runId = await lastRunId(dir);
    const nodes = await nodeRuns(dir, runId);

    // Tables: the engine's figures.
    for (const name of ['big', 'grouped', 'codes']) {
      const n = nodes.get(name)!;
      expect(num(n.cpu_ms), name).toBeGreaterThan(0);
      expect(num(n.rows_scanned), name).not.toBeNull();
      expect(n.query_ids, name).toBeNull(); // DuckDB has no query ids
      // Priced in history as the cost module prices the recorded figures.
      expect(num(n.compute_cost), name).toBeCloseTo(computeCost({ cpuMs: num(n.cpu_ms), bytesScanned: num(n.bytes_scanned) }, RATES)!, 6);
    }
    expect(num(nodes.get('big')!.rows_scanned)).toBe(300000);
    expect(num(nodes.get('grouped')!.rows_scanned)).toBe(300000);
    expect(num(nodes.get('big')!.bytes_written)).toBeGreaterThan(0);
    // A view has no plan to profile; a test's query is measured.
    expect(nodes.get('v')!.cpu_ms).toBeNull();
    expect(num(nodes.get('not_null_grouped_g')!.cpu_ms)).not.toBeNull();

    // The run's totals are the node runs' sums; DuckDB has no workers to count.
    const [runRow] = await queryDuckDB(db(dir), `select * from dpf_meta.runs where run_id = '${runId}'`);
    const all = [...nodes.values()];
    const sum = (key: string) => all.reduce((s, n) => s + (num(n[key]) ?? 0), 0);
    expect(num(runRow!.cpu_ms)).toBeCloseTo(sum('cpu_ms'), 3);
    expect(num(runRow!.compute_cost)).toBeCloseTo(sum('compute_cost'), 5);
    expect(num(runRow!.compute_cost)).toBeGreaterThan(0);
    expect(runRow!.workers_at_start).toBeNull();
    expect(runRow!.workers_at_end).toBeNull();

    // dpf cost: the API, its JSON and its text agree with what was recorded.
    const report = await cost({ projectDir: dir, days: 7 });
    expect(report.rates).toEqual(RATES);
    expect(report.compute[0]!.name).toBe('big');
    expect(report.compute.find((r) => r.name === 'grouped')).toMatchObject({ runs: 1, cpuMs: num(nodes.get('grouped')!.cpu_ms) });
    // Storage: every table of the project, sized now (views and tests store nothing), largest first.
    expect(report.storage.map((r) => r.name).sort()).toEqual(['big', 'codes', 'grouped']);
    expect(report.storage[0]!.name).toBe('big');
    const big = report.storage[0]!;
    expect(big.storageBytes).toBeGreaterThan(300000); // 300,000 rows of three columns
    expect(big.storageCost).toBeCloseTo((big.storageBytes / 1e9) * 0.02 * (7 / 30), 6);
    expect(report.totals.computeCost).toBeCloseTo(num(runRow!.compute_cost)!, 5);
    expect(report.perDay).toHaveLength(1);
    expect(report.perDay[0]).toMatchObject({ runs: 1 });

    const json = await dpf(['cost', '--days', '7', '--output', 'json'], { cwd: dir });
    expect(json.code, json.output).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify({ ...report, since: JSON.parse(json.stdout).since })));
    const text = await dpf(['cost', '--days', '7', '--top', '2'], { cwd: dir });
    expect(text.code, text.output).toBe(0);
    expect(text.stdout).toContain('Top models by compute');
    expect(text.stdout).toContain('Top models by storage');
    expect(text.stdout).toMatch(/\| big\s+\| model/);
    expect(text.stdout).toContain('EUR');
    expect(text.stdout.match(/^\| (big|grouped|codes|not_null_grouped_g) /gm)!.length).toBeLessThanOrEqual(4);

    // run_results.json carries them in adapterResponse, as dbt's adapter_response does.
    const results = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8')) as { results: { name: string; adapterResponse: Record<string, unknown> }[] };
    expect(results.results.find((r) => r.name === 'big')!.adapterResponse).toMatchObject({ rowsAffected: 300000, cpuMs: num(nodes.get('big')!.cpu_ms), rowsScanned: 300000 });

    // nodeHistory and history carry the same figures.
    const [bigRun] = await nodeHistory('big', { projectDir: dir, limit: 1 });
    expect(bigRun).toMatchObject({ cpuMs: num(nodes.get('big')!.cpu_ms), queryIds: [] });
    const [lastRun] = await history({ projectDir: dir, limit: 1 });
    expect(lastRun).toMatchObject({ runId, workersAtStart: null, computeCost: num(runRow!.compute_cost) });

    // A second build adds up in dpf cost: two runs of each model over the period.
    expect((await dpf(['build', '--rebuild-all'], { cwd: dir })).code).toBe(0);
    const again = await cost({ projectDir: dir, days: 7 });
    expect(again.compute.find((r) => r.name === 'big')!.runs).toBe(2);
    expect(again.perDay[0]!.runs).toBe(2);
  });

  it('records no engine figures with engine_stats: false, and prints figures only without a cost: block', async () => {
    const dir = makeProject(FILES);
    writeFileSync(join(dir, 'profiles.yml'), profile('      engine_stats: false\n'));
    expect((await dpf(['build'], { cwd: dir })).code).toBe(0);
    const nodes = await nodeRuns(dir);
    for (const column of ['cpu_ms', 'rows_scanned', 'bytes_written', 'compute_cost']) expect(nodes.get('big')![column], column).toBeNull();
    const text = await dpf(['cost'], { cwd: dir });
    expect(text.code, text.output).toBe(0);
    expect(text.stdout).toContain('No cost: block');
    expect(text.stdout).toContain('Nothing measured in this period');
  });

  it('counts only the runs of the target asked for, when two targets share one dpf_meta', async () => {
    const dir = makeProject({ 'models/t.sql': "{{config materialized='table'}}\nselect range as id from range(1000)\n" });
    // dev and prod write to one DuckDB file, in schemas of their own, and so to one dpf_meta.
    writeFileSync(
      join(dir, 'profiles.yml'),
      'proj:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/shared.duckdb, schema: dev, threads: 1 }\n    prod: { type: duckdb, path: target/shared.duckdb, schema: prod, threads: 1 }\n',
    );
    for (const target of ['dev', 'dev', 'prod']) expect((await dpf(['build', '--target', target, '--rebuild-all'], { cwd: dir })).code).toBe(0);
    const report = async (target: string) => {
      const run = await dpf(['cost', '--target', target, '--output', 'json'], { cwd: dir });
      expect(run.code, run.output).toBe(0);
      return JSON.parse(run.stdout) as CostReport;
    };
    expect((await report('dev')).compute.find((r) => r.name === 't')!.runs).toBe(2);
    expect((await report('prod')).compute.find((r) => r.name === 't')!.runs).toBe(1);
    expect((await report('prod')).perDay[0]!.runs).toBe(1);
  });

  it('refuses a cost rate that is not a number with DPF740', async () => {
    const dir = makeProject(FILES);
    writeFileSync(join(dir, 'profiles.yml'), profile('      cost: {per_cpu_hour: "a lot"}\n'));
    const run = await dpf(['cost'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.output).toContain('DPF740');
    expect(run.output).toContain('outputs.dev.cost.per_cpu_hour');
    // A build goes on: the rate is a warning there, and the run is recorded without a cost.
    const build = await dpf(['build'], { cwd: dir });
    expect(build.code, build.output).toBe(0);
    expect(build.output).toMatch(/warning DPF740/);
  });

  it('adds the new columns to history tables of version 1, keeping their rows', async () => {
    const dir = makeProject(FILES);
    expect((await dpf(['build'], { cwd: dir })).code).toBe(0);
    // Make it a version-1 database: the columns version 2 added are dropped.
    const added = { runs: ['workers_at_start', 'workers_at_end', 'cpu_ms', 'bytes_scanned', 'compute_cost'], node_runs: ['cpu_ms', 'peak_memory_bytes', 'rows_scanned', 'bytes_scanned', 'compute_cost'] };
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(db(dir));
    const connection = await instance.connect();
    for (const [table, columns] of Object.entries(added)) for (const c of columns) await connection.run(`alter table dpf_meta.${table} drop column ${c}`);
    await connection.run('update dpf_meta.history_version set version = 1');
    connection.closeSync();
    instance.closeSync();

    expect((await dpf(['build', '--rebuild-all'], { cwd: dir })).code).toBe(0);
    const columns = await queryDuckDB(db(dir), "select column_name from information_schema.columns where table_schema = 'dpf_meta' and table_name = 'node_runs'");
    expect(new Set(columns.map((c) => String(c.column_name)))).toEqual(new Set(HISTORY_TABLES.node_runs.map((c) => c.name)));
    const [version] = await queryDuckDB(db(dir), 'select version from dpf_meta.history_version');
    expect(Number(version!.version)).toBe(HISTORY_VERSION);
    const rows = await queryDuckDB(db(dir), "select run_id, cpu_ms from dpf_meta.node_runs where name = 'big' order by ended_at");
    expect(rows).toHaveLength(2);
    expect(rows[0]!.cpu_ms).toBeNull(); // the version-1 row
    expect(num(rows[1]!.cpu_ms)).toBeGreaterThan(0);
  });
});
