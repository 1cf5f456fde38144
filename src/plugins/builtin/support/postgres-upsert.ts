/**
 * Upserts batches of rows into a PostgreSQL table: what the postgres sink will call once sinks
 * exist (issue 12), usable alone today. It creates the table when missing (with the unique key as
 * its primary key), then runs one `INSERT … ON CONFLICT (key) DO UPDATE` per batch, all inside
 * one transaction: the table holds every row or, on any failure (a value the column refuses, the
 * rows' iterator throwing, the connection dropping), exactly what it held before.
 *
 * Each batch is one statement of one array parameter per column (`select * from unnest($1::integer[], …)`),
 * so a batch's size is not bounded by PostgreSQL's 65,535 parameters and the statement's text is
 * the same for every batch. Identifiers are quoted with pg's escapeIdentifier; values are never
 * put into SQL text. Two rows of one key in one batch would make PostgreSQL refuse the statement
 * ("cannot affect row a second time"), so the last of them wins, as it would across batches.
 *
 * Errors are plain Errors with what failed and what to do; the sink step will locate them (as the
 * extract step does a plugin's).
 */
import pg from 'pg';
import type { PluginColumn, RowBatch } from '../../define-plugin.js';

export interface UpsertOptions {
  /** The target table, created when missing. */
  readonly table: string;
  /** Its schema, created when missing; the connection's search_path when absent. */
  readonly schema?: string;
  readonly columns: readonly PluginColumn[];
  /** The columns that identify a row; the table's primary key when dpf creates it. */
  readonly uniqueKey: readonly string[];
  /** Rows per statement: larger batches are cut (default 10,000). */
  readonly batchRows?: number;
}

export interface UpsertResult {
  /** Rows given (after a batch's repeats of one key were dropped). */
  readonly rows: number;
  readonly inserted: number;
  readonly updated: number;
  readonly statements: number;
}

export const DEFAULT_UPSERT_ROWS = 10_000;

/** PostgreSQL's name of each logical type. */
const PG_TYPES: Record<PluginColumn['type'], string> = {
  boolean: 'boolean',
  integer: 'integer',
  bigint: 'bigint',
  double: 'double precision',
  date: 'date',
  timestamp: 'timestamp',
  text: 'text',
};

/** SQLSTATE 42P10: ON CONFLICT names columns no unique index or constraint covers. */
const NO_UNIQUE_INDEX = '42P10';

/**
 * Upserts the batches into the table in one transaction. `db` is a pool (a client is taken from
 * it and given back) or a connected client that is in no transaction.
 */
export async function upsertRows(
  db: pg.Pool | pg.ClientBase,
  options: UpsertOptions,
  batches: AsyncIterable<RowBatch> | Iterable<RowBatch>,
): Promise<UpsertResult> {
  const { columns, uniqueKey } = options;
  checkOptions(options);
  const target = `${options.schema ? `${pg.escapeIdentifier(options.schema)}.` : ''}${pg.escapeIdentifier(options.table)}`;
  const names = columns.map((c) => pg.escapeIdentifier(c.name));
  const keyIndexes = uniqueKey.map((k) => columns.findIndex((c) => c.name === k));
  const updates = columns.filter((c) => !uniqueKey.includes(c.name)).map((c) => `${pg.escapeIdentifier(c.name)} = excluded.${pg.escapeIdentifier(c.name)}`);
  const conflict = `on conflict (${uniqueKey.map((k) => pg.escapeIdentifier(k)).join(', ')}) ${updates.length > 0 ? `do update set ${updates.join(', ')}` : 'do nothing'}`;
  const upsert =
    `with written as (insert into ${target} (${names.join(', ')}) ` +
    `select * from unnest(${columns.map((c, i) => `$${i + 1}::${PG_TYPES[c.type]}[]`).join(', ')}) ${conflict} returning (xmax = 0) as inserted) ` +
    `select count(*) filter (where inserted)::integer as inserted, count(*)::integer as written from written`;
  const batchRows = options.batchRows ?? DEFAULT_UPSERT_ROWS;

  const client = db instanceof pg.Pool ? await db.connect() : db;
  let rows = 0;
  let inserted = 0;
  let written = 0;
  let statements = 0;
  let batchNumber = 0;
  try {
    await client.query('begin');
    try {
      if (options.schema) await client.query(`create schema if not exists ${pg.escapeIdentifier(options.schema)}`);
      await client.query(
        `create table if not exists ${target} (${columns.map((c, i) => `${names[i]} ${PG_TYPES[c.type]}`).join(', ')}, ` +
          `primary key (${uniqueKey.map((k) => pg.escapeIdentifier(k)).join(', ')}))`,
      );
      for await (const batch of batches) {
        batchNumber++;
        const arrays = lastOfEachKey(toArrays(batch, columns, rows), keyIndexes);
        for (let start = 0; start < arrays.length; start += batchRows) {
          const chunk = arrays.slice(start, start + batchRows);
          const values = columns.map((c, i) => chunk.map((row) => toParameter(row[i], c.type)));
          const result = await client.query<{ inserted: number; written: number }>(upsert, values);
          statements++;
          rows += chunk.length;
          inserted += result.rows[0]!.inserted;
          written += result.rows[0]!.written;
        }
      }
      await client.query('commit');
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw failure(err, target, uniqueKey, batchNumber);
    }
  } finally {
    if (db instanceof pg.Pool) (client as pg.PoolClient).release();
  }
  return { rows, inserted, updated: written - inserted, statements };
}

function checkOptions(options: UpsertOptions): void {
  const names = options.columns.map((c) => c.name);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (options.columns.length === 0) throw new Error(`postgres upsert into ${options.table}: no columns given`);
  if (repeated) throw new Error(`postgres upsert into ${options.table}: column ${repeated} is given twice`);
  const unknownType = options.columns.find((c) => !(c.type in PG_TYPES));
  if (unknownType) throw new Error(`postgres upsert into ${options.table}: column ${unknownType.name} has type ${String(unknownType.type)}, not one of ${Object.keys(PG_TYPES).join(', ')}`);
  if (options.uniqueKey.length === 0) throw new Error(`postgres upsert into ${options.table}: the unique key names no column (name the columns that identify a row)`);
  const missing = options.uniqueKey.filter((k) => !names.includes(k));
  if (missing.length > 0) throw new Error(`postgres upsert into ${options.table}: the unique key names ${missing.join(', ')}, which is not among the columns (${names.join(', ')})`);
  if (options.batchRows !== undefined && (!Number.isInteger(options.batchRows) || options.batchRows < 1)) {
    throw new Error(`postgres upsert into ${options.table}: batchRows must be a positive whole number, got ${options.batchRows}`);
  }
}

/** A batch's rows as arrays in the order of the columns (objects are read by column name). */
function toArrays(batch: RowBatch, columns: readonly PluginColumn[], before: number): unknown[][] {
  if (!Array.isArray(batch)) throw new Error(`a batch is not a list of rows (after row ${before})`);
  return batch.map((row: unknown, i) => {
    const rowNumber = before + i + 1;
    if (Array.isArray(row)) {
      if (row.length !== columns.length) throw new Error(`row ${rowNumber} has ${row.length} values for ${columns.length} columns (${columns.map((c) => c.name).join(', ')})`);
      return row;
    }
    if (typeof row !== 'object' || row === null) throw new Error(`row ${rowNumber} is neither a list nor an object`);
    const unknown = Object.keys(row).find((k) => !columns.some((c) => c.name === k));
    if (unknown !== undefined) throw new Error(`row ${rowNumber} has a key ${JSON.stringify(unknown)} that is no column (${columns.map((c) => c.name).join(', ')})`);
    return columns.map((c) => (row as Record<string, unknown>)[c.name]);
  });
}

/** The rows with only the last of each key (PostgreSQL refuses to update one row twice in a statement). */
function lastOfEachKey(rows: unknown[][], keyIndexes: readonly number[]): unknown[][] {
  const byKey = new Map<string, unknown[]>();
  for (const row of rows) byKey.set(keyIndexes.map((i) => keyText(row[i])).join('\u0001'), row);
  return byKey.size === rows.length ? rows : [...byKey.values()];
}

function keyText(value: unknown): string {
  if (value === null || value === undefined) return '\u0000';
  if (value instanceof Date) return `d${value.getTime()}`;
  return `${typeof value === 'string' ? 's' : 'v'}${String(value)}`;
}

/**
 * A value as the server reads it for its column: Dates as UTC text (pg would send this process's
 * local time, which a timestamp without zone takes as wall clock), bigints as digits, objects as
 * JSON text in text columns.
 */
function toParameter(value: unknown, type: PluginColumn['type']): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return type === 'date' ? value.toISOString().slice(0, 10) : value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object' && type === 'text') return JSON.stringify(value);
  return value;
}

function failure(err: unknown, target: string, uniqueKey: readonly string[], batchNumber: number): Error {
  const message = err instanceof Error ? err.message : String(err);
  const where = batchNumber > 0 ? ` at batch ${batchNumber}` : '';
  const hint =
    (err as { code?: string }).code === NO_UNIQUE_INDEX
      ? ` (the table exists without a unique index on (${uniqueKey.join(', ')}): create one, or drop the table and let the upsert create it)`
      : '';
  return new Error(`postgres upsert into ${target} failed${where}: ${message}${hint}; nothing was written (the transaction was rolled back)`);
}
