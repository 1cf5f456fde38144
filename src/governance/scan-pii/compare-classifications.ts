/**
 * Findings against what the YAML says: a column is classified when its `meta: {pii: …}` names a
 * category (`node.columns[name].meta.pii` in the manifest). Per column of a scanned relation:
 *
 * - `new`: found, not classified (a warning; an error with --strict);
 * - `classified`: found and classified as the same category (or `pii: true`);
 * - `mismatch`: found as one category, classified as another (a warning; an error with --strict);
 * - `dismissed`: found, but classified `pii: none` (or `false`): someone looked and said it is not
 *   personal data, which is how a false positive is silenced;
 * - `not_found`: classified, but the sample did not show it (an empty table, values masked or
 *   hashed upstream, a column since renamed).
 */
import type { RelationNode } from '../../compiler/node-kinds.js';
import { categoryOf, type PiiCategory } from './pii-categories.js';
import type { ColumnVerdict } from './score-column.js';

export type FindingStatus = 'new' | 'classified' | 'mismatch' | 'dismissed' | 'not_found';

/** One column's finding. Never a value: counts only. */
export interface PiiFinding {
  /** The relation as schema.identifier (database.schema.identifier where the target names a database). */
  readonly relation: string;
  readonly uniqueId: string;
  readonly name: string;
  readonly kind: RelationNode['kind'];
  readonly column: string;
  readonly status: FindingStatus;
  /** What the scanner found; null for `not_found`. */
  readonly category: PiiCategory | null;
  /** The column's `meta.pii` as written; null when it has none. */
  readonly classifiedAs: string | null;
  /** 0–1; null for `not_found`. */
  readonly confidence: number | null;
  /** Non-null values sampled from the column (0 when the relation has no such column). */
  readonly sampled: number;
  /** Of those, how many validate as the category found. */
  readonly matched: number;
  /** The file that declares the node's columns (its YAML, else its SQL or CSV), from the project root. */
  readonly file: string;
}

/** A scanned relation: its node and the verdict of each column the sample had (undefined: no PII seen). */
export interface ScannedRelation {
  readonly node: RelationNode;
  readonly relation: string;
  readonly columns: readonly { readonly name: string; readonly sampled: number; readonly verdict?: ColumnVerdict }[];
}

const NOT_PII = new Set(['none', 'false', 'no']);

export function compareWithClassifications(scanned: ScannedRelation): PiiFinding[] {
  const { node } = scanned;
  const classified = new Map<string, { column: string; value: string }>();
  for (const [name, info] of Object.entries(node.columns)) {
    const pii = info.meta?.pii;
    if (pii !== undefined && pii !== null) classified.set(name.toLowerCase(), { column: name, value: String(pii) });
  }
  const base = { relation: scanned.relation, uniqueId: node.uniqueId, name: node.name, kind: node.kind, file: node.patchPath ?? node.originalFilePath };
  const findings: PiiFinding[] = [];
  const seen = new Set<string>();
  for (const column of scanned.columns) {
    const key = column.name.toLowerCase();
    seen.add(key);
    const declared = classified.get(key);
    const verdict = column.verdict;
    if (verdict) {
      findings.push({
        ...base,
        column: column.name,
        status: statusOf(verdict.category, declared?.value),
        category: verdict.category,
        classifiedAs: declared?.value ?? null,
        confidence: verdict.confidence,
        sampled: verdict.sampled,
        matched: verdict.matched,
      });
    } else if (declared && !NOT_PII.has(declared.value.toLowerCase())) {
      findings.push({ ...base, column: column.name, status: 'not_found', category: null, classifiedAs: declared.value, confidence: null, sampled: column.sampled, matched: 0 });
    }
  }
  for (const [key, declared] of classified) {
    if (seen.has(key) || NOT_PII.has(declared.value.toLowerCase())) continue;
    findings.push({ ...base, column: declared.column, status: 'not_found', category: null, classifiedAs: declared.value, confidence: null, sampled: 0, matched: 0 });
  }
  return findings;
}

function statusOf(found: PiiCategory, declared: string | undefined): FindingStatus {
  if (declared === undefined) return 'new';
  const value = declared.toLowerCase();
  if (NOT_PII.has(value)) return 'dismissed';
  if (value === 'true' || categoryOf(declared) === found) return 'classified';
  return 'mismatch';
}
