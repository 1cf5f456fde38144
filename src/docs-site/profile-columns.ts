/**
 * Column profiles for the catalog site (opt-in: `--profile`, or `docs: {profile: true}` in a
 * model's config, or `meta: {docs_profile: true}`): null share, distinct count, min/max, mean
 * for numbers, top values and a small histogram. The SQL lives in templates/default/
 * column_profile_*.sql.hbs (plain ANSI that DuckDB and Trino both run; an adapter may override
 * it in templates/<adapter>/). One statement per table for the counts, then one per column for
 * top values and histograms. A failing statement loses that piece of the profile, not the site.
 * Columns marked as personal data get counts only; top values are kept for columns whose
 * values repeat (top values of an id or an email column would just be rows).
 */
import { isSensitiveColumn } from '../compiler/sensitive-columns.js';
import type { Connection, Dialect } from '../adapters/adapter.js';
import type { ExecutableNode } from '../compiler/manifest.js';
import type { SqlTemplates } from '../adapters/sql-templates.js';
import type { CatalogColumn } from './read-catalog.js';

export interface ColumnProfile {
  readonly rowCount: number;
  readonly nullCount: number;
  readonly distinct?: number;
  readonly min?: string;
  readonly max?: string;
  readonly mean?: number;
  readonly top?: { readonly value: string; readonly count: number }[];
  /** Equal-width buckets from min to max. */
  readonly histogram?: { readonly min: number; readonly max: number; readonly counts: number[] };
  /**
   * Why values were left out: 'pii' (the column is marked personal data: only counts are
   * shown), or 'unique' (top values of a column whose values hardly repeat would be rows).
   */
  readonly valuesHidden?: 'pii' | 'unique';
  readonly error?: string;
}

const TOP_VALUES = 5;
const BUCKETS = 12;

/** Type families by name: the ANSI names and the common engine spellings (DuckDB, Trino). */
const NUMERIC = /^(tinyint|smallint|int|integer|bigint|hugeint|ubigint|uinteger|usmallint|utinyint|int\d|decimal|numeric|real|float\d*|double)\b/i;
const ORDERED = /^(date|time|timestamp|varchar|char|text|string|boolean|bool|uuid)\b/i;
const SCALAR = /^(date|time|timestamp|varchar|char|text|string|boolean|bool|uuid|interval|blob|varbinary)\b/i;

export const isNumericType = (type: string) => NUMERIC.test(type.trim());

/** Top values only where values repeat: at most this share of the non-null values is distinct. */
const MAX_DISTINCT_SHARE_FOR_TOP = 0.5;

/** Columns holding personal data are profiled by counts only, never values (src/compiler/sensitive-columns.ts). */
export { isSensitiveColumn };

/** Whether a model or seed asked for profiles in its config or meta. */
export function wantsProfile(node: ExecutableNode): boolean {
  const docs = node.config.docs as { profile?: unknown };
  return docs.profile === true || node.meta.docs_profile === true || node.config.meta.docs_profile === true;
}

// The template names are the runner's union; these three are rendered the same way.

export async function profileColumns(
  connection: Connection,
  templates: SqlTemplates,
  dialect: Dialect,
  relationName: string,
  columns: readonly CatalogColumn[],
  sensitive: (column: string) => boolean = () => false,
): Promise<Record<string, ColumnProfile>> {
  const specs = columns.map((c, i) => {
    const numeric = isNumericType(c.type);
    const scalar = numeric || SCALAR.test(c.type.trim());
    return {
      column: c,
      name: dialect.quoteIdentifier(c.name),
      alias: `c${i}`,
      numeric,
      distinct: scalar,
      ordered: numeric || ORDERED.test(c.type.trim()),
      sensitive: sensitive(c.name),
    };
  });
  const out: Record<string, ColumnProfile> = {};
  let row: Record<string, unknown>;
  try {
    const result = await connection.query(templates.render('column_profile_stats', { relation: relationName, columns: specs }));
    row = Object.fromEntries(result.columns.map((c, i) => [c.name, result.rows[0]?.[i]]));
  } catch (err) {
    const error = firstLine(err);
    for (const c of columns) out[c.name] = { rowCount: 0, nullCount: 0, error };
    return out;
  }
  const rowCount = Number(row.row_count);
  for (const spec of specs) {
    const a = spec.alias;
    const counts = {
      rowCount,
      nullCount: rowCount - Number(row[`${a}_non_null`]),
      distinct: spec.distinct ? Number(row[`${a}_distinct`]) : undefined,
    };
    if (spec.sensitive) {
      out[spec.column.name] = { ...counts, valuesHidden: 'pii' };
      continue;
    }
    const base: ColumnProfile = {
      ...counts,
      min: spec.ordered ? text(row[`${a}_min`]) : undefined,
      max: spec.ordered ? text(row[`${a}_max`]) : undefined,
      mean: spec.numeric && row[`${a}_mean`] !== null ? Number(row[`${a}_mean`]) : undefined,
    };
    const nonNull = rowCount - base.nullCount;
    const repeats = base.distinct !== undefined && base.distinct <= nonNull * MAX_DISTINCT_SHARE_FOR_TOP;
    let profile: ColumnProfile = spec.distinct && nonNull > 0 && !repeats ? { ...base, valuesHidden: 'unique' } : base;
    try {
      if (spec.distinct && nonNull > 0 && repeats) {
        const top = await connection.query(
          templates.render('column_profile_top_values', { relation: relationName, column: spec.name, limit: TOP_VALUES }),
        );
        profile = { ...profile, top: top.rows.map(([value, count]) => ({ value: String(value), count: Number(count) })) };
      }
      const min = Number(base.min);
      const max = Number(base.max);
      if (spec.numeric && Number.isFinite(min) && Number.isFinite(max) && max > min) {
        const width = (max - min) / BUCKETS;
        const histogram = await connection.query(
          templates.render('column_profile_histogram', {
            relation: relationName,
            column: spec.name,
            min: numberLiteral(min),
            width: numberLiteral(width),
            last_bucket: BUCKETS - 1,
          }),
        );
        const counts = new Array<number>(BUCKETS).fill(0);
        for (const [bucket, count] of histogram.rows) counts[Math.min(BUCKETS - 1, Math.max(0, Number(bucket)))]! += Number(count);
        profile = { ...profile, histogram: { min, max, counts } };
      }
    } catch (err) {
      profile = { ...profile, error: firstLine(err) };
    }
    out[spec.column.name] = profile;
  }
  return out;
}

/** A double as SQL: plain digits (no exponent), so every engine reads it as a number. */
function numberLiteral(x: number): string {
  const s = String(x);
  return /e/i.test(s) ? x.toFixed(20).replace(/0+$/, '0') : s;
}

function text(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}
