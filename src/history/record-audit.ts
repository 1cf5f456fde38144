/**
 * Audit rows for commands that change the warehouse outside the executor: `dpf clone` (views
 * over another environment's relations) and `dpf ci`'s clean-up (the schemas it drops). Written
 * at once through the command's open adapter, with a command row of their own; best effort as
 * the history is: a failed write is reported through `warn` and never fails the command.
 */
import { randomUUID } from 'node:crypto';
import type { Adapter } from '../adapters/adapter.js';
import { SqlTemplates } from '../adapters/sql-templates.js';
import { DPF_VERSION } from '../compiler/package-paths.js';
import { auditActor } from './audit-actor.js';
import { auditCommon } from './audit-rows.js';
import { gitState } from './git-state.js';
import { emptyRows, timestampText } from './history-rows.js';
import { historyStore } from './history-store.js';
import type { HistoryRow } from './history-tables.js';

export interface AuditChange {
  readonly relation: string;
  readonly action: 'created' | 'replaced' | 'dropped';
  readonly uniqueId?: string;
  /** view, table, schema. */
  readonly materialized: string;
}

export interface RecordAuditOptions {
  readonly command: string;
  readonly selector: string | null;
  readonly targetName: string;
  readonly database?: string;
  readonly projectDir: string;
  readonly startedAt: Date;
  readonly changes: readonly AuditChange[];
  readonly env?: NodeJS.ProcessEnv;
  /** Redacts every profile secret from a value. */
  clean<T>(value: T): T;
  warn(where: string, detail: string): void;
}

export async function recordAudit(adapter: Adapter, options: RecordAuditOptions): Promise<void> {
  try {
    const [git, actor] = await Promise.all([gitState(options.projectDir), auditActor(options.projectDir, options.env)]);
    const facts = { command: options.command, pipeline: null, selector: options.selector, target: options.targetName, git, actor, dpfVersion: DPF_VERSION };
    const common = auditCommon(randomUUID(), options.startedAt.toISOString(), facts);
    const ended = timestampText(new Date().toISOString());
    const rows: HistoryRow[] = [
      { ...common, action: 'command', relation: null, unique_id: null, materialized: null, ended_at: ended, status: 'success' },
      ...options.changes.map((c) => ({ ...common, action: c.action, relation: c.relation, unique_id: c.uniqueId ?? null, materialized: c.materialized, ended_at: ended, status: 'success' })),
    ];
    const store = historyStore(adapter, new SqlTemplates(adapter.name), options.database);
    await store.ensure();
    await store.append(options.clean({ ...emptyRows(), audit_log: rows }));
  } catch (err) {
    options.warn('dpf_meta.audit_log', String((err as Error)?.message ?? err));
  }
}
