/**
 * What DuckDB measured for each statement, from its own profiler (docs/cost.md). @duckdb/node-api
 * 1.5 does not expose the C API's duckdb_get_profiling_info, so each connection has the profiler
 * write JSON (`enable_profiling = 'json'`) to a file of its own, limited to the query-level
 * metrics dpf reads (`custom_profiling_settings`), and the session reads and deletes that file
 * after each statement. Statements without a plan (DDL: create view, drop, rename) write no file,
 * and then there are no stats. Owns only the profiler's settings and its file.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import type { StatementStats } from '../adapter.js';
import { stringLiteral } from '../ansi-dialect.js';

/** The metrics kept: the query root's cumulative figures, not the per-operator tree. */
const METRICS = ['QUERY_NAME', 'CPU_TIME', 'LATENCY', 'CUMULATIVE_ROWS_SCANNED', 'TOTAL_BYTES_READ', 'TOTAL_BYTES_WRITTEN', 'SYSTEM_PEAK_BUFFER_MEMORY'];

/** The statements that turn the profiler on for one connection, writing to `file`. */
export function profilingStatements(file: string): string[] {
  const settings = JSON.stringify(Object.fromEntries(METRICS.map((m) => [m, 'true'])));
  return [
    `pragma enable_profiling = 'json'`,
    `pragma profiling_output = ${stringLiteral(file)}`,
    `pragma custom_profiling_settings = ${stringLiteral(settings)}`,
  ];
}

/**
 * The stats of `sql`, which just ran on this connection, and the file removed so that a later
 * statement without a profile does not read this one's; undefined when there is none, or the
 * file holds another statement's profile (one whose result was closed late).
 */
export function takeProfile(file: string, sql: string): StatementStats | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    unlinkSync(file);
  } catch {
    // Gone already: nothing to keep apart.
  }
  return statsOfProfile(text, sql);
}

/** The query root's metrics of a profiler JSON document of `sql` as StatementStats (seconds become ms). */
export function statsOfProfile(text: string, sql: string): StatementStats | undefined {
  let root: Record<string, unknown>;
  try {
    root = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined; // a file cut short (the disk filled): no figures rather than wrong ones
  }
  if (root.query_name !== sql) return undefined;
  const num = (key: string): number | undefined => {
    const value = root[key];
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  const ms = (key: string) => {
    const seconds = num(key);
    return seconds === undefined ? undefined : Math.round(seconds * 1e6) / 1e3;
  };
  return {
    cpuMs: ms('cpu_time'),
    wallMs: ms('latency'),
    rowsScanned: num('cumulative_rows_scanned'),
    bytesScanned: num('total_bytes_read'),
    bytesWritten: num('total_bytes_written'),
    peakMemoryBytes: num('system_peak_buffer_memory'),
  };
}
