/**
 * Columns that hold personal data: by their YAML (`pii: email`, `meta: {pii: true}`,
 * `sensitive: true`, a `pii` / `sensitive` tag), or, given the manifest's governance, because
 * they are computed from such a column (column lineage, docs/governance.md). What reads values
 * out of the warehouse (the catalog's column profiles, the monitors' table stats) keeps to counts
 * for these: never a value, a minimum, a maximum or a mean.
 */
import type { ColumnInfo, ManifestGovernance } from './manifest.js';

export function isSensitiveColumn(node: { readonly uniqueId?: string; readonly columns: Readonly<Record<string, ColumnInfo>> }, column: string, governance?: ManifestGovernance): boolean {
  const carried = node.uniqueId ? governance?.columns[node.uniqueId] : undefined;
  const inherited = carried && Object.entries(carried).find(([name]) => name === '*' || name.toLowerCase() === column.toLowerCase())?.[1];
  if (inherited && inherited.pii.length > 0 && inherited.declassified === undefined) return true;
  const declared = Object.values(node.columns).find((c) => c.name.toLowerCase() === column.toLowerCase());
  if (!declared) return false;
  const flagged = (v: unknown) => v === true || (typeof v === 'string' && v !== '' && v !== 'false');
  return flagged(declared.meta.pii) || flagged(declared.meta.sensitive) || declared.tags.some((t) => /^(pii|sensitive)$/i.test(t));
}
