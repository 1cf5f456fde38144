/**
 * The latest PII scan of each relation, from dpf_meta.pii_findings: what `dpf scan pii` compares
 * a new scan with (new and resolved findings) and what the catalog shows. A relation's latest
 * scan is the newest of its relation rows (`column_name` null), so a relation scanned clean
 * after a finding counts as clean, and one left out of a later selection keeps its last scan.
 * Read-only; a warehouse without the table has no scans. Rows hold categories and counts only.
 */
import type { Connection, Dialect, QueryResult } from '../adapters/adapter.js';
import type { SqlTemplates } from '../adapters/sql-templates.js';
import { parseTimestamp } from './history-store.js';
import { HISTORY_SCHEMA, HISTORY_TABLES, historyRelation } from './history-tables.js';

export interface StoredPiiFinding {
  readonly runId: string;
  readonly scannedAt: string | null;
  readonly uniqueId: string;
  readonly relation: string;
  readonly column: string;
  readonly status: string;
  readonly category: string | null;
  readonly confidence: number | null;
  readonly sampled: number | null;
  readonly matched: number | null;
  readonly classified: boolean;
  readonly classifiedAs: string | null;
  readonly inheritedFrom: string | null;
}

export interface LatestPiiScans {
  /** unique_id → its latest scan. */
  readonly scans: ReadonlyMap<string, { readonly runId: string; readonly scannedAt: string | null; readonly command: string }>;
  /** The findings of those scans. */
  readonly findings: readonly StoredPiiFinding[];
}

export interface PiiScanReadEnv {
  readonly dialect: Dialect;
  readonly templates: SqlTemplates;
  readonly database?: string;
}

/** Run ids per `in (...)` list. */
const IDS_PER_QUERY = 200;

export async function readLatestPiiScans(connection: Connection, env: PiiScanReadEnv, target: string): Promise<LatestPiiScans> {
  const { dialect, templates } = env;
  const existing = await connection.listRelations(HISTORY_SCHEMA, env.database);
  if (!existing.some((r) => r.identifier.toLowerCase() === 'pii_findings')) return { scans: new Map(), findings: [] };
  const relation = dialect.renderRelation(historyRelation('pii_findings', env.database));
  const q = (name: string) => dialect.quoteIdentifier(name);
  const ofTarget = `${q('target')} = ${dialect.literal(target, 'text')}`;
  const scanned = await connection.query(
    templates.render('select_rows', { relation, columns: ['unique_id', 'run_id', 'scanned_at', 'command'].map(q), where: `${q('column_name')} is null and ${ofTarget}` }),
  );
  const scans = new Map<string, { runId: string; scannedAt: string | null; command: string }>();
  for (const [uniqueId, runId, at, command] of scanned.rows) {
    const scannedAt = at == null ? null : (parseTimestamp(at)?.toISOString() ?? null);
    const before = scans.get(String(uniqueId));
    if (!before || (scannedAt ?? '') > (before.scannedAt ?? '')) scans.set(String(uniqueId), { runId: String(runId), scannedAt, command: String(command) });
  }
  const columns = HISTORY_TABLES.pii_findings.map((c) => c.name);
  const runIds = [...new Set([...scans.values()].map((s) => s.runId))];
  const findings: StoredPiiFinding[] = [];
  for (let i = 0; i < runIds.length; i += IDS_PER_QUERY) {
    const ids = runIds.slice(i, i + IDS_PER_QUERY).map((id) => dialect.literal(id, 'text')).join(', ');
    const result: QueryResult = await connection.query(
      templates.render('select_rows', { relation, columns: columns.map(q), where: `${q('run_id')} in (${ids}) and ${q('column_name')} is not null and ${ofTarget}` }),
    );
    for (const values of result.rows) {
      const row = Object.fromEntries(columns.map((c, j) => [c, values[j]]));
      // Only the relation's latest scan: a scan of several relations is the latest of some of them.
      if (scans.get(String(row.unique_id))?.runId !== String(row.run_id)) continue;
      findings.push({
        runId: String(row.run_id),
        scannedAt: row.scanned_at == null ? null : (parseTimestamp(row.scanned_at)?.toISOString() ?? null),
        uniqueId: String(row.unique_id),
        relation: String(row.relation),
        column: String(row.column_name),
        status: String(row.status),
        category: str(row.category),
        confidence: num(row.confidence),
        sampled: num(row.sampled),
        matched: num(row.matched),
        classified: row.classified === true || row.classified === 'true',
        classifiedAs: str(row.classified_as),
        inheritedFrom: str(row.inherited_from),
      });
    }
  }
  findings.sort((a, b) => a.relation.localeCompare(b.relation) || a.column.localeCompare(b.column));
  return { scans, findings };
}

const num = (value: unknown): number | null => (value == null || Number.isNaN(Number(value)) ? null : Number(value));
const str = (value: unknown): string | null => (value == null ? null : String(value));
