/**
 * Reads a seed CSV, checks its shape (every row as wide as the header), and infers a logical
 * type per column from all its values. Type overrides (`column_types`) win over inference.
 * Engine-neutral: the dialect turns logical types into engine type names.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { fail } from '../errors/dpf-error.js';
import type { LogicalType } from '../adapters/adapter.js';

export interface SeedTable {
  readonly header: string[];
  readonly rows: string[][];
  readonly types: LogicalType[];
}

export function readSeedCsv(absPath: string, relPath: string, delimiter = ','): SeedTable {
  const text = readFileSync(absPath, 'utf8').replace(/^\uFEFF/, '');
  let records: string[][];
  try {
    records = parse(text, { delimiter, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (err) {
    const e = err as Error & { code?: string; lines?: number; record?: string[] };
    if (e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
      const header = parse(text.split('\n')[0] ?? '', { delimiter })[0] as string[];
      fail('SeedRaggedRow', { expected: header.length, got: e.record?.length ?? 0 }, { file: relPath, line: e.lines });
    }
    fail('SeedInvalid', { detail: e.message.replace(/ on line \d+$/, '').replace(/ at line \d+$/, '') }, { file: relPath, line: e.lines });
  }
  if (records.length === 0) fail('SeedInvalid', { detail: 'the file is empty; a header row is required' }, { file: relPath, line: 1 });
  const [header, ...rows] = records as [string[], ...string[][]];
  header.forEach((name, i) => {
    if (name.trim() === '') fail('SeedInvalid', { detail: `column ${i + 1} of the header has no name` }, { file: relPath, line: 1 });
  });
  const types = header.map((_, i) => inferType(rows.map((r) => r[i]!)));
  return { header, rows, types };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const PATTERNS: [LogicalType, RegExp][] = [
  ['boolean', /^(true|false)$/i],
  ['integer', /^[-+]?\d+$/],
  ['double', /^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/],
  ['date', /^\d{4}-\d{2}-\d{2}$/],
  ['timestamp', /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?$/],
];

/** The narrowest type every non-empty value fits; empty strings are NULL. */
export function inferType(values: string[]): LogicalType {
  const present = values.filter((v) => v !== '');
  if (present.length === 0) return 'text';
  for (const [type, pattern] of PATTERNS) {
    if (present.every((v) => pattern.test(v))) {
      if (type === 'integer') {
        const fits = present.every((v) => Number(v) >= -2_147_483_648 && Number(v) <= 2_147_483_647);
        if (fits) return 'integer';
        return present.every((v) => BigInt(v) >= INT64_MIN && BigInt(v) <= INT64_MAX) ? 'bigint' : 'text';
      }
      return type;
    }
  }
  // Mixed dates and timestamps still read as timestamps.
  if (present.every((v) => PATTERNS[3]![1].test(v) || PATTERNS[4]![1].test(v))) return 'timestamp';
  return 'text';
}

/** The logical type closest to a user's type override ("decimal(10,2)" -> double), for literals. */
export function logicalTypeOf(engineType: string): LogicalType {
  const t = engineType.toLowerCase();
  if (/bool/.test(t)) return 'boolean';
  if (/^(tinyint|smallint|int|integer|int4|int2)\b/.test(t)) return 'integer';
  if (/^(bigint|int8|hugeint|long)\b/.test(t)) return 'bigint';
  if (/^(double|float|real|decimal|numeric)/.test(t)) return 'double';
  if (/^date$/.test(t)) return 'date';
  if (/^timestamp/.test(t) || /^datetime/.test(t)) return 'timestamp';
  return 'text';
}
