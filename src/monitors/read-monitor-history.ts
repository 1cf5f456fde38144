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

export async function readMonitorHistory(node: MonitorNode, ctx: MonitorContext, points: number): Promise<MonitorHistory> {
  const { dialect, templates } = ctx;
  const rel = (table: string) => dialect.renderRelation({ database: ctx.database, schema: HISTORY_SCHEMA_NAME, identifier: table });
  const q = (name: string) => dialect.quoteIdentifier(name);
  const is = (column: string, value: string) => `${q(column)} = ${dialect.literal(value, 'text')}`;
  const read = async (sql: string) => {
    try {
      return (await ctx.query(sql)).rows;
    } catch {
      // No history tables yet (the first build of this warehouse), or written by an older dpf.
      return [];
    }
  };
  const tableRows = await read(
    templates.render('select_rows', {
      relation: rel('table_stats'),
      columns: TABLE_ROW_COLUMNS.map(q),
      where: `${is('unique_id', node.attachedNode)} and ${q('column_name')} is null`,
      order_by: q('measured_at'),
      limit: points,
    }),
  );
  const measurements = tableRows
    .map((r) => ({ runId: String(r[0]), at: timeOf(r[1]), rowCount: num(r[2]), rowsAdded: num(r[3]), freshnessLagSeconds: num(r[4]) }))
    .filter((m) => Number.isFinite(m.at))
    .reverse();
  const columnsByRun = new Map<string, ColumnStats[]>();
  if (measurements.length > 0) {
    const since = dialect.literal(new Date(measurements[0]!.at).toISOString().replace('T', ' ').replace('Z', ''), 'timestamp');
    const columnRows = await read(
      templates.render('select_rows', {
        relation: rel('table_stats'),
        columns: COLUMN_ROW_COLUMNS.map(q),
        where: `${is('unique_id', node.attachedNode)} and ${q('column_name')} is not null and ${q('measured_at')} >= ${since}`,
      }),
    );
    for (const r of columnRows) {
      const stats: ColumnStats = {
        column: String(r[1]),
        dataType: String(r[2] ?? ''),
        nullPct: num(r[3]),
        distinctPct: num(r[4]),
        min: text(r[5]),
        max: text(r[6]),
        mean: num(r[7]),
        stddev: num(r[8]),
        meanLength: num(r[9]),
      };
      columnsByRun.set(String(r[0]), [...(columnsByRun.get(String(r[0])) ?? []), stats]);
    }
  }
  const durationRows = ctx.resultOf
    ? await read(
        templates.render('select_rows', {
          relation: rel('node_runs'),
          columns: NODE_RUN_COLUMNS.map(q),
          where: `${is('unique_id', node.attachedNode)} and ${is('status', 'success')}`,
          order_by: q('started_at'),
          limit: points,
        }),
      )
    : [];
  return {
    measurements: measurements.map((m) => ({ ...m, columns: columnsByRun.get(m.runId) ?? [] })),
    durations: durationRows
      .map((r) => ({ at: timeOf(r[0]), value: num(r[1]) ?? NaN }))
      .filter((d) => Number.isFinite(d.at) && Number.isFinite(d.value))
      .reverse(),
  };
}
