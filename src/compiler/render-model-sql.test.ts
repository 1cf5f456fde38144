import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdbDialect } from '../adapters/duckdb/duckdb-adapter.js';
import { injectCtes } from './render-model-sql.js';

const CTES = [
  { name: '__dpf_cte__eph_a', sql: 'select 1 as id\n' },
  { name: '__dpf_cte__eph_b', sql: 'select id + 1 as id from "__dpf_cte__eph_a"   \n\n' },
];
const HEAD = 'with "__dpf_cte__eph_a" as (\nselect 1 as id\n),\n"__dpf_cte__eph_b" as (\nselect id + 1 as id from "__dpf_cte__eph_a"\n)';

// The injected SQL must also run: checked on an in-memory DuckDB.
let instance: DuckDBInstance;
let connection: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});
const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRowsJson();

describe('injectCtes', () => {
  it('returns the SQL unchanged when there is nothing to inject', () => {
    expect(injectCtes('select 1\n', [], duckdbDialect)).toBe('select 1\n');
    expect(injectCtes('with x as (select 1) select * from x', [], duckdbDialect)).toBe('with x as (select 1) select * from x');
  });

  it('prepends a WITH clause, in order and quoted, to a plain select', async () => {
    const sql = injectCtes('select * from "__dpf_cte__eph_b"\n', CTES, duckdbDialect);
    expect(sql).toBe(`${HEAD}\nselect * from "__dpf_cte__eph_b"\n`);
    expect(await rows(sql)).toEqual([[2]]);
  });

  it('merges into a model that has its own WITH, keeping a single WITH', async () => {
    const sql = injectCtes('with mine as (\n  select id * 10 as id from "__dpf_cte__eph_b"\n)\nselect * from mine\n', CTES, duckdbDialect);
    expect(sql).toBe(`${HEAD},\nmine as (\n  select id * 10 as id from "__dpf_cte__eph_b"\n)\nselect * from mine\n`);
    expect(sql.match(/\bwith\b/gi)).toHaveLength(1);
    expect(await rows(sql)).toEqual([[20]]);
  });

  it('recognises WITH in any case and after leading whitespace', async () => {
    const sql = injectCtes('\n  WITH mine AS (select * from "__dpf_cte__eph_a") select * from mine', CTES.slice(0, 1), duckdbDialect);
    expect(sql).toBe('\n  with "__dpf_cte__eph_a" as (\nselect 1 as id\n),\nmine AS (select * from "__dpf_cte__eph_a") select * from mine');
    expect(await rows(sql)).toEqual([[1]]);
  });

  it('keeps leading line and block comments before the merged WITH', async () => {
    const model = '-- revenue by day\n/* owner: finance\n   with love */\nwith mine as (select * from "__dpf_cte__eph_a")\nselect * from mine\n';
    const sql = injectCtes(model, CTES.slice(0, 1), duckdbDialect);
    expect(sql).toBe(
      '-- revenue by day\n/* owner: finance\n   with love */\nwith "__dpf_cte__eph_a" as (\nselect 1 as id\n),\nmine as (select * from "__dpf_cte__eph_a")\nselect * from mine\n',
    );
    expect(sql.match(/^with\b/gim)).toHaveLength(1);
    expect(await rows(sql)).toEqual([[1]]);
  });

  it('does not mistake a comment mentioning "with" for a WITH clause', async () => {
    const sql = injectCtes('-- built with care\nselect * from "__dpf_cte__eph_a"\n', CTES.slice(0, 1), duckdbDialect);
    expect(sql).toBe('with "__dpf_cte__eph_a" as (\nselect 1 as id\n)\n-- built with care\nselect * from "__dpf_cte__eph_a"\n');
    expect(await rows(sql)).toEqual([[1]]);
  });

  it('does not treat an identifier that starts with "with" as WITH', () => {
    const sql = injectCtes('without_tax as (select 1)', CTES.slice(0, 1), duckdbDialect);
    expect(sql.startsWith('with "__dpf_cte__eph_a" as (')).toBe(true);
    expect(sql.endsWith('\nwithout_tax as (select 1)')).toBe(true);
  });

  it('keeps RECURSIVE when merging into WITH RECURSIVE', async () => {
    const model = 'with recursive t(n) as (\n  select id from "__dpf_cte__eph_a"\n  union all select n + 1 from t where n < 3\n)\nselect n from t order by n\n';
    const sql = injectCtes(model, CTES.slice(0, 1), duckdbDialect);
    expect(sql).toBe(
      'with recursive "__dpf_cte__eph_a" as (\nselect 1 as id\n),\nt(n) as (\n  select id from "__dpf_cte__eph_a"\n  union all select n + 1 from t where n < 3\n)\nselect n from t order by n\n',
    );
    expect(await rows(sql)).toEqual([[1], [2], [3]]);
  });
});
