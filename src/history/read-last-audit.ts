/**
 * When the last security report that read the engine's query log (`dpf audit --warehouse`) read
 * it: the `started_at` of the newest `audit` command row of dpf_meta.audit_log for the target.
 * The next report reads the queries created after it. Read-only; a warehouse without the table,
 * or without such a row, has had no report.
 */
import type { Connection, Dialect } from '../adapters/adapter.js';
import type { SqlTemplates } from '../adapters/sql-templates.js';
import { parseTimestamp } from './history-store.js';
import { HISTORY_SCHEMA, historyRelation } from './history-tables.js';

export interface AuditReadEnv {
  readonly dialect: Dialect;
  readonly templates: SqlTemplates;
  readonly database?: string;
}

/** The command column of the audit_log rows `dpf audit --warehouse` writes. */
export const AUDIT_COMMAND = 'audit';

export async function readLastAuditReport(connection: Connection, env: AuditReadEnv, target: string): Promise<Date | undefined> {
  const { dialect, templates } = env;
  const existing = await connection.listRelations(HISTORY_SCHEMA, env.database);
  if (!existing.some((r) => r.identifier.toLowerCase() === 'audit_log')) return undefined;
  const q = (name: string) => dialect.quoteIdentifier(name);
  const where = [`${q('command')} = ${dialect.literal(AUDIT_COMMAND, 'text')}`, `${q('action')} = ${dialect.literal('command', 'text')}`, `${q('target')} = ${dialect.literal(target, 'text')}`].join(' and ');
  const result = await connection.query(templates.render('select_rows', { relation: dialect.renderRelation(historyRelation('audit_log', env.database)), columns: [q('started_at')], where }));
  let last: Date | undefined;
  for (const [at] of result.rows) {
    const time = at == null ? undefined : parseTimestamp(at);
    if (time && (!last || time > last)) last = time;
  }
  return last;
}
