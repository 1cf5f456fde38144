/**
 * A monitor's verdicts, from this build's measurement and the history before it (pure):
 * volume (row count, or rows added for growing relations), schema change (columns added,
 * removed or retyped since the last measurement), column drift (each watched table_stats
 * metric), duration regression (slower only) and freshness (sources with loaded_at_field:
 * the lag grew). Anomalies are warnings, or failures with `severity: error`.
 */
import type { ColumnMetric, MonitorConfig } from '../compiler/manifest.js';
import { judgePoint, type DetectOptions, type Judgement, type Point } from './detect-anomaly.js';
import { parseColumnTypes, type ColumnStats, type MonitorFinding, type MonitorName, type TableStats } from './monitor-findings.js';
import type { MonitorHistory } from './read-monitor-history.js';

export interface MonitorInput {
  readonly config: MonitorConfig;
  readonly stats: TableStats;
  readonly history: MonitorHistory;
  /** This build's duration of the watched node, when it ran in this run. */
  readonly duration?: number;
}

/** Steps shorter than this are not judged for duration regressions. */
export const MIN_JUDGED_SECONDS = 1;

const METRIC_OF: Record<ColumnMetric, (c: ColumnStats) => number | null> = {
  null_pct: (c) => c.nullPct,
  distinct_pct: (c) => c.distinctPct,
  min: (c) => numeric(c.min),
  max: (c) => numeric(c.max),
  mean: (c) => c.mean,
  stddev: (c) => c.stddev,
  mean_length: (c) => c.meanLength,
};

function numeric(value: string | null): number | null {
  if (value === null || value.trim() === '' || !/^[-+]?\d*\.?\d+(e[-+]?\d+)?$/i.test(value.trim())) return null;
  return Number(value);
}

export function detectOptions(config: MonitorConfig, direction?: DetectOptions['direction']): DetectOptions {
  return {
    sensitivity: config.sensitivity,
    trainingWindow: config.training_window,
    minTrainingPoints: config.min_training_points,
    seasonality: config.seasonality,
    direction,
  };
}

export function judgeMonitor(input: MonitorInput): MonitorFinding[] {
  const { config, stats, history } = input;
  const now = Date.parse(stats.measuredAt);
  const anomaly = config.severity === 'error' ? 'fail' : 'warn';
  const findings: MonitorFinding[] = [];
  const judged = (monitor: MonitorName, metric: string, j: Judgement, column?: string): void => {
    if (j.verdict === 'training') return;
    findings.push({
      monitor,
      metric,
      column,
      status: j.verdict === 'anomaly' ? anomaly : 'pass',
      value: j.value,
      expected: j.band,
      center: j.expected,
      z: j.z,
    });
  };
  const series = (pick: (m: MonitorHistory['measurements'][number]) => number | null): Point[] =>
    history.measurements.flatMap((m) => {
      const value = pick(m);
      return value === null ? [] : [{ at: m.at, value }];
    });

  // Volume.
  if (stats.rowsAdded !== null) judged('volume', 'rows_added', judgePoint(series((m) => m.rowsAdded), { at: now, value: stats.rowsAdded }, detectOptions(config)));
  else judged('volume', 'row_count', judgePoint(series((m) => m.rowCount), { at: now, value: stats.rowCount }, detectOptions(config)));

  // Freshness: only a growing lag is a problem.
  if (stats.freshnessLagSeconds !== null) {
    judged('freshness', 'lag_seconds', judgePoint(series((m) => m.freshnessLagSeconds), { at: now, value: stats.freshnessLagSeconds }, detectOptions(config, 'spike')));
  }

  // Duration regression: only slower is a problem, and only for steps that take a while (the
  // milliseconds of a small step are noise).
  if (input.duration !== undefined && input.duration >= MIN_JUDGED_SECONDS) {
    judged('duration', 'execution_seconds', judgePoint(history.durations, { at: now, value: input.duration }, detectOptions(config, 'spike')));
  }

  // Schema change against the last measurement that recorded the columns.
  const lastSchema = parseColumnTypes([...history.measurements].reverse().find((m) => m.schemaJson !== null)?.schemaJson);
  if (lastSchema && !config.columns) {
    const before = new Map(lastSchema.map((c) => [c.name.toLowerCase(), c]));
    const after = new Map(stats.schema.map((c) => [c.name.toLowerCase(), c]));
    for (const [key, c] of after) {
      const old = before.get(key);
      if (!old) findings.push({ monitor: 'schema_change', metric: 'column_added', column: c.name, status: anomaly, detail: `column ${c.name} (${c.type}) added` });
      else if (old.type.toLowerCase() !== c.type.toLowerCase()) {
        findings.push({ monitor: 'schema_change', metric: 'column_retyped', column: c.name, status: anomaly, detail: `column ${c.name} changed type from ${old.type} to ${c.type}` });
      }
    }
    for (const [key, c] of before) {
      if (!after.has(key)) findings.push({ monitor: 'schema_change', metric: 'column_removed', column: c.name, status: anomaly, detail: `column ${c.name} (${c.type}) removed` });
    }
  }

  // Column drift on each watched metric.
  for (const column of stats.columns) {
    const key = column.column.toLowerCase();
    for (const metric of config.metrics) {
      const value = METRIC_OF[metric](column);
      if (value === null) continue;
      const past = series((m) => {
        const c = m.columns.find((x) => x.column.toLowerCase() === key);
        return c ? METRIC_OF[metric](c) : null;
      });
      judged('column_drift', metric, judgePoint(past, { at: now, value }, detectOptions(config)), column.column);
    }
  }
  return findings;
}
