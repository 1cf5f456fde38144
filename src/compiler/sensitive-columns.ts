/**
 * Columns that hold personal data by their YAML: `meta: {pii: true}` (or `sensitive: true`), or
 * a `pii` / `sensitive` tag on the column. What reads values out of the warehouse (the
 * catalog's column profiles, the monitors' table stats) keeps to counts for these: never a
 * value, a minimum, a maximum or a mean.
 */
import type { ColumnInfo } from './manifest.js';

export function isSensitiveColumn(node: { readonly columns: Readonly<Record<string, ColumnInfo>> }, column: string): boolean {
  const declared = Object.values(node.columns).find((c) => c.name.toLowerCase() === column.toLowerCase());
  if (!declared) return false;
  const flagged = (v: unknown) => v === true || v === 'true';
  return flagged(declared.meta.pii) || flagged(declared.meta.sensitive) || declared.tags.some((t) => /^(pii|sensitive)$/i.test(t));
}
