/**
 * Findings against what the YAML says. A column is classified when its `meta: {pii: …}` (or its
 * `pii:` key, which lands there) names a category, or when it carries one over column lineage
 * from a classified column upstream (`manifest.governance`, computed when the project has
 * classifications.yml). Per column of a scanned relation:
 *
 * - `new`: found, not classified (a warning; an error with --strict);
 * - `classified`: found and classified as the same category (or `pii: true`);
 * - `mismatch`: found as one category, classified as another (a warning; an error with --strict);
 * - `dismissed`: found, but declared `pii: false` (or `none`): someone looked and said it is not
 *   personal data, which is how a false positive is silenced;
 * - `not_found`: declared, but the sample did not show it (an empty table, values masked or
 *   hashed upstream, a column since renamed).
 */
import type { ColumnClassification } from '../../compiler/manifest.js';
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
  /** The column's `meta.pii` as written, or the kinds it carries over lineage (`email, name`); null when none. */
  readonly classifiedAs: string | null;
  /** Whether the column is classified, declared or over lineage (false only for `new`). */
  readonly classified: boolean;
  /** The upstream column an inherited classification was declared on (`seed.shop.raw_customers.email`); null when declared here or none. */
  readonly inheritedFrom: string | null;
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

interface Declared {
  readonly column: string;
  /** As written, or the inherited kinds joined. */
  readonly value: string;
  /** The kinds it names; empty for "not PII". */
  readonly kinds: readonly string[];
  readonly inheritedFrom: string | null;
}

/**
 * The findings of one relation. `lineage` is the relation's columns in manifest.governance
 * (absent without classifications.yml): a column with no `pii` of its own that carries one
 * over lineage counts as classified by it.
 */
export function compareWithClassifications(scanned: ScannedRelation, lineage: Readonly<Record<string, ColumnClassification>> = {}): PiiFinding[] {
  const { node } = scanned;
  const declared = new Map<string, Declared>();
  for (const [name, info] of Object.entries(node.columns)) {
    const pii = info.meta?.pii;
    if (pii === undefined || pii === null) continue;
    const value = String(pii);
    declared.set(name.toLowerCase(), { column: name, value, kinds: NOT_PII.has(value.toLowerCase()) ? [] : [value], inheritedFrom: null });
  }
  const inherited = new Map<string, Declared>();
  for (const [name, c] of Object.entries(lineage)) {
    if (c.declared || c.declassified !== undefined || c.pii.length === 0) continue;
    inherited.set(name.toLowerCase(), { column: name, value: c.pii.join(', '), kinds: c.pii, inheritedFrom: c.path.at(-1) ?? null });
  }
  const base = { relation: scanned.relation, uniqueId: node.uniqueId, name: node.name, kind: node.kind, file: node.patchPath ?? node.originalFilePath };
  const findings: PiiFinding[] = [];
  const seen = new Set<string>();
  for (const column of scanned.columns) {
    const key = column.name.toLowerCase();
    seen.add(key);
    const own = declared.get(key);
    const classification = own ?? inherited.get(key);
    const verdict = column.verdict;
    const shared = { ...base, column: column.name, classifiedAs: classification?.value ?? null, classified: classification !== undefined, inheritedFrom: classification?.inheritedFrom ?? null };
    if (verdict) {
      findings.push({ ...shared, status: statusOf(verdict.category, classification), category: verdict.category, confidence: verdict.confidence, sampled: verdict.sampled, matched: verdict.matched });
    } else if (own && own.kinds.length > 0) {
      findings.push({ ...shared, status: 'not_found', category: null, confidence: null, sampled: column.sampled, matched: 0 });
    }
  }
  for (const [key, own] of declared) {
    if (seen.has(key) || own.kinds.length === 0) continue;
    findings.push({ ...base, column: own.column, status: 'not_found', category: null, classifiedAs: own.value, classified: true, inheritedFrom: null, confidence: null, sampled: 0, matched: 0 });
  }
  return findings;
}

function statusOf(found: PiiCategory, classification: Declared | undefined): FindingStatus {
  if (classification === undefined) return 'new';
  if (classification.kinds.length === 0) return 'dismissed';
  const agrees = classification.kinds.some((kind) => ['true', 'pii'].includes(kind.toLowerCase()) || categoryOf(kind) === found);
  return agrees ? 'classified' : 'mismatch';
}
