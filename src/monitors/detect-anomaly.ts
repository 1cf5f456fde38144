/**
 * Anomaly detection over a series of points (row counts, durations, a column's null %): the
 * z-score of the newest point against a training window of the points before it, with an
 * optional day-of-week seasonality. Pure functions, no I/O; the monitor strategy feeds them
 * from dpf_meta and the bench feeds them a generated history (docs/monitors.md).
 *
 * The band is a small-sample prediction interval (threshold()), so that sensitivity 3 means
 * the false-alarm rate of 3 sigma. Two choices keep one odd day from blinding the detector
 * for the two weeks after it:
 * - points of the window that are themselves outliers (outside the band of the other points
 *   of the window) are left out before the band is computed (one pass);
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
/** Earlier points that weekday factors are computed from (eight weeks). */
export const SEASONAL_LOOKBACK = 56;
/** With seasonality, no judgement before three weeks of points. */
export const SEASONAL_MIN_POINTS = 21;

const weekday = (at: number) => new Date(at).getUTCDay();
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function stddev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/** The median of a list (0 for none). */
function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The two-sided threshold on a z-score computed from a sample of n points that has the false
 * alarm rate `sensitivity` has for a known normal distribution: the Student t quantile with
 * n - 1 degrees of freedom (Cornish–Fisher expansion), times the prediction-interval factor
 * sqrt(1 + 1/n). With 14 points, sensitivity 3 becomes 3.82 sample standard deviations; a
 * plain 3 would raise about one false alarm in 100 judgements of pure noise, not 1 in 370.
 */
export function threshold(sensitivity: number, n: number): number {
  const v = Math.max(1, n - 1);
  const z = sensitivity;
  const t = z + (z ** 3 + z) / (4 * v) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * v ** 2) + (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * v ** 3);
  return t * Math.sqrt(1 + 1 / n);
}

/**
 * Day-of-week seasonality as weekday factors: each weekday's median over the history against
 * the median of all of it (a weekend at 40% of weekdays has factor ≈ 0.4 × the weekday one).
 * Values are divided by their weekday's factor before they are judged, so a Saturday is
 * judged against Saturdays' level while the window stays the last 14 points.
 */
function weekdayFactors(points: readonly Point[]): (at: number, own?: boolean) => number {
  const overall = median(points.map((p) => p.value));
  if (overall <= 0) return () => 1;
  const byDay = new Map<number, Point[]>();
  for (const p of points) byDay.set(weekday(p.at), [...(byDay.get(weekday(p.at)) ?? []), p]);
  // A point's own factor leaves it out: a factor fitted to the point would hide its deviation.
  return (at, own = false) => {
    const same = (byDay.get(weekday(at)) ?? []).filter((p) => !own || p.at !== at);
    const f = same.length > 0 ? median(same.map((p) => p.value)) / overall : 1;
    return f > 0 ? f : 1;
  };
}

/**
 * Judges `current` against the points of `history` before it (any order; points at or after
 * `current.at` are ignored). With seasonality, weekday factors come from up to
 * `SEASONAL_LOOKBACK` earlier points; the band is then the window's, scaled to the weekday.
 */
export function judgePoint(history: readonly Point[], current: Point, options: DetectOptions = DEFAULT_DETECT): Judgement {
  const before = history.filter((p) => p.at < current.at && Number.isFinite(p.value)).sort((a, b) => a.at - b.at);
  const factor = options.seasonality === 'day_of_week' ? weekdayFactors(before.slice(-SEASONAL_LOOKBACK)) : () => 1;
  let window = before.slice(-options.trainingWindow).map((p) => p.value / factor(p.at, true));
  const training = (): Judgement => ({ verdict: 'training', value: current.value, trainingPoints: window.length });
  if (window.length < options.minTrainingPoints || !Number.isFinite(current.value)) return training();
  // Weekday levels need three of each weekday before the first judgement.
  if (options.seasonality === 'day_of_week' && before.length < SEASONAL_MIN_POINTS) return training();
  // Leave out the window's own outliers (an earlier spike), once: each point is judged against
  // the others (a spike inflates a standard deviation that includes it enough to hide itself).
  const limit = threshold(options.sensitivity, window.length - 1);
  const kept = window.filter((v, i) => {
    const others = window.filter((_, j) => j !== i);
    const centre = mean(others);
    const spread = Math.max(stddev(others), Math.abs(centre) * RELATIVE_FLOOR);
    return spread === 0 ? v === centre : Math.abs(v - centre) <= limit * spread;
  });
  if (kept.length >= options.minTrainingPoints) window = kept;
  const f = factor(current.at);
  const centre = mean(window);
  const sd = Math.max(stddev(window), Math.abs(centre) * RELATIVE_FLOOR);
  const half = threshold(options.sensitivity, window.length) * sd;
  const expected = centre * f;
  const result = { value: current.value, expected, band: { low: (centre - half) * f, high: (centre + half) * f }, trainingPoints: window.length };
  const adjusted = current.value / f;
  if (sd === 0) return { ...result, z: 0, verdict: adjusted === centre ? 'pass' : anomalyIf(adjusted > centre, options) };
  const z = (adjusted - centre) / sd;
  return { ...result, z, verdict: Math.abs(adjusted - centre) > half ? anomalyIf(z > 0, options) : 'pass' };
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
