/**
 * The built-in `files` plugin (docs/plugins.md), both ways.
 *
 * As a source: CSV, Parquet or JSON (an array or JSON lines) files matched by a glob relative to
 * the project, read by an in-memory DuckDB of its own and landed like any plugin's rows, so it
 * works whatever the target engine. Its columns are the YAML's when it declares them, else what
 * DuckDB's DESCRIBE says of the files when the project compiles (columns(config) may be async:
 * load-named-plugins.ts awaits it before parsing). Values go over as numbers, bigints, booleans
 * or text, which every engine's appendRows reads.
 *
 * As a sink (`export const sink`, `exports: - plugin: files`): a model's rows written to one
 * Parquet or CSV file, or to a folder of hive partitions (`partition_by`). Where the warehouse
 * writes files itself (DuckDB, `ctx.copyTo`) that is one COPY … TO; elsewhere (Trino) the rows
 * stream into an in-memory DuckDB through its appender and are written by its COPY, so both
 * paths write the same files. Either way the delivery is written beside the target and swapped
 * in (support/replace-path.ts): a failing or killed export leaves the last delivery whole.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LogicalType } from '../../adapters/adapter.js';
import { duckdbDialect } from '../../adapters/duckdb/duckdb-adapter.js';
import { defineSink, defineSource, type PluginColumn, type SinkContext } from '../define-plugin.js';
import { nextPath, recoverPath, replacePath } from './support/replace-path.js';

export interface FilesConfig {
  /** A file or a glob (`data/orders/*.csv`, `data/**\/*.parquet`), relative to the project. */
  readonly path: string;
  /** Default: from the path's extension (.csv/.tsv, .parquet, .json/.jsonl/.ndjson). */
  readonly format?: 'csv' | 'parquet' | 'json';
  /** The columns to land, name → logical type; default: all the files' columns, as DuckDB reads them. */
  readonly columns?: Readonly<Record<string, LogicalType>>;
}

const TYPES: LogicalType[] = ['boolean', 'integer', 'bigint', 'double', 'date', 'timestamp', 'text'];

export default defineSource<FilesConfig>({
  description: 'Rows of CSV, Parquet or JSON files matched by a glob',
  config: {
    type: 'object',
    required: ['path'],
    properties: {
      path: { type: 'string', minLength: 1 },
      format: { enum: ['csv', 'parquet', 'json'] },
      columns: { type: 'object', minProperties: 1, additionalProperties: { enum: TYPES } },
    },
  },
  async columns(config, ctx): Promise<PluginColumn[]> {
    if (config.columns) return Object.entries(config.columns).map(([name, type]) => ({ name, type }));
    return withDuckDB(async (db) => (await describe(db, config, ctx.projectDir)).map((c) => ({ name: c.name, type: logicalType(c.type) })));
  },
  async *extract(config, ctx) {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const db = await instance.connect();
    try {
      const found = await describe(db, config, ctx.projectDir);
      const wanted = config.columns ? Object.entries(config.columns) : found.map((c) => [c.name, logicalType(c.type)] as const);
      const select = wanted.map(([name, type]) => {
        const file = found.find((c) => c.name === name);
        if (!file) throw new Error(`the files at ${config.path} have no column "${name}" (they have ${found.map((c) => c.name).join(', ')})`);
        return valueOf(quote(name), file.type, type);
      });
      const result = await db.stream(`select ${select.join(', ')} from ${reader(config, ctx.projectDir)}`);
      for await (const rows of result.yieldRowsJs()) {
        if (ctx.signal.aborted) return;
        yield rows;
      }
    } finally {
      db.closeSync();
      instance.closeSync();
    }
  },
});

async function withDuckDB<T>(fn: (db: DuckDBConnection) => Promise<T>): Promise<T> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    return await fn(db);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

/** The files' columns and DuckDB types; an error that says so when no file matches. */
async function describe(db: DuckDBConnection, config: FilesConfig, projectDir: string): Promise<{ name: string; type: string }[]> {
  try {
    const rows = await (await db.runAndReadAll(`describe select * from ${reader(config, projectDir)}`)).getRowObjectsJS();
    return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  } catch (err) {
    const message = (err as Error).message.split('\n')[0]!;
    if (/No files found/i.test(message)) throw new Error(`no file matches ${config.path} (from the project's folder)`);
    throw new Error(`the files at ${config.path} could not be read as ${formatOf(config)}: ${message}`);
  }
}

/** The DuckDB table function reading the files. */
function reader(config: FilesConfig, projectDir: string): string {
  const path = isAbsolute(config.path) ? config.path : join(projectDir, config.path);
  const literal = `'${path.replace(/'/g, "''")}'`;
  switch (formatOf(config)) {
    case 'csv':
      return `read_csv(${literal})`;
    case 'parquet':
      return `read_parquet(${literal})`;
    case 'json':
      return `read_json(${literal})`;
  }
}

function formatOf(config: FilesConfig): 'csv' | 'parquet' | 'json' {
  if (config.format) return config.format;
  const path = config.path.toLowerCase();
  if (/\.parquet$/.test(path)) return 'parquet';
  if (/\.(json|jsonl|ndjson)$/.test(path)) return 'json';
  if (/\.(csv|tsv|txt)(\.gz)?$/.test(path)) return 'csv';
  throw new Error(`cannot tell the format of ${config.path} from its extension: set format: csv, parquet or json`);
}

/** The logical type a DuckDB column lands as: text for anything without a closer one (nested values as JSON). */
function logicalType(duckdb: string): LogicalType {
  const t = duckdb.toUpperCase();
  if (t === 'BOOLEAN') return 'boolean';
  if (['TINYINT', 'SMALLINT', 'INTEGER', 'UTINYINT', 'USMALLINT'].includes(t)) return 'integer';
  if (['BIGINT', 'UINTEGER', 'HUGEINT', 'UBIGINT'].includes(t)) return 'bigint';
  if (['FLOAT', 'DOUBLE'].includes(t) || t.startsWith('DECIMAL')) return 'double';
  if (t === 'DATE') return 'date';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  return 'text';
}

/** The select expression giving a column's values in the JS form its logical type takes. */
function valueOf(column: string, duckdb: string, type: LogicalType): string {
  switch (type) {
    case 'boolean':
      return `cast(${column} as boolean)`;
    case 'integer':
      return `cast(${column} as integer)`;
    case 'bigint':
      return `cast(${column} as bigint)`;
    case 'double':
      return `cast(${column} as double)`;
    // Dates and timestamps go as their text, which appendRows reads on every engine.
    case 'date':
      return `cast(cast(${column} as date) as varchar)`;
    case 'timestamp':
      return `strftime(cast(${column} as timestamp), '%Y-%m-%d %H:%M:%S.%f')`;
    case 'text':
      return /^(VARCHAR|DATE|TIME|TIMESTAMP|UUID|BLOB|BIT|INTERVAL)|^(TINY|SMALL|BIG|U|HUGE)?INT|^DOUBLE|^FLOAT|^DECIMAL|^BOOLEAN/i.test(duckdb)
        ? `cast(${column} as varchar)`
        : `cast(to_json(${column}) as varchar)`;
  }
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

// ---------------------------------------------------------------- the sink

export interface FilesSinkConfig {
  /** The file (or, with partition_by, the folder) to write, relative to the project. */
  readonly path: string;
  /** Default: csv for a path ending .csv or .csv.gz, else parquet. */
  readonly format?: 'parquet' | 'csv';
  /** Columns whose values make the folders (`col=value/`), as hive partitioning writes them. */
  readonly partition_by?: readonly string[];
  /** The codec: parquet snappy (DuckDB's default), zstd, gzip or uncompressed; csv gzip, zstd or none. */
  readonly compression?: string;
}

const COMPRESSION = { parquet: ['snappy', 'zstd', 'gzip', 'uncompressed'], csv: ['gzip', 'zstd', 'none'] } as const;

export const sink = defineSink<FilesSinkConfig>({
  description: 'A model\'s rows as a Parquet or CSV file, or a folder of hive partitions, replaced whole',
  config: {
    type: 'object',
    required: ['path'],
    properties: {
      path: { type: 'string', minLength: 1 },
      format: { enum: ['parquet', 'csv'] },
      partition_by: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } },
      compression: { enum: [...new Set([...COMPRESSION.parquet, ...COMPRESSION.csv])] },
    },
  },
  async write(rows, config, ctx) {
    const format = sinkFormat(config);
    const partitionBy = config.partition_by ?? [];
    const missing = partitionBy.filter((p) => !ctx.model.columns.some((c) => c.name === p));
    if (missing.length > 0) throw new Error(`partition_by names ${missing.join(', ')}, which is not a column of ${ctx.model.name} (${ctx.model.columns.map((c) => c.name).join(', ')})`);
    if (config.compression && !(COMPRESSION[format] as readonly string[]).includes(config.compression)) {
      throw new Error(`compression ${config.compression} is not one for ${format} files: use ${COMPRESSION[format].join(', ')}`);
    }
    const target = isAbsolute(config.path) ? config.path : join(ctx.projectDir, config.path);
    recoverPath(target);
    mkdirSync(dirname(target), { recursive: true });
    const next = nextPath(target);
    const options = { format, ...(partitionBy.length > 0 ? { partitionBy } : {}), ...(config.compression ? { compression: config.compression } : {}) };
    try {
      const written = ctx.copyTo ? (await ctx.copyTo(next, options)).rows : await streamToFiles(rows, next, ctx, options);
      if (ctx.signal.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('the export was stopped');
      replacePath(target, next);
      return { ...(written !== undefined ? { rows: written } : {}), location: isAbsolute(config.path) ? config.path : relative(ctx.projectDir, target) };
    } catch (err) {
      rmSync(next, { recursive: true, force: true });
      throw err;
    }
  },
});

function sinkFormat(config: FilesSinkConfig): 'parquet' | 'csv' {
  return config.format ?? (/\.csv(\.gz)?$/i.test(config.path) ? 'csv' : 'parquet');
}

/**
 * For warehouses that do not write files (Trino): the rows, as the sink reads them, appended to a
 * table of an in-memory DuckDB (the appender dpf lands extracts with, data chunks of 2,048 rows),
 * then written by one COPY … TO. The table takes each column's logical type. DuckDB keeps the
 * table compressed and may spill it to a folder of its own under the system's temp directory.
 */
async function streamToFiles(
  rows: AsyncIterable<readonly Record<string, unknown>[]>,
  path: string,
  ctx: Pick<SinkContext, 'model' | 'signal'>,
  options: { format: 'parquet' | 'csv'; partitionBy?: readonly string[]; compression?: string },
): Promise<number> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const { appendInChunks } = await import('../../adapters/duckdb/duckdb-append.js');
  const spill = mkdtempSync(join(tmpdir(), 'dpf-files-sink-'));
  const instance = await DuckDBInstance.create(':memory:', { temp_directory: spill });
  const db = await instance.connect();
  try {
    const columns = ctx.model.columns.map((c) => ({ name: c.name, type: duckdbDialect.typeName(c.type) }));
    await db.run(`create table main.rows (${columns.map((c) => `${quote(c.name)} ${c.type}`).join(', ')})`);
    const appender = await db.createAppender('rows', 'main');
    let count: number;
    try {
      count = await appendInChunks(appender, columns, columns.map((_, i) => i), asArrays(rows, columns.map((c) => c.name), ctx.signal), `the rows of ${ctx.model.name}`);
    } catch (err) {
      appender.clear();
      appender.closeSync();
      throw err;
    }
    appender.closeSync();
    if (options.partitionBy) mkdirSync(path, { recursive: true });
    const partition = options.partitionBy ? `, partition_by (${options.partitionBy.map(quote).join(', ')})` : '';
    const compression = options.compression ? `, compression ${literal(options.compression)}` : '';
    await db.run(`copy main.rows to ${literal(path)} (format ${options.format}${partition}${compression})`);
    return count;
  } finally {
    db.closeSync();
    instance.closeSync();
    rmSync(spill, { recursive: true, force: true });
  }
}

/** Batches of objects as batches of arrays in the columns' order; stops when the signal aborts. */
async function* asArrays(rows: AsyncIterable<readonly Record<string, unknown>[]>, names: readonly string[], signal: AbortSignal): AsyncGenerator<unknown[][]> {
  for await (const batch of rows) {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('the export was stopped');
    const out: unknown[][] = new Array(batch.length);
    for (let r = 0; r < batch.length; r++) {
      const row = batch[r]!;
      const values: unknown[] = new Array(names.length);
      for (let c = 0; c < names.length; c++) values[c] = row[names[c]!];
      out[r] = values;
    }
    yield out;
  }
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
