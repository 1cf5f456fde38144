import { describe, expect, it } from 'vitest';
import { appendAsInserts } from './trino-append.js';

const relation = { database: 'iceberg', schema: 'an"alytics', identifier: 'Seed Table' };
const columns = [
  { name: 'id', type: 'integer' },
  { name: 'note "x"', type: 'varchar' },
  { name: 'amount', type: 'decimal(12, 2)' },
  { name: 'at', type: 'timestamp(6)' },
  { name: 'ok', type: 'boolean' },
];

/** The statements appendRows would send, one per request. */
async function statements(rows: unknown[][][], batchRows = 2): Promise<string[]> {
  const sent: string[] = [];
  await appendAsInserts(relation, columns, rows, batchRows, async (sql) => void sent.push(sql));
  return sent;
}

describe('appendRows on Trino: batched INSERT VALUES', () => {
  it('renders one statement per batchRows rows across the source batches, identifiers quoted, values as typed literals', async () => {
    const sent = await statements([[[1, "O'Brien; drop table x", '12.345', '2024-01-02 03:04:05.123456', 't']], [[2, '', null, new Date('2024-01-02T03:04:05.678Z'), false], [3, null, 7, undefined, '0']]]);
    expect(sent).toEqual([
      `insert into "iceberg"."an""alytics"."Seed Table" ("id", "note ""x""", "amount", "at", "ok") values\n` +
        `(1, 'O''Brien; drop table x', cast('12.345' as decimal(12, 2)), timestamp '2024-01-02 03:04:05.123456', true),\n` +
        `(2, '', null, timestamp '2024-01-02 03:04:05.678', false)`,
      `insert into "iceberg"."an""alytics"."Seed Table" ("id", "note ""x""", "amount", "at", "ok") values\n(3, null, cast('7' as decimal(12, 2)), null, false)`,
    ]);
  });

  it('sends nothing for no rows, and refuses a value no literal carries before sending its statement', async () => {
    expect(await statements([[]])).toEqual([]);
    const sent: string[] = [];
    const failing = appendAsInserts(relation, columns, [[[1, 'a', 1, null, 'maybe']]], 10, async (sql) => void sent.push(sql));
    await expect(failing).rejects.toThrow('row 1, column "ok" (boolean): "maybe" is not a boolean value');
    expect(sent).toEqual([]);
  });
});
