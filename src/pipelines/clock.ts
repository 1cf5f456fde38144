/**
 * The scheduler's clock: what time it is and a sleep until a moment that a wake-up can cut
 * short. The system clock in production; an accelerated one (`DPF_SCHEDULE_CLOCK`) for a demo or
 * a test through the CLI, where a day of schedules passes in minutes; tests of the loop drive a
 * manual one (test/helpers/manual-clock.ts). No clock here is ever polled.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves at `until` (this clock's time) or when the signal aborts, whichever is first; never rejects. */
  sleepUntil(until: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleepUntil: (until, signal) => sleep(Math.max(0, until - Date.now()), undefined, { signal }).catch(() => undefined),
};

/** A clock that starts at `start` and runs `speed` times faster than real time. */
export function acceleratedClock(start: number, speed: number): Clock {
  const realStart = Date.now();
  const now = () => start + (Date.now() - realStart) * speed;
  return {
    now,
    sleepUntil: (until, signal) => sleep(Math.max(0, (until - now()) / speed), undefined, { signal }).catch(() => undefined),
  };
}

/**
 * `DPF_SCHEDULE_CLOCK=2026-12-07T05:59:00Z` (start there, real speed) or `…Zx60` (sixty times
 * faster); undefined when unset. Throws a plain Error with the expected form when unreadable.
 */
export function clockFromEnv(value: string | undefined): Clock | undefined {
  if (!value) return undefined;
  const match = /^(.+?)(?:x(\d+(?:\.\d+)?))?$/.exec(value.trim());
  const start = match ? Date.parse(match[1]!) : NaN;
  const speed = match?.[2] ? Number(match[2]) : 1;
  if (Number.isNaN(start) || !(speed > 0)) throw new Error(`DPF_SCHEDULE_CLOCK="${value}" is not <ISO time> or <ISO time>x<speed> (2026-12-07T05:59:00Zx60)`);
  return acceleratedClock(start, speed);
}
