/**
 * A scan's findings into dpf_meta.pii_findings (docs/governance.md#pii-scanner), and what changed
 * since each relation's previous scan: findings that are new (not found the last time the
 * relation was scanned, or never scanned before) and findings that are gone (resolved: a column
 * dropped, masked or emptied upstream). One relation row per relation sampled, with or without
 * findings, so that a clean scan supersedes an earlier finding. Rows hold categories and counts,
 * never a sampled value. The caller decides what a failure means (the scan is best effort here).
 */
import type { Adapter } from '../../adapters/adapter.js';
import { SqlTemplates } from '../../adapters/sql-templates.js';
import { emptyRows, historyStore, readLatestPiiScans, timestampText, type HistoryRow, type StoredPiiFinding } from '../../history/index.js';
import type { PiiFinding } from './compare-classifications.js';

/** A finding as the change list names it: where and what, never a value. */
export interface PiiFindingRef {
  readonly uniqueId: string;
  readonly relation: string;
  readonly column: string;
  readonly category: string;
  /** Whether the column is classified (here or over lineage). */
  readonly classified: boolean;
}

export interface PiiScanChanges {
  /** Relations scanned now that had been scanned before, and the newest of their previous scans. */
  readonly compared: number;
  readonly previousScanAt: string | null;
  readonly new: readonly PiiFindingRef[];
  readonly resolved: readonly PiiFindingRef[];
}

export interface RecordScanInput {
  readonly adapter: Adapter;
  readonly database?: string;
  readonly target: string;
  readonly runId: string;
  readonly command: 'scan' | 'build';
  readonly scannedAt: Date;
  /** The relations sampled (not the skipped ones): their previous findings are compared. */
  readonly scanned: readonly { readonly uniqueId: string; readonly relation: string; readonly sampled: number }[];
  readonly findings: readonly PiiFinding[];
  /** Redacts profile secrets (an engine may name one in a relation). */
  clean<T>(value: T): T;
}

const keyOf = (f: { uniqueId: string; column: string; category: string | null }) => `${f.uniqueId}\u0000${f.column.toLowerCase()}\u0000${f.category}`;
const found = <T extends { category: string | null; status: string }>(f: T): f is T & { category: string } => f.category !== null && f.status !== 'not_found';

export async function recordPiiScan(input: RecordScanInput): Promise<PiiScanChanges> {
  const { adapter } = input;
  const templates = new SqlTemplates(adapter.name);
  const previous = await adapter.withConnection((c) => readLatestPiiScans(c, { dialect: adapter.dialect, templates, database: input.database }, input.target));
  const changes = compareScans(input.scanned, input.findings, previous.scans, previous.findings);

  const at = timestampText(input.scannedAt.toISOString());
  const common = { run_id: input.runId, scanned_at: at, command: input.command, target: input.target };
  const empty = { column_name: null, status: null, category: null, confidence: null, matched: null, classified: null, classified_as: null, inherited_from: null };
  const rows: HistoryRow[] = [
    ...input.scanned.map((s) => ({ ...common, ...empty, unique_id: s.uniqueId, relation: s.relation, sampled: s.sampled })),
    ...input.findings.map((f) => ({
      ...common,
      unique_id: f.uniqueId,
      relation: f.relation,
      column_name: f.column,
      status: f.status,
      category: f.category,
      confidence: f.confidence,
      sampled: f.sampled,
      matched: f.matched,
      classified: f.classified,
      classified_as: f.classifiedAs,
      inherited_from: f.inheritedFrom,
    })),
  ];
  const store = historyStore(adapter, templates, input.database);
  await store.ensure();
  await store.append(input.clean({ ...emptyRows(), pii_findings: rows }));
  return changes;
}

/** New and resolved findings of the relations scanned now, against their latest earlier scans. Pure. */
export function compareScans(
  scanned: RecordScanInput['scanned'],
  findings: readonly PiiFinding[],
  previousScans: ReadonlyMap<string, { readonly scannedAt: string | null }>,
  previousFindings: readonly StoredPiiFinding[],
): PiiScanChanges {
  const now = new Set(scanned.map((s) => s.uniqueId));
  const before = previousFindings.filter((f) => now.has(f.uniqueId)).filter(found);
  const beforeKeys = new Set(before.map(keyOf));
  const current = findings.filter(found);
  const currentKeys = new Set(current.map(keyOf));
  const ref = (f: { uniqueId: string; relation: string; column: string; category: string; classified: boolean }): PiiFindingRef => ({
    uniqueId: f.uniqueId,
    relation: f.relation,
    column: f.column,
    category: f.category,
    classified: f.classified,
  });
  const compared = scanned.filter((s) => previousScans.has(s.uniqueId));
  const times = compared.map((s) => previousScans.get(s.uniqueId)!.scannedAt ?? '').filter((t) => t);
  return {
    compared: compared.length,
    previousScanAt: times.length > 0 ? times.sort().at(-1)! : null,
    new: current.filter((f) => !beforeKeys.has(keyOf(f))).map(ref),
    resolved: before.filter((f) => !currentKeys.has(keyOf(f))).map(ref),
  };
}
