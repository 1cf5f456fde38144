/**
 * Reads a monitor's training window from the run history in dpf_meta (written by
 * src/history): the last measurements of its relation (table_stats, the table row and the
 * column rows of those runs) and the last successful durations of its node (node_runs). The
 * names read here are checked against src/history/history-tables.ts by a test. A history that
 * is not there yet (the first build) reads as empty.
 */
import type { MonitorNode } from '../compiler/manifest.js';
import type { MonitorContext } from './monitor-context.js';
import type { ColumnStats } from './monitor-findings.js';

export const HISTORY_SCHEMA_NAME = 'dpf_meta';
/** table_stats columns the monitor reads back, in this order. */
export const TABLE_ROW_COLUMNS = ['run_id', 'measured_at', 'row_count', 'rows_added', 'freshness_lag_seconds'] as const;
export const COLUMN_ROW_COLUMNS = ['run_id', 'column_name', 'data_type', 'null_pct', 'distinct_pct', 'min_value', 'max_value', 'mean', 'stddev', 'mean_length'] as const;
export const NODE_RUN_COLUMNS = ['started_at', 'execution_seconds'] as const;

/** One earlier measurement of the relation. */
export interface PastMeasurement {
  readonly runId: string;
  /** ms since the epoch. */
  readonly at: number;
  readonly rowCount: number | null;
  readonly rowsAdded: number | null;
  readonly freshnessLagSeconds: number | null;
  readonly columns: readonly ColumnStats[];
}

export interface MonitorHistory {
  /** Oldest first. */
  readonly measurements: readonly PastMeasurement[];
  /** Earlier successful durations of the watched node, oldest first. */
  readonly durations: readonly { readonly at: number; readonly value: number }[];
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number.isFinite(Number(v)) ? Number(v) : null);
const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A timestamp as an engine returns it (text in UTC without a zone, or a Date) in ms. */
export function timeOf(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  const t = String(value).trim();
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t.replace(' ', 'T') : `${t.replace(' ', 'T')}Z`);
}

interface AllHistory {
  readonly tables: Map<string, Omit<PastMeasurement, 'columns'>[]>;
  readonly columns: Map<string, ColumnStats[]>;
  readonly durations: Map<string, { at: number; value: number }[]>;
}

const key = (...parts: string[]) => parts.join('\u0000');

/**
 * The newest `points` measurements of every relation, their column rows, and the newest
 * successful durations of every node: three queries for the whole run (templates
 * latest_rows), shared by every monitor of the run through ctx.shared.
 */
async function readAllHistory(ctx: MonitorContext, points: number): Promise<AllHistory> {
  const { dialect, templates } = ctx;
  const rel = (table: string) => dialect.renderRelation({ database: ctx.database, schema: HISTORY_SCHEMA_NAME, identifier: table });
  const q = (name: string) => dialect.quoteIdentifier(name);
  const read = async (sql: string) => {
    try {
      return (await ctx.query(sql)).rows;
    } catch {
      // No history tables yet (the first build of this warehouse), or written by an older dpf.
      return [];
    }
  };
  const latest = (table: string, columns: readonly string[], partition: readonly string[], orderBy: string, where: string) =>
    read(templates.render('latest_rows', { relation: rel(table), columns: columns.map(q), partition: partition.map(q), order_by: q(orderBy), where, limit: points }));
  const tableRows = await latest('table_stats', ['unique_id', 'relation', ...TABLE_ROW_COLUMNS], ['unique_id', 'relation'], 'measured_at', `${q('column_name')} is null`);
  const columnRows = await latest('table_stats', ['unique_id', 'relation', ...COLUMN_ROW_COLUMNS], ['unique_id', 'relation', 'column_name'], 'measured_at', `${q('column_name')} is not null`);
  const durationRows = await latest('node_runs', ['unique_id', ...NODE_RUN_COLUMNS], ['unique_id'], 'started_at', `${q('status')} = ${dialect.literal('success', 'text')}`);
  const tables = new Map<string, Omit<PastMeasurement, 'columns'>[]>();
  for (const r of tableRows) {
    const m = { runId: String(r[2]), at: timeOf(r[3]), rowCount: num(r[4]), rowsAdded: num(r[5]), freshnessLagSeconds: num(r[6]) };
    if (!Number.isFinite(m.at)) continue;
    const k = key(String(r[0]), String(r[1]));
    tables.set(k, [...(tables.get(k) ?? []), m]);
  }
  const columns = new Map<string, ColumnStats[]>();
  for (const r of columnRows) {
    const stats: ColumnStats = { column: String(r[3]), dataType: String(r[4] ?? ''), nullPct: num(r[5]), distinctPct: num(r[6]), min: text(r[7]), max: text(r[8]), mean: num(r[9]), stddev: num(r[10]), meanLength: num(r[11]) };
    const k = key(String(r[0]), String(r[1]), String(r[2]));
    columns.set(k, [...(columns.get(k) ?? []), stats]);
  }
  const durations = new Map<string, { at: number; value: number }[]>();
  for (const r of durationRows) {
    const d = { at: timeOf(r[1]), value: num(r[2]) ?? NaN };
    if (Number.isFinite(d.at) && Number.isFinite(d.value)) durations.set(String(r[0]), [...(durations.get(String(r[0])) ?? []), d]);
  }
  return { tables, columns, durations };
}

/** The training window of one monitor (oldest first), from the run's shared read of dpf_meta. */
export async function readMonitorHistory(node: MonitorNode, ctx: MonitorContext, points: number): Promise<MonitorHistory> {
  const all = ctx.shared ? await ctx.shared(`monitor-history:${points}`, () => readAllHistory(ctx, points)) : await readAllHistory(ctx, points);
  const measurements = [...(all.tables.get(key(node.attachedNode, node.relationName)) ?? [])].sort((a, b) => a.at - b.at);
  return {
    measurements: measurements.map((m) => ({ ...m, columns: all.columns.get(key(node.attachedNode, node.relationName, m.runId)) ?? [] })),
    durations: ctx.resultOf ? [...(all.durations.get(node.attachedNode) ?? [])].sort((a, b) => a.at - b.at) : [],
  };
}
