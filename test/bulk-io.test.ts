/**
 * The adapters' bulk paths on a real DuckDB file: appendRows (the appender, in data chunks)
 * with every logical type, NULLs, unicode, quotes, batches crossing the 2,048-row chunk, and a
 * failure part-way; queryStream in batches, stopped early, and refusing a second statement.
 * The same behaviour on every engine is in test/adapters/conformance.test.ts.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adapterFactory } from '../src/adapters/index.js';
import type { Adapter, ColumnDescription, Connection, QueryResult, TargetConfig } from '../src/adapters/adapter.js';
import { DpfError } from '../src/errors/dpf-error.js';
import { MultipleStatementsError } from '../src/adapters/multiple-statements-error.js';
import { tempDir } from './helpers/run-dpf.js';

let adapter: Adapter;
beforeEach(async () => {
  const dir = tempDir('dpf-bulk-');
  const target: TargetConfig = { profileName: 'p', targetName: 'dev', type: 'duckdb', schema: 'main', threads: 1, settings: { path: join(dir, 'bulk.duckdb') }, secrets: [] };
  adapter = adapterFactory('duckdb').create(target, dir);
  await adapter.open();
});
afterEach(async () => {
  await adapter.close();
});

const rel = (identifier: string) => ({ schema: 'main', identifier });
const use = <T>(fn: (c: Connection) => Promise<T>) => adapter.withConnection(fn);
const rowsOf = async (c: Connection, sql: string) => (await c.query(sql)).rows;

/** Every logical type, as seeds type columns (SeedColumn: the engine's type names). */
const LOGICAL: ColumnDescription[] = [
  { name: 'b', type: 'BOOLEAN' },
  { name: 'i', type: 'INTEGER' },
  { name: 'big', type: 'BIGINT' },
  { name: 'd', type: 'DOUBLE' },
  { name: 'day', type: 'DATE' },
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'txt', type: 'VARCHAR' },
];
const createLogical = (c: Connection, name: string) => c.execute(`create table main.${name} (${LOGICAL.map((col) => `"${col.name}" ${col.type}`).join(', ')})`);

describe('appendRows on DuckDB', () => {
  it('writes every logical type from JS values and from text, NULLs, unicode and quotes, exactly', async () => {
    await use(async (c) => {
      await createLogical(c, 'typed');
      const result = await c.appendRows(rel('typed'), LOGICAL, [
        [
          [true, 1, 9007199254740993n, 1.5, new Date('2024-02-29T00:00:00Z'), new Date('2024-01-02T03:04:05.678Z'), 'plain'],
          ['false', '-2147483648', '-9223372036854775808', '-0.25e2', '1999-12-31', '2024-01-02 03:04:05.123456', 'He said "hi" \'ok\' ; -- /*'],
          [null, undefined, null, null, null, null, null],
          ['TRUE', ' 42 ', 42, 'NaN', '0001-01-01', '2024-06-30T23:59:59Z', '東京 Zoë ✓ 🎉'],
          [false, 0, 0n, -0.0, '2024-03-01', '2024-03-01', ''],
        ],
      ]);
      expect(result).toEqual({ rowsAffected: 5 });
      const rows = await rowsOf(c, `select b, i, big::varchar, d::varchar, day::varchar, ts::varchar, txt from main.typed order by rowid`);
      expect(rows).toEqual([
        [true, 1, '9007199254740993', '1.5', '2024-02-29', '2024-01-02 03:04:05.678', 'plain'],
        [false, -2147483648, '-9223372036854775808', '-25.0', '1999-12-31', '2024-01-02 03:04:05.123456', 'He said "hi" \'ok\' ; -- /*'],
        [null, null, null, null, null, null, null],
        [true, 42, '42', 'nan', '0001-01-01', '2024-06-30 23:59:59', '東京 Zoë ✓ 🎉'],
        [false, 0, '0', '-0.0', '2024-03-01', '2024-03-01 00:00:00', ''],
      ]);
    });
  });

  it('writes other DuckDB types: decimal exactly, hugeint, smallint, real, timestamptz, uuid', async () => {
    await use(async (c) => {
      await c.execute('create table main.other (amount decimal(12, 2), huge hugeint, small smallint, r real, tz timestamptz, id uuid)');
      const columns = await c.getColumns(rel('other'));
      await c.appendRows(rel('other'), columns, [
        [
          ['12345678.905', '170141183460469231731687303715884105727', '-32768', '0.5', '2024-01-01 10:00:00+02:00', '4f9d6c2a-1b2c-4d3e-8f90-123456789abc'],
          [0.1, 5, 7, 2, new Date('2024-01-01T00:00:00Z'), null],
        ],
      ]);
      const rows = await rowsOf(c, "set timezone = 'UTC'").then(() => rowsOf(c, 'select amount::varchar, huge::varchar, small, r, tz::varchar, id::varchar from main.other order by small'));
      expect(rows).toEqual([
        ['12345678.91', '170141183460469231731687303715884105727', -32768, 0.5, '2024-01-01 08:00:00+00', '4f9d6c2a-1b2c-4d3e-8f90-123456789abc'],
        ['0.10', '5', 7, 2, '2024-01-01 00:00:00+00', null],
      ]);
    });
  });

  it('crosses the 2,048-row chunk: 10,001 rows in uneven batches from an async source, in order, columns given in another order', async () => {
    await use(async (c) => {
      await c.execute('create table main.many (id integer, label varchar, amount double)');
      async function* batches() {
        for (let start = 0; start < 10_001; start += 777) {
          await new Promise((resolve) => setImmediate(resolve));
          yield Array.from({ length: Math.min(777, 10_001 - start) }, (_, k) => [`row ${start + k} – ü`, start + k, (start + k) / 4]);
        }
      }
      const columns = [
        { name: 'label', type: 'VARCHAR' },
        { name: 'ID', type: 'INTEGER' },
        { name: 'amount', type: 'DOUBLE' },
      ];
      expect(await c.appendRows(rel('many'), columns, batches())).toEqual({ rowsAffected: 10_001 });
      const summary = await rowsOf(c, "select count(*)::int, sum(id)::bigint::varchar, sum(amount), count(*) filter (where label = 'row ' || id || ' – ü')::int from main.many");
      expect(summary).toEqual([[10_001, '50005000', 12_501_250, 10_001]]);
      expect(await rowsOf(c, 'select id from main.many order by rowid limit 3 offset 2047')).toEqual([[2047], [2048], [2049]]);
    });
  });

  it('a value that does not fit is DPF609 naming the row, column and value, and none of the rows stay (rows 1 to 4,999 included)', async () => {
    await use(async (c) => {
      await createLogical(c, 'partial');
      const good = (i: number) => [true, i, i, i, '2024-01-01', '2024-01-01 00:00:00', `r${i}`];
      const rows = Array.from({ length: 4_999 }, (_, i) => good(i + 1));
      const error = await c.appendRows(rel('partial'), LOGICAL, [rows, [good(5_000).map((v, k) => (k === 1 ? 'twelve' : v))]]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DpfError);
      const diagnostic = (error as DpfError).diagnostics[0]!;
      expect(diagnostic.code).toBe('DPF609');
      expect(diagnostic.message).toBe('Appending rows to "main"."partial" failed: row 5000, column "i" (INTEGER): "twelve" is not a INTEGER value');
      expect(await rowsOf(c, 'select count(*)::int from main.partial')).toEqual([[0]]);
      // The connection goes on: no transaction or appender is left open.
      await c.appendRows(rel('partial'), LOGICAL, [[good(1)]]);
      expect(await rowsOf(c, 'select count(*)::int from main.partial')).toEqual([[1]]);
    });
  });

  it('a source that fails part-way, a number out of range, a row of the wrong width: nothing appended, each named', async () => {
    await use(async (c) => {
      await c.execute('create table main.small (id integer, name varchar)');
      const cols = [
        { name: 'id', type: 'INTEGER' },
        { name: 'name', type: 'VARCHAR' },
      ];
      async function* failing() {
        yield Array.from({ length: 3_000 }, (_, i) => [i, 'x']);
        throw new Error('the HTTP source answered 503');
      }
      await expect(c.appendRows(rel('small'), cols, failing())).rejects.toThrow('the HTTP source answered 503');
      await expect(c.appendRows(rel('small'), cols, [[[1, 'a'], [2 ** 31, 'b']]])).rejects.toThrow(/row 2, column "id" \(INTEGER\): 2147483648 is not a INTEGER value \(number out of int32 range\)/);
      await expect(c.appendRows(rel('small'), cols, [[[1, 'a', 'extra']]])).rejects.toThrow('row 1 has 3 values for 2 columns (id, name)');
      await expect(c.appendRows(rel('small'), [cols[0]!], [[[1]]])).rejects.toThrow(/must be the table's \(id, name\)/);
      expect(await rowsOf(c, 'select count(*)::int from main.small')).toEqual([[0]]);
    });
  });

  it("inside the caller's transaction, its rollback decides", async () => {
    await use(async (c) => {
      await c.execute('create table main.tx (id integer)');
      const cols = [{ name: 'id', type: 'INTEGER' }];
      await expect(
        c.transaction(async () => {
          await c.appendRows(rel('tx'), cols, [[[1], [2]]]);
          throw new Error('later step failed');
        }),
      ).rejects.toThrow('later step failed');
      expect(await rowsOf(c, 'select count(*)::int from main.tx')).toEqual([[0]]);
      await c.transaction(() => c.appendRows(rel('tx'), cols, [[[1], [2]]]));
      expect(await rowsOf(c, 'select count(*)::int from main.tx')).toEqual([[2]]);
    });
  });
});

describe('queryStream on DuckDB', () => {
  const collect = async (stream: AsyncIterable<QueryResult>) => {
    const batches: QueryResult[] = [];
    for await (const batch of stream) batches.push(batch);
    return batches;
  };

  it('yields batches of batchRows rows but the last, with the columns, as query converts values', async () => {
    await use(async (c) => {
      const sql = "select i::integer as id, i::bigint * 4294967296 as big, 'v' || i as label from range(5000) as t(i) order by i";
      const batches = await collect(c.queryStream(sql, { batchRows: 1000 }));
      expect(batches.map((b) => b.rows.length)).toEqual([1000, 1000, 1000, 1000, 1000]);
      const odd = await collect(c.queryStream(sql, { batchRows: 3000 }));
      expect(odd.map((b) => b.rows.length)).toEqual([3000, 2000]);
      const all = await c.query(sql);
      expect(batches[0]!.columns).toEqual(all.columns);
      expect(batches.flatMap((b) => b.rows)).toEqual(all.rows);
      expect(batches[4]!.rows[999]).toEqual([4999, '21470541512704', 'v4999']);
    });
  });

  it('an empty result is one batch with the columns and no rows', async () => {
    await use(async (c) => {
      const batches = await collect(c.queryStream('select 1 as a, \'x\' as b where false'));
      expect(batches).toEqual([{ columns: [{ name: 'a', type: 'INTEGER' }, { name: 'b', type: 'VARCHAR' }], rows: [] }]);
    });
  });

  it('stopping early releases the statement: the same connection runs the next one, and the pool hands it out again', async () => {
    let first: Connection | undefined;
    await use(async (c) => {
      first = c;
      let seen = 0;
      for await (const batch of c.queryStream('select * from range(100000000) as t(i)', { batchRows: 100 })) {
        seen += batch.rows.length;
        if (seen >= 300) break;
      }
      expect(seen).toBe(300);
      expect(await rowsOf(c, 'select 42')).toEqual([[42]]);
      await c.execute('create table main.after_stream as select 1 as x');
    });
    await use(async (c) => {
      expect(c).toBe(first);
      expect(await rowsOf(c, 'select x from main.after_stream')).toEqual([[1]]);
    });
  });

  it('refuses a text of two statements on the first read, and runs neither', async () => {
    await use(async (c) => {
      await c.execute('create table main.keep as select 1 as x');
      const stream = c.queryStream('select 1; drop table main.keep');
      await expect(collect(stream)).rejects.toBeInstanceOf(MultipleStatementsError);
      expect(await rowsOf(c, 'select x from main.keep')).toEqual([[1]]);
    });
  });

  it('an engine error surfaces from the loop', async () => {
    await use(async (c) => {
      await expect(collect(c.queryStream('select * from main.missing_table'))).rejects.toThrow(/missing_table/);
      expect(await rowsOf(c, 'select 1')).toEqual([[1]]);
    });
  });
});
