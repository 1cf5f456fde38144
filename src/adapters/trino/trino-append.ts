/**
 * appendRows on Trino: rows as multi-row INSERT ... VALUES statements, one per request, each
 * at most `batchRows` rows and well under the server's default query.max-length (1,000,000
 * characters). Values become literals of the column's type through the dialect, identifiers
 * are quoted by it; nothing from the rows reaches the SQL unquoted.
 */
import type { Relation } from '../relation.js';
import type { ColumnDescription, RowBatches } from '../adapter.js';
import { logicalTypeOf } from '../logical-type.js';
import { checkRowWidth, valueMisfit } from '../row-batches.js';
import { trinoDialect as dialect } from './trino-dialect.js';

export const DEFAULT_INSERT_ROWS = 1000;
/** Characters of VALUES per statement before it is sent early. */
const MAX_STATEMENT_CHARS = 500_000;

/** Sends the rows through `execute`, statement by statement; returns how many were appended. */
export async function appendAsInserts(
  relation: Relation,
  columns: readonly ColumnDescription[],
  batches: RowBatches,
  batchRows: number,
  execute: (sql: string) => Promise<unknown>,
): Promise<number> {
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new Error(`appendRows: batchRows must be a positive whole number, got ${batchRows}`);
  const name = dialect.renderRelation(relation);
  const head = `insert into ${name} (${columns.map((c) => dialect.quoteIdentifier(c.name)).join(', ')}) values\n`;
  const render = columns.map((c) => literalFor(c.type));
  let pending: string[] = [];
  let chars = 0;
  let appended = 0;
  const send = async () => {
    if (pending.length === 0) return;
    const sql = head + pending.join(',\n');
    pending = [];
    chars = 0;
    await execute(sql);
  };
  for await (const batch of batches) {
    for (const row of batch) {
      appended++;
      checkRowWidth(row, columns, appended, name);
      const values = row.map((value, i) => {
        const literal = render[i]!(value);
        return literal ?? valueMisfit(name, appended, columns[i]!, value);
      });
      const text = `(${values.join(', ')})`;
      if (pending.length >= batchRows || (pending.length > 0 && chars + text.length > MAX_STATEMENT_CHARS)) await send();
      pending.push(text);
      chars += text.length + 2;
    }
  }
  await send();
  return appended;
}

/**
 * A renderer of one value as a literal of the column's type, or undefined for a value no
 * literal can carry. Types the dialect has a literal for (integer, date, timestamp(6), ...) use
 * it; others (decimal(12,2), real, varchar(20), timestamp with time zone) are a cast of the
 * value's text to the column's own type, so Trino reads it exactly, with no detour through double.
 */
function literalFor(typeName: string): (value: unknown) => string | undefined {
  const logical = logicalTypeOf(typeName);
  const own = typeName.trim().toLowerCase().replace(/\s+/g, ' ') === dialect.typeName(logical);
  return (value) => {
    // An untyped NULL takes the column's type from the INSERT, whatever the other rows hold.
    if (value === null || value === undefined) return 'null';
    const text = valueText(value, logical === 'date');
    if (text === undefined) return undefined;
    if (!own) return `cast(${dialect.stringLiteral(text)} as ${typeName})`;
    // An empty string is a value of a text column, and of no other type (not NULL: rows say NULL with null).
    if (logical === 'text') return dialect.stringLiteral(text);
    if (text.trim() === '') return undefined;
    if (logical === 'boolean') return BOOLEAN_TEXT[text.trim().toLowerCase()];
    return dialect.literal(text.trim(), logical);
  };
}

const BOOLEAN_TEXT: Record<string, string> = { true: 'true', t: 'true', '1': 'true', false: 'false', f: 'false', '0': 'false' };

function valueText(value: unknown, dateOnly: boolean): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return undefined;
    const iso = value.toISOString();
    return dateOnly ? iso.slice(0, 10) : iso;
  }
  return typeof value === 'object' ? JSON.stringify(value) : undefined;
}
