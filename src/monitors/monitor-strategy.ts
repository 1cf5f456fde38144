/**
 * Monitor steps, run in batches (the runner hands a batch of ready monitors to one call): the
 * relations' columns from one empty read, the training windows from the run's one read of
 * dpf_meta, the stats of every relation from one statement (measure-table.ts), then each
 * monitor judged alone. A monitor's status is its worst finding (pass, warn, or fail with
 * `severity: error`); the stats and findings ride on the result for the history recorder
 * (table_stats, monitor_results) and the headline on `monitor` for alerts and reporters.
 * A relation that does not exist (a source not loaded yet) is the monitor's error.
 */
import type { ColumnDescription } from '../adapters/adapter.js';
import type { MonitorNode } from '../compiler/manifest.js';
import { diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import { forKindsBatch } from '../compiler/node-kinds.js';
import { SEASONAL_LOOKBACK } from './detect-anomaly.js';
import { judgeMonitor } from './judge-monitor.js';
import { measureTables } from './measure-table.js';
import type { MonitorContext } from './monitor-context.js';
import { describeFinding, headline, worstStatus, type MonitorFacts, type MonitorFinding, type TableStats } from './monitor-findings.js';
import { readMonitorHistory } from './read-monitor-history.js';

/** Monitors measured together in one statement, at most. */
export const MONITOR_BATCH_SIZE = 50;

export interface MonitorOutcome {
  readonly status: 'pass' | 'warn' | 'fail';
  readonly message: string;
  readonly monitor?: MonitorFacts;
  readonly monitorFindings: readonly MonitorFinding[];
  /** Absent when there was nothing to measure (a source not loaded yet). */
  readonly tableStats?: TableStats;
}

type Answer = MonitorOutcome | { readonly error: Diagnostic } | Error;

export async function runMonitors(nodes: readonly MonitorNode[], ctx: MonitorContext): Promise<Answer[]> {
  const columns = await columnsOfAll(nodes, ctx);
  const answers: Answer[] = new Array(nodes.length);
  const toMeasure: { node: MonitorNode; index: number; columns: readonly ColumnDescription[]; rowCount?: number }[] = [];
  nodes.forEach((node, index) => {
    const found = columns[index]!;
    if (found instanceof Error) answers[index] = found;
    else if (found.length === 0) answers[index] = missingRelation(node, ctx);
    else toMeasure.push({ node, index, columns: found, rowCount: builtRowCount(node, ctx) });
  });
  const measured = await measureTables(toMeasure, ctx);
  for (const [k, { node, index }] of toMeasure.entries()) {
    const stats = measured[k]!;
    answers[index] = stats instanceof Error ? stats : await judge(node, stats, ctx);
  }
  return answers;
}

/** Measurements a monitor reads: seasonality reads eight weeks for its weekday levels; the window stays training_window. */
const historyPoints = (node: MonitorNode): number => (node.config.seasonality ? Math.max(node.config.training_window, SEASONAL_LOOKBACK) : node.config.training_window);

async function judge(node: MonitorNode, measured: TableStats, ctx: MonitorContext): Promise<MonitorOutcome> {
  const history = await readMonitorHistory(node, ctx, historyPoints(node));
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
 * The row count the watched node's build in this run reported, where that is the count of the
 * whole table (a table model or seed, replaced in full) and the monitor has no where; the
 * monitor then does not count again. test/monitors.test.ts checks it against a count.
 */
function builtRowCount(node: MonitorNode, ctx: MonitorContext): number | undefined {
  if (node.growing || node.config.where !== undefined) return undefined;
  const watched = ctx.manifest.nodes[node.attachedNode];
  const replaced = watched?.kind === 'seed' || (watched?.kind === 'model' && watched.config.materialized === 'table');
  const built = ctx.resultOf?.(node.attachedNode);
  return replaced && built?.status === 'success' ? built.rowsAffected : undefined;
}

/** The monitor of a relation that is not there: an error for a table dpf built, a warning for a source. */
function missingRelation(node: MonitorNode, ctx: MonitorContext): Answer {
  const watched = ctx.manifest.nodes[node.attachedNode];
  const missing = diagnostic('MonitoredRelationMissing', { monitor: node.name, relation: node.relationName, node: watched?.name ?? node.attachedNode }, { file: node.originalFilePath });
  // A declared source not loaded yet is worth a warning, not a failed build; a table dpf
  // has just built that is not there is an error.
  if (watched?.kind !== 'source') return { error: missing };
  const finding: MonitorFinding = { monitor: 'volume', metric: 'row_count', status: 'warn', detail: `${missing.code}: ${missing.message}` };
  return { status: 'warn', message: finding.detail!, monitor: { monitor: 'volume', metric: 'row_count', detail: finding.detail }, monitorFindings: [finding] };
}

/**
 * The columns of every relation of the batch from one empty read of them all (a cross join
 * with `limit 0`, each relation's columns after a marker column). When that read fails (a
 * relation is missing), each relation is read alone.
 */
async function columnsOfAll(nodes: readonly MonitorNode[], ctx: MonitorContext): Promise<(readonly ColumnDescription[] | Error)[]> {
  if (nodes.length > 1) {
    const markers = nodes.map((_, i) => `dpf_monitor_relation_${i}`);
    const sql = ctx.templates.render('columns_of_relations', {
      relations: nodes.map((n, i) => ({ relation: n.relationName, alias: ctx.dialect.quoteIdentifier(`dpf_r${i}`), marker: ctx.dialect.quoteIdentifier(markers[i]!) })),
    });
    const read = await ctx.query(sql).catch(() => undefined);
    if (read) {
      const at = (marker: string, from: number) => read.columns.findIndex((c, i) => i >= from && c.name === marker);
      const split: ColumnDescription[][] = [];
      let start = at(markers[0]!, 0);
      for (let i = 0; i < nodes.length && start !== -1; i++) {
        const next = i + 1 < nodes.length ? at(markers[i + 1]!, start + 1) : read.columns.length;
        if (next === -1) break;
        split.push(read.columns.slice(start + 1, next));
        start = next;
      }
      if (split.length === nodes.length) return split;
    }
  }
  const each: (readonly ColumnDescription[] | Error)[] = [];
  for (const node of nodes) each.push(await columnsOf(node, ctx).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
  return each;
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

export const monitorStrategy = {
  batchSize: MONITOR_BATCH_SIZE,
  run: forKindsBatch(['monitor'], (nodes: MonitorNode[], ctx: MonitorContext) => runMonitors(nodes, ctx)),
  // The run's one read of the monitors' history, before the first batch asks for it.
  warmUp: forKindsBatch(['monitor'], (nodes: MonitorNode[], ctx: MonitorContext) => Promise.all([...new Set(nodes.map(historyPoints))].map((points) => readMonitorHistory(nodes[0]!, ctx, points)))),
};
