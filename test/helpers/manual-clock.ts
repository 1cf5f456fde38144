/**
 * A clock the test moves by hand (src/pipelines/clock.ts): `now()` is what the test set, and a
 * sleep ends when the test advances past its time (or the sleep is cut short). No test using it
 * waits on real time.
 */
import type { Clock } from '../../src/pipelines/clock.js';

export class ManualClock implements Clock {
  private sleepers: { until: number; resolve: () => void }[] = [];

  constructor(private time: number) {}

  now(): number {
    return this.time;
  }

  sleepUntil(until: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (until <= this.time || signal.aborted) return resolve();
      this.sleepers.push({ until, resolve });
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  set(time: number): void {
    this.time = time;
    const due = this.sleepers.filter((s) => s.until <= time);
    this.sleepers = this.sleepers.filter((s) => s.until > time);
    for (const s of due) s.resolve();
  }

  advance(ms: number): void {
    this.set(this.time + ms);
  }
}
