/** Incremental models on a real DuckDB file: each strategy, full refresh, schema changes, bad keys, a killed merge. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject, REPO_ROOT } from './helpers/run-dpf.js';
import { killMidRun } from './helpers/kill-mid-run.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const SOURCES = 'sources:\n  - name: landing\n    tables:\n      - name: events\n';

/** A project whose model reads landing.events, with the landing table created in the warehouse. */
async function project(model: string, rows: string): Promise<{ dir: string; db: string; land: (rows: string) => Promise<void> }> {
  const dir = makeProject({ 'models/sources.yml': SOURCES, 'models/events_inc.sql': model });
  const db = join(dir, 'target/dev.duckdb');
  mkdirSync(join(dir, 'target'), { recursive: true });
  const land = (r: string) => queryDuckDB(db, `create schema if not exists landing; create or replace table landing.events as ${r}`).then(() => undefined);
  await land(rows);
  return { dir, db, land };
}

const rowsOf = (db: string) => queryDuckDB(db, 'select * from main.events_inc order by id');
const build = (dir: string, ...args: string[]) => dpf(['run', '--project-dir', dir, ...args], { cwd: dir });

const FILTER = '{{#if (is_incremental)}}where updated_at > (select max(updated_at) from {{this}}){{/if}}';

describe('incremental models', () => {
  it('append: the first run builds everything, later runs add only the new rows', async () => {
    const { dir, db, land } = await project(
      `{{config materialized="incremental"}}\nselect id, v, updated_at from {{source "landing" "events"}}\n${FILTER}\n`,
      "select 1 as id, 'a' as v, 1 as updated_at union all select 2, 'b', 2",
    );
    const first = await build(dir);
    expect(first.code, first.output).toBe(0);
    expect(first.stdout).toMatch(/OK +incr +main\.events_inc .*\[2 rows/);
    await land("select 1 as id, 'a' as v, 1 as updated_at union all select 2, 'b', 2 union all select 3, 'c', 3");
    const second = await build(dir);
    expect(second.code, second.output).toBe(0);
    expect(second.stdout).toMatch(/\[1 rows? in/);
    expect(await rowsOf(db)).toEqual([
      { id: 1, v: 'a', updated_at: 1 },
      { id: 2, v: 'b', updated_at: 2 },
      { id: 3, v: 'c', updated_at: 3 },
    ]);
    // --full-refresh rebuilds from scratch (the landing table lost row 1).
    await land("select 2 as id, 'b' as v, 2 as updated_at");
    expect((await build(dir, '--full-refresh')).code).toBe(0);
    expect(await rowsOf(db)).toEqual([{ id: 2, v: 'b', updated_at: 2 }]);
  });

  it('merge: updates rows by unique_key and inserts new ones; merge_update_columns limits the update', async () => {
    const { dir, db, land } = await project(
      `{{config materialized="incremental" unique_key="id" merge_update_columns="v"}}\nselect id, v, w, updated_at from {{source "landing" "events"}}\n${FILTER}\n`,
      "select 1 as id, 'a' as v, 'x' as w, 1 as updated_at union all select 2, 'b', 'x', 2",
    );
    expect((await build(dir)).code).toBe(0);
    await land("select 2 as id, 'B' as v, 'y' as w, 3 as updated_at union all select 3, 'c', 'y', 3");
    const run = await build(dir);
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/\[2 rows in/);
    expect(await rowsOf(db)).toEqual([
      { id: 1, v: 'a', w: 'x', updated_at: 1 },
      { id: 2, v: 'B', w: 'x', updated_at: 2 }, // only v was updated
      { id: 3, v: 'c', w: 'y', updated_at: 3 },
    ]);
  });

  it('delete+insert: replaces the rows of the keys it sees, with composite keys', async () => {
    const { dir, db, land } = await project(
      `{{config materialized="incremental" incremental_strategy="delete+insert" unique_key="id,part"}}\nselect id, part, v from {{source "landing" "events"}}\n`,
      "select 1 as id, 1 as part, 'a' as v union all select 1, 2, 'b'",
    );
    expect((await build(dir)).code).toBe(0);
    await land("select 1 as id, 2 as part, 'B' as v union all select 2, 1, 'c'");
    expect((await build(dir)).code).toBe(0);
    expect(await queryDuckDB(db, 'select * from main.events_inc order by id, part')).toEqual([
      { id: 1, part: 1, v: 'a' },
      { id: 1, part: 2, v: 'B' },
      { id: 2, part: 1, v: 'c' },
    ]);
  });

  it('on_schema_change: fail stops with the changed columns, append_new_columns and sync_all_columns adjust the table', async () => {
    for (const [mode, expected] of [
      ['fail', undefined],
      ['ignore', ['id', 'v']],
      ['append_new_columns', ['id', 'v', 'extra']],
      ['sync_all_columns', ['id', 'extra']],
    ] as const) {
      const { dir, db } = await project(`{{config materialized="incremental" on_schema_change="${mode}"}}\nselect id, v from {{source "landing" "events"}}\n`, "select 1 as id, 'a' as v");
      expect((await build(dir)).code).toBe(0);
      writeFileSync(join(dir, 'models/events_inc.sql'), `{{config materialized="incremental" on_schema_change="${mode}"}}\nselect id, 'new' as extra from {{source "landing" "events"}}\n`);
      const run = await build(dir);
      const columns = (await queryDuckDB(db, "select column_name from information_schema.columns where table_name = 'events_inc' order by ordinal_position")).map((r) => r.column_name);
      if (mode === 'fail') {
        expect(run.code).toBe(1);
        expect(run.stdout).toContain('DPF605');
        expect(run.stdout).toContain('added: extra; removed: v');
        expect(columns).toEqual(['id', 'v']);
      } else {
        expect(run.code, `${mode}: ${run.output}`).toBe(0);
        expect(columns, mode).toEqual(expected);
      }
    }
  });

  it('reports a unique_key that is not a column, and duplicate keys with their values, leaving the table as it was', async () => {
    const { dir, db, land } = await project(`{{config materialized="incremental" unique_key="idd"}}\nselect id, v from {{source "landing" "events"}}\n`, "select 1 as id, 'a' as v");
    expect((await build(dir)).code).toBe(0); // the first run does not need the key
    // New rows, so that the incremental step runs (with nothing new the table would be reused).
    await land("select 1 as id, 'a' as v union all select 2, 'b'");
    const missing = await build(dir);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('DPF603');
    expect(missing.stdout).toContain('unique_key "idd" is not a column');
    expect(missing.stdout).toContain('models/events_inc.sql');

    writeFileSync(join(dir, 'models/events_inc.sql'), '{{config materialized="incremental" unique_key="id"}}\nselect id, v from {{source "landing" "events"}}\n');
    await land("select 7 as id, 'x' as v union all select 7, 'y' union all select 8, 'z'");
    const dup = await build(dir);
    expect(dup.code).toBe(1);
    expect(dup.stdout).toContain('DPF604');
    expect(dup.stdout).toContain('(id=7) ×2');
    expect(await rowsOf(db)).toEqual([{ id: 1, v: 'a' }]);
    expect((await queryDuckDB(db, "select count(*)::int as n from information_schema.tables where table_name like '%__dpf_%'"))[0]!.n).toBe(0);
  });

  it('rejects merge without unique_key at compile time, naming the file and line', async () => {
    const dir = makeProject({ 'models/m.sql': 'select 1 as id\n{{config materialized="incremental" incremental_strategy="merge"}}\n' });
    const run = await dpf(['compile', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DPF107');
    expect(run.stderr).toContain('models/m.sql:2');
    expect(run.stderr).toContain('unique_key');
  });

  it('keeps the table intact when the process is killed during a merge, and the next run completes', async () => {
    const { dir, db, land } = await project(
      '{{config materialized="incremental" unique_key="id"}}\nselect id, v from {{source "landing" "events"}}\n',
      "select range as id, 'old' as v from range(1000)",
    );
    expect((await build(dir)).code).toBe(0);
    await land("select range as id, 'new' as v from range(3000000)");
    const bin = join(REPO_ROOT, 'bin/dpf.js');
    expect(await killMidRun(['run'], dir, 400)).toBe('SIGKILL');
    expect(await queryDuckDB(db, "select count(*)::int as n, count(*) filter (where v = 'new')::int as new_rows from main.events_inc")).toEqual([{ n: 1000, new_rows: 0 }]);
    const next = spawnSync(process.execPath, [bin, 'run'], { cwd: dir, encoding: 'utf8', env: { ...process.env, HOME: dir } });
    expect(next.status, next.stdout + next.stderr).toBe(0);
    expect(await queryDuckDB(db, "select count(*)::int as n, count(*) filter (where v = 'new')::int as new_rows from main.events_inc")).toEqual([{ n: 3000000, new_rows: 3000000 }]);
  });
});
