/**
 * Seeds load atomically and, on DuckDB, in one statement (read_csv into the staging table, then
 * a swap). Two properties: the one-statement load gives exactly the column types and rows the
 * earlier batched-INSERT load gave, and a load killed at any moment leaves the seed absent or
 * complete, never partial, with the next build equal to a from-scratch one.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdbDialect } from '../src/adapters/duckdb/duckdb-adapter.js';
import { adapterFactory } from '../src/adapters/index.js';
import type { TargetConfig } from '../src/adapters/adapter.js';
import { logicalTypeOf, readSeedCsv } from '../src/adapters/read-seed-csv.js';
import { killMidRun } from './helpers/kill-mid-run.js';
import { queryDuckDB } from './helpers/query-duckdb.js';
import { dpf, makeProject } from './helpers/run-dpf.js';

const q = duckdbDialect.quoteIdentifier;

/** Every type inference gives, NULLs, quoting, unicode, newlines in quotes, two overrides. */
const MIXED_CSV = [
  'int_col,big_col,dbl_col,bool_col,date_col,ts_col,text_col,empty_col,code,price,note',
  '1,9000000000,1.5,true,2024-01-02,2024-01-02 10:00:00,plain,,007,1.005,"with, comma"',
  '-2,-9000000000,1e3,FALSE,2024-02-29,2024-01-02T10:00:00Z,"say ""hi""",,010,2,"two',
  'lines"',
  '+3,,.25,True,,2024-03-01 23:59,ünïcødé ✓ 日本,,,,"  padded  "',
  ',1,,,2024-12-31,2024-03-01 00:00:00.123,,,"",3.333,""',
].join('\n');

/**
 * Observed on main before seeds were read with read_csv (batched INSERT path), and checked
 * again below by building the table that way in the test itself.
 */
const EXPECTED_TYPES = [
  ['int_col', 'INTEGER'],
  ['big_col', 'BIGINT'],
  ['dbl_col', 'DOUBLE'],
  ['bool_col', 'BOOLEAN'],
  ['date_col', 'DATE'],
  ['ts_col', 'TIMESTAMP'],
  ['text_col', 'VARCHAR'],
  ['empty_col', 'VARCHAR'],
  ['code', 'VARCHAR'],
  ['price', 'DECIMAL(10,2)'],
  ['note', 'VARCHAR'],
];

interface SeedColumnJson {
  name: string;
  type: string;
}

function seedColumnsOf(dir: string, seed: string): SeedColumnJson[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'target', 'manifest.json'), 'utf8')) as { nodes: Record<string, { seedColumns?: SeedColumnJson[] }> };
  return manifest.nodes[`seed.proj.${seed}`]!.seedColumns!;
}

/**
 * The statements the seed strategy ran before it used read_csv (create table, then INSERT
 * VALUES of the dialect's literals), rebuilt here so the comparison does not rest on the code
 * under test.
 */
function batchedInsertSql(relation: string, columns: SeedColumnJson[], csvPath: string): string[] {
  const table = readSeedCsv(csvPath, 'seeds/mixed.csv');
  const logical = columns.map((c) => logicalTypeOf(c.type));
  const rows = table.rows.map((row) => `(${row.map((v, i) => duckdbDialect.literal(v === '' ? null : v, logical[i]!)).join(', ')})`);
  return [`create table ${relation} (${columns.map((c) => `${q(c.name)} ${c.type}`).join(', ')})`, `insert into ${relation} values ${rows.join(', ')}`];
}

async function withDatabase<T>(path: string, fn: (run: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    return await fn(async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('a seed read in one statement', () => {
  it('has exactly the column types and rows the batched INSERT load gave', async () => {
    const dir = makeProject({
      'seeds/mixed.csv': `${MIXED_CSV}\n`,
      'seeds/properties.yml': 'seeds:\n  - name: mixed\n    config:\n      column_types: {code: varchar, price: "decimal(10,2)"}\n',
    });
    const seeded = await dpf(['seed'], { cwd: dir });
    expect(seeded.code, seeded.output).toBe(0);
    const runSql = readFileSync(join(dir, 'target', 'run', 'proj', 'seeds', 'mixed.csv'), 'utf8');
    expect(runSql).toContain('read_csv(');
    expect(runSql).not.toMatch(/insert into/i);

    const columns = seedColumnsOf(dir, 'mixed');
    await withDatabase(join(dir, 'target', 'dev.duckdb'), async (run) => {
      for (const sql of batchedInsertSql('main.mixed_inserted', columns, join(dir, 'seeds', 'mixed.csv'))) await run(sql);
      const typesOf = async (table: string) =>
        (await run(`select column_name, data_type from information_schema.columns where table_schema = 'main' and table_name = '${table}' order by ordinal_position`)).map((r) => [
          r.column_name,
          r.data_type,
        ]);
      expect(await typesOf('mixed_inserted')).toEqual(EXPECTED_TYPES);
      expect(await typesOf('mixed')).toEqual(EXPECTED_TYPES);

      expect(await run('select count(*)::int as n from main.mixed')).toEqual([{ n: 4 }]);
      expect(await run('select * from main.mixed except all select * from main.mixed_inserted')).toEqual([]);
      expect(await run('select * from main.mixed_inserted except all select * from main.mixed')).toEqual([]);
      // The cases most likely to differ, spelled out (EXCEPT ALL treats NULL as equal to NULL).
      expect(await run('select text_col, note, code, ts_col::varchar as ts, price::varchar as price from main.mixed order by int_col nulls last')).toEqual([
        { text_col: 'say "hi"', note: 'two\nlines', code: '010', ts: '2024-01-02 10:00:00', price: '2.00' },
        { text_col: 'plain', note: 'with, comma', code: '007', ts: '2024-01-02 10:00:00', price: '1.01' },
        { text_col: 'ünïcødé ✓ 日本', note: '  padded  ', code: null, ts: '2024-03-01 23:59:00', price: null },
        { text_col: null, note: null, code: null, ts: '2024-03-01 00:00:00.123', price: '3.33' },
      ]);
    });
  });
});

describe('a seed loaded through appendRows (the path where the engine cannot read the file)', () => {
  it("gives exactly the rows read_csv gives, from the CSV's text", async () => {
    const dir = makeProject({
      'seeds/mixed.csv': `${MIXED_CSV}\n`,
      'seeds/properties.yml': 'seeds:\n  - name: mixed\n    config:\n      column_types: {code: varchar, price: "decimal(10,2)"}\n',
    });
    const seeded = await dpf(['seed'], { cwd: dir });
    expect(seeded.code, seeded.output).toBe(0);
    const columns = seedColumnsOf(dir, 'mixed');
    const db = join(dir, 'target', 'dev.duckdb');
    const target: TargetConfig = { profileName: 'proj', targetName: 'dev', type: 'duckdb', schema: 'main', threads: 1, settings: { path: db }, secrets: [] };
    const adapter = adapterFactory('duckdb').create(target, dir);
    await adapter.open();
    try {
      await adapter.withConnection(async (c) => {
        await c.execute(`create table main.mixed_appended (${columns.map((col) => `${q(col.name)} ${col.type}`).join(', ')})`);
        const rows = readSeedCsv(join(dir, 'seeds', 'mixed.csv'), 'seeds/mixed.csv').rows.map((row) => row.map((v) => (v === '' ? null : v)));
        expect(await c.appendRows({ schema: 'main', identifier: 'mixed_appended' }, columns, [rows])).toEqual({ rowsAffected: 4 });
        const differ = async (a: string, b: string) => (await c.query(`select * from main.${a} except all select * from main.${b}`)).rows;
        expect(await differ('mixed', 'mixed_appended')).toEqual([]);
        expect(await differ('mixed_appended', 'mixed')).toEqual([]);
      });
    } finally {
      await adapter.close();
    }
  });
});

describe('a seed load killed at any moment', () => {
  const ROWS = 200_000;
  const csv = ['id,grp,amount,label', ...Array.from({ length: ROWS }, (_, i) => `${i},${i % 37},${(i % 1000) / 4},"row ${i}, of ${ROWS}"`)].join('\n');
  const files = {
    'seeds/big.csv': `${csv}\n`,
    'models/totals.sql': '{{config materialized="table"}}\nselect grp, count(*) as n, sum(amount) as total from {{ref "big"}} group by grp\n',
    'models/other.sql': '{{config materialized="table"}}\nselect 1 as v\n',
    // Keeps dpf running for a few seconds after the seed, so that every kill point, even one
    // just past the load on a slow machine, finds the process alive.
    'models/after_big.sql': '{{config materialized="table"}}\nselect (select count(*) from {{ref "big"}}) as rows, count(*) as n from range(40000) as x(i), range(40000) as y(j) where x.i + y.j < 0\n',
  };

  it('leaves the seed absent or complete, and the next build equals a from-scratch build', { timeout: 240_000 }, async () => {
    const fresh = makeProject(files);
    const built = await dpf(['build'], { cwd: fresh });
    expect(built.code, built.output).toBe(0);
    // How long the load takes here decides where the kills fall.
    const results = JSON.parse(readFileSync(join(fresh, 'target', 'run_results.json'), 'utf8')) as { results: { uniqueId: string; executionTime: number }[] };
    const loadMs = results.results.find((r) => r.uniqueId === 'seed.proj.big')!.executionTime * 1000;
    expect(loadMs).toBeGreaterThan(0);

    const dir = makeProject(files);
    const compiled = await dpf(['compile'], { cwd: dir });
    expect(compiled.code, compiled.output).toBe(0);
    const db = join(dir, 'target', 'dev.duckdb');
    const seen: string[] = [];
    // From the moment the seed starts to just past its end, each on a fresh database so that
    // each kill hits a first load. The last points may find dpf already finished.
    let kills = 0;
    for (const fraction of [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1]) {
      for (const file of [db, `${db}.wal`]) rmSync(file, { force: true });
      const signal = await killMidRun(['build'], dir, Math.round(fraction * loadMs));
      if (signal === 'SIGKILL') kills++;
      const rowsOfSeed = async () => {
        if (!existsSync(db)) return 'absent';
        const found = await queryDuckDB(db, "select count(*)::int as n from information_schema.tables where table_schema = 'main' and table_name = 'big'");
        if (found[0]!.n === 0) return 'absent';
        return String((await queryDuckDB(db, 'select count(*)::int as n from main.big'))[0]!.n);
      };
      const afterKill = await rowsOfSeed();
      expect([`absent`, String(ROWS)], `killed at ${fraction} of the load`).toContain(afterKill);
      // The next run recovers the leftovers of the schema it builds in, and must not publish
      // a staging table.
      const other = await dpf(['run', '--select', 'other'], { cwd: dir });
      expect(other.code, other.output).toBe(0);
      expect(await rowsOfSeed()).toBe(afterKill);
      const leftovers = await queryDuckDB(db, "select table_name from information_schema.tables where table_name like '%__dpf_%'");
      expect(leftovers).toEqual([]);
      seen.push(`${fraction}: ${signal ?? 'finished'}, ${afterKill}`);
    }
    expect(kills, seen.join('; ')).toBeGreaterThanOrEqual(6);

    const rebuilt = await dpf(['build'], { cwd: dir });
    expect(rebuilt.code, rebuilt.output).toBe(0);
    await withDatabase(db, async (run) => {
      await run(`attach '${join(fresh, 'target', 'dev.duckdb').replace(/'/g, "''")}' as fresh (read_only)`);
      for (const table of ['big', 'totals']) {
        expect(await run(`select * from main.${table} except all select * from fresh.main.${table}`), table).toEqual([]);
        expect(await run(`select * from fresh.main.${table} except all select * from main.${table}`), table).toEqual([]);
      }
      // Which kills fell before the swap (absent) and which after (complete) depends on timing.
      expect(await run('select count(*)::int as n from main.big'), seen.join('; ')).toEqual([{ n: ROWS }]);
    });
  });
});
