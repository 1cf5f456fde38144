/**
 * Anomaly detection over a series of points (row counts, durations, a column's null %): the
 * z-score of the newest point against a training window of the points before it, with an
 * optional day-of-week seasonality. Pure functions, no I/O; the monitor strategy feeds them
 * from dpf_meta and the bench feeds them a generated history (docs/monitors.md).
 *
 * Two choices keep one odd day from blinding the detector for the two weeks after it:
 * - points of the window that are themselves outliers (|z| > sensitivity against the rest of
 *   the window) are left out before the band is computed (one pass);
 * - the band never gets narrower than `sensitivity × 1%` of the expected value, so that a
 *   series that never moved (a constant row count) does not alarm on a 0.1% change.
 */

export interface Point {
  /** When the value was measured (ms since the epoch). Seasonality reads its UTC weekday. */
  readonly at: number;
  readonly value: number;
}

export interface DetectOptions {
  /** How many standard deviations from the expected value an anomaly is (default 3). */
  readonly sensitivity: number;
  /** How many points before the newest one it is judged against (default 14). */
  readonly trainingWindow: number;
  /** Fewer points than this: no judgement yet (default 7). */
  readonly minTrainingPoints: number;
  /** day_of_week: the expected value is the mean of the window's points of the same weekday. */
  readonly seasonality?: 'day_of_week';
  /** Only spikes, only drops, or both (default). */
  readonly direction?: 'both' | 'spike' | 'drop';
}

export const DEFAULT_DETECT: DetectOptions = { sensitivity: 3, trainingWindow: 14, minTrainingPoints: 7 };

export interface Judgement {
  /** training: too few points to judge; anomaly: outside the expected band. */
  readonly verdict: 'pass' | 'anomaly' | 'training';
  readonly value: number;
  /** The expected value and the band around it; absent while training. */
  readonly expected?: number;
  readonly band?: { readonly low: number; readonly high: number };
  readonly z?: number;
  /** Points of the window the band was computed from. */
  readonly trainingPoints: number;
}

/** Relative floor of the standard deviation: 1% of the expected value. */
const RELATIVE_FLOOR = 0.01;
const DAY_MS = 24 * 3600 * 1000;

const weekday = (at: number) => new Date(at).getUTCDay();
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function stddev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/** For each training point, the value it is expected to have (the seasonal or overall mean). */
function expectations(points: readonly Point[], seasonal: boolean): (at: number) => number | undefined {
  if (!seasonal) {
    const m = mean(points.map((p) => p.value));
    return () => m;
  }
  const byDay = new Map<number, number[]>();
  for (const p of points) byDay.set(weekday(p.at), [...(byDay.get(weekday(p.at)) ?? []), p.value]);
  return (at) => {
    const same = byDay.get(weekday(at));
    return same && same.length > 0 ? mean(same) : undefined;
  };
}

/** The spread of the window around its expectations (seasonal residuals or plain deviations). */
function band(points: readonly Point[], seasonal: boolean): { expect: (at: number) => number | undefined; spread: number } {
  const expect = expectations(points, seasonal);
  const residuals = points.map((p) => p.value - (expect(p.at) ?? p.value));
  // Residuals around a seasonal mean of k points lose one degree of freedom per weekday.
  const groups = seasonal ? new Set(points.map((p) => weekday(p.at))).size : 1;
  const dof = Math.max(1, points.length - groups);
  const spread = seasonal ? Math.sqrt(residuals.reduce((a, r) => a + r * r, 0) / dof) : stddev(points.map((p) => p.value));
  return { expect, spread };
}

/**
 * Judges `current` against the points of `history` before it (any order; points at or after
 * `current.at` are ignored).
 */
export function judgePoint(history: readonly Point[], current: Point, options: DetectOptions = DEFAULT_DETECT): Judgement {
  const seasonal = options.seasonality === 'day_of_week';
  const before = history.filter((p) => p.at < current.at && Number.isFinite(p.value)).sort((a, b) => a.at - b.at);
  let window = before.slice(-options.trainingWindow);
  const training = (): Judgement => ({ verdict: 'training', value: current.value, trainingPoints: window.length });
  if (window.length < options.minTrainingPoints || !Number.isFinite(current.value)) return training();
  // Leave out the window's own outliers (an earlier spike), once.
  const first = band(window, seasonal);
  if (first.spread > 0) {
    const kept = window.filter((p) => Math.abs(p.value - (first.expect(p.at) ?? p.value)) <= options.sensitivity * first.spread);
    if (kept.length >= options.minTrainingPoints) window = kept;
  }
  const { expect, spread } = band(window, seasonal);
  // A weekday the window has not seen: judge it against the whole window instead.
  const expected = expect(current.at) ?? mean(window.map((p) => p.value));
  const sd = Math.max(spread, Math.abs(expected) * RELATIVE_FLOOR);
  const half = options.sensitivity * sd;
  const result = { value: current.value, expected, band: { low: expected - half, high: expected + half }, trainingPoints: window.length };
  if (sd === 0) return { ...result, z: 0, verdict: current.value === expected ? 'pass' : anomalyIf(current.value > expected, options) };
  const z = (current.value - expected) / sd;
  return { ...result, z, verdict: Math.abs(z) > options.sensitivity ? anomalyIf(z > 0, options) : 'pass' };
}

function anomalyIf(up: boolean, options: DetectOptions): 'anomaly' | 'pass' {
  const direction = options.direction ?? 'both';
  return direction === 'both' || (direction === 'spike') === up ? 'anomaly' : 'pass';
}

/** Every point of a series judged against the points before it (the bench and the site use this). */
export function judgeSeries(series: readonly Point[], options: DetectOptions = DEFAULT_DETECT): Judgement[] {
  const sorted = [...series].sort((a, b) => a.at - b.at);
  return sorted.map((p, i) => judgePoint(sorted.slice(0, i), p, options));
}

export { DAY_MS };
