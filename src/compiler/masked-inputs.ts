/**
 * Targets with `masking: true` (dev, ci: docs/governance.md#masked-copies) build personal data
 * masked, masking it where it enters the target: a source with classified columns is read
 * through a view that masks them, in the target's `<schema>_dpf_masked` schema (created when a
 * run starts, src/governance/masking), and a seed's classified columns are masked as it loads.
 * Models compute from masked inputs, so a column carried through joins stays masked, and a hash
 * joins with the same hash in every table. How each kind is masked is classifications.yml's to
 * say, so its text is part of the state checksum of every seed and source that is masked.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetConfig } from '../adapters/adapter.js';
import type { ColumnInfo, Relation, SourceNode } from './manifest.js';

/** What masking adds to a compile: a key that changes with classifications.yml. */
export interface MaskingContext {
  readonly key: string;
}

export const isMaskingTarget = (target: Pick<TargetConfig, 'settings'>): boolean => target.settings.masking === true;

/** Present for a masking target: its key is classifications.yml's text (empty when there is none). */
export function maskingContext(target: Pick<TargetConfig, 'settings'>, projectDir: string): MaskingContext | undefined {
  if (!isMaskingTarget(target)) return undefined;
  const file = join(projectDir, 'classifications.yml');
  return { key: createHash('sha256').update(existsSync(file) ? readFileSync(file) : '').digest('hex') };
}

/** A column with a classification or pii written on it, in meta: or as its own keys. */
export const isClassifiedColumn = (column: ColumnInfo): boolean => column.meta.pii !== undefined || column.meta.classification !== undefined;

export const hasClassifiedColumns = (node: { readonly columns: Readonly<Record<string, ColumnInfo>> }): boolean =>
  Object.values(node.columns).some(isClassifiedColumn);

/** The schema of a masking target's masked views of what it reads from outside. */
export const maskedSchema = (targetSchema: string): string => `${targetSchema}_dpf_masked`;

/** The view a masking target reads a source through. */
export function maskedSourceRelation(source: Pick<SourceNode, 'sourceName' | 'tableName'>, target: { readonly schema: string; readonly database?: string }): Relation {
  return { database: target.database, schema: maskedSchema(target.schema), identifier: `source__${source.sourceName}__${source.tableName}` };
}

/** The view a masking target reads another environment's relation through (--defer). */
export function maskedDeferredRelation(name: string, target: { readonly schema: string; readonly database?: string }): Relation {
  return { database: target.database, schema: maskedSchema(target.schema), identifier: `deferred__${name}` };
}
