/**
 * dpf_meta.alerts as dedup and the rate limit read it: the rows that were sent, and the rows a
 * run adds (written by the history recorder with the run's other rows, so one writer owns the
 * tables). Reading goes through the Adapter interface only; a table that does not exist yet
 * means nothing was sent.
 */
import type { Adapter } from '../adapters/adapter.js';
import { SqlTemplates } from '../adapters/sql-templates.js';
import { HISTORY_SCHEMA, historyRelation, type HistoryRow } from '../history/history-tables.js';
import { parseTimestamp } from '../history/history-store.js';
import { timestampText } from '../history/history-rows.js';
import type { ProblemKind } from './alert-config.js';
import type { Delivery, SentRecord } from './plan-alerts.js';

const READ_COLUMNS = ['problem_key', 'unique_id', 'kind', 'channel', 'event', 'sent_at'] as const;

export async function readSentAlerts(adapter: Pick<Adapter, 'withConnection' | 'dialect' | 'name'>, database?: string): Promise<SentRecord[]> {
  const { dialect } = adapter;
  const templates = new SqlTemplates(adapter.name);
  return adapter.withConnection(async (connection) => {
    const existing = await connection.listRelations(HISTORY_SCHEMA, database);
    if (!existing.some((r) => r.identifier.toLowerCase() === 'alerts')) return [];
    const result = await connection.query(
      templates.render('select_rows', {
        relation: dialect.renderRelation(historyRelation('alerts', database)),
        columns: READ_COLUMNS.map((c) => dialect.quoteIdentifier(c)),
        where: `${dialect.quoteIdentifier('status')} = ${dialect.literal('sent', 'text')}`,
      }),
    );
    return result.rows.flatMap((row) => {
      const sentAt = parseTimestamp(row[5]);
      if (!sentAt) return [];
      return [{ problemKey: String(row[0]), uniqueId: String(row[1]), kind: String(row[2]) as ProblemKind, channel: String(row[3]), event: String(row[4]) === 'recovery' ? 'recovery' : 'alert', sentAt } satisfies SentRecord];
    });
  });
}

export type DeliveryStatus = 'sent' | 'failed' | 'held';

export function alertRow(runId: string, delivery: Delivery, status: DeliveryStatus, title: string, at: Date): HistoryRow {
  return {
    run_id: runId,
    problem_key: delivery.problem.key,
    unique_id: delivery.problem.uniqueId,
    kind: delivery.problem.kind,
    event: delivery.event,
    channel: delivery.channel,
    status,
    message: title,
    sent_at: timestampText(at.toISOString()),
  };
}
