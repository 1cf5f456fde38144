/**
 * Reads a relation's columns and the first N rows the engine returns (`select * … limit N`,
 * streamed batch by batch, so the engine may stop early and memory holds one batch). A limit,
 * not a random sample: it costs one batch on a table of billions and stays one statement on
 * every engine; the rows it returns are whatever the engine reads first (docs/governance.md).
 * The values live only in the returned object, which the caller scores and drops.
 */
import type { Connection } from '../../adapters/adapter.js';
import type { ColumnSample } from './score-column.js';

/**
 * The sampled columns of one relation. `from` is the relation as the dialect renders it
 * (quoted), or a source's file read (read_parquet(…)). `rows`: how many rows were read.
 */
export async function sampleRelation(connection: Connection, from: string, rows: number, signal?: AbortSignal): Promise<{ readonly columns: ColumnSample[]; readonly rows: number }> {
  const sql = `select * from ${from} limit ${rows}`;
  let columns: { name: string; type: string; values: string[] }[] = [];
  let read = 0;
  for await (const batch of connection.queryStream(sql, { batchRows: Math.min(rows, 2048), signal })) {
    if (columns.length === 0) columns = batch.columns.map((c) => ({ name: c.name, type: c.type, values: [] }));
    for (const row of batch.rows.slice(0, rows - read)) {
      row.forEach((value, i) => {
        const text = textOf(value);
        if (text !== undefined) columns[i]!.values.push(text);
      });
    }
    read += batch.rows.length;
    if (read >= rows) break;
  }
  return { columns, rows: Math.min(read, rows) };
}

/** Scalars as text; NULL, empty strings, booleans and nested values are not sampled. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed.length > 0 ? trimmed : undefined;
  }
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}
