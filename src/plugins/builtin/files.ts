/**
 * The built-in `files` source (docs/plugins.md): CSV, Parquet or JSON (an array or JSON lines)
 * files matched by a glob relative to the project, read by an in-memory DuckDB of its own and
 * landed like any plugin's rows, so it works whatever the target engine. Its columns are the
 * YAML's when it declares them, else what DuckDB's DESCRIBE says of the files when the project
 * compiles (columns(config) may be async: load-named-plugins.ts awaits it before parsing).
 * Values go over as numbers, bigints, booleans or text, which every engine's appendRows reads.
 */
import { isAbsolute, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LogicalType } from '../../adapters/adapter.js';
import { defineSource, type PluginColumn } from '../define-plugin.js';

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
