/**
 * Reads a monitor's training window from the run history in dpf_meta (written by
 * src/history): the last measurements of its relation (table_stats, the table row and the
 * column rows of those runs) and the last successful durations of its node (node_runs). The
 * names read here are checked against src/history/history-tables.ts by a test. A history that
 * is not there yet (the first build) reads as empty.
 */
import { parseEngineTimestamp } from '../adapters/engine-timestamp.js';
import type { ColumnMetric, MonitorNode } from '../compiler/manifest.js';
import { nodesOfKind } from '../compiler/node-kinds.js';
import type { MonitorContext } from './monitor-context.js';
import type { ColumnStats } from './monitor-findings.js';

export const HISTORY_SCHEMA_NAME = 'dpf_meta';
/** table_stats columns the monitor reads back for the table (column_name null). */
export const TABLE_ROW_COLUMNS = ['run_id', 'measured_at', 'row_count', 'rows_added', 'freshness_lag_seconds', 'columns_json'] as const;
/** table_stats columns the monitor reads back for each column measured: its name and type, and the metrics monitors judge. */
export const COLUMN_ROW_COLUMNS = ['run_id', 'column_name', 'data_type', 'null_pct', 'distinct_pct', 'min_value', 'max_value', 'mean', 'stddev', 'mean_length'] as const;
export const NODE_RUN_COLUMNS = ['started_at', 'execution_seconds'] as const;

/** The table_stats column of each metric a monitor may judge. */
const METRIC_COLUMN: Record<ColumnMetric, (typeof COLUMN_ROW_COLUMNS)[number]> = {
  null_pct: 'null_pct',
  distinct_pct: 'distinct_pct',
  min: 'min_value',
  max: 'max_value',
  mean: 'mean',
  stddev: 'stddev',
  mean_length: 'mean_length',
};

/** One earlier measurement of the relation. */
export interface PastMeasurement {
  readonly runId: string;
  /** ms since the epoch. */
  readonly at: number;
  readonly rowCount: number | null;
  readonly rowsAdded: number | null;
  readonly freshnessLagSeconds: number | null;
  /** The columns and types it saw, as table_stats.columns_json holds them (parseColumnTypes); null when not recorded (a dpf_meta older than version 5). */
  readonly schemaJson: string | null;
  /** The columns whose values it measured (`column_stats`). */
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

/** A timestamp as an engine returns it (text, UTC when it names no zone, or a Date) in ms. */
export function timeOf(value: unknown): number {
  return value instanceof Date ? value.getTime() : parseEngineTimestamp(String(value));
}

interface AllHistory {
  readonly tables: Map<string, Omit<PastMeasurement, 'columns'>[]>;
  readonly columns: Map<string, ColumnStats[]>;
  readonly durations: Map<string, { at: number; value: number }[]>;
}

const key = (...parts: string[]) => parts.join('\u0000');

/**
 * The newest `points` measurements of every relation (its table row, and the rows of the
 * columns whose values were measured when some monitor judges column drift), and the newest
 * successful durations of every node: up to three queries for the whole run (template
 * latest_series: one JSON text per relation or node), shared by every monitor of the run
 * through ctx.shared. Of the column metrics, only those some monitor judges are read.
 */
async function readAllHistory(ctx: MonitorContext, points: number): Promise<AllHistory> {
  const { dialect, templates } = ctx;
  const rel = (table: string) => dialect.renderRelation({ database: ctx.database, schema: HISTORY_SCHEMA_NAME, identifier: table });
  const q = (name: string) => dialect.quoteIdentifier(name);
  // Rows this run wrote already (the recorder flushes while the run goes on) are not its history.
  const notThisRun = ctx.runId ? ` and ${q('run_id')} <> ${dialect.literal(ctx.runId, 'text')}` : '';
  // node_runs names no relation: a node's durations are those of its target's runs (table_stats
  // rows are told apart by their relation, which differs between targets that share dpf_meta).
  const ofTarget = ctx.targetName ? ` and ${q('run_id')} in (select ${q('run_id')} from ${rel('runs')} where ${q('target')} = ${dialect.literal(ctx.targetName, 'text')})` : '';
  const series = async (table: string, keys: readonly string[], values: readonly string[], partition: readonly string[], orderBy: string, where: string) => {
    const sql = templates.render('latest_series', { relation: rel(table), keys: keys.map(q), values: values.map(q), partition: partition.map(q), order_by: q(orderBy), where, limit: points });
    try {
      return (await ctx.query(sql)).rows.map((r) => ({ keys: r.slice(0, keys.length).map(String), rows: JSON.parse(String(r[keys.length])) as (string | null)[][] }));
    } catch {
      // No history tables yet (the first build of this warehouse), or written by an older dpf.
      return [];
    }
  };

  const tables = new Map<string, Omit<PastMeasurement, 'columns'>[]>();
  for (const { keys, rows } of await series('table_stats', ['unique_id', 'relation'], TABLE_ROW_COLUMNS, ['unique_id', 'relation'], 'measured_at', `${q('column_name')} is null${notThisRun}`)) {
    const measurements = rows
      .map(([runId, at, rowCount, rowsAdded, lag, schema]) => ({ runId: String(runId), at: timeOf(at), rowCount: num(rowCount), rowsAdded: num(rowsAdded), freshnessLagSeconds: num(lag), schemaJson: schema ?? null }))
      .filter((m) => Number.isFinite(m.at));
    tables.set(key(keys[0]!, keys[1]!), measurements);
  }

  const judged = new Set(nodesOfKind(ctx.manifest, 'monitor').flatMap((m) => (m.config.column_stats || m.config.columns ? m.config.metrics.map((metric) => METRIC_COLUMN[metric]) : [])));
  const columns = new Map<string, ColumnStats[]>();
  if (judged.size > 0) {
    const values: readonly string[] = COLUMN_ROW_COLUMNS.filter((c) => c === 'run_id' || c === 'column_name' || c === 'data_type' || judged.has(c));
    const at = (name: string) => values.indexOf(name);
    const metric = <T>(r: (string | null)[], column: string, read: (v: unknown) => T): T | null => (at(column) === -1 ? null : read(r[at(column)]));
    for (const { keys, rows } of await series('table_stats', ['unique_id', 'relation'], values, ['unique_id', 'relation', 'column_name'], 'measured_at', `${q('column_name')} is not null${notThisRun}`)) {
      for (const r of rows) {
        const c: ColumnStats = {
          column: String(r[at('column_name')]),
          dataType: String(r[at('data_type')] ?? ''),
          nullPct: metric(r, 'null_pct', num),
          distinctPct: metric(r, 'distinct_pct', num),
          min: metric(r, 'min_value', text),
          max: metric(r, 'max_value', text),
          mean: metric(r, 'mean', num),
          stddev: metric(r, 'stddev', num),
          meanLength: metric(r, 'mean_length', num),
        };
        const k = key(keys[0]!, keys[1]!, String(r[at('run_id')]));
        const list = columns.get(k);
        if (list) list.push(c);
        else columns.set(k, [c]);
      }
    }
  }

  const durations = new Map<string, { at: number; value: number }[]>();
  // Per relation: a project built into two schemas (two developers, two test runs) on one
  // dpf_meta has two duration series, not one that mixes them.
  for (const { keys, rows } of await series('node_runs', ['unique_id', 'relation_name'], NODE_RUN_COLUMNS, ['unique_id', 'relation_name'], 'started_at', `${q('status')} = ${dialect.literal('success', 'text')}${notThisRun}${ofTarget}`)) {
    durations.set(key(keys[0]!, keys[1]!), rows.map(([at, value]) => ({ at: timeOf(at), value: num(value) ?? NaN })).filter((d) => Number.isFinite(d.at) && Number.isFinite(d.value)));
  }
  return { tables, columns, durations };
}

/** The training window of one monitor (oldest first), from the run's shared read of dpf_meta. */
export async function readMonitorHistory(node: MonitorNode, ctx: MonitorContext, points: number): Promise<MonitorHistory> {
  const all = ctx.shared ? await ctx.shared(`monitor-history:${points}`, () => readAllHistory(ctx, points)) : await readAllHistory(ctx, points);
  const measurements = [...(all.tables.get(key(node.attachedNode, node.relationName)) ?? [])].sort((a, b) => a.at - b.at);
  return {
    measurements: measurements.map((m) => ({ ...m, columns: all.columns.get(key(node.attachedNode, node.relationName, m.runId)) ?? [] })),
    durations: ctx.resultOf ? [...(all.durations.get(key(node.attachedNode, node.relationName)) ?? [])].sort((a, b) => a.at - b.at) : [],
  };
}
