/**
 * What the adapters' bulk paths share: re-cutting a stream of rows into batches of a given
 * size (queryStream), and the DPF609 error that names the row, column and value that did not
 * fit (appendRows). Engine-blind.
 */
import { fail } from '../errors/dpf-error.js';
import type { ColumnDescription, QueryResult } from './adapter.js';

export const DEFAULT_STREAM_BATCH_ROWS = 2048;

/**
 * The engine's pieces (DuckDB's chunks, Trino's pages) as batches of exactly batchRows rows but
 * the last; an empty result still yields one batch, so the reader learns the columns.
 */
export async function* rebatch(pieces: AsyncIterable<QueryResult>, batchRows = DEFAULT_STREAM_BATCH_ROWS, signal?: AbortSignal): AsyncGenerator<QueryResult> {
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new Error(`queryStream: batchRows must be a positive whole number, got ${batchRows}`);
  signal?.throwIfAborted();
  let columns: ColumnDescription[] = [];
  let pending: unknown[][] = [];
  let yielded = false;
  for await (const piece of abortable(pieces, signal)) {
    columns = piece.columns;
    let rows = piece.rows;
    while (pending.length + rows.length >= batchRows) {
      const take = batchRows - pending.length;
      const batch = pending.length === 0 && take === rows.length ? rows : pending.concat(rows.slice(0, take));
      rows = rows.slice(take);
      pending = [];
      yielded = true;
      yield { columns, rows: batch };
    }
    if (rows.length > 0) pending = pending.length === 0 ? rows.slice() : pending.concat(rows);
  }
  if (pending.length > 0 || !yielded) yield { columns, rows: pending };
}

/**
 * The pieces until the signal aborts, then its reason: checked before each read, and in place
 * of the error the engine gives a statement the abort interrupted (which the adapter does).
 */
async function* abortable<T>(pieces: AsyncIterable<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  if (!signal) return yield* pieces;
  try {
    for await (const piece of pieces) {
      signal.throwIfAborted();
      yield piece;
      signal.throwIfAborted();
    }
  } catch (err) {
    signal.throwIfAborted();
    throw err;
  }
}

/** A row as wide as the columns, or DPF609 naming it (rows count from 1, over all batches). */
export function checkRowWidth(row: readonly unknown[], columns: readonly ColumnDescription[], rowNumber: number, relation: string): void {
  if (row.length !== columns.length) {
    fail('AppendFailed', { relation, detail: `row ${rowNumber} has ${row.length} values for ${columns.length} columns (${columns.map((c) => c.name).join(', ')})` });
  }
}

/** DPF609 for a value its column's type cannot hold. */
export function valueMisfit(relation: string, rowNumber: number, column: ColumnDescription, value: unknown, reason?: string): never {
  fail('AppendFailed', {
    relation,
    detail: `row ${rowNumber}, column "${column.name}" (${column.type}): ${describeValue(value)} is not a ${column.type} value${reason ? ` (${reason})` : ''}`,
  });
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
