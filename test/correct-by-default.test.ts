/**
 * Correct by default: whatever happened before (data landed in sources, files edited, other
 * builds with other vars, interrupted runs), `dpf build` gives exactly the tables a build from
 * scratch gives, and reuses a table only when its code and every input are unchanged.
 */
import { cpSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject, REPO_ROOT, tempDir } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

/** Runs statements on a DuckDB file, one per call, as another process landing data would. */
async function land(dir: string, ...statements: string[]): Promise<void> {
  mkdirSync(join(dir, 'target'), { recursive: true });
  const instance = await DuckDBInstance.create(join(dir, 'target/dev.duckdb'));
  const connection = await instance.connect();
  try {
    for (const sql of statements) await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** RUN (OK) or REUSE of each named relation in a run's output. */
function statuses(out: string, ...names: string[]): Record<string, string | undefined> {
  return Object.fromEntries(names.map((n) => [n, new RegExp(`(OK|REUSE) +\\w+ +main\\.${n} `).exec(out)?.[1]]));
}

async function build(dir: string, ...args: string[]) {
  const run = await dpf(['build', '--project-dir', dir, ...args], { cwd: dir });
  expect(run.code, run.output).toBe(0);
  return run;
}

/**
 * Copies the project with its warehouse (sources included), builds the copy from scratch
 * (--full-refresh rebuilds incremental models too), and compares every table of the project
 * with the copy's, EXCEPT ALL both ways.
 */
async function expectSameAsFromScratch(dir: string, tables: string[]): Promise<void> {
  const scratch = join(tempDir(), 'scratch');
  cpSync(dir, scratch, { recursive: true, filter: (src) => !src.endsWith('reuse_ledger.json') });
  await build(scratch, '--full-refresh');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`attach '${join(dir, 'target/dev.duckdb')}' as built (read_only)`);
    await connection.run(`attach '${join(scratch, 'target/dev.duckdb')}' as fresh (read_only)`);
    for (const table of tables) {
      for (const [a, b] of [['built', 'fresh'], ['fresh', 'built']]) {
        const reader = await connection.runAndReadAll(`select count(*)::int from (select * from ${a}.main.${table} except all select * from ${b}.main.${table})`);
        expect(reader.getRows()[0]![0], `${table}: rows in ${a} but not in ${b}`).toBe(0);
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const SOURCES = `sources:
  - name: shop
    schema: raw
    tables: [{name: orders}, {name: refunds}]
`;

/** Two sources; each feeds its own cone, and total reads both. */
const twoSources = () => {
  const dir = makeProject({
    'models/sources.yml': SOURCES,
    'models/stg_orders.sql': 'select id, amount from {{source "shop" "orders"}}\n',
    'models/order_totals.sql': '{{config materialized="table"}}\nselect count(*) as n, sum(amount) as amount from {{ref "stg_orders"}}\n',
    'models/refund_totals.sql': '{{config materialized="table"}}\nselect count(*) as n, sum(amount) as amount from {{source "shop" "refunds"}}\n',
    'models/net.sql': '{{config materialized="table"}}\nselect o.amount - r.amount as net from {{ref "order_totals"}} o, {{ref "refund_totals"}} r\n',
  });
  return dir;
};
const TABLES = ['order_totals', 'refund_totals', 'net'];

async function landSources(dir: string): Promise<void> {
  await land(
    dir,
    'create schema if not exists raw',
    'create table raw.orders as select range as id, range * 10 as amount from range(1, 101)',
    'create table raw.refunds as select range as id, 5 as amount from range(1, 11)',
  );
}

describe('data-aware reuse', () => {
  it('rebuilds what a source feeds after rows are inserted, updated or deleted, and nothing else', async () => {
    const dir = twoSources();
    await landSources(dir);
    await build(dir);
    const same = await build(dir);
    expect(statuses(same.stdout, ...TABLES)).toEqual({ order_totals: 'REUSE', refund_totals: 'REUSE', net: 'REUSE' });
    expect(same.stdout).toMatch(/REUSE +table +main\.net \.+ \[inputs unchanged\]/);

    for (const change of [
      'insert into raw.orders values (1000, 7)',
      'update raw.orders set amount = amount + 1 where id = 3',
      'delete from raw.orders where id = 5',
    ]) {
      await land(dir, change);
      const after = await build(dir);
      expect(statuses(after.stdout, ...TABLES), change).toEqual({ order_totals: 'OK', refund_totals: 'REUSE', net: 'OK' });
      await expectSameAsFromScratch(dir, TABLES);
    }
    // The reason names the source, with the row counts where they differ.
    await land(dir, 'insert into raw.refunds values (11, 5), (12, 5)');
    const refunds = await build(dir);
    expect(refunds.stdout).toMatch(/OK +table +main\.refund_totals .*source shop\.refunds changed: 10 → 12 rows/);
    expect(statuses(refunds.stdout, ...TABLES)).toEqual({ order_totals: 'REUSE', refund_totals: 'OK', net: 'OK' });
    expect(refunds.stdout).toMatch(/OK +table +main\.net .*upstream refund_totals runs/);
    await expectSameAsFromScratch(dir, TABLES);
  });

  it('dpf build --select source:shop.orders+ refreshes what the source feeds', async () => {
    const dir = twoSources();
    await landSources(dir);
    await build(dir);
    await land(dir, 'insert into raw.orders values (1000, 7)');
    const cone = await build(dir, '--select', 'source:shop.orders+');
    expect(statuses(cone.stdout, 'order_totals', 'net')).toEqual({ order_totals: 'OK', net: 'OK' });
    expect(await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select n::int as n from main.order_totals')).toEqual([{ n: 101 }]);
    await expectSameAsFromScratch(dir, TABLES);
  });

  it('rebuilds what reads a model that another run rebuilt (dpf build -s x, then dpf build)', async () => {
    const dir = twoSources();
    await landSources(dir);
    await build(dir);
    await land(dir, 'insert into raw.orders values (1000, 7)');
    const only = await build(dir, '--select', 'order_totals');
    expect(statuses(only.stdout, 'order_totals')).toEqual({ order_totals: 'OK' });
    const rest = await build(dir);
    expect(statuses(rest.stdout, ...TABLES)).toEqual({ order_totals: 'REUSE', refund_totals: 'REUSE', net: 'OK' });
    expect(rest.stdout).toMatch(/OK +table +main\.net .*upstream order_totals changed since/);
    await expectSameAsFromScratch(dir, TABLES);
  });

  it('rebuilds what an incremental model feeds when it gains rows', async () => {
    const dir = makeProject({
      'models/sources.yml': SOURCES,
      'models/events.sql':
        '{{config materialized="incremental" unique_key="id"}}\nselect id, amount from {{source "shop" "orders"}}\n{{#if (is_incremental)}}where id > (select max(id) from {{this}}){{/if}}\n',
      'models/event_totals.sql': '{{config materialized="table"}}\nselect count(*) as n, sum(amount) as amount from {{ref "events"}}\n',
    });
    await landSources(dir);
    await build(dir);
    const same = await build(dir);
    expect(statuses(same.stdout, 'events', 'event_totals')).toEqual({ events: 'REUSE', event_totals: 'REUSE' });
    await land(dir, 'insert into raw.orders values (500, 1), (501, 2)');
    const after = await build(dir);
    expect(statuses(after.stdout, 'events', 'event_totals')).toEqual({ events: 'OK', event_totals: 'OK' });
    expect(await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select n::int as n from main.event_totals')).toEqual([{ n: 102 }]);
    await expectSameAsFromScratch(dir, ['events', 'event_totals']);
  });

  it('rebuilds what a file source feeds when the file is edited, even with the same size and time', async () => {
    const dir = makeProject({
      'data/rates.csv': 'code,rate\nEUR,1.10\nGBP,1.30\n',
      'models/sources.yml': 'sources:\n  - name: files\n    tables:\n      - name: rates\n        external_location: data/rates.csv\n',
      'models/rate_sum.sql': '{{config materialized="table"}}\nselect sum(rate) as total from {{source "files" "rates"}}\n',
    });
    await build(dir);
    expect(statuses((await build(dir)).stdout, 'rate_sum')).toEqual({ rate_sum: 'REUSE' });
    const file = join(dir, 'data/rates.csv');
    const when = new Date('2024-01-01T00:00:00Z');
    utimesSync(file, when, when);
    await build(dir);
    writeFileSync(file, 'code,rate\nEUR,1.10\nGBP,1.90\n');
    utimesSync(file, when, when);
    const after = await build(dir);
    expect(after.stdout).toMatch(/OK +table +main\.rate_sum .*source files\.rates changed/);
    expect(await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select total::double as total from main.rate_sum')).toEqual([{ total: 3 }]);
  });

  it('builds a model that reads the clock every run', async () => {
    const dir = makeProject({
      'models/today.sql': '{{config materialized="table"}}\nselect current_date as d\n',
      'models/fixed.sql': '{{config materialized="table"}}\nselect 1 as one -- current_date in a comment does not count\n',
    });
    await build(dir);
    const again = await build(dir);
    expect(statuses(again.stdout, 'today', 'fixed')).toEqual({ today: 'OK', fixed: 'REUSE' });
    expect(again.stdout).toMatch(/main\.today .*calls current_date: built every run/);
  });

  it('--explain prints every decision and its reason without running anything', async () => {
    const dir = twoSources();
    await landSources(dir);
    await build(dir);
    await land(dir, 'insert into raw.refunds values (11, 5)');
    const explained = await dpf(['build', '--project-dir', dir, '--explain'], { cwd: dir });
    expect(explained.code, explained.output).toBe(0);
    expect(explained.stdout).toMatch(/REUSE +table +main\.order_totals \.+ \[inputs unchanged\]/);
    expect(explained.stdout).toMatch(/RUN +table +main\.refund_totals \.+ \[source shop\.refunds changed: 10 → 11 rows\]/);
    expect(explained.stdout).toMatch(/RUN +table +main\.net \.+ \[upstream refund_totals runs\]/);
    // The monitors go with what they watch: run where it changed, reused where it did not.
    expect(explained.stdout).toMatch(/RUN +mon +raw\.refunds \.+ \[measures what its node holds now\]/);
    expect(explained.stdout).toMatch(/REUSE +mon +raw\.orders \.+ \[orders is unchanged: nothing new to measure\]/);
    expect(explained.stdout).toContain('5 to run, 4 to reuse (nothing was run: --explain)');
    // Nothing ran: the table still holds the old count, and a build still sees the change.
    expect(await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select n::int as n from main.refund_totals')).toEqual([{ n: 10 }]);
    const after = await build(dir);
    expect(statuses(after.stdout, ...TABLES)).toEqual({ order_totals: 'REUSE', refund_totals: 'OK', net: 'OK' });
  });
});

describe('records that match what the relation holds', () => {
  const oneVar = { 'models/t.sql': '{{config materialized="table"}}\nselect {{var "g"}} as g\n' };
  const g = async (dir: string) => (await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select g::int as g from main.t'))[0]!.g;

  it('a --rebuild-all with other vars records what it built', async () => {
    const dir = makeProject(oneVar);
    await build(dir, '--vars', '{g: 1}');
    await build(dir, '--vars', '{g: 2}');
    await build(dir, '--vars', '{g: 1}', '--rebuild-all');
    expect(await g(dir)).toBe(1);
    const back = await build(dir, '--vars', '{g: 2}');
    expect(statuses(back.stdout, 't')).toEqual({ t: 'OK' });
    expect(await g(dir)).toBe(2);
    // --full-refresh records too.
    await build(dir, '--vars', '{g: 3}', '--full-refresh');
    expect(statuses((await build(dir, '--vars', '{g: 2}')).stdout, 't')).toEqual({ t: 'OK' });
    expect(await g(dir)).toBe(2);
  });

  it('after a run interrupted with Ctrl-C, going back to the old vars rebuilds what the interrupted run replaced', async () => {
    // t is replaced at once; slow takes long enough for the interrupt to land while it runs.
    const dir = makeProject({
      ...oneVar,
      'models/slow.sql': '{{config materialized="table"}}\nselect {{var "g"}} as g, count(*) as n from range(10000) a, range(10000) b where a.range + b.range < 0\n',
      'models/after_slow.sql': '{{config materialized="table"}}\nselect * from {{ref "slow"}}\n',
    });
    await build(dir, '--vars', '{g: 1}', '--threads', '1');
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/dpf.js'), 'build', '--project-dir', dir, '--vars', '{g: 2}', '--threads', '1', '--log-format', 'json'], {
      cwd: dir,
      env: { ...process.env, HOME: dir },
    });
    let out = '';
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        // t finished (holding g = 2), slow started: interrupt.
        if (/"node_finished".*"name":"t"/.test(out) && /"node_started".*slow/.test(out)) resolve();
      });
      child.on('exit', () => resolve());
    });
    child.kill('SIGINT');
    await exited;
    expect(await g(dir)).toBe(2);
    const back = await build(dir, '--vars', '{g: 1}');
    expect(statuses(back.stdout, 't', 'slow', 'after_slow')).toEqual({ t: 'OK', slow: 'OK', after_slow: 'OK' });
    expect(await g(dir)).toBe(1);
  });
});

describe('records in the warehouse', () => {
  it('a build that dies after replacing relations leaves their records incomplete, and the next build rebuilds them', async () => {
    const dir = makeProject({ 'models/t.sql': '{{config materialized="table"}}\nselect {{var "g" 1}} as g\n' });
    await build(dir);
    // What a kill between the replacement and the record leaves: the relation replaced, the record marked.
    await land(dir, "update dpf_meta.relation_builds set complete = false where relation_name = '\"main\".\"t\"'");
    rmSync(join(dir, 'target/reuse_ledger.json'), { force: true });
    const after = await build(dir);
    expect(after.stdout).toMatch(/OK +table +main\.t .*record unknown after an interrupted or failed run/);
    expect(statuses((await build(dir)).stdout, 't')).toEqual({ t: 'REUSE' });
  });
});

describe('opting in to cheaper reuse, per model or source', () => {
  it('reuse: trust_code reuses a model that reads the clock while its code is unchanged', async () => {
    const dir = makeProject({
      'models/today.sql': '{{config materialized="table" reuse="trust_code"}}\nselect current_date as d\n',
      'models/today_too.sql': '{{config materialized="table"}}\nselect current_date as d\n',
    });
    await build(dir);
    const again = await build(dir);
    expect(statuses(again.stdout, 'today', 'today_too')).toEqual({ today: 'REUSE', today_too: 'OK' });
    const explained = await dpf(['build', '--project-dir', dir, '--explain'], { cwd: dir });
    expect(explained.stdout).toMatch(/REUSE +table +main\.today \.+ \[inputs unchanged \(reuse: trust_code\)\]/);
  });

  it('data_version: append_only compares row count and the latest loaded_at_field; trust_code does not look at the data', async () => {
    const dir = makeProject({
      'models/sources.yml': `sources:
  - name: shop
    schema: raw
    tables:
      - name: orders
        loaded_at_field: loaded_at
        data_version: append_only
      - name: refunds
        data_version: trust_code
`,
      'models/order_totals.sql': '{{config materialized="table"}}\nselect count(*) as n, sum(amount) as amount from {{source "shop" "orders"}}\n',
      'models/refund_totals.sql': '{{config materialized="table"}}\nselect count(*) as n, sum(amount) as amount from {{source "shop" "refunds"}}\n',
    });
    await land(
      dir,
      'create schema raw',
      "create table raw.orders as select range as id, 10 as amount, timestamp '2024-01-01' + to_days(range::int) as loaded_at from range(1, 11)",
      'create table raw.refunds as select range as id, 5 as amount from range(1, 4)',
    );
    await build(dir);
    expect(statuses((await build(dir)).stdout, 'order_totals', 'refund_totals')).toEqual({ order_totals: 'REUSE', refund_totals: 'REUSE' });
    // New rows: the count and the latest load time move.
    await land(dir, "insert into raw.orders values (11, 10, timestamp '2024-02-01')");
    const appended = await build(dir);
    expect(statuses(appended.stdout, 'order_totals')).toEqual({ order_totals: 'OK' });
    expect(appended.stdout).toMatch(/main\.order_totals .*source shop\.orders changed: 10 → 11 rows/);
    // What append_only cannot see, as documented: an update in place.
    await land(dir, 'update raw.orders set amount = 99 where id = 1');
    expect(statuses((await build(dir)).stdout, 'order_totals')).toEqual({ order_totals: 'REUSE' });
    // trust_code: the source's data is never looked at.
    await land(dir, 'insert into raw.refunds values (4, 5)');
    expect(statuses((await build(dir)).stdout, 'refund_totals')).toEqual({ refund_totals: 'REUSE' });
    // --rebuild-all still builds everything from what the sources hold now.
    await build(dir, '--rebuild-all');
    expect(await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select n::int as n from main.refund_totals')).toEqual([{ n: 4 }]);
  });
});
