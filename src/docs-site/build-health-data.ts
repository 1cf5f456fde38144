/**
 * Part of step 6 of `dpf docs generate`: the run history (src/history/read-site-history.ts)
 * in, the Health page's data (HealthData, data/health.js) and each node's series
 * (NodeHistory, in its details) out. Pure: no files, no warehouse.
 *
 * Small on purpose: the last runs only (the reader's limit), Gantt timelines of the newest
 * TIMELINE_RUNS runs with at most TIMELINE_BARS steps each, PROBLEMS_MAX problems.
 */
import type { Manifest } from '../compiler/manifest.js';
import type { SiteHistory, SiteMonitorResult, SiteNodeRun } from '../history/read-site-history.js';
import type { GanttBar, HealthData, HealthProblem, NodeHistory, RunTimeline } from './site-data.js';
import { parseColumnTypes } from '../monitors/monitor-findings.js';

export const TIMELINE_RUNS = 10;
export const TIMELINE_BARS = 2000;
export const PROBLEMS_MAX = 200;

const PROBLEM_STATUSES = new Set(['error', 'fail', 'warn']);
const SCHEMA_MONITORS = new Set(['schema_change', 'schema']);
const DURATION_METRICS = new Set(['execution_seconds', 'duration']);
const ROW_METRICS = new Set(['row_count']);

export interface HealthOutput {
  readonly health: HealthData;
  readonly nodes: ReadonlyMap<string, NodeHistory>;
}

const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);

/** The site node a step's link opens: itself, or for a test or monitor, the node it is on. */
function siteNodeOf(manifest: Manifest, position: ReadonlyMap<string, number>, id: string, attached?: string | null): number | undefined {
  if (position.has(id)) return position.get(id);
  if (attached && position.has(attached)) return position.get(attached);
  const node = manifest.nodes[id] as { attachedNode?: string; dependsOn?: string[] } | undefined;
  const on = node?.attachedNode ?? node?.dependsOn?.find((d) => position.has(d));
  return on === undefined ? undefined : position.get(on);
}

export function buildHealthData(history: SiteHistory, manifest: Manifest, position: ReadonlyMap<string, number>): HealthOutput {
  const runStart = new Map(history.runs.map((r) => [r.runId, time(r.startedAt)]));
  const byRun = new Map<string, SiteNodeRun[]>();
  for (const row of history.nodeRuns) byRun.set(row.runId, [...(byRun.get(row.runId) ?? []), row]);

  const timelines: RunTimeline[] = [];
  for (const run of history.runs) {
    if (timelines.length >= TIMELINE_RUNS) break;
    const timeline = runTimeline(run.runId, byRun.get(run.runId) ?? [], manifest, position);
    if (timeline) timelines.push(timeline);
  }
  const withTimeline = new Set(timelines.map((t) => t.run));

  const problems: HealthProblem[] = [];
  for (const row of history.nodeRuns) {
    if (!PROBLEM_STATUSES.has(row.status)) continue;
    const node = siteNodeOf(manifest, position, row.uniqueId);
    problems.push({
      run: row.runId,
      at: row.endedAt ?? row.startedAt,
      id: row.uniqueId,
      name: row.name,
      kind: row.kind,
      status: row.status,
      ...(node !== undefined ? { node } : {}),
      ...(row.errorMessage ? { message: row.errorMessage } : {}),
    });
  }
  for (const m of history.monitors) {
    if (m.status === 'pass') continue;
    const node = siteNodeOf(manifest, position, m.node);
    problems.push({
      run: m.runId,
      at: m.measuredAt ?? history.runs.find((r) => r.runId === m.runId)?.startedAt ?? null,
      id: m.node,
      name: manifest.nodes[m.node]?.name ?? m.node,
      kind: 'monitor',
      status: m.status,
      ...(node !== undefined ? { node } : {}),
      monitor: m.monitor,
      ...(m.metric ? { metric: m.metric } : {}),
      ...(m.column ? { column: m.column } : {}),
      ...(m.value !== null ? { value: m.value } : {}),
      ...(m.low !== null ? { low: m.low } : {}),
      ...(m.high !== null ? { high: m.high } : {}),
      ...(m.detail ? { message: m.detail } : {}),
    });
  }
  problems.sort((a, b) => (b.at ?? '').localeCompare(a.at ?? '') || a.name.localeCompare(b.name));

  return {
    health: {
      runs: history.runs.map((r) => ({
        id: r.runId,
        command: r.command,
        status: r.status,
        target: r.target,
        ...(r.selector ? { selector: r.selector } : {}),
        startedAt: r.startedAt,
        elapsed: r.elapsedSeconds,
        nodes: r.nodes,
        counts: Object.fromEntries(Object.entries(r.counts).filter(([, n]) => n > 0)),
        ...(withTimeline.has(r.runId) ? { tl: 1 as const } : {}),
      })),
      timelines,
      problems: problems.slice(0, PROBLEMS_MAX),
      problemsOmitted: Math.max(0, problems.length - PROBLEMS_MAX),
    },
    nodes: nodeSeries(history, position, runStart),
  };
}

/** One run's steps as bars by thread, with the critical path marked; undefined when none started. */
export function runTimeline(runId: string, rows: readonly SiteNodeRun[], manifest: Manifest, position: ReadonlyMap<string, number>): RunTimeline | undefined {
  const started = rows.filter((r) => Number.isFinite(time(r.startedAt)));
  if (started.length === 0) return undefined;
  const origin = Math.min(...started.map((r) => time(r.startedAt)));
  let bars: GanttBar[] = started.map((r) => {
    const a = time(r.startedAt) - origin;
    const end = time(r.endedAt);
    const b = Number.isFinite(end) ? end - origin : a + (r.executionSeconds ?? 0) * 1000;
    const node = siteNodeOf(manifest, position, r.uniqueId);
    return { id: r.uniqueId, n: r.name, k: r.kind, s: r.status, th: r.thread ?? 0, a, b: Math.max(a, b), ...(node !== undefined ? { node } : {}) };
  });
  const critical = criticalPath(bars, (id) => (manifest.nodes[id] as { dependsOn?: string[] } | undefined)?.dependsOn ?? []);
  bars = bars.map((bar) => (critical.has(bar.id) ? { ...bar, cp: 1 as const } : bar));
  const omitted = Math.max(0, bars.length - TIMELINE_BARS);
  if (omitted > 0) {
    // The longest steps and the critical path say the most about where the time went.
    const kept = new Set([...bars].sort((x, y) => (y.cp ?? 0) - (x.cp ?? 0) || y.b - y.a - (x.b - x.a)).slice(0, TIMELINE_BARS));
    bars = bars.filter((bar) => kept.has(bar));
  }
  bars.sort((x, y) => x.a - y.a || x.th - y.th);
  return {
    run: runId,
    startedAt: new Date(origin).toISOString(),
    spanMs: Math.max(1, ...bars.map((bar) => bar.b)),
    threads: [...new Set(bars.map((bar) => bar.th))].sort((x, y) => x - y),
    bars,
    omitted,
  };
}

/**
 * The chain that decided when the run ended: from the step that ended last, back through the
 * parent (among the run's steps) that ended last, to a step that waited for none.
 */
export function criticalPath(bars: readonly Pick<GanttBar, 'id' | 'b'>[], parentsOf: (id: string) => readonly string[]): Set<string> {
  const byId = new Map(bars.map((bar) => [bar.id, bar]));
  const path = new Set<string>();
  let current = [...bars].sort((x, y) => y.b - x.b)[0];
  while (current && !path.has(current.id)) {
    path.add(current.id);
    current = parentsOf(current.id)
      .map((id) => byId.get(id))
      .filter((bar): bar is Pick<GanttBar, 'id' | 'b'> => bar !== undefined)
      .sort((x, y) => y.b - x.b)[0];
  }
  return path;
}

function nodeSeries(history: SiteHistory, position: ReadonlyMap<string, number>, runStart: ReadonlyMap<string, number>): Map<string, NodeHistory> {
  const at = (runId: string, fallback: string | null) => {
    const t = runStart.get(runId);
    return t !== undefined && Number.isFinite(t) ? t : time(fallback);
  };
  const rowsOf = new Map<string, SiteNodeRun[]>();
  for (const row of history.nodeRuns) if (position.has(row.uniqueId)) rowsOf.set(row.uniqueId, [...(rowsOf.get(row.uniqueId) ?? []), row]);
  const key = (runId: string, node: string) => `${runId}\u0000${node}`;
  const statRows = new Map<string, number>();
  const columnsAt = new Map<string, Map<string, { t: number; columns: Map<string, string> }>>();
  const columnsOf = (uniqueId: string, runId: string) => {
    const runs = columnsAt.get(uniqueId) ?? new Map<string, { t: number; columns: Map<string, string> }>();
    columnsAt.set(uniqueId, runs);
    const entry = runs.get(runId) ?? { t: at(runId, null), columns: new Map<string, string>() };
    runs.set(runId, entry);
    return entry.columns;
  };
  for (const s of history.tableStats) {
    if (s.column !== null) {
      // Written before dpf_meta version 5, when every column had a row.
      columnsOf(s.uniqueId, s.runId).set(s.column, s.dataType ?? '');
      continue;
    }
    if (s.rowCount !== null) statRows.set(key(s.runId, s.uniqueId), s.rowCount);
    const schema = parseColumnTypes(s.columnsJson);
    if (schema) for (const c of schema) columnsOf(s.uniqueId, s.runId).set(c.name, c.type);
  }
  const monitorsOf = new Map<string, SiteMonitorResult[]>();
  for (const m of history.monitors) monitorsOf.set(m.node, [...(monitorsOf.get(m.node) ?? []), m]);
  const testsOf = new Map<string, Map<string, { pass: number; total: number }>>();
  for (const t of history.tests) {
    if (!t.attachedNode || t.status === 'skipped') continue;
    const runs = testsOf.get(t.attachedNode) ?? new Map<string, { pass: number; total: number }>();
    testsOf.set(t.attachedNode, runs);
    const entry = runs.get(t.runId) ?? { pass: 0, total: 0 };
    runs.set(t.runId, entry);
    entry.total++;
    if (t.status === 'pass') entry.pass++;
  }

  const out = new Map<string, NodeHistory>();
  const ids = new Set([...rowsOf.keys(), ...testsOf.keys(), ...monitorsOf.keys()].filter((id) => position.has(id)));
  for (const id of ids) {
    // One point per run; a run that retried a step keeps its last row.
    const rows = [...new Map((rowsOf.get(id) ?? []).map((r) => [r.runId, r])).values()].sort((x, y) => at(x.runId, x.startedAt) - at(y.runId, y.startedAt));
    const monitors = monitorsOf.get(id) ?? [];
    const band = (metrics: Set<string>) => {
      const byRun = new Map(monitors.filter((m) => m.metric !== null && metrics.has(m.metric) && (m.low !== null || m.high !== null)).map((m) => [m.runId, m]));
      if (byRun.size === 0) return undefined;
      return [rows.map((r) => byRun.get(r.runId)?.low ?? null), rows.map((r) => byRun.get(r.runId)?.high ?? null)] as [(number | null)[], (number | null)[]];
    };
    const fromStats = rows.some((r) => statRows.has(key(r.runId, id)));
    const rowValues = rows.map((r) => (fromStats ? (statRows.get(key(r.runId, id)) ?? null) : r.rowsAffected));
    const resourceNames = [...new Set(rows.flatMap((r) => Object.keys(r.resources)))].sort();
    const tests = [...(testsOf.get(id) ?? new Map<string, { pass: number; total: number }>())].map(([runId, c]) => ({ runId, t: at(runId, null), ...c })).filter((x) => Number.isFinite(x.t)).sort((x, y) => x.t - y.t);
    const schema = schemaChanges(monitors, columnsAt.get(id), at);
    out.set(id, {
      t: rows.map((r) => at(r.runId, r.startedAt)),
      r: rows.map((r) => r.runId),
      s: rows.map((r) => r.status),
      // A step that never started (skipped) took no time: a gap, not a zero.
      d: rows.map((r) => (r.startedAt === null ? null : r.executionSeconds)),
      ...(rowValues.some((v) => v !== null) ? { rows: rowValues, rowsFrom: fromStats ? ('table_stats' as const) : ('rows_affected' as const) } : {}),
      ...(band(DURATION_METRICS) ? { dBand: band(DURATION_METRICS) } : {}),
      ...(band(ROW_METRICS) ? { rowsBand: band(ROW_METRICS) } : {}),
      ...(tests.length > 0 ? { tests: { t: tests.map((x) => x.t), r: tests.map((x) => x.runId), pass: tests.map((x) => x.pass), total: tests.map((x) => x.total) } } : {}),
      ...(schema.length > 0 ? { schema } : {}),
      ...(resourceNames.length > 0 ? { res: Object.fromEntries(resourceNames.map((name) => [name, rows.map((r) => r.resources[name] ?? null)])) } : {}),
    });
  }
  return out;
}

/**
 * Schema changes, newest last: the schema monitor's findings when it ran on the node, else the
 * differences between the column lists table_stats measured in consecutive runs.
 */
function schemaChanges(
  monitors: readonly SiteMonitorResult[],
  columns: ReadonlyMap<string, { t: number; columns: Map<string, string> }> | undefined,
  at: (runId: string, fallback: string | null) => number,
): { t: number; r: string; change: string }[] {
  const fromMonitor = monitors.filter((m) => SCHEMA_MONITORS.has(m.monitor));
  if (fromMonitor.length > 0) {
    return fromMonitor
      .filter((m) => m.status !== 'pass')
      .map((m) => ({ t: at(m.runId, m.measuredAt), r: m.runId, change: m.detail ?? [m.metric?.replace(/_/g, ' '), m.column].filter(Boolean).join(': ') }))
      .sort((x, y) => x.t - y.t);
  }
  const measured = [...(columns ?? new Map())].sort(([, x], [, y]) => x.t - y.t);
  const changes: { t: number; r: string; change: string }[] = [];
  for (let i = 1; i < measured.length; i++) {
    const [runId, { t, columns: now }] = measured[i]!;
    const before = measured[i - 1]![1].columns;
    for (const [name, type] of now) {
      if (!before.has(name)) changes.push({ t, r: runId, change: `column ${name}${type ? ` (${type})` : ''} added` });
      else if (before.get(name) !== type) changes.push({ t, r: runId, change: `column ${name} retyped from ${before.get(name)} to ${type}` });
    }
    for (const name of before.keys()) if (!now.has(name)) changes.push({ t, r: runId, change: `column ${name} removed` });
  }
  return changes;
}
