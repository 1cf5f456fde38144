/**
 * Run history in dpf_meta (docs/history.md), on real DuckDB files: every command writes the
 * same facts as its run_results.json / sources.json; a run answered from the reuse ledger is
 * spooled and reaches the warehouse with the next run that opens it; errors are redacted;
 * a history write that fails is one DPF513 warning and never the build's failure; retention
 * deletes old runs at most once a day; `dpf history` prints what was recorded.
 */
import { appendFileSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../src/compiler/schema-validators.js';
import { HISTORY_TABLES, type HistoryTableName } from '../src/history/history-tables.js';
import { history, nodeHistory } from '../src/index.js';
import { copyDemoProject, dpf, makeProject, REPO_ROOT } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const db = (dir: string) => join(dir, 'target/dev.duckdb');
const runResults = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8')) as {
    metadata: { invocationId: string; command: string };
    counts: Record<string, number>;
    results: { uniqueId: string; status: string; rowsAffected?: number; reason?: string }[];
  };

/** Rows of a history table as the writer's row objects (numbers as numbers), for the JSON Schema. */
async function tableRows(dir: string, table: HistoryTableName, where = 'true'): Promise<Record<string, unknown>[]> {
  const rows = await queryDuckDB(db(dir), `select * from dpf_meta.${table} where ${where}`);
  return rows.map((row) =>
    Object.fromEntries(
      HISTORY_TABLES[table].map((c) => {
        const v = row[c.name];
        return [c.name, v === null || v === undefined ? null : ['bigint', 'integer', 'double'].includes(c.type) ? Number(v) : v];
      }),
    ),
  );
}

function expectValidRows(rows: Partial<Record<HistoryTableName, Record<string, unknown>[]>>) {
  const validate = schemaValidator('history');
  const doc = { runs: [], node_runs: [], test_results: [], freshness: [], alerts: [], ...rows };
  expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
}

describe('run history in dpf_meta', () => {
  it('records every build of the demo as run_results.json says, as the data changes between builds', async () => {
    const dir = copyDemoProject();
    const seeds = join(dir, 'seeds/raw_customers.csv');
    for (let i = 0; i < 3; i++) {
      if (i === 1) appendFileSync(seeds, '101,Ada,Lovelace,ada@example.org,Ireland,2024-06-01\n');
      const run = await dpf(['build'], { cwd: dir });
      expect(run.code, run.output).toBe(0);
      const results = runResults(dir);
      const runId = results.metadata.invocationId;
      const [row] = await tableRows(dir, 'runs', `run_id = '${runId}'`);
      expect(row).toMatchObject({ command: 'build', status: 'success', target: 'dev', nodes: results.results.length, from_ledger: false, dpf_version: expect.any(String) });
      for (const status of ['success', 'reused', 'pass', 'warn', 'error', 'skipped']) expect(row![`${status}_count`], status).toBe(results.counts[status]);
      const nodes = await tableRows(dir, 'node_runs', `run_id = '${runId}'`);
      const byId = new Map(nodes.map((n) => [n.unique_id, n]));
      expect(byId.size).toBe(results.results.length);
      for (const r of results.results) {
        const n = byId.get(r.uniqueId)!;
        expect(n.status, r.uniqueId).toBe(r.status);
        expect(n.rows_affected, r.uniqueId).toBe(r.rowsAffected ?? null);
        expect(n.reason, r.uniqueId).toBe(r.reason ?? null);
        expect(n.attempt).toBe(1);
        expect(n.ended_at).not.toBeNull();
      }
      // Tests land in test_results too, attached to the node they check.
      const tests = await tableRows(dir, 'test_results', `run_id = '${runId}'`);
      expect(tests.length).toBe(results.results.filter((r) => r.uniqueId.startsWith('test.') || r.uniqueId.startsWith('unit_test.')).length);
      expect(tests.find((t) => t.unique_id === 'test.shop.not_null_stg_order_items_order_id')).toMatchObject({ attached_node: 'model.shop.stg_order_items', column_name: 'order_id', status: 'pass', failures: 0 });
      expectValidRows({ runs: [row!], node_runs: nodes, test_results: tests });
      // The changed seed is rebuilt on the second build, and everything is reused on the third.
      const rawCustomers = byId.get('seed.shop.raw_customers')!;
      expect(rawCustomers.status).toBe(i === 2 ? 'reused' : 'success');
      if (i === 1) expect(rawCustomers.rows_affected).toBe(101);
    }
    const runs = await history({ projectDir: dir, limit: 10 });
    expect(runs.map((r) => r.command)).toEqual(['build', 'build', 'build']);
    expect(runs[0]!.counts.reused).toBeGreaterThan(0);

    const printed = await dpf(['history'], { cwd: dir });
    expect(printed.code, printed.output).toBe(0);
    expect(printed.stdout).toMatch(/\| run +\| command \| started +\| duration \| status +\| counts/);
    expect(printed.stdout.match(/\| build +\|/g)).toHaveLength(3);
    const node = await dpf(['history', 'raw_customers', '--limit', '2'], { cwd: dir });
    expect(node.code, node.output).toBe(0);
    expect(node.stdout).toMatch(/\| reused +\|.*inputs unchanged/);
    expect(node.stdout.match(/\| (success|reused) +\|/g)).toHaveLength(2); // --limit 2 of 3
    const json = await dpf(['history', 'seed.shop.raw_customers', '--output', 'json'], { cwd: dir });
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { status: string; uniqueId: string });
    expect(lines.map((l) => l.status)).toEqual(['reused', 'success', 'success']);
    expect(new Set(lines.map((l) => l.uniqueId))).toEqual(new Set(['seed.shop.raw_customers']));
  });

  it('spools a run answered from the reuse ledger, shows it, and writes it with the next run that opens the warehouse', async () => {
    const dir = makeProject({ 'models/a.sql': '{{config materialized="table"}}\nselect 1 as n\n', 'models/b.sql': 'select n + 1 as m from {{ref "a"}}\n' });
    expect((await dpf(['run'], { cwd: dir })).code).toBe(0);
    const stampBefore = readFileSync(join(dir, 'target/reuse_ledger.json'), 'utf8');
    const noop = await dpf(['run'], { cwd: dir });
    expect(noop.code, noop.output).toBe(0);
    const ledgerRun = runResults(dir).metadata.invocationId;
    // Answered without opening the warehouse: the ledger is unchanged, the history is in the spool.
    expect(readFileSync(join(dir, 'target/reuse_ledger.json'), 'utf8')).toBe(stampBefore);
    const spool = join(dir, 'target/history_spool.jsonl');
    const line = JSON.parse(readFileSync(spool, 'utf8').trim()) as { version: number; rows: Record<string, unknown> };
    expectValidRows(line.rows as never);
    expect((await queryDuckDB(db(dir), `select count(*) as n from dpf_meta.runs where run_id = '${ledgerRun}'`))[0]!.n).toBe('0');
    const shown = await history({ projectDir: dir });
    expect(shown[0]).toMatchObject({ runId: ledgerRun, fromLedger: true, counts: expect.objectContaining({ reused: 3 }) }); // two models and the table's monitor
    // dpf history read the warehouse but wrote nothing: the next no-op is still answered from the ledger.
    expect((await dpf(['run'], { cwd: dir })).code).toBe(0);
    expect(readFileSync(spool, 'utf8').trim().split('\n')).toHaveLength(2);

    const rebuild = await dpf(['run', '--rebuild-all'], { cwd: dir });
    expect(rebuild.code, rebuild.output).toBe(0);
    expect(existsSync(spool)).toBe(false);
    const rows = await tableRows(dir, 'runs');
    expect(rows.map((r) => r.from_ledger).sort()).toEqual([false, false, true, true]);
    expect(rows.find((r) => r.run_id === ledgerRun)).toMatchObject({ reused_count: 3, status: 'success' }); // two models and the table's monitor
    expect((await tableRows(dir, 'node_runs', `run_id = '${ledgerRun}'`)).map((r) => r.status)).toEqual(['reused', 'reused', 'reused']);
  });

  it('spools a run that opened the warehouse but reused everything: the database file is left as it was', async () => {
    const dir = makeProject({ 'models/a.sql': '{{config materialized="table"}}\nselect 1 as n\n', 'models/b.sql': 'select n + 1 as m from {{ref "a"}}\n' });
    expect((await dpf(['run'], { cwd: dir })).code).toBe(0);
    // Without the ledger (as after another process wrote to the file) the run opens the warehouse.
    rmSync(join(dir, 'target/reuse_ledger.json'));
    const file = () => {
      const { size, mtimeMs } = statSync(db(dir));
      return { size, mtimeMs, wal: existsSync(`${db(dir)}.wal`) };
    };
    const before = file();
    const noop = await dpf(['run'], { cwd: dir });
    expect(noop.code, noop.output).toBe(0);
    const runId = runResults(dir).metadata.invocationId;
    // Nothing was replaced and nothing written: no write, no checkpoint, and the ledger is current again.
    expect(file()).toEqual(before);
    expect(existsSync(join(dir, 'target/reuse_ledger.json'))).toBe(true);
    const shown = await history({ projectDir: dir });
    expect(shown[0]).toMatchObject({ runId, fromLedger: false, counts: expect.objectContaining({ reused: 3 }) }); // two models and the table's monitor
    // The next run that replaces something writes it, as it writes a ledger run.
    expect((await dpf(['run', '--rebuild-all'], { cwd: dir })).code).toBe(0);
    expect(existsSync(join(dir, 'target/history_spool.jsonl'))).toBe(false);
    expect((await tableRows(dir, 'runs', `run_id = '${runId}'`)).map((r) => [r.from_ledger, r.reused_count])).toEqual([[false, 3]]);
  });

  it('records a failed model with its error redacted, and the skipped node downstream', async () => {
    const secret = 'hunter2-sekret';
    const dir = makeProject({
      'profiles.yml': `proj:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/dev.duckdb, schema: main, threads: 1, password: "{{env 'DPF_TEST_PW'}}" }\n`,
      'models/parsed.sql': `{{config materialized="table"}}\nselect cast('{{var "token"}}' as integer) as n\n`,
      'models/after.sql': '{{config materialized="table"}}\nselect n from {{ref "parsed"}}\n',
    });
    const run = await dpf(['build', '--vars', JSON.stringify({ token: secret })], { cwd: dir, env: { HOME: dir, DPF_TEST_PW: secret } });
    expect(run.code, run.output).toBe(1);
    const [row] = await tableRows(dir, 'runs');
    // Skipped: after, and the monitors of both tables.
    expect(row).toMatchObject({ status: 'error', error_count: 1, skipped_count: 3 });
    const nodes = await tableRows(dir, 'node_runs');
    const failed = nodes.find((n) => n.name === 'parsed')!;
    expect(failed).toMatchObject({ status: 'error', error_code: 'DPF600' });
    expect(String(failed.error_message)).toContain('Could not convert string');
    expect(String(failed.error_message)).toContain('****');
    expect(nodes.find((n) => n.name === 'after')).toMatchObject({ status: 'skipped', started_at: null, reason: expect.stringContaining('parsed') });
    const everything = JSON.stringify(await queryDuckDB(db(dir), 'select * from dpf_meta.node_runs'));
    expect(everything).not.toContain(secret);
  });

  it('records dpf test in test_results and dpf source freshness in freshness', async () => {
    const dir = copyDemoProject();
    expect((await dpf(['build'], { cwd: dir })).code).toBe(0);
    const test = await dpf(['test', '--select', 'stg_orders'], { cwd: dir });
    expect(test.code, test.output).toBe(0);
    const testRun = runResults(dir);
    const tests = await tableRows(dir, 'test_results', `run_id = '${testRun.metadata.invocationId}'`);
    expect(tests.length).toBe(testRun.results.length);
    expect(tests.filter((t) => t.attached_node === 'model.shop.stg_orders').length).toBeGreaterThan(0);
    expect(tests.map((t) => t.status).sort()).toEqual(testRun.results.map((r) => r.status).sort());
    expect((await tableRows(dir, 'runs', `run_id = '${testRun.metadata.invocationId}'`))[0]).toMatchObject({ command: 'test', selector: '--select stg_orders' });

    const fresh = await dpf(['source', 'freshness'], { cwd: dir });
    expect(fresh.code, fresh.output).toBe(0);
    const sources = JSON.parse(readFileSync(join(dir, 'target/sources.json'), 'utf8')) as { metadata: { invocationId: string }; results: { uniqueId: string; status: string; maxLoadedAtTimeAgoInS: number }[] };
    const rows = await tableRows(dir, 'freshness', `run_id = '${sources.metadata.invocationId}'`);
    expect(rows).toHaveLength(sources.results.length);
    const [sessions] = rows;
    const expected = sources.results.find((r) => r.uniqueId === sessions!.unique_id)!;
    expect(sessions).toMatchObject({ source: 'web.sessions', status: expected.status, max_loaded_at: expect.stringMatching(/^2024-06-30/) });
    expect(Math.abs(Number(sessions!.age_seconds) - expected.maxLoadedAtTimeAgoInS)).toBeLessThan(5);
    expectValidRows({ freshness: rows, test_results: tests });
    expect((await nodeHistory('source.shop.web.sessions', { projectDir: dir }))[0]).toMatchObject({ kind: 'source', status: expected.status });
  });

  it('turns a history write that fails into one DPF513 warning: the build passes and its results are written', async () => {
    const dir = makeProject({ 'models/a.sql': '{{config materialized="table"}}\nselect 1 as n\n' });
    expect((await dpf(['run'], { cwd: dir })).code).toBe(0);
    await queryDuckDB(db(dir), 'drop table dpf_meta.node_runs; create table dpf_meta.node_runs (something_else integer not null)');
    const run = await dpf(['run', '--rebuild-all'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.output.match(/DPF513/g)).toHaveLength(1);
    expect(run.output).toContain('dpf_meta.node_runs');
    expect(runResults(dir).results[0]).toMatchObject({ status: 'success' });
    // The table dpf did not create is left alone.
    expect(await queryDuckDB(db(dir), 'select count(*) as n from dpf_meta.node_runs')).toEqual([{ n: '0' }]);
  });

  it('deletes runs older than history.keep_days, at most once a day', async () => {
    const dir = makeProject({ 'models/a.sql': '{{config materialized="table"}}\nselect 1 as n\n' }, 'name: proj\nhistory:\n  keep_days: 30\n');
    expect((await dpf(['run'], { cwd: dir })).code).toBe(0);
    const plant = (id: string, daysAgo: number) =>
      `insert into dpf_meta.runs (run_id, command, target, started_at, status, nodes, from_ledger) values ('${id}', 'run', 'dev', now()::timestamp - interval ${daysAgo} day, 'success', 1, false);` +
      `insert into dpf_meta.node_runs (run_id, unique_id, name, kind, status, attempt, thread) values ('${id}', 'model.proj.a', 'a', 'model', 'success', 1, 1);`;
    await queryDuckDB(db(dir), `${plant('old-run', 40)} ${plant('recent-run', 20)} update dpf_meta.history_version set pruned_at = now()::timestamp - interval 2 day`);
    expect((await dpf(['run', '--rebuild-all'], { cwd: dir })).code).toBe(0);
    const ids = async (table: string) => (await queryDuckDB(db(dir), `select distinct run_id from dpf_meta.${table}`)).map((r) => r.run_id);
    expect(await ids('runs')).not.toContain('old-run');
    expect(await ids('node_runs')).not.toContain('old-run');
    expect(await ids('runs')).toContain('recent-run');
    expect(await ids('runs')).toHaveLength(3);
    // Pruned today: another old run stays until tomorrow's prune.
    await queryDuckDB(db(dir), plant('older-run', 50));
    expect((await dpf(['run', '--rebuild-all'], { cwd: dir })).code).toBe(0);
    expect(await ids('runs')).toContain('older-run');
  });

  it('validates history: in dpf_project.yml', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as n\n' }, 'name: proj\nhistory:\n  keep_days: 0\n');
    const run = await dpf(['run'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.output).toContain('DPF103');
    expect(run.output).toContain('keep_days');
  });
});

describe('history and the reuse ledger', () => {
  it('keeps the ledger current after dpf test, which writes only history: the next no-op is still answered from it', async () => {
    const dir = makeProject({
      'models/a.sql': '{{config materialized="table"}}\nselect 1 as n\n',
      'models/a.yml': 'models:\n  - name: a\n    columns:\n      - name: n\n        data_tests: [not_null]\n',
    });
    expect((await dpf(['run'], { cwd: dir })).code).toBe(0);
    const test = await dpf(['test'], { cwd: dir });
    expect(test.code, test.output).toBe(0);
    expect((await tableRows(dir, 'test_results')).map((t) => t.status)).toEqual(['pass']);
    const spool = join(dir, 'target/history_spool.jsonl');
    expect(existsSync(spool)).toBe(false);
    expect((await dpf(['run'], { cwd: dir })).code).toBe(0);
    // Spooled: answered from the ledger, which dpf test re-stamped after writing its history.
    expect(existsSync(spool)).toBe(true);
  });
});

describe('the history tables are documented', () => {
  it('names every column in docs/history.md and in schemas/history.schema.json, with the same columns', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/history.md'), 'utf8');
    const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas/history.schema.json'), 'utf8')) as { definitions: Record<string, { properties: Record<string, unknown>; required: string[] }> };
    for (const [table, columns] of Object.entries(HISTORY_TABLES)) {
      expect(doc, table).toContain(`### \`dpf_meta.${table}\``);
      for (const c of columns) expect(doc, `${table}.${c.name}`).toContain(`| \`${c.name}\` | ${c.type} |`);
      expect(Object.keys(schema.definitions[table]!.properties), table).toEqual(columns.map((c) => c.name));
      expect(schema.definitions[table]!.required, table).toEqual(columns.map((c) => c.name));
    }
  });
});
