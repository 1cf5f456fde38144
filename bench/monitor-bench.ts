/**
 * 8. Monitors (`--only monitors`):
 *  - Cost: `dpf build --rebuild-all` of the N-model bench project (every model a table, so N
 *    monitors) with `monitors: off`, with the default monitors, and with `column_stats: true`,
 *    interleaved in one run, each after one build that wrote the history the monitors then
 *    read. Target: the default monitors add ≤ 10%.
 *  - Detection proof (pure, no engine): generated 60-day histories with injected spikes,
 *    drops, null bursts and a weekly pattern, judged day by day as the monitors judge a build
 *    (src/monitors/detect-anomaly.ts), with and without day-of-week seasonality. Precision
 *    and recall over the injected days; the stable control series must give no alert.
 *    Targets: ≥ 0.9 both (with seasonality), 0 alerts on the control series.
 */
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DAY_MS, judgeSeries, type DetectOptions, type Point } from '../src/monitors/detect-anomaly.js';
import { generateProject, prng } from './generate-project.js';

export const MONITOR_TARGETS = { overheadRatio: 1.1, precision: 0.9, recall: 0.9 } as const;

// ---------------------------------------------------------------- detection proof

/** A normal deviate from the project generator's PRNG. */
const gauss = (rand: () => number) => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

export type SeriesKind = 'control' | 'volume' | 'null_burst' | 'weekly';
export interface GeneratedSeries {
  readonly kind: SeriesKind;
  readonly points: Point[];
  /** Indexes of the injected anomalies. */
  readonly injected: ReadonlySet<number>;
}

const DAYS = 60;
/** 2024-01-01, a Monday. */
const START = Date.UTC(2024, 0, 1);
/** Injected days start after three weeks (when seasonality judges its first point), at least a week apart. */
const FIRST_INJECTED = 21;
const MIN_GAP = 7;

function injectedDays(rand: () => number): number[] {
  const days: number[] = [];
  let day = FIRST_INJECTED + Math.floor(rand() * MIN_GAP);
  while (day < DAYS) {
    days.push(day);
    day += MIN_GAP + Math.floor(rand() * 8);
  }
  return days;
}

/** One series of a kind: a level with noise, the kind's pattern, and its anomalies. */
export function generateSeries(kind: SeriesKind, seed: number): GeneratedSeries {
  const rand = prng(seed);
  const level = 1000 + Math.floor(rand() * 9000);
  const days = kind === 'control' ? [] : injectedDays(rand);
  const injected = new Set(days);
  const points: Point[] = [];
  for (let d = 0; d < DAYS; d++) {
    const at = START + d * DAY_MS;
    const weekend = [0, 6].includes(new Date(at).getUTCDay());
    let value: number;
    if (kind === 'null_burst') {
      // A null % around 2 (± 0.2), bursting to 15–40 %.
      value = 2 + 0.2 * gauss(rand);
      if (injected.has(d)) value = 15 + 25 * rand();
    } else {
      const base = kind === 'weekly' && weekend ? level * 0.4 : level;
      // The control series is stable (±0.5%); the others are noisy (±3%).
      value = base * (1 + (kind === 'control' ? 0.005 : 0.03) * gauss(rand));
      if (injected.has(d)) {
        const spike = rand() < 0.5;
        // Weekly series: drops on weekdays go to the weekend level (only seasonality tells).
        value = spike ? base * (1.6 + rand()) : kind === 'weekly' && !weekend ? level * 0.4 * (1 + 0.03 * gauss(rand)) : base * (0.2 + 0.3 * rand());
      }
    }
    points.push({ at, value });
  }
  // A weekly series' drops are put on weekdays only (a weekend "drop" to its own level is none).
  if (kind === 'weekly') {
    for (const d of [...injected]) {
      const weekend = [0, 6].includes(new Date(START + d * DAY_MS).getUTCDay());
      if (weekend && points[d]!.value < level * 0.4 * 1.2) {
        injected.delete(d);
        points[d] = { at: points[d]!.at, value: level * 0.4 * (1 + 0.03 * gauss(rand)) };
      }
    }
  }
  return { kind, points, injected };
}

export interface DetectionRow {
  readonly series: SeriesKind | 'all';
  readonly seasonality: boolean;
  readonly injected: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly precision: number;
  readonly recall: number;
  /** Alerts on the control series (target 0). */
  readonly controlAlerts: number;
}

export interface DetectionResult {
  readonly seriesPerKind: number;
  readonly days: number;
  readonly rows: DetectionRow[];
}

export function detectionProof(seriesPerKind = 50): DetectionResult {
  const kinds: SeriesKind[] = ['control', 'volume', 'null_burst', 'weekly'];
  const rows: DetectionRow[] = [];
  for (const seasonality of [false, true]) {
    const options: DetectOptions = { sensitivity: 3, trainingWindow: 14, minTrainingPoints: 7, seasonality: seasonality ? 'day_of_week' : undefined };
    const totals = { injected: 0, tp: 0, fp: 0, control: 0 };
    for (const kind of kinds) {
      let injected = 0;
      let tp = 0;
      let fp = 0;
      for (let i = 0; i < seriesPerKind; i++) {
        const series = generateSeries(kind, 1000 * kinds.indexOf(kind) + i + 1);
        const judged = judgeSeries(series.points, options);
        judged.forEach((j, d) => {
          const isInjected = series.injected.has(d);
          if (isInjected) injected++;
          if (j.verdict !== 'anomaly') return;
          if (isInjected) tp++;
          else fp++;
        });
      }
      const control = kind === 'control' ? fp : 0;
      rows.push({ series: kind, seasonality, injected, truePositives: tp, falsePositives: fp, precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: injected === 0 ? 1 : tp / injected, controlAlerts: control });
      totals.injected += injected;
      totals.tp += tp;
      totals.fp += fp;
      totals.control += control;
    }
    rows.push({
      series: 'all',
      seasonality,
      injected: totals.injected,
      truePositives: totals.tp,
      falsePositives: totals.fp,
      precision: totals.tp + totals.fp === 0 ? 1 : totals.tp / (totals.tp + totals.fp),
      recall: totals.injected === 0 ? 1 : totals.tp / totals.injected,
      controlAlerts: totals.control,
    });
  }
  return { seriesPerKind, days: DAYS, rows };
}

// ---------------------------------------------------------------- cost

export interface MonitorOverheadResult {
  readonly models: number;
  readonly monitors: number;
  readonly withoutMonitorsSeconds: number;
  /** The default monitors: row count, schema, duration, load time. */
  readonly withMonitorsSeconds: number;
  readonly ratio: number;
  /** `column_stats: true`: every column's values measured too. */
  readonly columnStatsSeconds: number;
  readonly columnStatsRatio: number;
  readonly samples: { readonly with: number[]; readonly without: number[]; readonly columnStats: number[] };
}

type Measure = (args: string[], logName: string) => Promise<{ wallSeconds: number; exitCode: number }>;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const VARIANTS = {
  without: '\nmonitors: off\n',
  with: '',
  columnStats: '\nmonitors:\n  column_stats: true\n',
} as const;

export async function benchMonitorOverhead(workDir: string, models: number, repeats: number, measure: Measure, log: (s: string) => void): Promise<MonitorOverheadResult | undefined> {
  log(`monitors: dpf build --rebuild-all of ${models.toLocaleString('en-US')} table models: monitors off, the default monitors, and with column_stats`);
  const dirs = { without: join(workDir, `monitors-${models}-off`), with: join(workDir, `monitors-${models}-on`), columnStats: join(workDir, `monitors-${models}-columns`) };
  for (const [variant, dir] of Object.entries(dirs) as [keyof typeof VARIANTS, string][]) {
    generateProject(dir, models, { allTables: true });
    appendFileSync(join(dir, 'dpf_project.yml'), VARIANTS[variant]);
    rmSync(join(dir, 'target'), { recursive: true, force: true });
    // The first build writes the history the monitors then read in the measured builds.
    const first = await measure(['build', '--project-dir', dir], `monitors-${variant}-first`);
    if (first.exitCode !== 0) return undefined;
  }
  const samples = { with: [] as number[], without: [] as number[], columnStats: [] as number[] };
  // Interleaved, so that a busy moment of the machine falls on every variant.
  for (let r = 0; r < repeats; r++) {
    for (const variant of ['with', 'without', 'columnStats'] as const) {
      const run = await measure(['build', '--project-dir', dirs[variant], '--rebuild-all'], `monitors-${variant}-${r + 1}`);
      if (run.exitCode !== 0) return undefined;
      samples[variant].push(run.wallSeconds);
    }
  }
  const monitors = (JSON.parse(readFileSync(join(dirs.with, 'target', 'run_results.json'), 'utf8')) as { results: { resourceType: string }[] }).results.filter((r) => r.resourceType === 'monitor').length;
  const withoutMonitorsSeconds = median(samples.without);
  const withMonitorsSeconds = median(samples.with);
  const columnStatsSeconds = median(samples.columnStats);
  const ratio = withMonitorsSeconds / withoutMonitorsSeconds;
  const columnStatsRatio = columnStatsSeconds / withoutMonitorsSeconds;
  log(`  without ${withoutMonitorsSeconds.toFixed(2)}s; ${monitors} default monitors ${withMonitorsSeconds.toFixed(2)}s: ${ratio.toFixed(3)}x (target <= ${MONITOR_TARGETS.overheadRatio}x); column_stats ${columnStatsSeconds.toFixed(2)}s: ${columnStatsRatio.toFixed(3)}x`);
  return { models, monitors, withoutMonitorsSeconds, withMonitorsSeconds, ratio, columnStatsSeconds, columnStatsRatio, samples };
}

// ---------------------------------------------------------------- report

const f2 = (n: number) => n.toFixed(2);

export function monitorsMarkdown(overhead: MonitorOverheadResult | undefined, detection: DetectionResult): string {
  const lines: string[] = [];
  if (overhead) {
    lines.push(
      `Monitors' cost: \`dpf build --rebuild-all\` of ${overhead.models.toLocaleString('en-US')} table models, the build benchmark's small tables (${overhead.monitors} monitors), median of ${overhead.samples.with.length}, interleaved in one run:`,
      '',
      '| build | wall | ratio | target |',
      '| --- | --- | --- | --- |',
      `| monitors: off | ${f2(overhead.withoutMonitorsSeconds)}s | 1.00x | |`,
      `| monitors (default: row count, schema, duration, load time) | ${f2(overhead.withMonitorsSeconds)}s | ${overhead.ratio.toFixed(3)}x | ≤ ${MONITOR_TARGETS.overheadRatio}x |`,
      `| monitors with \`column_stats: true\` (every column's values too) | ${f2(overhead.columnStatsSeconds)}s | ${overhead.columnStatsRatio.toFixed(3)}x | |`,
      '',
    );
  }
  lines.push(
    `Detection proof: ${detection.seriesPerKind} generated ${detection.days}-day series per kind, each day judged against the days before it (z-score, sensitivity 3, window 14, minimum 7); anomalies injected from day 21 (seasonality judges from three weeks of points), at least a week apart; the control series is stable (±0.5%), the others noisy (±3%):`,
    '',
    '| series | seasonality | injected | found | false alarms | precision | recall |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...detection.rows.map((r) => `| ${r.series === 'all' ? '**all**' : r.series} | ${r.seasonality ? 'day_of_week' : 'none'} | ${r.injected} | ${r.truePositives} | ${r.falsePositives} | ${f2(r.precision)} | ${f2(r.recall)} |`),
    '',
    `Targets: precision and recall ≥ ${MONITOR_TARGETS.precision}, no alert on the stable control series.`,
  );
  return lines.join('\n');
}
