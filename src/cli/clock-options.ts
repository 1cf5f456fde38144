/** The clock and time zone commands read from the environment: DPF_NOW and TZ. */
import { fail } from '../errors/dpf-error.js';
import { isTimezone } from '../pipelines/index.js';

/** DPF_NOW, an ISO-8601 time, stands in for the clock (tests, and checking a schedule). */
export function nowOf(env: NodeJS.ProcessEnv): Date | undefined {
  const text = env.DPF_NOW;
  if (!text) return undefined;
  const time = Date.parse(text);
  if (Number.isNaN(time)) fail('UsageError', { detail: `DPF_NOW must be an ISO-8601 time such as 2024-03-30T12:00:00Z, got "${text}".` });
  return new Date(time);
}

/** The user's time zone: TZ when it names one (the CLI may run in-process with its own environment), else the machine's. */
export function userTimezone(env: NodeJS.ProcessEnv): string | undefined {
  const tz = env.TZ?.replace(/^:/, '');
  return tz && isTimezone(tz) ? tz : undefined;
}
