/**
 * A monitor step: measure the relation (one stats query), read its training window from
 * dpf_meta, judge, and report. Its status is the worst finding (pass, warn, or fail with
 * `severity: error`); the stats and findings ride on the result for the history recorder
 * (table_stats, monitor_results) and the headline on `monitor` for alerts and reporters.
 * A relation that does not exist (a source not loaded yet) is the monitor's error.
 */
import type { ColumnDescription } from '../adapters/adapter.js';
import type { MonitorNode } from '../compiler/manifest.js';
import { diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import { forKinds } from '../compiler/node-kinds.js';
import { SEASONAL_LOOKBACK } from './detect-anomaly.js';
import { judgeMonitor } from './judge-monitor.js';
import { measureTable } from './measure-table.js';
import type { MonitorContext } from './monitor-context.js';
import { describeFinding, headline, worstStatus, type MonitorFacts, type MonitorFinding, type TableStats } from './monitor-findings.js';
import { readMonitorHistory } from './read-monitor-history.js';

export interface MonitorOutcome {
  readonly status: 'pass' | 'warn' | 'fail';
  readonly message: string;
  readonly monitor?: MonitorFacts;
  readonly monitorFindings: readonly MonitorFinding[];
  /** Absent when there was nothing to measure (a source not loaded yet). */
  readonly tableStats?: TableStats;
}

export async function runMonitor(node: MonitorNode, ctx: MonitorContext): Promise<MonitorOutcome | { readonly error: Diagnostic }> {
  const columns = await columnsOf(node, ctx);
  if (columns.length === 0) {
    const watched = ctx.manifest.nodes[node.attachedNode];
    const missing = diagnostic('MonitoredRelationMissing', { monitor: node.name, relation: node.relationName, node: watched?.name ?? node.attachedNode }, { file: node.originalFilePath });
    // A declared source not loaded yet is worth a warning, not a failed build; a table dpf
    // has just built that is not there is an error.
    if (watched?.kind !== 'source') return { error: missing };
    const finding: MonitorFinding = { monitor: 'volume', metric: 'row_count', status: 'warn', detail: `${missing.code}: ${missing.message}` };
    return { status: 'warn', message: finding.detail!, monitor: { monitor: 'volume', metric: 'row_count', detail: finding.detail }, monitorFindings: [finding] };
  }
  // Seasonality reads eight weeks for its weekday levels; the window stays training_window.
  const points = node.config.seasonality ? Math.max(node.config.training_window, SEASONAL_LOOKBACK) : node.config.training_window;
  const history = await readMonitorHistory(node, ctx, points);
  const measured = await measureTable(node, ctx, columns);
  const earlier = ctx.resultOf?.(node.attachedNode);
  const last = history.measurements.at(-1);
  // Rows added: what the build reported, else the growth since the last measurement.
  const rowsAdded = node.growing ? (earlier?.rowsAffected ?? (last?.rowCount != null ? Math.max(0, measured.rowCount - last.rowCount) : null)) : null;
  const stats: TableStats = { ...measured, rowsAdded };
  const duration = earlier?.status === 'success' ? earlier.executionTime : undefined;
  const findings = judgeMonitor({ config: node.config, stats, history, duration });
  const status = worstStatus(findings);
  const problems = findings.filter((f) => f.status !== 'pass');
  const top = headline(findings);
  const message =
    problems.length > 0
      ? `${problems.length} ${problems.length === 1 ? 'anomaly' : 'anomalies'}: ${problems.slice(0, 3).map(describeFinding).join('; ')}${problems.length > 3 ? '; …' : ''}`
      : history.measurements.length < node.config.min_training_points
        ? `${stats.rowCount} rows (training ${history.measurements.length + 1}/${node.config.min_training_points})`
        : `${stats.rowCount} rows, no anomaly`;
  const facts: MonitorFacts | undefined = top && { monitor: top.monitor, metric: top.metric, column: top.column, value: top.value, expected: top.expected, detail: top.detail };
  return { status, message, monitor: facts, monitorFindings: findings, tableStats: stats };
}

/**
 * The relation's columns and types from an empty read of it: a fraction of a millisecond,
 * where the catalog's information_schema costs ~10 ms a table on DuckDB with a thousand
 * tables. A read that fails asks the catalog, which says whether the relation is there.
 */
async function columnsOf(node: MonitorNode, ctx: MonitorContext): Promise<readonly ColumnDescription[]> {
  try {
    return (await ctx.query(ctx.templates.render('sample_rows', { sql: `select * from ${node.relationName}`, limit: 0 }))).columns;
  } catch (err) {
    const columns = await ctx.connection.getColumns(node.relation);
    if (columns.length > 0) throw err;
    return columns;
  }
}

export const monitorStrategy = forKinds(['monitor'], (node: MonitorNode, ctx: MonitorContext) => runMonitor(node, ctx));
