/**
 * Which columns a `masking: true` target masks, and how: a column's effective classification
 * (manifest.governance, over column lineage) names kinds of personal data and a level; each
 * kind masks as classifications.yml says (no `masking:` on a kind: `null`, the strongest; `none`:
 * in clear), a level only when it says so. With several, the strongest wins.
 */
import type { MaskMethod } from '../../adapters/adapter.js';
import type { ColumnClassification, Manifest } from '../../compiler/manifest.js';
import type { Classifications } from '../classification/load-classifications.js';

/** Strongest first: what is left of the value grows down the list. */
export const MASKING_STRENGTH: readonly MaskMethod[] = ['null', 'redact', 'hash', 'partial'];

/** column name (lower case) → how it is masked. */
export type ColumnMasks = ReadonlyMap<string, MaskMethod>;

export function strongestMasking(declared: readonly (string | undefined)[]): MaskMethod | undefined {
  return MASKING_STRENGTH.find((m) => declared.includes(m));
}

export function maskingForBuild(column: ColumnClassification, classifications: Classifications): MaskMethod | undefined {
  const kinds = column.pii.map((kind) => classifications.pii.find((p) => p.name === kind)?.masking ?? 'null');
  const level = classifications.levels.find((l) => l.name === column.level)?.masking;
  return strongestMasking([...kinds, level]);
}

/** The masked columns of one node (a seed, a source, or a model read from another environment). */
export function columnMasks(manifest: Manifest, classifications: Classifications, uniqueId: string): ColumnMasks {
  const masks = new Map<string, MaskMethod>();
  for (const [name, column] of Object.entries(manifest.governance?.columns[uniqueId] ?? {})) {
    const method = maskingForBuild(column, classifications);
    if (method) masks.set(name.toLowerCase(), method);
  }
  return masks;
}
