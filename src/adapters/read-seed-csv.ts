/**
 * Reads a seed CSV, checks its shape (every row as wide as the header), and infers a logical
 * type per column from all its values. Type overrides (`column_types`) win over inference.
 * Engine-neutral: the dialect turns logical types into engine type names.
 *
 * The compiler needs only the shape and the types (scanSeedCsv): one pass over the text that
 * keeps no rows, so a seed of a million rows costs seconds less and a few hundred MB less than
 * parsing it into rows. Anything that pass cannot vouch for (a stray quote, a ragged row, a
 * multi-character delimiter, mixed line endings) is read by csv-parse instead, which also
 * gives the errors. The runner reads the rows (readSeedCsv) only where it inserts them itself.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { fail } from '../errors/dpf-error.js';
import type { LogicalType } from './adapter.js';

/** What the compiler keeps of a seed: its columns, their inferred types and its row count. */
export interface SeedShape {
  readonly header: string[];
  readonly types: LogicalType[];
  readonly rowCount: number;
}

export interface SeedTable extends SeedShape {
  readonly rows: string[][];
}

export function readSeedCsv(absPath: string, relPath: string, delimiter = ','): SeedTable {
  return parseSeedText(readFileSync(absPath, 'utf8'), relPath, delimiter);
}

/** The shape and types of a seed's text, without keeping its rows (see the module's doc). */
export function scanSeedCsv(text: string, relPath: string, delimiter = ','): SeedShape {
  const body = text.replace(/^\uFEFF/, '');
  const scanned = delimiter.length === 1 ? scanText(body, delimiter.charCodeAt(0)) : undefined;
  if (scanned && scanned.header.every((name) => name.trim() !== '')) return scanned;
  const { header, types, rowCount } = parseSeedText(text, relPath, delimiter);
  return { header, types, rowCount };
}

function parseSeedText(raw: string, relPath: string, delimiter: string): SeedTable {
  const text = raw.replace(/^\uFEFF/, '');
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
  return { header, rows, types, rowCount: rows.length };
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * One pass over well-formed CSV as csv-parse reads it (fields quoted with `"`, quotes doubled
 * inside, empty lines skipped), feeding each value to its column's inference. Undefined where
 * the text is not plainly well formed: then csv-parse decides, and reports.
 */
function scanText(text: string, delimiter: number): SeedShape | undefined {
  const separator = String.fromCharCode(delimiter);
  let header: string[] | undefined;
  let columns: ColumnInference[] = [];
  let rowCount = 0;
  let lineEnd: 'lf' | 'crlf' | undefined;
  let nextQuote = text.indexOf('"');
  let i = 0;
  const n = text.length;
  while (i < n) {
    const lf = text.indexOf('\n', i);
    const end = lf < 0 ? n : lf;
    if (nextQuote >= 0 && nextQuote < i) nextQuote = text.indexOf('"', i);
    let record: string[];
    if (nextQuote < 0 || nextQuote >= end) {
      // Most lines hold no quote: split them whole.
      const crlf = end > i && text.charCodeAt(end - 1) === CR;
      const line = text.slice(i, crlf ? end - 1 : end);
      // A carriage return with no line feed after it (at the end of the text) is left to csv-parse.
      if (lf < 0 ? crlf : (lineEnd ??= crlf ? 'crlf' : 'lf') !== (crlf ? 'crlf' : 'lf')) return undefined;
      if (line.includes('\r')) return undefined;
      i = lf < 0 ? n : lf + 1;
      if (line === '') continue;
      record = line.split(separator);
    } else {
      const read = readQuotedRecord(text, i, delimiter);
      if (!read || (read.ending && (lineEnd ??= read.ending) !== read.ending)) return undefined;
      record = read.record;
      i = read.next;
    }
    if (!header) {
      header = record;
      columns = header.map(() => new ColumnInference());
    } else {
      if (record.length !== header.length) return undefined;
      for (let k = 0; k < record.length; k++) columns[k]!.add(record[k]!);
      rowCount++;
    }
  }
  if (!header) return undefined;
  return { header, types: columns.map((c) => c.type()), rowCount };
}

/** One record with a quote in it, field by field, from `start` to just past its line end. */
function readQuotedRecord(text: string, start: number, delimiter: number): { record: string[]; next: number; ending?: 'lf' | 'crlf' } | undefined {
  const record: string[] = [];
  const n = text.length;
  let i = start;
  for (;;) {
    let value: string;
    if (text.charCodeAt(i) === QUOTE) {
      let end = i + 1;
      let doubled = false;
      for (;;) {
        end = text.indexOf('"', end);
        if (end < 0) return undefined;
        if (text.charCodeAt(end + 1) !== QUOTE) break;
        doubled = true;
        end += 2;
      }
      value = text.slice(i + 1, end);
      if (doubled) value = value.replace(/""/g, '"');
      i = end + 1;
    } else {
      let end = i;
      while (end < n) {
        const c = text.charCodeAt(end);
        if (c === delimiter || c === LF || c === CR) break;
        if (c === QUOTE) return undefined;
        end++;
      }
      value = text.slice(i, end);
      i = end;
    }
    record.push(value);
    // After a field: a delimiter, a line end, or the end of the text.
    const c = i < n ? text.charCodeAt(i) : -1;
    if (c === delimiter) {
      i++;
      // A delimiter as the last character still ends with an (empty) field.
      if (i < n) continue;
      record.push('');
      return { record, next: n };
    }
    if (c === -1) return { record, next: n };
    if (c === LF) return { record, next: i + 1, ending: 'lf' };
    if (c === CR && text.charCodeAt(i + 1) === LF) return { record, next: i + 2, ending: 'crlf' };
    return undefined;
  }
}

/** inferType over a stream of values: which types every non-empty value so far fits. */
class ColumnInference {
  private present = false;
  private boolean = true;
  private integer = true;
  private fitsInt32 = true;
  private fitsInt64 = true;
  private double = true;
  private date = true;
  private timestamp = true;
  private dateOrTimestamp = true;

  add(value: string): void {
    if (value === '') return;
    this.present = true;
    if (!(this.boolean || this.double || this.dateOrTimestamp)) return;
    // The patterns exclude each other (but for integer within double), so testing only the
    // types still possible gives the same answer as testing all.
    const kind = this.kindOf(value);
    this.boolean &&= kind === 'boolean';
    this.double &&= kind === 'integer' || kind === 'double';
    this.date &&= kind === 'date';
    this.timestamp &&= kind === 'timestamp';
    this.dateOrTimestamp &&= kind === 'date' || kind === 'timestamp';
    this.integer &&= kind === 'integer';
    if (this.integer) {
      if (this.fitsInt32 && !(Number(value) >= -2_147_483_648 && Number(value) <= 2_147_483_647)) this.fitsInt32 = false;
      if (!this.fitsInt32 && this.fitsInt64 && !(BigInt(value) >= INT64_MIN && BigInt(value) <= INT64_MAX)) this.fitsInt64 = false;
    }
  }

  private kindOf(value: string): LogicalType | undefined {
    if (this.integer && INTEGER.test(value)) return 'integer';
    if (this.double && DOUBLE.test(value)) return 'double';
    if (this.boolean && BOOLEAN.test(value)) return 'boolean';
    if (this.dateOrTimestamp) {
      if (DATE.test(value)) return 'date';
      if (TIMESTAMP.test(value)) return 'timestamp';
    }
    return undefined;
  }

  type(): LogicalType {
    if (!this.present) return 'text';
    if (this.boolean) return 'boolean';
    if (this.integer) return this.fitsInt32 ? 'integer' : this.fitsInt64 ? 'bigint' : 'text';
    if (this.double) return 'double';
    if (this.date) return 'date';
    if (this.timestamp) return 'timestamp';
    return this.dateOrTimestamp ? 'timestamp' : 'text';
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const BOOLEAN = /^(true|false)$/i;
const INTEGER = /^[-+]?\d+$/;
const DOUBLE = /^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?$/;

const PATTERNS: [LogicalType, RegExp][] = [
  ['boolean', BOOLEAN],
  ['integer', INTEGER],
  ['double', DOUBLE],
  ['date', DATE],
  ['timestamp', TIMESTAMP],
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

/** Defined in logical-type.ts, which the dialects render values by; re-exported for this module's callers. */
export { logicalTypeOf } from './logical-type.js';
