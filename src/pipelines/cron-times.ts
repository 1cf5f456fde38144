/**
 * Cron schedules through croner: checking an expression and a time zone, and the next run
 * times after a given instant. croner reads the cron in the pipeline's IANA time zone, so
 * the times are right across daylight-saving changes (a 02:30 that does not exist on the
 * spring-forward day runs when the clocks jump, at 03:00; one that happens twice runs once, the first time).
 * Times are computed from an instant the caller passes: no clock is read here.
 */
import { Cron } from 'croner';

/** Undefined when croner reads the expression, else why not (croner's words). */
export function cronProblem(cron: string): string | undefined {
  try {
    new Cron(cron, { paused: true, timezone: 'UTC' });
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern: /, '').replace(/\.$/, '');
  }
}

export function isTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

export const knownTimezones = (): readonly string[] => ['UTC', ...Intl.supportedValuesOf('timeZone')];

/** Parsed schedules, kept: the scheduler asks for the next times of the same crons all day long. */
const parsed = new Map<string, Cron>();

/** The next `count` run times strictly after `after`. */
export function nextRunTimes(cron: string, timezone: string, after: Date, count = 1): Date[] {
  const key = `${timezone}\u0000${cron}`;
  let schedule = parsed.get(key);
  if (!schedule) {
    if (parsed.size >= 10_000) parsed.clear();
    schedule = new Cron(cron, { paused: true, timezone });
    parsed.set(key, schedule);
  }
  return schedule.nextRuns(count, after);
}

/** An instant as local wall-clock time in a time zone: 2024-03-31 03:30 CEST (with seconds: 03:30:07). */
export function formatInZone(time: Date, timezone: string, options: { seconds?: boolean } = {}): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', ...(options.seconds ? { second: '2-digit' } : {}), hourCycle: 'h23', timeZoneName: 'short' })
      .formatToParts(time)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}${options.seconds ? `:${parts.second}` : ''} ${parts.timeZoneName}`;
}
