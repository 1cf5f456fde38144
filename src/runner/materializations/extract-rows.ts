/**
 * The rows of an extract as dpf lands them: the plugin's batches read in the columns' order,
 * checked for shape, and stopped when the step's signal aborts (a plugin that never yields
 * still stops). With `on_bad_row: skip | quarantine` a row of the wrong shape, or with a value
 * its column's logical type cannot hold, is set aside with its reason instead of failing the
 * extract; with `fail` the engine's own conversion finds bad values (DPF609), at no cost here.
 */
import type { LogicalType } from '../../adapters/adapter.js';
import type { SourceExtract, SourceNode } from '../../compiler/manifest.js';
import { DpfError, diagnostic } from '../../errors/dpf-error.js';
import { nextUntilAborted, type RowBatch } from '../../plugins/index.js';

/** A row set aside by on_bad_row: where it came from, why, and its values as JSON. */
export interface BadRow {
  readonly batch: number;
  readonly row: number;
  readonly reason: string;
  readonly json: string;
}

export interface ExtractRowsOptions {
  /** Append a running row number (1, 2, …) to each row, for "the last row of a key wins". */
  readonly numbered?: boolean;
  /** Where skipped and quarantined rows go (on_bad_row is not fail). */
  readonly setAside?: (row: BadRow) => void;
}

/** The plugin's batches as rows of values in the columns' order, checked, stopping when `signal` aborts. */
export async function* extractRows(
  batches: AsyncIterable<RowBatch> | Iterable<RowBatch>,
  node: SourceNode,
  signal: AbortSignal,
  options: ExtractRowsOptions = {},
): AsyncGenerator<unknown[][]> {
  const extract = node.extract!;
  const columns = extract.columns ?? [];
  const names = columns.map((c) => c.name);
  const width = names.length;
  const lenient = extract.onBadRow !== 'fail';
  const iterator = Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : (batches as Iterable<RowBatch>)[Symbol.iterator]();
  let index = 0;
  let numbered = 0;
  try {
    for (;;) {
      let next: IteratorResult<RowBatch>;
      try {
        next = await nextUntilAborted(iterator, signal);
      } catch (err) {
        throw err instanceof DpfError ? err : extractFailed(err, node);
      }
      if (next.done) return;
      index++;
      const batch = next.value as unknown;
      if (!Array.isArray(batch)) throw badRows(extract, `batch ${index} is not a list of rows`);
      const rows: unknown[][] = new Array(batch.length);
      let kept = 0;
      for (let r = 0; r < batch.length; r++) {
        const row: unknown = batch[r];
        // The common case, kept cheap (this loop runs once per row): a list of the right length,
        // passed on as the plugin made it, since nothing downstream changes it.
        if (!lenient && !options.numbered && Array.isArray(row) && row.length === width) {
          rows[kept++] = row;
          continue;
        }
        const values = shaped(row, names);
        const problem = typeof values === 'string' ? values : lenient ? misfitIn(values, columns) : undefined;
        if (problem === undefined) {
          const fit = values as unknown[];
          if (options.numbered) fit.push(++numbered);
          rows[kept++] = fit;
          continue;
        }
        const where = `row ${r + 1} of batch ${index}`;
        if (!lenient) throw badRows(extract, `${where} ${problem}`);
        options.setAside?.({ batch: index, row: r + 1, reason: problem, json: jsonOf(row) });
      }
      rows.length = kept;
      yield rows;
    }
  } finally {
    // A plugin stopped early (an error, the timeout) is told to finish, without waiting for it.
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

/** The row's values in the columns' order, or what is wrong with its shape. */
function shaped(row: unknown, names: readonly string[]): unknown[] | string {
  if (Array.isArray(row)) {
    return row.length === names.length ? row.slice() : `has ${row.length} values for ${names.length} columns (${names.join(', ')})`;
  }
  if (typeof row !== 'object' || row === null) return 'is neither a list nor an object';
  const unknown = Object.keys(row).find((k) => !names.includes(k));
  if (unknown !== undefined) return `has the key "${unknown}", which is no column (${names.join(', ')})`;
  return names.map((n) => (row as Record<string, unknown>)[n] ?? null);
}

const INTEGER_TEXT = /^\s*[-+]?\d+\s*$/;
const NUMBER_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
const DATE_TEXT = /^\s*\d{4}-\d{2}-\d{2}\s*$/;
const RANGES: Partial<Record<LogicalType, [bigint, bigint]>> = {
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** The first value its column's logical type cannot hold, as a reason; undefined when all fit. */
export function misfitIn(values: readonly unknown[], columns: readonly { name: string; type: LogicalType }[]): string | undefined {
  for (let i = 0; i < columns.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) continue;
    if (!fits(value, columns[i]!.type)) return `has ${shown(value)} for ${columns[i]!.name}, which is ${columns[i]!.type}`;
  }
  return undefined;
}

function fits(value: unknown, type: LogicalType): boolean {
  switch (type) {
    case 'text':
      return true;
    case 'boolean':
      return typeof value === 'boolean' || (typeof value === 'string' && /^\s*(true|false|t|f|1|0)\s*$/i.test(value));
    case 'integer':
    case 'bigint': {
      const whole = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : typeof value === 'string' && INTEGER_TEXT.test(value) ? BigInt(value.trim()) : undefined;
      const [low, high] = RANGES[type]!;
      return whole !== undefined && whole >= low && whole <= high;
    }
    case 'double':
      return (typeof value === 'number' && !Number.isNaN(value)) || typeof value === 'bigint' || (typeof value === 'string' && NUMBER_TEXT.test(value));
    case 'date':
      return validDate(value) || (typeof value === 'string' && DATE_TEXT.test(value) && !Number.isNaN(Date.parse(value.trim())));
    case 'timestamp':
      return validDate(value) || (typeof value === 'string' && /^\s*\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value.trim().replace(' ', 'T'))));
  }
}

const validDate = (value: unknown) => value instanceof Date && !Number.isNaN(value.getTime());
const shown = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : jsonOf(value));

/** JSON of a row as the plugin gave it (bigints as their digits). */
function jsonOf(value: unknown): string {
  try {
    return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

const label = (node: SourceNode) => `${node.sourceName}.${node.tableName}`;

export function badRows(extract: SourceExtract, detail: string): DpfError {
  return new DpfError([diagnostic('ExtractBadRows', { plugin: extract.plugin, detail }, extract.location)]);
}

/** An error the plugin threw: DPF803 with its message, at the extract's YAML, without its stack. */
export function extractFailed(err: unknown, node: SourceNode): DpfError {
  const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  // The plugin's error stays the cause: retries read its status (run-policy.ts).
  return Object.assign(new DpfError([diagnostic('ExtractFailed', { plugin: node.extract!.plugin, source: label(node), detail }, node.extract!.location)]), { cause: err });
}
