/** Snapshots over three loads, with updates and deletes, on a real DuckDB file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

async function setup(snapshotSql: string, extra: Record<string, string> = {}) {
  const dir = makeProject({
    'models/sources.yml': 'sources:\n  - name: crm\n    tables:\n      - name: customers\n',
    'snapshots/customers_history.sql': snapshotSql,
    ...extra,
  });
  const db = join(dir, 'target/dev.duckdb');
  mkdirSync(join(dir, 'target'), { recursive: true });
  const land = (sql: string) => queryDuckDB(db, `create schema if not exists crm; create or replace table crm.customers as ${sql}`);
  return { dir, db, land };
}

const history = (db: string) =>
  queryDuckDB(db, 'select id, tier, dpf_valid_to is null as current from main.customers_history order by id, dpf_valid_from, tier');

describe('snapshots', () => {
  it('timestamp strategy: keeps every version, closes changed rows, and with invalidate_hard_deletes closes deleted ones', async () => {
    const { dir, db, land } = await setup(
      '{{config unique_key="id" strategy="timestamp" updated_at="updated_at" invalidate_hard_deletes=true}}\nselect id, tier, updated_at from {{source "crm" "customers"}}\n',
    );
    await land("select 1 as id, 'bronze' as tier, timestamp '2024-01-01' as updated_at union all select 2, 'silver', timestamp '2024-01-01'");
    const first = await dpf(['snapshot', '--project-dir', dir], { cwd: dir });
    expect(first.code, first.output).toBe(0);
    expect(first.stdout).toMatch(/OK +snap +main\.customers_history/);
    expect(first.stdout).toContain('1 snapshot');

    // Load 2: customer 1 upgraded, 3 is new.
    await land("select 1 as id, 'gold' as tier, timestamp '2024-02-01' as updated_at union all select 2, 'silver', timestamp '2024-01-01' union all select 3, 'bronze', timestamp '2024-02-01'");
    expect((await dpf(['snapshot', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    // Load 3: customer 2 deleted at the source.
    await land("select 1 as id, 'gold' as tier, timestamp '2024-02-01' as updated_at union all select 3, 'bronze', timestamp '2024-02-01'");
    expect((await dpf(['snapshot', '--project-dir', dir], { cwd: dir })).code).toBe(0);

    expect(await history(db)).toEqual([
      { id: 1, tier: 'bronze', current: false },
      { id: 1, tier: 'gold', current: true },
      { id: 2, tier: 'silver', current: false },
      { id: 3, tier: 'bronze', current: true },
    ]);
    const closed = await queryDuckDB(db, "select cast(dpf_valid_to as varchar) as valid_to from main.customers_history where id = 1 and tier = 'bronze'");
    expect(closed).toEqual([{ valid_to: '2024-02-01 00:00:00' }]);
    const ids = await queryDuckDB(db, 'select count(distinct dpf_scd_id)::int as n, count(*)::int as rows from main.customers_history');
    expect(ids).toEqual([{ n: 4, rows: 4 }]);
  });

  it('check strategy: a new version when a checked column changes, none otherwise; dpf build runs it in DAG order', async () => {
    const { dir, db, land } = await setup('{{config unique_key="id" strategy="check" check_cols="tier"}}\nselect id, tier, note from {{source "crm" "customers"}}\n', {
      'models/current_customers.sql': 'select id, tier from {{ref "customers_history"}} where dpf_valid_to is null\n',
    });
    await land("select 1 as id, 'bronze' as tier, 'a' as note");
    const build = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(build.code, build.output).toBe(0);
    expect(build.stdout.indexOf('customers_history')).toBeLessThan(build.stdout.indexOf('current_customers'));
    await land("select 1 as id, 'bronze' as tier, 'changed note only' as note");
    expect((await dpf(['snapshot', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    await land("select 1 as id, 'gold' as tier, 'x' as note");
    expect((await dpf(['snapshot', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    expect(await history(db)).toEqual([
      { id: 1, tier: 'bronze', current: false },
      { id: 1, tier: 'gold', current: true },
    ]);
    // `dpf run` does not touch snapshots.
    const run = await dpf(['run', '--project-dir', dir], { cwd: dir });
    expect(run.stdout).not.toMatch(/snap +main\.customers_history/);
    // The view over the snapshot is recreated, because the snapshot changed since it was built.
    expect(run.stdout).toMatch(/main\.current_customers .*upstream customers_history changed since/);
  });

  it('names what a snapshot config lacks, with file and line', async () => {
    const { dir } = await setup('{{config unique_key="id" strategy="timestamp"}}\nselect 1 as id\n');
    const run = await dpf(['snapshot', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('updated_at');
    expect(run.stderr).toContain('snapshots/customers_history.sql:1');
    writeFileSync(join(dir, 'snapshots/customers_history.sql'), 'select 1 as id\n');
    const none = await dpf(['snapshot', '--project-dir', dir], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('unique_key');
  });
});

describe('snapshots defined in YAML', () => {
  it('captures a relation named in YAML with its config there', async () => {
    const dir = makeProject({
      'models/sources.yml': 'sources:\n  - name: crm\n    tables:\n      - name: customers\n',
      'snapshots/snapshots.yml':
        "snapshots:\n  - name: customers_history\n    description: Every version of each customer.\n    relation: source('crm', 'customers')\n    config:\n      unique_key: id\n      strategy: check\n      check_cols: [tier]\n",
    });
    const db = join(dir, 'target/dev.duckdb');
    mkdirSync(join(dir, 'target'), { recursive: true });
    await queryDuckDB(db, "create schema crm; create table crm.customers as select 1 as id, 'bronze' as tier");
    expect((await dpf(['snapshot', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    await queryDuckDB(db, "update crm.customers set tier = 'gold'");
    const run = await dpf(['snapshot', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(await history(db)).toEqual([
      { id: 1, tier: 'bronze', current: false },
      { id: 1, tier: 'gold', current: true },
    ]);
    const ls = await dpf(['ls', '--project-dir', dir, '--resource-type', 'snapshot', '--output', 'json'], { cwd: dir });
    expect(JSON.parse(ls.stdout.trim())).toMatchObject({ name: 'customers_history', resource_type: 'snapshot', original_file_path: 'snapshots/snapshots.yml' });
  });
});
