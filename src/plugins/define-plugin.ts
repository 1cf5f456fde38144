/**
 * What a plugin file exports (docs/plugins.md): `export default defineSource({...})`, and a TypeScript
 * model `export default defineTransform({...})` (docs/typescript-models.md). Types only
 * apart from the two define functions, so that a plugin loaded through jiti imports this one small module
 * (load-plugin.ts aliases `dpf` to it) and not the whole of dpf.
 */
import type { LogicalType } from '../adapters/adapter.js';

/** A column the plugin lands, with the logical type its table gets. */
export interface PluginColumn {
  readonly name: string;
  readonly type: LogicalType;
}

/**
 * One batch of rows: arrays in the order of the plugin's `columns`, or objects read by column
 * name (a missing key is NULL). Values are JS values (numbers, strings, booleans, bigints, Dates)
 * or their text.
 */
export type RowBatch = readonly (readonly unknown[])[] | readonly Readonly<Record<string, unknown>>[];

/** What an extract is given besides its config. */
export interface ExtractContext {
  /** Aborted when the step times out or the run is cancelled: stop fetching and return. */
  readonly signal: AbortSignal;
  /** The source table being landed. */
  readonly source: { readonly name: string; readonly table: string };
  /** The project's folder (where relative paths in the config start). */
  readonly projectDir: string;
  /** The run's environment (the API's `env`, else process.env): read secrets from it, never from the YAML. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * With `write: append | merge` and `cursor_field`: the highest value of that column the table
   * already holds (undefined on the first extract and after `--full-refresh`). Fetch the rows
   * past it (`>` when the field only grows, `>=` with `write: merge`, which drops repeats). The
   * value is the engine's text of it (`'42'`, `'2026-12-07 10:00:00'`), as SQL parameters and
   * URLs take it.
   */
  readonly cursor?: { readonly field: string; readonly value: string };
  /**
   * `fetch`, bound to `signal` and held to the extract's limits (`max_requests_per_second`,
   * `max_concurrent_requests`, shared by every extract of the same plugin in a run), waiting out
   * a 429's `Retry-After`. Use it for HTTP so that the limits hold.
   */
  readonly fetch: (input: string | URL, init?: RequestInit) => Promise<Response>;
}

/** What `columns(config, ctx)` is given besides the config. */
export interface ColumnsContext {
  /** The project's folder (where relative paths in the config start). */
  readonly projectDir: string;
}

/** A custom source: dpf creates and owns the table it lands. */
export interface SourcePlugin<C = Record<string, unknown>> {
  readonly kind: 'source';
  /** If given, the file's name (the YAML names a plugin by its file). */
  readonly name?: string;
  readonly description?: string;
  /** JSON Schema (draft-07) of its config keys, checked where the YAML uses it; keys it does not list are errors. */
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * The columns it lands, or a function of its config giving them, which may be async (the
   * built-in files plugin asks DuckDB what its files hold). It runs when the project compiles,
   * and its answer is kept in the manifest until the project changes.
   */
  readonly columns?: readonly PluginColumn[] | ((config: C, ctx: ColumnsContext) => readonly PluginColumn[] | Promise<readonly PluginColumn[]>);
  /** The rows, in batches. */
  extract(config: C, ctx: ExtractContext): AsyncIterable<RowBatch> | Iterable<RowBatch>;
}

/** Declares a custom source (`export default defineSource({...})` in plugins/<name>.ts). */
export function defineSource<C = Record<string, unknown>>(plugin: Omit<SourcePlugin<C>, 'kind'>): SourcePlugin<C> {
  return Object.freeze({ ...plugin, kind: 'source' as const });
}

/** Keys of an `extract:` block that are dpf's, not the plugin's: a plugin's config may not use them. */
export const RESERVED_EXTRACT_KEYS: readonly string[] = [
  'plugin', 'write', 'timeout_seconds', 'batch_size', 'cursor_field', 'unique_key', 'on_bad_row',
  'max_requests_per_second', 'max_concurrent_requests', 'max_rows_per_second', 'pool', 'retries', 'on_error', 'run_if', 'trigger',
];

/** What a sink is given besides the rows and its config. */
export interface SinkContext {
  /** Aborted when the step times out or the run is cancelled: stop writing and return. */
  readonly signal: AbortSignal;
  /** The project's folder (where relative paths in the config start). */
  readonly projectDir: string;
  /** The export's name (`exports: - name:`). */
  readonly export: string;
  /** The run's environment (the API's `env`, else process.env): read secrets from it, never from the YAML. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The model delivered: its name, its relation as the engine names it, and its columns. */
  readonly model: { readonly name: string; readonly relation: string; readonly columns: readonly PluginColumn[] };
  /** The run's id, for sinks that stamp what they deliver. */
  readonly runId: string;
  /** `fetch`, bound to `signal` (as ExtractContext.fetch). */
  readonly fetch: (input: string | URL, init?: RequestInit) => Promise<Response>;
  /**
   * Present when the warehouse writes files itself (DuckDB): writes the model's rows to `path`
   * in one statement, without streaming them through dpf. Faster than `rows` where it exists.
   * With `partitionBy`, `path` is a folder of hive partitions (`col=value/…`). `compression` is
   * the engine's codec name (parquet: snappy, zstd, gzip, uncompressed; csv: gzip, zstd, none).
   * Resolves to the rows written, where the engine says.
   */
  readonly copyTo?: (path: string, options: CopyToOptions) => Promise<{ readonly rows?: number }>;
}

/** How `SinkContext.copyTo` writes the files. */
export interface CopyToOptions {
  readonly format: 'parquet' | 'csv';
  readonly partitionBy?: readonly string[];
  readonly compression?: string;
}

/** What a sink reports: rows written and where they went, both shown in the progress line. */
export interface SinkResult {
  readonly rows?: number;
  readonly location?: string;
}

/** A custom sink: delivers a model's rows after the model builds and its tests pass. */
export interface SinkPlugin<C = Record<string, unknown>> {
  readonly kind: 'sink';
  readonly name?: string;
  readonly description?: string;
  /** JSON Schema (draft-07) of its config keys, checked where the YAML uses it. */
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * Writes the rows: batches of objects by column name, read from the warehouse as the sink
   * iterates them (a sink that uses `ctx.copyTo` never reads them). All or nothing where the
   * destination allows it: a sink that fails part-way should leave the last delivery in place.
   */
  write(rows: AsyncIterable<readonly Record<string, unknown>[]>, config: C, ctx: SinkContext): Promise<SinkResult | void>;
}

/** Declares a custom sink (`export default defineSink({...})` in plugins/<name>.ts). */
export function defineSink<C = Record<string, unknown>>(plugin: Omit<SinkPlugin<C>, 'kind'>): SinkPlugin<C> {
  return Object.freeze({ ...plugin, kind: 'sink' as const });
}

/** Keys of an `exports:` entry that are dpf's, not the plugin's. */
export const RESERVED_EXPORT_KEYS: readonly string[] = ['name', 'plugin', 'description', 'tags', 'timeout_seconds', 'enabled', 'pool', 'retries', 'on_error', 'run_if', 'trigger'];


/**
 * What a TypeScript model reads (models/<name>.ts, docs/typescript-models.md): a model, seed or
 * snapshot by name, or a source table as `{ source: ['raw', 'customers'] }`. Its rows reach
 * `transform` as `inputs.<name>`, a source's as `inputs['raw.customers']`.
 */
export type TransformRef = string | { readonly source: readonly [string, string] };

/** One row of an input, by column name, with the values the engine gives (numbers, text, booleans, null). */
export type InputRow = Readonly<Record<string, unknown>>;

/** What a TypeScript model's transform is given besides its inputs. */
export interface TransformContext {
  /** Aborted when the step times out or the run is cancelled: stop and return. */
  readonly signal: AbortSignal;
  /** The model being built, and the relation its rows land in. */
  readonly model: { readonly name: string; readonly relation: string };
  /** The project's folder (where relative paths start). */
  readonly projectDir: string;
}

/** A model whose body is TypeScript: dpf reads its refs, calls transform and lands its rows as a table. */
export interface TransformPlugin {
  readonly kind: 'transform';
  readonly description?: string;
  /** What it reads, so that the DAG, selectors and lineage know it. */
  readonly refs: readonly TransformRef[];
  /** The columns it writes, with the logical type the table gets. */
  readonly columns: readonly PluginColumn[];
  /**
   * The rows, in batches (lists of objects by column name, or lists of values in the columns'
   * order), read from `inputs`: each an async iterable of batches of rows, read from the
   * engine as the transform pulls them (iterate it again to read it again).
   */
  transform(inputs: Readonly<Record<string, AsyncIterable<readonly InputRow[]>>>, ctx: TransformContext): AsyncIterable<RowBatch> | Iterable<RowBatch>;
}

/** Declares a TypeScript model (`export default defineTransform({...})` in models/<name>.ts). */
export function defineTransform(plugin: Omit<TransformPlugin, 'kind'>): TransformPlugin {
  return Object.freeze({ ...plugin, kind: 'transform' as const });
}

/** What a condition's check is given besides its config (docs/pipelines.md#run_if). */
export interface ConditionContext {
  /** Aborted when the run is cancelled or the check runs past its time: stop and answer. */
  readonly signal: AbortSignal;
  /** The node whose step it decides. */
  readonly node: { readonly id: string; readonly name: string; readonly kind: string };
  /** The project's vars, with --vars over them. */
  readonly vars: Readonly<Record<string, unknown>>;
  /** The target the run builds (its name in profiles.yml). */
  readonly target: { readonly name?: string };
  /** The run's id, and when it started. */
  readonly run: { readonly id: string; readonly startedAt: Date };
  /** The project's folder. */
  readonly projectDir: string;
}

/** A run-time condition: `run_if: {plugin: <name>, ...config}` runs the node's step only if check is true. */
export interface ConditionPlugin<C = Record<string, unknown>> {
  readonly kind: 'condition';
  readonly description?: string;
  /** JSON Schema (draft-07) of its config keys (the run_if block's keys but plugin); keys it does not list are errors. */
  readonly config: Readonly<Record<string, unknown>>;
  check(config: C, ctx: ConditionContext): boolean | Promise<boolean>;
}

/** Declares a run-time condition (`export default defineCondition({...})` in plugins/<name>.ts). */
export function defineCondition<C = Record<string, unknown>>(plugin: Omit<ConditionPlugin<C>, 'kind'>): ConditionPlugin<C> {
  return Object.freeze({ ...plugin, kind: 'condition' as const });
}

/** The keys of a `run_if: {plugin: ...}` block that are dpf's. */
export const RESERVED_CONDITION_KEYS: readonly string[] = ['plugin'];

/** The node a handler is told about. */
export interface HandlerNode {
  readonly id: string;
  readonly name: string;
  /** model, seed, snapshot, source (its extract), export, test, ... */
  readonly kind: string;
  /** The relation it builds or reads, as the engine names it. */
  readonly relation: string;
}

/** The run a handler is called in. */
export interface HandlerRun {
  readonly id: string;
  readonly target?: string;
}

/** What `onNodeError(ctx)` is given: a step failed for good (its retries used, or its error not transient). */
export interface NodeErrorContext {
  readonly node: HandlerNode;
  readonly error: { readonly code?: string; readonly message: string; readonly transient: boolean };
  /** The attempt that failed (1 = the first). */
  readonly attempt: number;
  readonly run: HandlerRun;
}

/**
 * What `onNodeError` answers: retry runs the step again (at most its retries count, or 3, per
 * step and run); skip marks it skipped (what reads it follows its trigger rule); fail keeps the error.
 */
export type NodeErrorDecision = 'retry' | 'skip' | 'fail';

/** What `onNodeSuccess(ctx)` is given. */
export interface NodeSuccessContext {
  readonly node: HandlerNode;
  readonly rowsAffected?: number;
  /** Seconds. */
  readonly executionTime: number;
  readonly run: HandlerRun;
}

/** What `onRunEnd(ctx)` is given, once per run. */
export interface RunEndContext {
  readonly run: HandlerRun;
  /** Steps by status: success, reused, pass, warn, fail, error, skipped. */
  readonly counts: Readonly<Record<string, number>>;
  /** Unique ids of the steps whose failure fails the run. */
  readonly failed: readonly string[];
  /** Seconds. */
  readonly elapsed: number;
}
