/**
 * One suite for every adapter: the same projects, built by the real CLI, on the engine under
 * test (DuckDB in `npm test`; a real local Trino in `npm run test:trino`). Where engines
 * legitimately differ, the expectation says so with perEngine({ duckdb, trino }).
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { dpf, REPO_ROOT, TEMPLATE } from '../helpers/run-dpf.js';
import { readSite } from '../docs-site/helpers/site-files.js';
import { ADAPTER, asText, conformanceProject, perEngine, type TestWarehouse } from './warehouse.js';
import type { LogicalType } from '../../src/adapters/adapter.js';
import { cost as costViaApi, build as buildViaApi, run as runViaApi, seed as seedViaApi, snapshot as snapshotViaApi, sourceFreshness as freshnessViaApi, test as testViaApi } from '../../src/index.js';

/** models/sources.yml declaring one source table in this project's schema <name> (see SCHEMA_ in warehouse.ts). */
const sourceYml = (source: string, table: string) => `sources:\n  - name: ${source}\n    schema: SCHEMA_${source}\n    tables:\n      - name: ${table}\n`;

const made: TestWarehouse[] = [];
function project(files: Record<string, string>, projectYml?: string): TestWarehouse {
  const w = conformanceProject(files, projectYml);
  made.push(w);
  return w;
}
afterAll(async () => {
  for (const w of made) await w.dropSchemas();
});

const run = (w: TestWarehouse, ...args: string[]) => dpf([...args, '--project-dir', w.dir], { cwd: w.dir });
/** Runs dpf and expects it to succeed, showing its output when it does not. */
async function ok(w: TestWarehouse, ...args: string[]) {
  const result = await run(w, ...args);
  expect(result.code, result.output).toBe(0);
  return result;
}
const count = async (w: TestWarehouse, relation: string) => Number((await w.query(`select count(*) as n from ${relation}`))[0]!.n);

describe(`adapter conformance: ${ADAPTER}`, () => {
  it('builds the demo project: every model, seed and test, with the same figures on every engine', async () => {
    const w = project({});
    cpSync(TEMPLATE, w.dir, { recursive: true, filter: (src) => !src.includes('/target') });
    // The demo's profile, pointed at the engine under test. The expected figures come from the seeds
    // (e.g. the sum of successful raw_payments.amount_cents / 100), not from a previous run.
    writeFileSync(join(w.dir, 'profiles.yml'), w.profileYaml('shop'));
    const build = await ok(w, 'build');
    expect(build.stdout).toMatch(/Finished in .*: \d+ ok, 1 warning, 0 errors, 0 skipped/);
    expect(await count(w, w.relation('fct_orders'))).toBe(500);
    expect(await count(w, w.relation('payments_by_method', `${w.schema}_finance`))).toBe(69);
    const daily = await w.query(`select count(*) as days, sum(orders) as orders, min(order_date) as first_day from ${w.relation('orders_daily')}`);
    expect(asText(daily)).toEqual([{ days: '547', orders: '500', first_day: '2023-01-01' }]);
    const paid = await w.query(`select sum(amount) as total from ${w.relation('stg_payments')} where payment_status = 'success'`);
    expect(Number(paid[0]!.total)).toBeCloseTo(75282.69, 2);
    // The first test on a freshly started server pays its warm-up (20 s warm on this machine,
    // over 60 s cold and loaded): a guard against a hang, not a time to meet.
  }, 180_000);

  it('the public API and the CLI give the same results for every command: statuses, rows, reasons and tables, as data changes and a model breaks', async () => {
    const files = {
      'seeds/people.csv': 'id,name\n1,Ann\n2,Bo\n3,Cy\n',
      'models/sources.yml': `sources:
  - name: landing
    schema: SCHEMA_landing
    loaded_at_field: loaded_at
    freshness:
      error_after: {count: 100000, period: day}
    tables:
      - name: scores
`,
      'models/people_v.sql': '{{config materialized="view"}}\nselect id, name from {{ref "people"}}\n',
      'models/scores_eph.sql': '{{config materialized="ephemeral"}}\nselect id, score * 2 as doubled from {{source "landing" "scores"}}\n',
      'models/people_scores.sql': '{{config materialized="table"}}\nselect p.id, p.name, s.doubled from {{ref "people_v"}} as p join {{ref "scores_eph"}} as s on s.id = p.id\n',
      'models/scores_inc.sql': '{{config materialized="incremental" unique_key="id" incremental_strategy="merge"}}\nselect id, score from {{source "landing" "scores"}}\n',
      'snapshots/scores_history.sql': '{{config unique_key="id" strategy="check" check_cols="all"}}\nselect id, score from {{source "landing" "scores"}}\n',
      'models/people_scores.yml': `models:
  - name: people_scores
    columns:
      - name: id
        data_tests: [unique, not_null]
      - name: doubled
        data_tests:
          - accepted_values: {values: [20, 60], quote: false, config: {severity: warn}}
unit_tests:
  - name: doubles_scores
    model: people_scores
    given:
      - input: ref('people_v')
        rows: [{id: 1, name: Ann}]
      - input: ref('scores_eph')
        rows: [{id: 1, doubled: 4}]
    expect:
      rows: [{id: 1, name: Ann, doubled: 4}]
`,
    };
    const [viaCli, viaApi] = [project(files), project(files)];
    const land = (select: string) => Promise.all([viaCli, viaApi].map((w) => w.land(`${w.schema}_landing`, 'scores', select)));
    await land(`select 1 as id, 10 as score, timestamp '2024-01-01 00:00:00' as loaded_at union all select 3, 30, timestamp '2024-01-01 00:00:00'`);
    type Result = { uniqueId: string; status: string; rowsAffected?: number; reason?: string; failures?: number };
    const shape = (results: readonly Result[]) =>
      results.map((r) => [r.uniqueId, r.status, r.rowsAffected ?? null, r.reason ?? null, r.failures ?? null]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    const env = { HOME: viaApi.dir };
    const viaApiCommand = { build: buildViaApi, run: runViaApi, seed: seedViaApi, snapshot: snapshotViaApi, test: testViaApi } as const;
    const same = async (round: string, command: keyof typeof viaApiCommand, exitCode: number) => {
      const cli = await run(viaCli, command);
      expect(cli.code, `${round}: ${cli.output}`).toBe(exitCode);
      const cliResults = JSON.parse(readFileSync(join(viaCli.dir, 'target/run_results.json'), 'utf8')) as { results: Result[] };
      const api = await viaApiCommand[command]({ projectDir: viaApi.dir, cwd: viaApi.dir, env });
      expect(api.exitCode, round).toBe(exitCode);
      expect(shape(api.summary!.results), round).toEqual(shape(cliResults.results));
      return api.summary!.results;
    };
    const first = await same('first build', 'build', 0);
    expect(new Set(first.map((r) => r.resourceType))).toEqual(new Set(['seed', 'model', 'snapshot', 'test', 'unit_test', 'monitor']));
    await same('nothing changed', 'build', 0);
    await land(`select 1 as id, 11 as score, timestamp '2024-01-01 00:00:00' as loaded_at union all select 3, 30, timestamp '2024-01-01 00:00:00' union all select 4, 40, timestamp '2024-01-01 00:00:00'`);
    const changed = await same('source rows updated and inserted: a warning test', 'build', 0);
    expect(changed.some((r) => r.status === 'warn')).toBe(true);
    for (const command of ['run', 'seed', 'snapshot', 'test'] as const) await same(`dpf ${command}`, command, 0);

    const freshCli = await run(viaCli, 'source', 'freshness');
    expect(freshCli.code, freshCli.output).toBe(0);
    const sources = JSON.parse(readFileSync(join(viaCli.dir, 'target/sources.json'), 'utf8')) as { results: { uniqueId: string; status: string }[] };
    const freshApi = await freshnessViaApi({ projectDir: viaApi.dir, cwd: viaApi.dir, env });
    expect(freshApi.summary!.results.map((r) => [r.uniqueId, r.status])).toEqual(sources.results.map((r) => [r.uniqueId, r.status === 'pass' ? 'pass' : r.status]));

    // Fails when run, on every engine: its unit test errors, so the model and its tests are skipped.
    const failing = '{{config materialized="table"}}\nselect p.id, p.name, cast(\'oops\' as integer) as doubled from {{ref "people_v"}} as p join {{ref "scores_eph"}} as s on s.id = p.id\n';
    for (const w of [viaCli, viaApi]) writeFileSync(join(w.dir, 'models/people_scores.sql'), failing);
    const broken = await same('a model that fails: what depends on it is skipped, the rest is reused', 'build', 1);
    expect(broken.find((r) => r.uniqueId.endsWith('.doubles_scores'))!.status).toBe('error');
    expect(broken.find((r) => r.uniqueId.endsWith('.people_scores'))!.status).toBe('skipped');
    expect(broken.find((r) => r.uniqueId.endsWith('.scores_inc'))!.status).toBe('reused');

    const tables = async (w: TestWarehouse) => ({
      scores: asText(await w.query(`select id, name, doubled from ${w.relation('people_scores')} order by id`)),
      incremental: asText(await w.query(`select id, score from ${w.relation('scores_inc')} order by id`)),
      history: asText(await w.query(`select id, score, case when dpf_valid_to is null then 'current' else 'closed' end as state from ${w.relation('scores_history')} order by id, score`)),
    });
    const [cliTables, apiTables] = [await tables(viaCli), await tables(viaApi)];
    expect(apiTables).toEqual(cliTables);
    expect(cliTables.incremental).toEqual([{ id: '1', score: '11' }, { id: '3', score: '30' }, { id: '4', score: '40' }]);
    expect(cliTables.history.filter((r) => r.state === 'closed')).toEqual([{ id: '1', score: '10', state: 'closed' }]);
  }, 240_000);

  it('builds every materialization: seed, view, table, ephemeral, and reads a source', async () => {
    const w = project({
      'seeds/people.csv': 'id,name,note,joined\n1,Zoë,"He said ""hi""",2024-01-05\n2,O\'Brien,,2024-02-10\n3,東京,"a, b",\n',
      'models/sources.yml': sourceYml('landing', 'scores'),
      'models/people_v.sql': '{{config materialized="view"}}\nselect id, name, note from {{ref "people"}}\n',
      'models/scores_eph.sql': '{{config materialized="ephemeral"}}\nselect id, score * 2 as doubled from {{source "landing" "scores"}}\n',
      'models/people_scores.sql': '{{config materialized="table"}}\nselect p.id, p.name, s.doubled from {{ref "people_v"}} as p join {{ref "scores_eph"}} as s on s.id = p.id\n',
    });
    await w.land(`${w.schema}_landing`, 'scores', 'select 1 as id, 10 as score union all select 3, 30');
    const build = await ok(w, 'build');
    expect(build.stdout).toMatch(/OK +seed +\S*people .*\[3 rows/);
    expect(build.stdout).toMatch(/OK +view +\S*people_v/);
    expect(asText(await w.query(`select id, name, note, joined from ${w.relation('people')} order by id`))).toEqual([
      { id: '1', name: 'Zoë', note: 'He said "hi"', joined: '2024-01-05' },
      { id: '2', name: "O'Brien", note: null, joined: '2024-02-10' },
      { id: '3', name: '東京', note: 'a, b', joined: null },
    ]);
    expect(asText(await w.query(`select id, name, doubled from ${w.relation('people_scores')} order by id`))).toEqual([
      { id: '1', name: 'Zoë', doubled: '20' },
      { id: '3', name: '東京', doubled: '60' },
    ]);
    const relations = await w.query(`select table_name from ${infoSchema(w)}.tables where table_schema = '${w.schema}' order by 1`);
    // The ephemeral model is a CTE, never a relation.
    expect(relations.map((r) => String(r.table_name))).toEqual(['people', 'people_scores', 'people_v']);
  });

  it('masking: true builds a seed\'s and a source\'s personal columns masked, typed, and the same hash in both', async () => {
    const w = project({
      'classifications.yml': 'levels:\n  - name: internal\n  - name: restricted\npii:\n  - name: email\n    level: restricted\n    masking: hash\n  - name: name\n    level: restricted\n    masking: partial\n  - name: birthday\n    level: restricted\n    masking: hash\n',
      'seeds/people.csv': 'id,email,name\n1,ann@example.com,Ann\n2,bo@example.com,\n',
      'seeds/_seeds.yml': 'seeds:\n  - name: people\n    columns:\n      - name: email\n        pii: email\n      - name: name\n        pii: name\n',
      'models/sources.yml': `${sourceYml('landing', 'contacts')}        columns:\n          - name: email\n            pii: email\n          - name: born\n            pii: birthday\n`,
      'models/joined.sql': 'select p.id, p.email, c.email as contact_email, p.name, c.born, c.score\nfrom {{ref "people"}} p join {{source "landing" "contacts"}} c on c.id = p.id\n',
    });
    writeFileSync(join(w.dir, 'profiles.yml'), readFileSync(join(w.dir, 'profiles.yml'), 'utf8').replace('"threads":4', '"threads":4,"masking":true'));
    await w.land(`${w.schema}_landing`, 'contacts', "select 1 as id, 'ann@example.com' as email, date '1990-04-01' as born, 7 as score union all select 2, 'bo@example.com', date '1985-12-24', 9");
    await ok(w, 'build');
    const rows = asText(await w.query(`select id, email, contact_email, name, born, score from ${w.relation('joined')} order by id`));
    expect(rows.map((r) => ({ ...r, email: undefined, contact_email: undefined }))).toEqual([
      { id: '1', name: 'A***', born: null, score: '7', email: undefined, contact_email: undefined },
      { id: '2', name: null, born: null, score: '9', email: undefined, contact_email: undefined },
    ]);
    for (const r of rows) {
      expect(r.email).toMatch(/^[0-9a-f]{64}$/i);
      // Masked where each enters, the same way: the seed's and the source's hash of one address are one value.
      expect(r.contact_email).toBe(r.email);
    }
    const types = await w.query(`select column_name, data_type from ${infoSchema(w)}.columns where table_schema = '${w.schema}' and table_name = 'joined' and column_name = 'born'`);
    expect(String(types[0]!.data_type).toLowerCase()).toBe('date');
  });

  it('seeds: a 10,000-row seed loads in batches with its types, and column_types written for DuckDB work everywhere', async () => {
    const lines = ['id,label,amount,loaded'];
    for (let i = 1; i <= 10_000; i++) lines.push(`${i},item ${i} – ü,${(i / 4).toFixed(2)},2024-01-01 00:00:${String(i % 60).padStart(2, '0')}`);
    const w = project({
      'seeds/big.csv': `${lines.join('\n')}\n`,
      'seeds/_seeds.yml': 'seeds:\n  - name: big\n    config:\n      column_types: {id: HUGEINT, loaded: TIMESTAMP}\n',
    });
    const seed = await ok(w, 'seed');
    expect(seed.stdout).toMatch(/OK +seed +\S*big .*\[10,000 rows in (\d+\.\d+)s/);
    const summary = await w.query(`select count(*) as n, sum(amount) as total, max(loaded) as latest from ${w.relation('big')}`);
    expect(Number(summary[0]!.n)).toBe(10_000);
    expect(Number(summary[0]!.total)).toBeCloseTo(12_501_250, 2);
    expect(String(summary[0]!.latest)).toMatch(/^2024-01-01[ T]00:00:59/);
    const types = await w.query(`select column_name, data_type from ${infoSchema(w)}.columns where table_schema = '${w.schema}' and table_name = 'big' order by ordinal_position`);
    expect(types.map((t) => String(t.data_type).toLowerCase())).toEqual(
      perEngine({ duckdb: ['hugeint', 'varchar', 'double', 'timestamp'], trino: ['decimal(38,0)', 'varchar', 'double', 'timestamp(6)'] }),
    );
  });

  it('incremental append, merge and delete+insert: first run, incremental run, full refresh', async () => {
    const filter = '{{#if (is_incremental)}}where updated_at > (select max(updated_at) from {{this}}){{/if}}';
    const model = (config: string) => `{{config materialized="incremental" ${config}}}\nselect id, v, updated_at from {{source "landing" "events"}}\n${filter}\n`;
    const w = project({
      'models/sources.yml': sourceYml('landing', 'events'),
      'models/ev_append.sql': model(''),
      'models/ev_merge.sql': model('unique_key="id" incremental_strategy="merge"'),
      'models/ev_delins.sql': model('unique_key="id" incremental_strategy="delete+insert"'),
    });
    const land = (select: string) => w.land(`${w.schema}_landing`, 'events', select);
    const rows = async (name: string) => asText(await w.query(`select id, v from ${w.relation(name)} order by id, v`));
    await land("select 1 as id, 'a' as v, 1 as updated_at union all select 2, 'b', 2");
    await ok(w, 'run');

    await land("select 2 as id, 'B' as v, 3 as updated_at union all select 3, 'c', 3");
    await ok(w, 'run');
    expect(await rows('ev_append')).toEqual([
      { id: '1', v: 'a' },
      { id: '2', v: 'B' },
      { id: '2', v: 'b' },
      { id: '3', v: 'c' },
    ]);
    const keyed = [
      { id: '1', v: 'a' },
      { id: '2', v: 'B' },
      { id: '3', v: 'c' },
    ];
    expect(await rows('ev_merge')).toEqual(keyed);
    expect(await rows('ev_delins')).toEqual(keyed);

    await ok(w, 'run', '--full-refresh');
    expect(await rows('ev_append')).toEqual([
      { id: '2', v: 'B' },
      { id: '3', v: 'c' },
    ]);
  });

  it('incremental delete+insert: replaced rows lose the columns the new rows do not have (on_schema_change ignore)', async () => {
    const w = project({
      'models/sources.yml': sourceYml('landing', 'events'),
      'models/ev.sql': '{{config materialized="incremental" unique_key="id" incremental_strategy="delete+insert"}}\nselect id, v{{#unless (is_incremental)}}, note{{/unless}} from {{source "landing" "events"}}\n',
    });
    await w.land(`${w.schema}_landing`, 'events', "select 1 as id, 'a' as v, 'first' as note union all select 2, 'b', 'first'");
    await ok(w, 'run');
    await w.land(`${w.schema}_landing`, 'events', "select 2 as id, 'B' as v, 'second' as note");
    await ok(w, 'run');
    expect(asText(await w.query(`select id, v, note from ${w.relation('ev')} order by id`))).toEqual([
      { id: '1', v: 'a', note: 'first' },
      { id: '2', v: 'B', note: null },
    ]);
  });

  it('incremental: a merge that would insert duplicate keys fails, names the keys, and leaves the table as it was', async () => {
    const w = project({
      'models/sources.yml': sourceYml('landing', 'events'),
      'models/ev.sql': '{{config materialized="incremental" unique_key="id" incremental_strategy="merge"}}\nselect id, v from {{source "landing" "events"}}\n',
    });
    await w.land(`${w.schema}_landing`, 'events', "select 1 as id, 'a' as v");
    await ok(w, 'run');
    await w.land(`${w.schema}_landing`, 'events', "select 7 as id, 'x' as v union all select 7, 'y'");
    const bad = await run(w, 'run');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('(id=7) ×2');
    expect(asText(await w.query(`select id, v from ${w.relation('ev')}`))).toEqual([{ id: '1', v: 'a' }]);
  });

  it('microbatch: builds day batches in a range, rebuilds one day on its own, and a failed batch keeps its old rows', async () => {
    const events = (v2: string) =>
      `{{config materialized="table" event_time="ts"}}\nselect 1 as id, timestamp '2024-01-01 10:00:00' as ts, '10' as v\nunion all select 2, timestamp '2024-01-02 10:00:00', '${v2}'\nunion all select 3, timestamp '2024-01-03 10:00:00', '30'\n`;
    const w = project({
      'models/events.sql': events('20'),
      'models/daily.sql':
        '{{config materialized="incremental" incremental_strategy="microbatch" event_time="ts" batch_size="day" begin="2024-01-01"}}\nselect id, ts, cast(v as integer) as v from {{ref "events"}}\n',
    });
    const range = ['--event-time-start', '2024-01-01', '--event-time-end', '2024-01-04'];
    await ok(w, 'build', ...range);
    writeFileSync(join(w.dir, 'models/events.sql'), events('22'));
    await ok(w, 'run', '--select', 'events');
    await ok(w, 'run', '--select', 'daily', '--event-time-start', '2024-01-02', '--event-time-end', '2024-01-03');
    const expected = [
      { id: '1', v: '10' },
      { id: '2', v: '22' },
      { id: '3', v: '30' },
    ];
    expect(asText(await w.query(`select id, v from ${w.relation('daily')} order by id`))).toEqual(expected);

    // Day 2 no longer casts: its batch fails, is reported by its range, and its rows stay.
    writeFileSync(join(w.dir, 'models/events.sql'), events('oops'));
    await ok(w, 'run', '--select', 'events');
    const failed = await run(w, 'run', '--select', 'daily', '--event-time-start', '2024-01-02', '--event-time-end', '2024-01-04');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('1 of 2 batches failed: [2024-01-02 to 2024-01-03)');
    expect(asText(await w.query(`select id, v from ${w.relation('daily')} order by id`))).toEqual(expected);
  });

  it('snapshots over three loads: changed rows get a new version, deleted rows are closed', async () => {
    const w = project({
      'models/sources.yml': sourceYml('crm', 'customers'),
      'snapshots/customers_history.sql':
        '{{config unique_key="id" strategy="timestamp" updated_at="updated_at" invalidate_hard_deletes=true}}\nselect id, tier, updated_at from {{source "crm" "customers"}}\n',
      'snapshots/customers_checked.sql': '{{config unique_key="id" strategy="check" check_cols="tier"}}\nselect id, tier from {{source "crm" "customers"}}\n',
    });
    const land = (select: string) => w.land(`${w.schema}_crm`, 'customers', select);
    await land("select 1 as id, 'bronze' as tier, timestamp '2024-01-01 00:00:00' as updated_at union all select 2, 'silver', timestamp '2024-01-01 00:00:00'");
    await ok(w, 'snapshot');
    await land("select 1 as id, 'gold' as tier, timestamp '2024-02-01 00:00:00' as updated_at union all select 2, 'silver', timestamp '2024-01-01 00:00:00' union all select 3, 'bronze', timestamp '2024-02-01 00:00:00'");
    await ok(w, 'snapshot');
    await land("select 1 as id, 'gold' as tier, timestamp '2024-02-01 00:00:00' as updated_at union all select 3, 'bronze', timestamp '2024-02-01 00:00:00'");
    await ok(w, 'snapshot');
    const versions = (name: string) =>
      w.query(`select id, tier, case when dpf_valid_to is null then 'current' else 'closed' end as state from ${w.relation(name)} order by id, dpf_valid_from, tier`);
    expect(asText(await versions('customers_history'))).toEqual([
      { id: '1', tier: 'bronze', state: 'closed' },
      { id: '1', tier: 'gold', state: 'current' },
      { id: '2', tier: 'silver', state: 'closed' },
      { id: '3', tier: 'bronze', state: 'current' },
    ]);
    const checked = await versions('customers_checked');
    expect(checked.filter((r) => r.state === 'current').map((r) => `${r.id}:${r.tier}`)).toEqual(['1:gold', '2:silver', '3:bronze']);
    const ids = await w.query(`select count(distinct dpf_scd_id) as n, count(*) as m from ${w.relation('customers_history')}`);
    expect(Number(ids[0]!.n)).toBe(Number(ids[0]!.m));
  });

  it('data tests pass and fail, a unit test passes, and a failing unit test shows the difference', async () => {
    const w = project({
      'models/orders.sql': "select 1 as id, 10 as amount, 'open' as status union all select 2, 5, 'open' union all select 2, 7, 'weird'\n",
      'models/totals.sql': 'select id, sum(amount) as total from {{ref "orders"}} group by id\n',
      'models/schema.yml': `models:
  - name: orders
    columns:
      - name: id
        data_tests: [not_null, unique]
      - name: status
        data_tests:
          - accepted_values: {values: [open, closed]}
unit_tests:
  - name: totals_add_up
    model: totals
    given:
      - input: ref('orders')
        rows:
          - {id: 1, amount: 10}
          - {id: 1, amount: 5}
    expect:
      rows:
        - {id: 1, total: 15}
  - name: totals_wrong_on_purpose
    model: totals
    given:
      - input: ref('orders')
        rows:
          - {id: 1, amount: 1}
    expect:
      rows:
        - {id: 1, total: 2}
`,
    });
    const build = await run(w, 'build');
    expect(build.code).toBe(1);
    expect(build.stdout).toMatch(/PASS +test +not_null_orders_id/);
    expect(build.stdout).toMatch(/FAIL +test +unique_orders_id .*\[FAIL 1/);
    expect(build.stdout).toMatch(/FAIL +test +accepted_values_orders_status .*\[FAIL 1/);
    expect(build.stdout).toMatch(/PASS +unit +totals_add_up/);
    expect(build.stdout).toMatch(/FAIL +unit +totals_wrong_on_purpose/);
    expect(build.stdout).toMatch(/- .*\b2\b/);
    expect(build.stdout).toMatch(/\+ .*\b1\b/);
  });

  it('source freshness: an old load errors, a generous rule passes, and sources.json says so', async () => {
    const w = project({
      'models/sources.yml': `sources:
  - name: landing
    schema: SCHEMA_landing
    loaded_at_field: loaded_at
    tables:
      - name: stale
        freshness: {warn_after: {count: 1, period: day}, error_after: {count: 2, period: day}}
      - name: fine
        freshness: {error_after: {count: 100000, period: day}}
      - name: zoned
        freshness: {error_after: {count: 2, period: day}}
`,
    });
    await w.land(`${w.schema}_landing`, 'stale', "select 1 as id, timestamp '2020-01-01 00:00:00' as loaded_at");
    await w.land(`${w.schema}_landing`, 'fine', "select 1 as id, timestamp '2020-01-01 00:00:00' as loaded_at");
    // A timestamp with time zone: engines print it with an offset or a zone name.
    await w.land(`${w.schema}_landing`, 'zoned', "select 1 as id, timestamp '2020-01-01 00:00:00 UTC' as loaded_at");
    const check = await run(w, 'source', 'freshness');
    expect(check.code, check.output).toBe(1);
    const results = JSON.parse(readFileSync(join(w.dir, 'target/sources.json'), 'utf8')).results as { uniqueId: string; status: string; maxLoadedAt: string }[];
    const status = Object.fromEntries(results.map((r) => [r.uniqueId.split('.').pop(), r.status]));
    expect(status).toEqual({ stale: 'error', fine: 'pass', zoned: 'error' });
    for (const r of results) expect(r.maxLoadedAt).toMatch(/^2020-01-01T00:00:00/);
  });

  it('a failing model leaves the table it replaces intact, and the next good run replaces it', async () => {
    const w = project({ 'models/facts.sql': '{{config materialized="table"}}\nselect 1 as id union all select 2\n' });
    await ok(w, 'run');
    writeFileSync(join(w.dir, 'models/facts.sql'), '{{config materialized="table"}}\nselect 1 as id, no_such_column from (select 1 as x) as t\n');
    const broken = await run(w, 'run');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('DPF600');
    expect(broken.stdout).toContain('models/facts.sql');
    expect(await count(w, w.relation('facts'))).toBe(2);
    const relations = await w.query(`select table_name from ${infoSchema(w)}.tables where table_schema = '${w.schema}' and table_name like 'facts%' order by 1`);
    expect(relations.map((r) => String(r.table_name))).toEqual(['facts']);
    writeFileSync(join(w.dir, 'models/facts.sql'), '{{config materialized="table"}}\nselect 3 as id\n');
    await ok(w, 'run');
    expect(asText(await w.query(`select id from ${w.relation('facts')}`))).toEqual([{ id: '3' }]);
    // Turning the table into a view whose SQL fails leaves the table too.
    writeFileSync(join(w.dir, 'models/facts.sql'), '{{config materialized="view"}}\nselect no_such_column from (select 1 as x) as t\n');
    expect((await run(w, 'run')).code).toBe(1);
    expect(asText(await w.query(`select id from ${w.relation('facts')}`))).toEqual([{ id: '3' }]);
    writeFileSync(join(w.dir, 'models/facts.sql'), '{{config materialized="view"}}\nselect 4 as id\n');
    await ok(w, 'run');
    expect(asText(await w.query(`select id from ${w.relation('facts')}`))).toEqual([{ id: '4' }]);
  });

  it('recovers a swap killed half-way: the name gets its old table back, a staging table is never published, and the rest is dropped', async () => {
    const w = project({
      'models/kept.sql': '{{config materialized="table"}}\nselect 1 as v\n',
      'models/fresh.sql': '{{config materialized="table"}}\nselect 2 as v\n',
      'models/whole.sql': '{{config materialized="table"}}\nselect 3 as v\n',
      'models/other.sql': 'select 4 as v\n',
    });
    await ok(w, 'run');
    const rename = (from: string, to: string) => `alter table ${w.relation(from)} rename to ${perEngine({ duckdb: `"${to}"`, trino: w.relation(to) })}`;
    await w.execute(
      // kept: killed between "old table aside" and "new table in".
      rename('kept', 'kept__dpf_backup'),
      `create table ${w.relation('kept__dpf_tmp')} as select 100 as v`,
      // fresh: its first build killed while (or after) its staging table was filled.
      `drop table ${w.relation('fresh')}`,
      `create table ${w.relation('fresh__dpf_tmp')} as select 200 as v`,
      // whole: the swap finished, only the old copy was left to drop.
      `create table ${w.relation('whole__dpf_backup')} as select 300 as v`,
    );
    // A run of another model recovers them all (they live in the schema it builds in).
    await ok(w, 'run', '--select', 'other');
    expect(asText(await w.query(`select v from ${w.relation('kept')}`))).toEqual([{ v: '1' }]);
    expect(asText(await w.query(`select v from ${w.relation('whole')}`))).toEqual([{ v: '3' }]);
    const left = await w.query(`select table_name from ${infoSchema(w)}.tables where table_schema = '${w.schema}' and table_name like '%dpf%' order by 1`);
    expect(left).toEqual([]);
    // Nothing records whether a staging table was complete (a seed loaded in batches may stop
    // after any batch), so fresh__dpf_tmp (200) was dropped, not put in place: fresh is absent
    // until a run builds it again from its own SQL.
    const fresh = await w.query(`select table_name from ${infoSchema(w)}.tables where table_schema = '${w.schema}' and table_name = 'fresh'`);
    expect(fresh).toEqual([]);
    await ok(w, 'run', '--select', 'fresh');
    expect(asText(await w.query(`select v from ${w.relation('fresh')}`))).toEqual([{ v: '2' }]);
  });

  it('reuses a table only while its code and inputs are unchanged: source rows inserted, updated or deleted rebuild what the source feeds; an unfinished record rebuilds', async () => {
    const w = project({
      'models/sources.yml': sourceYml('landing', 'events'),
      'models/totals.sql': '{{config materialized="table"}}\nselect count(*) as n, sum(v) as total from {{source "landing" "events"}}\n',
      'models/doubled.sql': '{{config materialized="table"}}\nselect n * 2 as n2, total * 2 as total2 from {{ref "totals"}}\n',
    });
    const events = w.relation('events', `${w.schema}_landing`);
    await w.land(`${w.schema}_landing`, 'events', 'select 1 as id, 10 as v union all select 2, 20');
    await ok(w, 'build');
    const same = await ok(w, 'build');
    expect(same.stdout).toMatch(/REUSE +table +\S*totals .*\[inputs unchanged\]/);
    expect(same.stdout).toMatch(/REUSE +table +\S*doubled .*\[inputs unchanged\]/);
    for (const change of [`insert into ${events} values (3, 30)`, `update ${events} set v = 25 where id = 2`, `delete from ${events} where id = 1`]) {
      await w.execute(change);
      const after = await ok(w, 'build');
      expect(after.stdout, change).toMatch(/OK +table +\S*totals .*source landing\.events changed/);
      expect(after.stdout, change).toMatch(/OK +table +\S*doubled .*upstream totals runs/);
      // The same figures as computed from the source now.
      const expected = asText(await w.query(`select count(*) * 2 as n2, sum(v) * 2 as total2 from ${events}`));
      expect(asText(await w.query(`select n2, total2 from ${w.relation('doubled')}`)), change).toEqual(expected);
    }
    // What a run killed after replacing totals, before recording it, leaves: its record incomplete.
    await w.execute(`update ${w.relation('relation_builds', 'dpf_meta')} set complete = false where relation_name = '${w.relation('totals').replace(/'/g, "''")}'`);
    const after = await ok(w, 'build');
    expect(after.stdout).toMatch(/OK +table +\S*totals .*record unknown after an interrupted or failed run/);
    expect((await ok(w, 'build')).stdout).toMatch(/REUSE +table +\S*totals /);
  });

  it('Ctrl-C stops dpf, and the statement it was running stops too (on a server, it is cancelled there)', async () => {
    const w = project({});
    const marker = `dpf-ctrl-c-${w.schema}`;
    // Long enough to be running when the signal comes, on either engine.
    const slow = perEngine({
      duckdb: `select count(*) as n from range(200000) as a(x), range(200000) as b(y) where a.x + b.y < 0 -- ${marker}`,
      trino: `select count(*) as n from unnest(sequence(1, 10000)) as a(x) cross join unnest(sequence(1, 10000)) as b(y) cross join unnest(sequence(1, 5000)) as c(z) -- ${marker}`,
    });
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/dpf.js'), 'show', '--inline', slow, '--project-dir', w.dir], { cwd: w.dir, env: { ...process.env, HOME: w.dir } });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const running = ADAPTER === 'trino' ? () => serverQueryStates(w, marker) : async () => ['RUNNING'];
    await waitFor(async () => (await running()).includes('RUNNING'), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    if (ADAPTER === 'trino') {
      await waitFor(async () => !(await serverQueryStates(w, marker)).includes('RUNNING'), 10_000);
      expect(await serverQueryStates(w, marker)).toEqual(['FAILED']);
    }
  });

  it('quotes identifiers: spaces, quotes and reserved words in model and column names', async () => {
    const w = project({
      'models/select.sql': `select 1 as "order id", 'x' as "group", 'it''s' as "Mixed ""Case"""\n`,
      'models/reader.sql': 'select "order id" + 1 as next_id, "group" from {{ref "select"}}\n',
    });
    await ok(w, 'run');
    const columns = await w.query(`select column_name from ${infoSchema(w)}.columns where table_schema = '${w.schema}' and table_name = 'select' order by ordinal_position`);
    // Trino folds every identifier to lower case, quoted or not.
    expect(columns.map((c) => String(c.column_name))).toEqual(perEngine({ duckdb: ['order id', 'group', 'Mixed "Case"'], trino: ['order id', 'group', 'mixed "case"'] }));
    expect(asText(await w.query(`select next_id, "group" from ${w.relation('reader')}`))).toEqual([{ next_id: '2', group: 'x' }]);
  });

  it('mixed-case schema and model names build again and again (engines that fold names find them)', async () => {
    const w = project(
      {
        'models/marts/Revenue.sql': '{{config materialized="table"}}\nselect 42 as amount\n',
        'models/marts/Events.sql': '{{config materialized="incremental" unique_key="id"}}\nselect 1 as id, \'a\' as v\n',
      },
      'name: proj\nmodels:\n  proj:\n    marts:\n      +schema: Finance\n',
    );
    for (let i = 0; i < 3; i++) {
      await ok(w, 'run');
    }
    expect(asText(await w.query(`select amount from ${w.relation('Revenue', `${w.schema}_Finance`)}`))).toEqual([{ amount: '42' }]);
    expect(asText(await w.query(`select id, v from ${w.relation('Events', `${w.schema}_Finance`)}`))).toEqual([{ id: '1', v: 'a' }]);
  });

  it('creates the schemas it builds into: the target schema and custom schemas', async () => {
    const w = project(
      { 'models/marts/revenue.sql': 'select 42 as amount\n', 'models/plain.sql': 'select 1 as x\n' },
      'name: proj\nmodels:\n  proj:\n    marts:\n      +schema: finance\n',
    );
    const build = await ok(w, 'run');
    expect(build.stdout).toContain(`${w.schema}_finance.revenue`);
    expect(asText(await w.query(`select amount from ${w.relation('revenue', `${w.schema}_finance`)}`))).toEqual([{ amount: '42' }]);
  });

  it('grants: privileges are granted after every build where the engine has grants', async () => {
    // Trino's Iceberg connector has no grants; its Hive connector with sql-standard security does.
    const w = project(
      { 'models/shared.sql': 'select 1 as x\n', 'models/shared.yml': 'models:\n  - name: shared\n    config:\n      materialized: table\n      grants: {select: [bob, "role:public"]}\n' },
      perEngine({ duckdb: 'name: proj\n', trino: 'name: proj\nmodels:\n  proj:\n    +database: hive\n' }),
    );
    for (let i = 0; i < 2; i++) {
      const build = await ok(w, 'run');
    }
    const executed = readFileSync(join(w.dir, 'target/run/proj/models/shared.sql'), 'utf8');
    if (ADAPTER === 'duckdb') {
      expect(executed).not.toContain('grant');
      return;
    }
    expect(executed).toContain('grant select on "hive"');
    const privileges = await w.query(
      `select grantee, grantee_type, privilege_type from hive.information_schema.table_privileges where table_schema = '${w.schema}' and table_name = 'shared' and grantee <> 'admin' order by grantee`,
    );
    // Granted again after the second build replaced the table (the owner, admin, holds every privilege).
    expect(asText(privileges)).toEqual([
      { grantee: 'bob', grantee_type: 'USER', privilege_type: 'SELECT' },
      { grantee: 'public', grantee_type: 'ROLE', privilege_type: 'SELECT' },
    ]);

    // An incremental table keeps its privileges between runs: a grantee the config drops is revoked.
    writeFileSync(join(w.dir, 'models/shared.yml'), 'models:\n  - name: shared\n    config:\n      materialized: incremental\n      grants: {select: [carol]}\n');
    for (let i = 0; i < 2; i++) {
      await ok(w, 'run');
    }
    const after = await w.query(
      `select grantee, privilege_type from hive.information_schema.table_privileges where table_schema = '${w.schema}' and table_name = 'shared' and grantee <> 'admin' order by grantee`,
    );
    expect(asText(after)).toEqual([{ grantee: 'carol', privilege_type: 'SELECT' }]);
  });

  it('engine stats: a table build records CPU and rows scanned (query ids where the engine gives them) and the workers at the start and end, priced by cost:; dpf cost sizes the tables', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `${i + 1},${i % 7}`).join('\n');
    const w = project({
      'seeds/nums.csv': `n,g\n${rows}\n`,
      'models/by_g.sql': '{{config materialized="table"}}\nselect g, count(*) as c, sum(n) as s from {{ref "nums"}} group by g\n',
      'models/by_g_v.sql': '{{config materialized="view"}}\nselect * from {{ref "by_g"}}\n',
    });
    // One money unit per CPU second.
    writeFileSync(join(w.dir, 'profiles.yml'), w.profileYaml('proj').replace(/}\n$/, ', "cost": {"per_cpu_hour": 3600}}\n'));
    const outcome = await buildViaApi({ projectDir: w.dir });
    expect(outcome.exitCode).toBe(0);
    const summary = outcome.summary!;
    const byG = summary.results.find((r) => r.name === 'by_g')!.resources!;
    expect(byG.statements).toBeGreaterThan(0);
    expect(byG.cpuMs).toBeGreaterThanOrEqual(0);
    expect(byG.rowsScanned).toBeGreaterThanOrEqual(200);
    expect(byG.queryIds.length).toBe(perEngine({ duckdb: 0, trino: byG.statements }));
    const workers = perEngine({ duckdb: undefined, trino: { start: expect.any(Number), end: expect.any(Number) } });
    expect(summary.workers).toEqual(workers);
    if (summary.workers) expect(summary.workers.start).toBeGreaterThanOrEqual(1);

    // The same figures in dpf_meta, priced by the target's rates.
    const runId = summary.invocationId;
    const [node] = await w.query(`select cpu_ms, rows_scanned, query_ids, compute_cost from ${w.relation('node_runs', 'dpf_meta')} where run_id = '${runId}' and name = 'by_g'`);
    expect(Number(node!.cpu_ms)).toBeCloseTo(byG.cpuMs!, 3);
    expect(Number(node!.rows_scanned)).toBe(byG.rowsScanned);
    expect(node!.query_ids === null ? [] : JSON.parse(String(node!.query_ids))).toEqual(byG.queryIds);
    expect(Number(node!.compute_cost)).toBeCloseTo(byG.cpuMs! / 1000, 5);
    const [runRow] = await w.query(`select workers_at_start, workers_at_end, compute_cost from ${w.relation('runs', 'dpf_meta')} where run_id = '${runId}'`);
    expect(runRow!.workers_at_start === null ? undefined : Number(runRow!.workers_at_start)).toBe(summary.workers?.start);
    expect(runRow!.workers_at_end === null ? undefined : Number(runRow!.workers_at_end)).toBe(summary.workers?.end);
    expect(Number(runRow!.compute_cost)).toBeGreaterThanOrEqual(Number(node!.compute_cost));
    // dpf cost's grouped queries run on the engine (dpf_meta may be shared with other projects on a server).
    const report = await costViaApi({ projectDir: w.dir, days: 1, top: 1000 });
    expect(report.compute.find((r) => r.uniqueId === 'model.proj.by_g')).toMatchObject({ runs: expect.any(Number), computeCost: expect.any(Number) });
    expect(report.perDay.length).toBeGreaterThan(0);
    // Storage: the project's tables as they are now (DuckDB: blocks in the file; Iceberg: $files).
    expect(report.storage.map((r) => r.name).sort()).toEqual(['by_g', 'nums']);
    for (const table of report.storage) expect(table.storageBytes, table.name).toBeGreaterThan(0);
  }, 120_000);

  it('dpf docs generate reads catalog facts from the warehouse: column types, row counts, table sizes', async () => {
    const w = project({
      'seeds/codes.csv': 'code,label\nA,alpha\nB,beta\n',
      'models/sources.yml': sourceYml('landing', 'events'),
      'models/events_t.sql': '{{config materialized="table"}}\nselect id, cast(amount as double) as amount, code from {{source "landing" "events"}}\n',
      'models/events_v.sql': 'select e.id, c.label from {{ref "events_t"}} as e join {{ref "codes"}} as c on c.code = e.code\n',
    });
    await w.land(`${w.schema}_landing`, 'events', "select 1 as id, 10 as amount, 'A' as code union all select 2, 20, 'B' union all select 3, 30, 'A'");
    await ok(w, 'build');
    await ok(w, 'docs', 'generate', '--profile');
    const catalog = JSON.parse(readFileSync(join(w.dir, 'target/catalog.json'), 'utf8')) as {
      nodes: Record<string, { type: string; columns: Record<string, { type: string }>; stats: { rowCount?: number; sizeBytes?: number } }>;
      sources: Record<string, { columns: Record<string, { type: string }>; stats: { rowCount?: number } }>;
    };
    const table = catalog.nodes['model.proj.events_t']!;
    expect(table.type).toBe('table');
    expect(Object.fromEntries(Object.entries(table.columns).map(([name, c]) => [name, c.type.toLowerCase()]))).toEqual(
      perEngine({ duckdb: { id: 'integer', amount: 'double', code: 'varchar' }, trino: { id: 'integer', amount: 'double', code: 'varchar' } }),
    );
    expect(table.stats.rowCount).toBe(3);
    expect(table.stats.sizeBytes).toBeGreaterThan(0);
    // A view is not counted: that would run its query.
    expect(catalog.nodes['model.proj.events_v']!.stats).toEqual({});
    expect(catalog.nodes['seed.proj.codes']!.stats.rowCount).toBe(2);
    expect(catalog.sources['source.proj.landing.events']!.stats.rowCount).toBe(3);
    expect(Object.keys(catalog.sources['source.proj.landing.events']!.columns)).toEqual(['id', 'amount', 'code']);
    // Column profiles run the same templates on every engine.
    const amount = readSite(join(w.dir, 'target/site')).details('model.proj.events_t').columns.find((c) => c.name === 'amount')!.profile!;
    expect(amount).toMatchObject({ rowCount: 3, nullCount: 0, distinct: 3, mean: 20 });
    expect(Number(amount.min)).toBe(10);
    expect(Number(amount.max)).toBe(30);
    expect(amount.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(amount.error).toBeUndefined();
  });

  it('extract: a plugin\'s rows land through the bulk path (batch_size 2) and are swapped in; a plugin failing part-way keeps the last extract and leaves no staging table', async () => {
    const plugin = `import { defineSource } from 'dpf';
export default defineSource<{ count: number; fail_after?: number }>({
  config: { type: 'object', required: ['count'], properties: { count: { type: 'integer' }, fail_after: { type: 'integer' } } },
  columns: [{ name: 'id', type: 'integer' }, { name: 'label', type: 'text' }],
  async *extract(config) {
    for (let i = 1; i <= config.count; i++) {
      if (config.fail_after !== undefined && i > config.fail_after) throw new Error('upstream refused');
      yield [[i, 'n' + i], [i + 100, null]];
    }
  },
});
`;
    const yml = (schema: string, extract: string) => `sources:\n  - name: landing\n    schema: ${schema}\n    tables:\n      - name: numbers\n        extract: {plugin: numbers, batch_size: 2, ${extract}}\n`;
    const w = project(
      {
        'plugins/numbers.ts': plugin,
        'models/sources.yml': yml('landing', 'count: 3'),
        'models/total.sql': '{{config materialized="table"}}\nselect count(*) as n, sum(id) as total from {{source "landing" "numbers"}}\n',
      },
      'name: proj\nmonitors: off\n',
    );
    const first = await ok(w, 'build');
    expect(first.stdout).toMatch(/OK +extr +\S*numbers .*\[6 rows landed in/);
    const landed = w.relation('numbers', `${w.schema}_landing`);
    expect(asText(await w.query(`select id, label from ${landed} order by id`))).toEqual([
      { id: '1', label: 'n1' },
      { id: '2', label: 'n2' },
      { id: '3', label: 'n3' },
      { id: '101', label: null },
      { id: '102', label: null },
      { id: '103', label: null },
    ]);
    expect(asText(await w.query(`select n, total from ${w.relation('total')}`))).toEqual([{ n: '6', total: '312' }]);
    writeFileSync(join(w.dir, 'models/sources.yml'), yml('landing', 'count: 5, fail_after: 2'));
    const failed = await run(w, 'build');
    expect(failed.code, failed.output).toBe(1);
    expect(failed.output).toContain('DPF803');
    expect(failed.output).toContain('upstream refused');
    expect(await count(w, landed)).toBe(6);
    const staging = await w.query(`select table_name from ${infoSchema(w)}.tables where table_schema = '${w.schema}_landing' and table_name like '%dpf%'`);
    expect(staging).toEqual([]);
  });

  it('extract: write: merge stages row numbers, keeps the last row of a key and merges; write: append adds the rows past the cursor', async () => {
    const plugin = `import { defineSource } from 'dpf';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
export default defineSource({
  config: { type: 'object', properties: {} },
  columns: [{ name: 'id', type: 'integer' }, { name: 'status', type: 'text' }, { name: 'version', type: 'bigint' }],
  async *extract(config, ctx) {
    const rows = JSON.parse(readFileSync(join(ctx.projectDir, 'events.json'), 'utf8')) as [number, string, number][];
    const past = ctx.cursor ? Number(ctx.cursor.value) : -1;
    yield rows.filter((r) => r[2] > past);
  },
});
`;
    const yml = (schema: string) =>
      `sources:\n  - name: landing\n    schema: ${schema}\n    tables:\n      - name: merged\n        extract: {plugin: events, write: merge, unique_key: id, cursor_field: version}\n      - name: appended\n        extract: {plugin: events, write: append, cursor_field: version}\n`;
    const w = project({ 'plugins/events.ts': plugin, 'events.json': JSON.stringify([[1, 'placed', 1], [2, 'placed', 2]]), 'models/sources.yml': yml('landing') }, 'name: proj\nmonitors: off\n');
    await ok(w, 'build');
    writeFileSync(join(w.dir, 'events.json'), JSON.stringify([[1, 'placed', 1], [2, 'placed', 2], [1, 'shipped', 3], [3, 'placed', 4], [3, 'cancelled', 5]]));
    const second = await ok(w, 'build');
    expect(second.output).toMatch(/merged .*\[2 rows merged, version 2 → 5 in/);
    const merged = w.relation('merged', `${w.schema}_landing`);
    expect(asText(await w.query(`select id, status, version from ${merged} order by id`))).toEqual([
      { id: '1', status: 'shipped', version: '3' },
      { id: '2', status: 'placed', version: '2' },
      { id: '3', status: 'cancelled', version: '5' },
    ]);
    const appended = w.relation('appended', `${w.schema}_landing`);
    expect(asText(await w.query(`select id, status, version from ${appended} order by version`))).toEqual([
      { id: '1', status: 'placed', version: '1' },
      { id: '2', status: 'placed', version: '2' },
      { id: '1', status: 'shipped', version: '3' },
      { id: '3', status: 'placed', version: '4' },
      { id: '3', status: 'cancelled', version: '5' },
    ]);
    const staging = await w.query(`select table_name from ${infoSchema(w)}.tables where table_schema = '${w.schema}_landing' and table_name like '%dpf%'`);
    expect(staging).toEqual([]);
  });

  it('monitors: one stats query (column_stats) measures every column alike on every engine, and a planted volume anomaly warns', async () => {
    const w = project(
      {
        'seeds/people.csv': 'id,name,score,joined\n1,Ann,1.5,2024-01-05\n2,Bo,,2024-02-10\n3,Cyd,4.5,\n4,Dee,3,2024-03-01\n',
        'models/stats_t.sql': '{{config materialized="table"}}\nselect id, name, score, joined from {{ref "people"}}\n',
        // 4, 4, 3, 4 rows, then 16: the spike.
        'models/grows.sql': '{{config materialized="table"}}\nselect a.id from {{ref "people"}} as a cross join {{ref "people"}} as b where a.id <= {{var "rows" 4}} and ({{var "spike" 0}} = 1 or b.id = 1)\n',
      },
      'name: proj\nmonitors:\n  enabled: true\n  column_stats: true\n  min_training_points: 3\n',
    );
    for (const rows of [4, 4, 3, 4]) await ok(w, 'build', '--vars', JSON.stringify({ rows }));
    const stats = w.relation('table_stats', 'dpf_meta');
    const rel = w.relation('stats_t').replace(/'/g, "''");
    const rows = asText(await w.query(`select column_name, row_count, null_pct, distinct_pct, min_value, max_value, mean, stddev, mean_length from ${stats} where relation = '${rel}'`));
    // Measured once (the first build): the table is reused, and so is its monitor, afterwards.
    expect(rows.filter((r) => r.column_name === null)).toEqual([expect.objectContaining({ row_count: '4' })]);
    const byColumn = Object.fromEntries(rows.filter((r) => r.column_name !== null).map((r) => [r.column_name!, r]));
    expect(Object.keys(byColumn).sort()).toEqual(['id', 'joined', 'name', 'score']);
    expect(Number(byColumn.score!.null_pct)).toBe(25);
    expect(Number(byColumn.score!.mean)).toBeCloseTo(3, 6);
    expect(Number(byColumn.score!.stddev)).toBeCloseTo(1.5, 6);
    expect(Number(byColumn.name!.mean_length)).toBeCloseTo(2.75, 6);
    expect(Number(byColumn.name!.distinct_pct)).toBe(100);
    expect(byColumn.joined).toMatchObject({ min_value: '2024-01-05', max_value: '2024-03-01' });
    expect(Number(byColumn.joined!.null_pct)).toBe(25);
    expect(byColumn.id).toMatchObject({ min_value: '1', max_value: '4' });
    // Doubles as text are the engine's own spelling.
    expect(byColumn.score!.min_value).toBe(perEngine({ duckdb: '1.5', trino: '1.5E0' }));
    const spike = await ok(w, 'build', '--vars', JSON.stringify({ rows: 4, spike: 1 }));
    expect(spike.stdout).toMatch(/WARN +mon +\S*grows .*\[WARN \d+ anomal/);
    expect(spike.stdout).toMatch(/volume: row_count 16 outside/);
    const results = await w.query(`select monitor, metric, status, value from ${w.relation('monitor_results', 'dpf_meta')} where unique_id = 'monitor.proj.grows' and status <> 'pass'`);
    expect(results.map((r) => ({ ...r, value: Number(r.value) }))).toContainEqual({ monitor: 'volume', metric: 'row_count', status: 'warn', value: 16 });
  });

  it('dpf show: previews rows; a BIGINT beyond 2^53 and microseconds keep every digit', async () => {
    const w = project({
      'models/big.sql': "select cast(9007199254740993 as bigint) as big, cast(12.50 as decimal(10, 2)) as price, timestamp '2024-01-01 10:00:00.123456' as ts\n",
    });
    await ok(w, 'run');
    const show = await ok(w, 'show', '--select', 'big');
    expect(show.stdout).toContain('9007199254740993');
    expect(show.stdout).toContain('12.50');
    expect(show.stdout).toContain('2024-01-01 10:00:00.123456');
    const inline = await run(w, 'show', '--inline', 'select big + 1 as next from {{ref "big"}}');
    expect(inline.stdout).toContain('9007199254740994');
  });

  it('appendRows: every logical type, NULLs, unicode and quotes, in batches; a failure part-way keeps none of the rows on DuckDB and the statements already sent on Trino', async () => {
    const w = project({});
    const types: [string, LogicalType][] = [['b', 'boolean'], ['i', 'integer'], ['big', 'bigint'], ['d', 'double'], ['day', 'date'], ['ts', 'timestamp'], ['txt', 'text']];
    const columns = types.map(([name, type]) => ({ name, type: w.typeName(type) }));
    const table = w.relationOf('appended');
    await w.withConnection(async (c) => {
      await c.createSchema(w.schema, table.database);
      await c.execute(`create table ${w.relation('appended')} (${columns.map((col) => `${col.name} ${col.type}`).join(', ')})`);
      const rows = [
        [true, 1, 9007199254740993n, 1.5, new Date('2024-02-29T00:00:00Z'), '2024-01-02 03:04:05.123456', 'He said "hi" \'ok\' ; -- /*'],
        ['false', '-7', '-9007199254740993', '-0.25', '1999-12-31', '2024-01-02T03:04:05.000001', '東京 Zoë ✓ 🎉'],
        [null, null, null, null, null, null, null],
        [true, 3, 3, 3, '2024-03-01', '2024-03-01 00:00:00.5', ''],
      ];
      expect(await c.appendRows(table, columns, [rows.slice(0, 3), rows.slice(3)], { batchRows: 2 })).toEqual({ rowsAffected: 4 });
    });
    const read = await w.query(`select b, i, cast(big as varchar) as big, d, cast(day as varchar) as day, cast(ts as varchar) as ts, txt from ${w.relation('appended')} order by i nulls last`);
    expect(asText(read)).toEqual([
      { b: 'false', i: '-7', big: '-9007199254740993', d: '-0.25', day: '1999-12-31', ts: '2024-01-02 03:04:05.000001', txt: '東京 Zoë ✓ 🎉' },
      { b: 'true', i: '1', big: '9007199254740993', d: '1.5', day: '2024-02-29', ts: '2024-01-02 03:04:05.123456', txt: 'He said "hi" \'ok\' ; -- /*' },
      { b: 'true', i: '3', big: '3', d: '3', day: '2024-03-01', ts: perEngine({ duckdb: '2024-03-01 00:00:00.5', trino: '2024-03-01 00:00:00.500000' }), txt: '' },
      { b: null, i: null, big: null, d: null, day: null, ts: null, txt: null },
    ]);

    await w.execute(`delete from ${w.relation('appended')}`);
    async function* failing() {
      yield [[true, 1, 1, 1, '2024-01-01', '2024-01-01 00:00:00', 'a'], [true, 2, 2, 2, '2024-01-01', '2024-01-01 00:00:00', 'b']];
      yield [[true, 3, 3, 3, '2024-01-01', '2024-01-01 00:00:00', 'c']];
      throw new Error('the source failed');
    }
    await expect(w.withConnection((c) => c.appendRows(table, columns, failing(), { batchRows: 2 }))).rejects.toThrow('the source failed');
    expect(await count(w, w.relation('appended'))).toBe(perEngine({ duckdb: 0, trino: 2 }));
  });

  it('queryStream: batches of batchRows with the columns, an early stop frees the connection (and cancels on a server), two statements are refused', async () => {
    const w = project({});
    const numbers = perEngine({ duckdb: 'range(1, 2501)', trino: 'unnest(sequence(1, 2500))' });
    await w.land(w.schema, 'numbers', `select cast(x as integer) as x, concat('n', cast(x as varchar)) as label from ${numbers} as t(x)`);
    const marker = `dpf-stream-stop-${w.schema}`;
    const endless = perEngine({
      duckdb: `select a.x from range(100000) as a(x), range(100000) as b(y) -- ${marker}`,
      trino: `select a.x from unnest(sequence(1, 10000)) as a(x) cross join unnest(sequence(1, 10000)) as b(y) -- ${marker}`,
    });
    await w.withConnection(async (c) => {
      const sizes: number[] = [];
      let sum = 0;
      for await (const batch of c.queryStream(`select x, label from ${w.relation('numbers')} order by x`, { batchRows: 1000 })) {
        expect(batch.columns.map((col) => col.name)).toEqual(['x', 'label']);
        sizes.push(batch.rows.length);
        for (const [x, label] of batch.rows) {
          sum += Number(x);
          expect(label).toBe(`n${String(x)}`);
        }
      }
      expect(sizes).toEqual([1000, 1000, 500]);
      expect(sum).toBe(2500 * 2501 / 2);

      let seen = 0;
      for await (const batch of c.queryStream(endless, { batchRows: 100 })) {
        seen += batch.rows.length;
        if (seen >= 200) break;
      }
      expect(seen).toBe(200);
      expect(asText((await c.query('select 42 as answer')).rows.map(([v]) => ({ v })))).toEqual([{ v: '42' }]);

      const twice = c.queryStream(`select 1; drop table ${w.relation('numbers')}`);
      await expect((async () => {
        for await (const _ of twice) void _;
      })()).rejects.toThrow();
    });
    expect(await count(w, w.relation('numbers'))).toBe(2500);
    if (ADAPTER === 'trino') {
      await waitFor(async () => !(await serverQueryStates(w, marker)).includes('RUNNING'), 10_000);
      expect(await serverQueryStates(w, marker)).toEqual(['FAILED']);
    }
  });

  it('queryStream with an AbortSignal: a statement still computing is stopped on the engine, the loop throws the reason, the connection goes on', async () => {
    const w = project({});
    const marker = `dpf-stream-abort-${w.schema}`;
    // Long before its first row: an aggregate over 10^10 (DuckDB) or 10^12 (Trino) rows
    // (Trino's sequence() stops at 10,000 entries).
    const slow = perEngine({
      duckdb: `select sum(a.x * b.y) as s from range(100000) as a(x), range(100000) as b(y) -- ${marker}`,
      trino: `select sum(a.x * b.y * c.z) as s from unnest(sequence(1, 10000)) as a(x) cross join unnest(sequence(1, 10000)) as b(y) cross join unnest(sequence(1, 10000)) as c(z) -- ${marker}`,
    });
    await w.withConnection(async (c) => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 500);
      const batches: unknown[] = [];
      const reading = (async () => {
        for await (const batch of c.queryStream(slow, { signal: controller.signal })) batches.push(batch);
      })();
      await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
      clearTimeout(timer);
      // Only the header batch (DuckDB sends the columns first) or nothing: never the sum.
      expect(batches.every((b) => (b as { rows: unknown[] }).rows.length === 0)).toBe(true);
      expect(asText((await c.query('select 42 as answer')).rows.map(([v]) => ({ v })))).toEqual([{ v: '42' }]);

      // Aborted between reads: the next read throws the caller's reason.
      const between = new AbortController();
      const reasons: unknown[] = [];
      try {
        for await (const batch of c.queryStream(`select x from ${perEngine({ duckdb: 'range(10000)', trino: 'unnest(sequence(1, 10000))' })} as t(x)`, { batchRows: 100, signal: between.signal })) {
          if (batch.rows.length > 0) between.abort(new Error('enough'));
        }
      } catch (err) {
        reasons.push(err);
      }
      expect(reasons).toEqual([new Error('enough')]);
      expect(asText((await c.query('select 43 as answer')).rows.map(([v]) => ({ v })))).toEqual([{ v: '43' }]);
    });
    if (ADAPTER === 'trino') {
      await waitFor(async () => !(await serverQueryStates(w, marker)).includes('RUNNING'), 10_000);
      expect(await serverQueryStates(w, marker)).toEqual(['FAILED']);
    }
  });
});

function infoSchema(w: TestWarehouse): string {
  return perEngine({ duckdb: 'information_schema', trino: `iceberg.information_schema` });
}


/** States of the statements on the Trino server whose text contains the marker. */
async function serverQueryStates(w: TestWarehouse, marker: string): Promise<string[]> {
  const rows = await w.query(`select state from system.runtime.queries where query like '%${marker}%' and query not like '%system.runtime.queries%'`);
  return rows.map((r) => String(r.state));
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
