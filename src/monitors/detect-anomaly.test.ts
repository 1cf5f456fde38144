import { describe, expect, it } from 'vitest';
import { DAY_MS, DEFAULT_DETECT, judgePoint, judgeSeries, type Point } from './detect-anomaly.js';

// 2024-01-01 was a Monday.
const MONDAY = Date.UTC(2024, 0, 1);
const series = (values: number[]): Point[] => values.map((value, i) => ({ at: MONDAY + i * DAY_MS, value }));
const at = (day: number, value: number): Point => ({ at: MONDAY + day * DAY_MS, value });
const noisy = (n: number, base: number) => Array.from({ length: n }, (_, i) => base + [3, -2, 1, -4, 2, 0, -1][i % 7]!);

describe('judgePoint', () => {
  it('trains until the window holds the minimum number of points', () => {
    const j = judgePoint(series(noisy(6, 100)), at(6, 500));
    expect(j.verdict).toBe('training');
    expect(j.trainingPoints).toBe(6);
    expect(judgePoint(series(noisy(7, 100)), at(7, 500)).verdict).toBe('anomaly');
  });

  it('passes a value inside the band and flags spikes and drops outside it', () => {
    const history = series(noisy(14, 1000));
    const ok = judgePoint(history, at(14, 1003));
    expect(ok.verdict).toBe('pass');
    expect(ok.band!.low).toBeLessThan(1003);
    expect(ok.band!.high).toBeGreaterThan(1003);
    expect(judgePoint(history, at(14, 2000)).verdict).toBe('anomaly');
    expect(judgePoint(history, at(14, 10)).verdict).toBe('anomaly');
  });

  it('uses only the last trainingWindow points before the judged one', () => {
    const history = series([...noisy(20, 10), ...noisy(14, 1000)]);
    const j = judgePoint(history, at(34, 1001));
    expect(j.verdict).toBe('pass');
    expect(j.trainingPoints).toBe(14);
    // Points after the judged one are ignored.
    expect(judgePoint([...history, at(40, 5)], at(34, 1001)).trainingPoints).toBe(14);
  });

  it('sensitivity widens or narrows the band', () => {
    const history = series(noisy(14, 1000));
    const loose = judgePoint(history, at(14, 1012), { ...DEFAULT_DETECT, sensitivity: 5 });
    const tight = judgePoint(history, at(14, 1012), { ...DEFAULT_DETECT, sensitivity: 1 });
    expect(loose.verdict).toBe('pass');
    expect(tight.verdict).toBe('anomaly');
  });

  it('does not alarm on a tiny change of a series that never moved, but does on a real one', () => {
    const constant = series(Array(14).fill(5000));
    expect(judgePoint(constant, at(14, 5001)).verdict).toBe('pass');
    expect(judgePoint(constant, at(14, 6000)).verdict).toBe('anomaly');
    // A null % that was always 0 becoming non-zero is a change.
    expect(judgePoint(series(Array(14).fill(0)), at(14, 0.2)).verdict).toBe('anomaly');
    expect(judgePoint(series(Array(14).fill(0)), at(14, 0)).verdict).toBe('pass');
  });

  it('an earlier spike in the window does not hide the next anomaly', () => {
    const values = noisy(14, 1000);
    values[10] = 5000;
    expect(judgePoint(series(values), at(14, 1500)).verdict).toBe('anomaly');
  });

  it('direction limits alarms to spikes or drops', () => {
    const history = series(noisy(14, 1000));
    expect(judgePoint(history, at(14, 10), { ...DEFAULT_DETECT, direction: 'spike' }).verdict).toBe('pass');
    expect(judgePoint(history, at(14, 10), { ...DEFAULT_DETECT, direction: 'drop' }).verdict).toBe('anomaly');
  });
});

describe('seasonality: day_of_week', () => {
  // Weekdays about 1000, weekends about 300.
  const weekly = (n: number) => Array.from({ length: n }, (_, i) => ((i % 7) >= 5 ? 300 : 1000) + [3, -2, 1, -4, 2, 0, -1][i % 7]! * 3);

  it('without seasonality a weekend is within the wide band and a weekday drop to weekend level is missed', () => {
    const history = series(weekly(21));
    expect(judgePoint(history, at(26, 300)).verdict).toBe('pass'); // a Saturday
    expect(judgePoint(history, at(22, 300)).verdict).toBe('pass'); // a Tuesday at weekend level: missed
  });

  it('with seasonality the weekday drop is flagged and a normal weekend is not', () => {
    const options = { ...DEFAULT_DETECT, seasonality: 'day_of_week' as const };
    const history = series(weekly(21));
    expect(judgePoint(history, at(21, 1000), options).verdict).toBe('pass'); // Monday
    expect(judgePoint(history, at(26, 300), options).verdict).toBe('pass'); // Saturday
    const drop = judgePoint(history, at(22, 300), options);
    expect(drop.verdict).toBe('anomaly');
    expect(drop.expected).toBeGreaterThan(900);
  });
});

describe('judgeSeries', () => {
  it('judges each point against those before it', () => {
    const values = noisy(30, 100);
    values[20] = 400;
    const verdicts = judgeSeries(series(values)).map((j) => j.verdict);
    expect(verdicts.slice(0, 7).every((v) => v === 'training')).toBe(true);
    expect(verdicts.filter((v) => v === 'anomaly')).toHaveLength(1);
    expect(verdicts[20]).toBe('anomaly');
  });
});
