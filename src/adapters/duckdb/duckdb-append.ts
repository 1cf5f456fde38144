/**
 * appendRows on DuckDB: the client's appender fed whole data chunks (its fastest path: one
 * native call per 2,048 rows instead of one per value), each column written with a converter
 * picked once for the table's own column type. Values already of the column's JS type pass
 * through; text (a CSV's '42', '2024-01-31 10:00:00.123456') is read exactly, without the
 * rounding a Date would add. Loaded only when rows are appended, with the engine.
 */
import {
  DuckDBDataChunk,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  DuckDBVector,
  jsToDuckDBValue,
  type DuckDBAppender,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { DpfError } from '../../errors/dpf-error.js';
import type { ColumnDescription, RowBatches } from '../adapter.js';
import { checkRowWidth, valueMisfit } from '../row-batches.js';

/** A value read as the column's type, or undefined when it cannot be (the caller names it). */
type Convert = (value: unknown) => DuckDBValue | undefined;

const MS_PER_DAY = 86_400_000;
const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
const SPECIAL_DOUBLE: Record<string, number> = { nan: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '+infinity': Infinity, '-infinity': -Infinity };
const INTEGER_TEXT = /^\s*[-+]?\d+\s*$/;
const DATE_TEXT = /^(-?\d{4,})-(\d{2})-(\d{2})$/;
const TIMESTAMP_TEXT = /^(-?\d{4,})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Appends every row and returns how many. The appender's columns are the table's, in its
 * order; `order[i]` is the position in each row of the table's column i.
 *
 * Rows are gathered a chunk at a time and written column by column, in a loop per kind of
 * column (fillColumn): each loop's call to its vector stays monomorphic, which keeps this
 * within a small factor of writing the vectors by hand. Values already of the column's JS type
 * take the fast path; anything else goes through the column's converter.
 */
export async function appendInChunks(
  appender: DuckDBAppender,
  columns: readonly ColumnDescription[],
  order: readonly number[],
  batches: RowBatches,
  relation: string,
): Promise<number> {
  const types = order.map((_, i) => appender.columnType(i));
  const plans: ColumnPlan[] = types.map((type, i) => ({ kind: kindOf(type), at: order[i]!, convert: converterFor(type), column: columns[order[i]!]! }));
  const size = DuckDBVector.standardSize();
  const chunk = DuckDBDataChunk.create(types, size);
  const gathered: (readonly unknown[])[] = new Array(size);
  let filled = 0;
  let appended = 0;
  const emit = () => {
    chunk.reset();
    chunk.rowCount = filled;
    for (let c = 0; c < plans.length; c++) {
      const vector = chunk.getColumnVector(c);
      fillColumn(plans[c]!, vector, gathered, filled, appended - filled, relation);
      vector.flush();
    }
    appender.appendDataChunk(chunk);
    filled = 0;
  };
  for await (const batch of batches) {
    for (const row of batch) {
      appended++;
      checkRowWidth(row, columns, appended, relation);
      gathered[filled++] = row;
      if (filled === size) emit();
    }
  }
  if (filled > 0) emit();
  return appended;
}

type Kind = 'boolean' | 'number' | 'bigint' | 'varchar' | 'timestamp' | 'other';

interface ColumnPlan {
  readonly kind: Kind;
  /** Where the column's values are in each row. */
  readonly at: number;
  readonly convert: Convert;
  readonly column: ColumnDescription;
}

function kindOf(type: DuckDBType): Kind {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'boolean';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return 'number';
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return 'bigint';
    case DuckDBTypeId.VARCHAR:
      return 'varchar';
    case DuckDBTypeId.TIMESTAMP:
      return 'timestamp';
    default:
      return 'other';
  }
}

/** Writes rows[0..count) of one column into its vector; `before` rows came in earlier chunks. */
function fillColumn(plan: ColumnPlan, vector: DuckDBVector, rows: readonly (readonly unknown[])[], count: number, before: number, relation: string): void {
  const { at, convert } = plan;
  const set = vector as DuckDBVector<DuckDBValue>;
  let r = 0;
  const slow = (value: unknown) => {
    if (value === null || value === undefined) return null;
    const converted = convert(value);
    return converted === undefined ? valueMisfit(relation, before + r + 1, plan.column, value) : converted;
  };
  try {
    // One loop per kind, so that each setItem call site sees one vector class.
    switch (plan.kind) {
      case 'number':
        for (; r < count; r++) {
          const v = rows[r]![at];
          set.setItem(r, typeof v === 'number' ? v : slow(v));
        }
        break;
      case 'bigint':
        for (; r < count; r++) {
          const v = rows[r]![at];
          set.setItem(r, typeof v === 'bigint' ? v : slow(v));
        }
        break;
      case 'varchar':
        for (; r < count; r++) {
          const v = rows[r]![at];
          set.setItem(r, typeof v === 'string' ? v : slow(v));
        }
        break;
      case 'boolean':
        for (; r < count; r++) {
          const v = rows[r]![at];
          set.setItem(r, typeof v === 'boolean' ? v : slow(v));
        }
        break;
      case 'timestamp':
        for (; r < count; r++) {
          const v = rows[r]![at];
          set.setItem(r, v instanceof Date && !Number.isNaN(v.getTime()) ? new DuckDBTimestampValue(BigInt(v.getTime()) * 1000n) : slow(v));
        }
        break;
      case 'other':
        for (; r < count; r++) set.setItem(r, slow(rows[r]![at]));
        break;
    }
  } catch (err) {
    if (err instanceof DpfError) throw err;
    // The vector refused the value (an integer out of range, a fraction for an integer column).
    valueMisfit(relation, before + r + 1, plan.column, rows[r]![at], (err as Error).message);
  }
}

function converterFor(type: DuckDBType): Convert {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return (v) => (typeof v === 'boolean' ? v : typeof v === 'string' ? booleanText(v) : undefined);
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      // The vector checks the range and that the number is whole.
      return (v) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && INTEGER_TEXT.test(v) ? Number(v) : undefined);
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return (v) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? doubleText(v) : undefined);
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return (v) =>
        typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : typeof v === 'string' && INTEGER_TEXT.test(v) ? BigInt(v.trim()) : undefined;
    case DuckDBTypeId.DECIMAL: {
      const { width, scale } = type as DuckDBType & { width: number; scale: number };
      return (v) => {
        const text = typeof v === 'number' || typeof v === 'bigint' ? String(v) : typeof v === 'string' ? v : undefined;
        const scaled = text === undefined ? undefined : scaledDecimal(text, scale);
        return scaled === undefined ? undefined : new DuckDBDecimalValue(scaled, width, scale);
      };
    }
    case DuckDBTypeId.DATE:
      return (v) => {
        if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : new DuckDBDateValue(Math.floor(v.getTime() / MS_PER_DAY));
        const m = typeof v === 'string' ? DATE_TEXT.exec(v.trim()) : null;
        if (!m) return undefined;
        const ms = utcMs(m);
        return ms === undefined ? undefined : new DuckDBDateValue(ms / MS_PER_DAY);
      };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ: {
      const Value = type.typeId === DuckDBTypeId.TIMESTAMP ? DuckDBTimestampValue : DuckDBTimestampTZValue;
      return (v) => {
        if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : new Value(BigInt(v.getTime()) * 1000n);
        const micros = typeof v === 'string' ? timestampMicros(v.trim(), type.typeId === DuckDBTypeId.TIMESTAMP_TZ) : undefined;
        return micros === undefined ? undefined : new Value(micros);
      };
    }
    case DuckDBTypeId.VARCHAR:
      return (v) => (typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v));
    default:
      // Other types (UUID, BLOB, LIST, STRUCT, INTERVAL, ...): the client's own conversion of JS values.
      return (v) => jsToDuckDBValue(v as never, type);
  }
}

function booleanText(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  return t === 'true' || t === 't' || t === '1' ? true : t === 'false' || t === 'f' || t === '0' ? false : undefined;
}

function doubleText(text: string): number | undefined {
  if (NUMBER.test(text)) return Number(text);
  return SPECIAL_DOUBLE[text.trim().toLowerCase()];
}

/** '12.345' at scale 2 is 1235n (rounded half away from zero, as DuckDB's cast rounds). */
function scaledDecimal(text: string, scale: number): bigint | undefined {
  const m = /^\s*([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?\s*$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const digits = `${m[2]}${m[3] ?? ''}`;
  // The value is digits × 10^(exponent - fraction length); shift it to `scale` decimals.
  const shift = scale - (m[3]?.length ?? 0) + Number(m[4] ?? 0);
  let scaled: bigint;
  if (shift >= 0) scaled = BigInt(digits) * 10n ** BigInt(shift);
  else {
    const divisor = 10n ** BigInt(-shift);
    const whole = BigInt(digits);
    scaled = whole / divisor + ((whole % divisor) * 2n >= divisor ? 1n : 0n);
  }
  return m[1] === '-' ? -scaled : scaled;
}

/** Milliseconds since the epoch of a y-m-d matched in m[1..3], or undefined for a day that does not exist. */
function utcMs(m: RegExpExecArray): number | undefined {
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.getTime();
}

/**
 * Microseconds since the epoch of timestamp text, exactly (a Date keeps milliseconds only).
 * An offset (Z, +02:00) is applied for TIMESTAMP WITH TIME ZONE and refused for a plain
 * TIMESTAMP, which holds wall-clock time and has nowhere to keep it.
 */
function timestampMicros(text: string, withZone: boolean): bigint | undefined {
  const m = TIMESTAMP_TEXT.exec(text);
  if (!m) return undefined;
  const dayMs = utcMs(m);
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (dayMs === undefined || hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  let micros = BigInt(dayMs + ((hour * 60 + minute) * 60 + second) * 1000) * 1000n + BigInt(fraction || '0');
  const zone = m[8];
  if (zone && zone !== 'Z') {
    if (!withZone) return undefined;
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const offsetMinutes = (Number(z[2]) * 60 + Number(z[3] ?? 0)) * (z[1] === '-' ? -1 : 1);
    micros -= BigInt(offsetMinutes) * 60_000_000n;
  }
  return micros;
}
