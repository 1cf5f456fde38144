/**
 * Scheduler bench (issue 13): the public API's `schedule()` — what `dpf schedule` runs — on a
 * generated project of 1,000 pipelines with varied crons (every 30 s, every minute, every 5
 * minutes, hourly and daily at spread minutes), for 60 s (quick: 35 s, so that a 30-second boundary falls in it) of real time, in a child
 * process of its own. It measures the scheduler process's CPU time (process.cpuUsage, user +
 * system) over the window, and how late each tick started (start time − scheduled time).
 *
 * What is left out, and why: runs. Each started run is ended at once by an in-process
 * launcher instead of a worker process, so the figure is the scheduler's own cost (store
 * sessions, cron arithmetic, the loop), not the cost of the builds it starts. The target is a
 * Trino profile (never connected to: nothing runs), as at the scale this bench is about; on a
 * DuckDB target the pipelines would queue behind its single writer by design.
 *
 * Usage (child): node dist-bench/bench/schedule-bench.js child <projectDir> <seconds> <out.json>
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { schedule as scheduleFn } from '../src/pipelines/run-scheduler.js';
import type { RunLauncher } from '../src/pipelines/scheduler.js';
import type { Measure } from './extract-sink.js';

export const SCHEDULE_TARGETS = { cpuSecondsPerMinute: 2, maxLateSeconds: 1 } as const;

export interface ScheduleBenchResult {
  readonly pipelines: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly cpuSecondsPerMinute: number;
  readonly runsStarted: number;
  readonly maxLateMs: number;
  readonly p99LateMs: number;
  readonly wakeups: number;
}

const PIPELINES = 1000;

function cronOf(i: number): string {
  switch (i % 10) {
    case 0:
      return '*/30 * * * * *';
    case 1:
      return '* * * * *';
    case 2:
      return '*/5 * * * *';
    case 3:
    case 4:
    case 5:
      return `${i % 60} * * * *`;
    default:
      return `${i % 60} ${i % 24} * * *`;
  }
}

export function writeScheduleProject(dir: string, pipelines = PIPELINES): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'models'), { recursive: true });
  mkdirSync(join(dir, 'pipelines'), { recursive: true });
  writeFileSync(join(dir, 'dpf_project.yml'), 'name: sched\nmonitors: off\n');
  writeFileSync(join(dir, 'profiles.yml'), 'sched:\n  target: prod\n  outputs:\n    prod: {type: trino, host: 127.0.0.1, port: 1, user: bench, catalog: memory, schema: bench}\n');
  writeFileSync(join(dir, 'models', 'one.sql'), 'select 1 as id\n');
  for (let i = 0; i < pipelines; i++) {
    writeFileSync(join(dir, 'pipelines', `p${String(i).padStart(4, '0')}.yml`), `select: one\nschedule:\n  cron: "${cronOf(i)}"\n  timezone: ${i % 3 === 0 ? 'Europe/Berlin' : 'UTC'}\n`);
  }
}

/** dpf as built into dist/ (npm run bench builds it first): its modules find the package's schemas from there. */
const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');

async function child(dir: string, seconds: number, out: string): Promise<void> {
  const { schedule } = (await import(pathToFileURL(join(DIST, 'pipelines', 'run-scheduler.js')).href)) as { schedule: typeof scheduleFn };
  const late: number[] = [];
  let wakeups = 0;
  const launcher: RunLauncher = {
    start({ run }, report) {
      late.push(Date.now() - run.scheduledAt);
      setImmediate(() => report.end({ state: 'success' }));
      return { cancel: () => undefined, kill: () => undefined };
    },
  };
  const controller = new AbortController();
  let before = process.cpuUsage();
  const startedAt = { value: 0 };
  const done = schedule(
    {
      projectDir: dir,
      signal: controller.signal,
      launcher,
      onSchedulerEvent: (event) => {
        if (event.type === 'leader') {
          // The window starts once the scheduler leads (pipelines read, store made).
          before = process.cpuUsage();
          startedAt.value = Date.now();
          setTimeout(() => controller.abort(), seconds * 1000);
        }
        if (event.type === 'ticks') wakeups += 1;
      },
    },
  );
  await done;
  const used = process.cpuUsage(before);
  const window = (Date.now() - startedAt.value) / 1000;
  const cpuSeconds = (used.user + used.system) / 1e6;
  const sorted = [...late].sort((a, b) => a - b);
  const result: ScheduleBenchResult = {
    pipelines: PIPELINES,
    seconds: window,
    cpuSeconds,
    cpuSecondsPerMinute: (cpuSeconds / window) * 60,
    runsStarted: late.length,
    maxLateMs: sorted[sorted.length - 1] ?? 0,
    p99LateMs: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
    wakeups,
  };
  writeFileSync(out, JSON.stringify(result));
}

export async function benchSchedule(workDir: string, seconds: number, measure: Measure, log: (s: string) => void): Promise<ScheduleBenchResult | undefined> {
  const dir = join(workDir, 'schedule-project');
  writeScheduleProject(dir);
  const out = join(workDir, 'schedule-result.json');
  log(`schedule: schedule() with ${PIPELINES.toLocaleString('en-US')} pipelines on varied crons for ${seconds} s; runs end at once (the scheduler's own CPU)`);
  const run = await measure('child', ['child', dir, String(seconds), out], 'schedule');
  if (run.exitCode !== 0) return undefined;
  const r = JSON.parse(readFileSync(out, 'utf8')) as ScheduleBenchResult;
  log(`  CPU ${r.cpuSeconds.toFixed(2)} s over ${r.seconds.toFixed(1)} s (${r.cpuSecondsPerMinute.toFixed(2)} s per minute); ${r.runsStarted} runs started, latest ${r.maxLateMs} ms after its time (p99 ${r.p99LateMs} ms)`);
  return r;
}

export function scheduleMarkdown(r: ScheduleBenchResult): string {
  return [
    `**Scheduler** (\`schedule()\` with ${r.pipelines.toLocaleString('en-US')} pipelines: every 30 s, every minute, every 5 minutes, hourly and daily crons; embedded store; ${r.seconds.toFixed(0)} s of real time; runs ended at once by an in-process launcher)`,
    '',
    '| Measurement | Value |',
    '|---|---:|',
    `| **scheduler CPU time per minute** (user + system) — target < ${SCHEDULE_TARGETS.cpuSecondsPerMinute} s | ${r.cpuSecondsPerMinute.toFixed(2)} s |`,
    `| runs started in the window | ${r.runsStarted.toLocaleString('en-US')} |`,
    `| **latest start after its scheduled time** — target < ${SCHEDULE_TARGETS.maxLateSeconds} s | ${r.maxLateMs} ms |`,
    `| 99th percentile start delay | ${r.p99LateMs} ms |`,
  ].join('\n');
}

if (process.argv[2] === 'child') {
  await child(process.argv[3]!, Number(process.argv[4]), process.argv[5]!);
}
