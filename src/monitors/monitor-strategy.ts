/**
 * A monitor step: measure the relation (one stats query), read its training window from
 * dpf_meta, judge, and report. Its status is the worst finding (pass, warn, or fail with
 * `severity: error`); the stats and findings ride on the result for the history recorder
 * (table_stats, monitor_results) and the headline on `monitor` for alerts and reporters.
 * A relation that does not exist (a source not loaded yet) is the monitor's error.
 */
import type { MonitorNode } from '../compiler/manifest.js';
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
  readonly tableStats: TableStats;
}

export async function runMonitor(node: MonitorNode, ctx: MonitorContext): Promise<MonitorOutcome> {
  const columns = await ctx.connection.getColumns(node.relation);
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

export const monitorStrategy = forKinds(['monitor'], (node: MonitorNode, ctx: MonitorContext) => runMonitor(node, ctx));
