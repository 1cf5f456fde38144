/** Trino's SQL: ANSI quoting, its type names, and DOUBLE literals that stay DOUBLE. */
import type { Dialect } from '../adapter.js';
import { ansiDialect } from '../ansi-dialect.js';
import { readSeedCsv } from '../read-seed-csv.js';

const ansi = ansiDialect({
  boolean: 'boolean',
  integer: 'integer',
  bigint: 'bigint',
  double: 'double',
  date: 'date',
  timestamp: 'timestamp(6)',
  text: 'varchar',
}, (text) => `to_hex(sha256(to_utf8(${text})))`);

export const trinoDialect: Dialect = {
  ...ansi,
  // 1.5 is a DECIMAL(2,1) literal in Trino; rows of different precision then disagree in a
  // VALUES list. A DOUBLE literal needs an exponent.
  literal(value, type) {
    const text = ansi.literal(value, type);
    return type === 'double' && /^[-+]?(\d+\.?\d*|\.\d+)$/.test(text) ? `${text}e0` : text;
  },
};

/** DuckDB (and PostgreSQL) type names Trino spells differently; the key is the name without arguments. */
const TRINO_TYPES: Record<string, string> = {
  int: 'integer', int4: 'integer', signed: 'integer', int8: 'bigint', long: 'bigint', int2: 'smallint', short: 'smallint', int1: 'tinyint',
  hugeint: 'decimal(38, 0)', uhugeint: 'decimal(38, 0)', ubigint: 'decimal(20, 0)', uinteger: 'bigint', usmallint: 'integer', utinyint: 'smallint',
  float: 'real', float4: 'real', float8: 'double', numeric: 'decimal',
  text: 'varchar', string: 'varchar', bpchar: 'varchar', nvarchar: 'varchar',
  bool: 'boolean', logical: 'boolean', blob: 'varbinary', bytea: 'varbinary', binary: 'varbinary',
  timestamptz: 'timestamp(6) with time zone',
};

trinoDialect.normalizeType = (typeName) => {
  const spelled = typeName.trim().toLowerCase().replace(/\s+/g, ' ');
  // DuckDB's TIMESTAMP holds microseconds; Trino's bare timestamp only milliseconds.
  if (spelled === 'timestamp' || spelled === 'datetime') return 'timestamp(6)';
  if (spelled === 'timestamp with time zone') return 'timestamp(6) with time zone';
  const m = /^([a-z0-9_]+)\s*(\(.*\))?$/.exec(spelled);
  if (!m) return typeName;
  const mapped = TRINO_TYPES[m[1]!];
  if (!mapped) return typeName;
  // Arguments stay where the Trino type takes them (decimal(12, 2)); a fixed mapping drops them.
  return m[2] && !mapped.includes('(') ? `${mapped}${m[2]}` : mapped;
};

/** Files larger than this are a job for the lakehouse (an external table), not for inlining. */
const MAX_INLINE_ROWS = 10_000;

/**
 * Trino runs elsewhere and cannot read a file on the machine that runs dpf. A small local CSV
 * (an export checked in next to the project, test fixtures) is inlined as a typed VALUES list,
 * with the types read_csv_auto would infer; anything else must be landed as a table first.
 */
trinoDialect.renderExternal = (location, format) => {
  if (format !== 'csv' || /[*?[]/.test(location)) {
    throw new Error(`Trino reads ${format} files through a lakehouse table, not from this machine; land ${location} as a table and declare that instead`);
  }
  const table = readSeedCsv(location, location);
  if (table.rows.length > MAX_INLINE_ROWS) {
    throw new Error(`${location} has ${table.rows.length} rows; Trino can only take small local CSV files inline (at most ${MAX_INLINE_ROWS}); land it as a table and declare that instead`);
  }
  const columns = table.header.map(trinoDialect.quoteIdentifier).join(', ');
  if (table.rows.length === 0) {
    const nulls = table.header.map((_, i) => trinoDialect.literal(null, table.types[i]!)).join(', ');
    return `(select * from (values (${nulls})) as dpf_file (${columns}) where false)`;
  }
  const rows = table.rows.map((row) => `(${row.map((v, i) => trinoDialect.literal(v === '' ? null : v, table.types[i]!)).join(', ')})`);
  return `(select * from (values ${rows.join(', ')}) as dpf_file (${columns}))`;
};
