/**
 * Pure functions from a run's results to history rows (docs/history.md): one `runs` row per
 * run, one `node_runs` row per step, a `test_results` row per test, a `freshness` row per
 * source checked. No I/O here; the recorder buffers these and the store writes them.
 */
import type { Manifest } from '../compiler/manifest.js';
import { nodeOfKind } from '../compiler/node-kinds.js';
import { failuresOf, type NodeResult, type RunSummary } from '../runner/run-results.js';
import type { HistoryRow, HistoryTableName } from './history-tables.js';
import { computeCost, sumCosts, type CostRates } from '../cost/index.js';

/** Rows of one or more runs, by table. */
export type HistoryRows = Record<HistoryTableName, HistoryRow[]>;

export const emptyRows = (): HistoryRows => ({ runs: [], node_runs: [], test_results: [], freshness: [], alerts: [], table_stats: [], monitor_results: [], audit_log: [], pii_findings: [] });

/** What a run's rows need beyond its summary. */
export interface RunFacts {
  readonly command: string;
  readonly selector: string | null;
  /** The pipeline the run was started for (`dpf pipeline run`); null for other runs. */
  readonly pipeline?: string | null;
  readonly target: string;
  readonly gitCommit: string | null;
  readonly gitDirty: boolean | null;
  readonly user: string | null;
  readonly dpfVersion: string;
  readonly fromLedger: boolean;
  /** The target's cost: rates, if any (docs/cost.md). */
  readonly rates?: CostRates;
}

/** ISO-8601 (2024-01-31T10:00:00.123Z) as a timestamp's text in UTC, as every engine reads it. */
export function timestampText(iso: string | undefined): string | null {
  if (!iso) return null;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? null : new Date(time).toISOString().replace('T', ' ').replace('Z', '');
}

export function runRow(summary: RunSummary, facts: RunFacts, endedAt: Date): HistoryRow {
  const { counts } = summary;
  const measured = summary.results.flatMap((r) => (r.resources ? [r.resources] : []));
  const total = (pick: (r: (typeof measured)[number]) => number | undefined) => sumCosts(measured.map(pick));
  const status = summary.cancelled ? 'cancelled' : failuresOf(summary) > 0 ? 'error' : 'success';
  return {
    run_id: summary.invocationId,
    command: facts.command,
    selector: facts.selector,
    target: facts.target,
    git_commit: facts.gitCommit,
    git_dirty: facts.gitDirty,
    user_name: facts.user,
    started_at: timestampText(summary.startedAt),
    ended_at: timestampText(endedAt.toISOString()),
    elapsed_seconds: summary.elapsed,
    status,
    dpf_version: facts.dpfVersion,
    from_ledger: facts.fromLedger,
    nodes: summary.results.length,
    success_count: counts.success,
    reused_count: counts.reused,
    pass_count: counts.pass,
    warn_count: counts.warn,
    fail_count: counts.fail,
    error_count: counts.error,
    skipped_count: counts.skipped,
    workers_at_start: summary.workers?.start ?? null,
    workers_at_end: summary.workers?.end ?? null,
    cpu_ms: total((r) => r.cpuMs),
    bytes_scanned: total((r) => r.bytesScanned),
    compute_cost: sumCosts(measured.map((r) => computeCost(r, facts.rates))),
    pipeline: facts.pipeline ?? null,
  };
}

export function nodeRunRow(runId: string, result: NodeResult, queuedMs: number | null, rates?: CostRates): HistoryRow {
  const r = result.resources;
  const failed = result.status === 'error' || result.status === 'fail' || result.status === 'warn';
  return {
    run_id: runId,
    unique_id: result.uniqueId,
    name: result.name,
    kind: result.resourceType,
    status: result.status,
    reason: result.reason ?? (result.skippedBecause ? `upstream ${result.skippedBecause} failed` : null),
    started_at: timestampText(result.startedAt),
    ended_at: timestampText(result.completedAt),
    execution_seconds: result.executionTime,
    queued_ms: queuedMs,
    rows_affected: result.rowsAffected ?? null,
    bytes_written: r?.bytesWritten ?? null,
    attempt: 1,
    thread: result.thread,
    error_code: result.error?.code ?? null,
    error_message: result.error?.message ?? (failed ? result.message : null),
    query_ids: r && r.queryIds.length > 0 ? JSON.stringify(r.queryIds) : null,
    cpu_ms: r?.cpuMs ?? null,
    peak_memory_bytes: r?.peakMemoryBytes ?? null,
    rows_scanned: r?.rowsScanned ?? null,
    bytes_scanned: r?.bytesScanned ?? null,
    compute_cost: r ? computeCost(r, rates) : null,
    relation_name: result.relationName ?? null,
  };
}

/** The test_results row of a data or unit test's result; undefined for any other step. */
export function testResultRow(runId: string, result: NodeResult, manifest: Manifest): HistoryRow | undefined {
  if (result.resourceType !== 'test' && result.resourceType !== 'unit_test') return undefined;
  const test = nodeOfKind(manifest, result.uniqueId, 'test');
  const unit = nodeOfKind(manifest, result.uniqueId, 'unit_test');
  return {
    run_id: runId,
    unique_id: result.uniqueId,
    attached_node: test?.attachedNode ?? unit?.attachedNode ?? null,
    column_name: test?.columnName ?? null,
    status: result.status,
    failures: result.failures ?? null,
  };
}

/** The freshness row of a source check's result; undefined for any other step. */
export function freshnessRow(runId: string, result: NodeResult): HistoryRow | undefined {
  const facts = result.freshness;
  if (!facts) return undefined;
  return {
    run_id: runId,
    unique_id: result.uniqueId,
    source: `${facts.sourceName}.${facts.tableName}`,
    max_loaded_at: timestampText(facts.maxLoadedAt),
    snapshotted_at: timestampText(facts.snapshottedAt),
    age_seconds: facts.maxLoadedAtTimeAgoInS ?? null,
    status: facts.status,
  };
}

/**
 * The table_stats rows of a monitor's result: the table's row, then one per column measured;
 * none for any other step (or a monitor that errored before measuring).
 */
export function tableStatsRows(runId: string, result: NodeResult, attachedNode: string | undefined): HistoryRow[] {
  const stats = result.tableStats;
  if (!stats || !attachedNode) return [];
  const at = timestampText(stats.measuredAt);
  const base = { run_id: runId, unique_id: attachedNode, relation: stats.relation, measured_at: at };
  const empty = { null_pct: null, distinct_pct: null, min_value: null, max_value: null, mean: null, stddev: null, mean_length: null };
  return [
    {
      ...base,
      column_name: null,
      data_type: null,
      row_count: stats.rowCount,
      rows_added: stats.rowsAdded,
      sampled_rows: stats.sampledRows,
      freshness_lag_seconds: stats.freshnessLagSeconds,
      columns_json: JSON.stringify(stats.schema),
      ...empty,
    },
    ...stats.columns.map((c) => ({
      ...base,
      column_name: c.column,
      data_type: c.dataType,
      row_count: null,
      rows_added: null,
      sampled_rows: null,
      freshness_lag_seconds: null,
      columns_json: null,
      null_pct: c.nullPct,
      distinct_pct: c.distinctPct,
      min_value: c.min,
      max_value: c.max,
      mean: c.mean,
      stddev: c.stddev,
      mean_length: c.meanLength,
    })),
  ];
}

/**
 * The monitor_results rows of a monitor's result: every judgement of volume, duration and
 * freshness (the band history the catalog charts), and column drift and schema changes only
 * when they found something (a pass per column and metric would be most of the table).
 */
export function monitorResultRows(runId: string, result: NodeResult, attachedNode: string | undefined): HistoryRow[] {
  const measuredAt = timestampText(result.tableStats?.measuredAt ?? result.completedAt);
  return (result.monitorFindings ?? [])
    .filter((f) => f.status !== 'pass' || (f.monitor !== 'column_drift' && f.monitor !== 'schema_change'))
    .map((f) => ({
      run_id: runId,
      unique_id: result.uniqueId,
      attached_node: attachedNode ?? null,
      monitor: f.monitor,
      metric: f.metric ?? null,
      column_name: f.column ?? null,
      status: f.status,
      value: finite(f.value),
      expected: finite(f.center),
      low: finite(f.expected?.low),
      high: finite(f.expected?.high),
      z_score: finite(f.z),
      detail: f.detail ?? null,
      measured_at: measuredAt,
    }));
}

const finite = (n: number | undefined): number | null => (n === undefined || !Number.isFinite(n) ? null : n);
