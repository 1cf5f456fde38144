/**
 * `query` and `queryToFile` of the public API: one read-only SELECT against the target, as the
 * Explore page of `dpf docs serve` runs it (src/server), with a row limit and a time limit.
 *
 * Read-only twice: the text must be one SELECT (read-only-statement.ts), and the adapter opens
 * the warehouse read-only (DuckDB: access_mode READ_ONLY, so never the build's writer; Trino:
 * the configured user). The warehouse is opened for each query and closed after it, so that a
 * DuckDB file is locked only while a query runs: a build that starts meanwhile waits for no one
 * but that query, and a query while a build writes is DPF182 at once, never a hang.
 * It does not compile the project: refs are not resolved; queries name relations.
 */
import { adapterFactory } from '../adapters/index.js';
import type { Adapter, ColumnDescription, Connection } from '../adapters/adapter.js';
import { SqlTemplates } from '../adapters/sql-templates.js';
import { resolveTarget } from '../compiler/compile-pipeline.js';
import { redactStrings, secretRedactor } from '../compiler/redact-secrets.js';
import { DpfError, diagnostic, fail } from '../errors/dpf-error.js';
import { compileOptionsOf, type ProjectOptions } from './options.js';
import { readOnlyStatement } from './read-only-statement.js';

export const DEFAULT_QUERY_ROWS = 1000;
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

export interface QueryOptions extends ProjectOptions {
  /** One SELECT (or WITH … SELECT); anything else is DPF180/DPF181 before the engine sees it. */
  readonly sql: string;
  /** Rows to return at most (default 1,000); `truncated` says whether there were more. */
  readonly limit?: number;
  /** Cancels the statement on the engine after this long: DPF183 (default 30 s). */
  readonly timeoutMs?: number;
  /** Cancels the statement on the engine; query() then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface QueryOutcome {
  readonly columns: ColumnDescription[];
  /** Values JSON-safe (big integers and decimals as strings), at most `limit` rows. */
  readonly rows: unknown[][];
  readonly rowCount: number;
  /** More rows than `limit`: the result was cut at `limit`. */
  readonly truncated: boolean;
  /** From the warehouse opening to the last row read. */
  readonly elapsedMs: number;
}

export interface QueryToFileOptions extends Omit<QueryOptions, 'limit'> {
  readonly format: 'csv' | 'parquet';
  /** Where the result goes (the caller's temporary file); replaced if it exists. */
  readonly file: string;
}

/** One read-only query's first `limit` rows. */
export async function query(options: QueryOptions): Promise<QueryOutcome> {
  const limit = options.limit ?? DEFAULT_QUERY_ROWS;
  if (!Number.isInteger(limit) || limit < 1) fail('UsageError', { detail: `the row limit must be a whole number above 0, got "${limit}".` });
  const statement = readOnlyStatement(options.sql);
  const started = performance.now();
  return reading(options, async (connection, signal) => {
    // The limit lets the engine stop early (a top-N); one row more tells whether it cut.
    const sql = `select * from (\n${statement}\n) as dpf_explore limit ${limit + 1}`;
    let columns: ColumnDescription[] = [];
    const rows: unknown[][] = [];
    for await (const batch of connection.queryStream(sql, { batchRows: Math.min(limit + 1, 2048), signal })) {
      columns = batch.columns;
      rows.push(...batch.rows);
      if (rows.length > limit) break;
    }
    const truncated = rows.length > limit;
    if (truncated) rows.length = limit;
    return { columns, rows, rowCount: rows.length, truncated, elapsedMs: Math.round((performance.now() - started) * 10) / 10 };
  });
}

/**
 * One read-only query's whole result written to a file, by the engine where it writes files
 * itself (the copy_to_files template: DuckDB writes CSV and Parquet); otherwise CSV streamed
 * batch by batch (Parquet is then DPF185).
 */
export async function queryToFile(options: QueryToFileOptions): Promise<{ readonly file: string }> {
  const statement = readOnlyStatement(options.sql);
  return reading(options, async (connection, signal, adapter) => {
    if (adapter.capabilities.writesFiles) {
      const sql = new SqlTemplates(adapter.name).render('copy_to_files', {
        relation: `(\n${statement}\n) as dpf_download`,
        path: adapter.dialect.stringLiteral(options.file),
        format: options.format === 'csv' ? 'csv, header true' : 'parquet',
        partition_by: '',
        compression: '',
      });
      await cancellable(connection.execute(sql), signal, adapter);
      return { file: options.file };
    }
    if (options.format !== 'csv') fail('DownloadUnsupported', { format: options.format, engine: adapter.engine });
    const { createWriteStream } = await import('node:fs');
    const out = createWriteStream(options.file);
    try {
      let header = false;
      for await (const batch of connection.queryStream(statement, { signal })) {
        if (!header) out.write(csvLine(batch.columns.map((c) => c.name)));
        header = true;
        for (const row of batch.rows) if (!out.write(csvLine(row))) await new Promise<void>((r) => out.once('drain', () => r()));
      }
    } finally {
      await new Promise<void>((r) => out.end(() => r()));
    }
    return { file: options.file };
  });
}

/** Opens the target read-only, runs `read` with a signal that the caller's and the timeout both abort, and closes it. */
async function reading<T>(options: QueryOptions, read: (connection: Connection, signal: AbortSignal, adapter: Adapter) => Promise<T>): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const compileOptions = compileOptionsOf(options);
  const target = resolveTarget(compileOptions);
  const secrets = target.secrets.filter((s) => s.length > 0);
  const clean = <V>(value: V): V => (secrets.length === 0 ? value : redactStrings(value, secretRedactor(secrets)));
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const adapter = adapterFactory(target.type).create(target, compileOptions.projectDir, { readOnly: true });
  try {
    await adapter.open();
  } catch (err) {
    if (adapter.isTransient(err)) fail('WarehouseBusy', { engine: adapter.engine });
    throw err instanceof DpfError ? new DpfError(clean([...err.diagnostics])) : err;
  }
  try {
    return clean(await adapter.withConnection((c) => read(c, signal, adapter)));
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (timeout.aborted) fail('QueryTimedOut', { seconds: Math.round(timeoutMs / 100) / 10 });
    if (err instanceof DpfError) throw new DpfError(clean([...err.diagnostics]));
    throw new DpfError(clean([diagnostic('QueryFailed', { engine: adapter.engine, detail: firstLine(err) })]));
  } finally {
    await adapter.close();
  }
}

/** A statement that is not a stream (execute) is cancelled through the adapter when the signal aborts. */
async function cancellable<T>(running: Promise<T>, signal: AbortSignal, adapter: Adapter): Promise<T> {
  const stop = () => void adapter.cancel();
  signal.addEventListener('abort', stop);
  try {
    return await running;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/** One CSV record (RFC 4180): a field with a quote, comma or line break is quoted, quotes doubled; NULL is empty. */
function csvLine(values: readonly unknown[]): string {
  return (
    values
      .map((v) => {
        if (v === null || v === undefined) return '';
        const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
        return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
      })
      .join(',') + '\r\n'
  );
}
