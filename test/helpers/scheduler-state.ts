/**
 * A temporary project with five pipelines and the scheduler state a scheduler would have written
 * by 2026-03-28 12:00 UTC, through the store's own write API with a fixed clock: a success, a
 * tick started late, three ticks skipped while no scheduler ran, a failure in a known node, a
 * lost run waiting for its retry, and a running run with progress (test/status.test.ts and the
 * Pipelines page's browser test).
 */
import { openSchedulerStore } from '../../src/pipelines/open-store.js';
import type { Holder, Lease, SchedulerStore } from '../../src/pipelines/scheduler-store.js';
import { makeProject } from './run-dpf.js';

export const STATUS_MODELS = {
  'models/raw_a.sql': 'select 1 as id\n',
  'models/mart_a.sql': 'select * from {{ref "raw_a"}}\n',
};
export const STATUS_PIPELINES = {
  'pipelines/extract.yml': 'select: raw_a+\nschedule:\n  cron: "15 */2 * * *"\nowner: data-eng\n',
  'pipelines/marts.yml': 'select: mart_a\nschedule:\n  cron: "0 9 * * *"\n  timezone: Europe/Berlin\ntarget: dev\n',
  'pipelines/nightly.yml': 'schedule:\n  cron: "0 2 * * *"\nretries: 1\n',
  'pipelines/report.yml': 'select: mart_a\nschedule:\n  cron: "30 11 * * *"\n',
  'pipelines/downstream.yml': 'select: mart_a\nafter: [marts]\n',
};

export const STATUS_NOW = '2026-03-28T12:00:00Z';
const at = (iso: string) => Date.parse(`2026-03-${iso}Z`);
export const STATUS_HOLDER: Holder = { id: 'host-a:4242:x1', host: 'host-a', pid: 4242 };
export const DAY = 86_400_000;

/** What a scheduler would have written by STATUS_NOW, in the order it would have written it. */
export async function writeSchedulerState(store: SchedulerStore): Promise<void> {
  const { lease } = (await store.acquire(STATUS_HOLDER, at('27T07:00:00'), 2 * DAY))!;
  const run = async (l: Lease, pipeline: string, scheduled: string, started: string, lateMs: number) => {
    await store.recordTicks(l, at(started), [{ pipeline, scheduledAt: at(scheduled), kind: 'cron', state: 'pending' }], []);
    return (await store.startRun(l, at(started), { pipeline, scheduledAt: at(scheduled) }, lateMs))!;
  };
  const success = async (l: Lease, id: string, ended: string) => store.finishRun(l, at(ended), id, { state: 'success', dpfRunId: `dpf-${ended}`, tick: { state: 'success' } });

  // marts: a success yesterday, a failure today at 09:00 Berlin (08:00 UTC) in mart_a.
  const martsYesterday = await run(lease, 'marts', '27T08:00:00', '27T08:00:01', 1000);
  await success(lease, martsYesterday.id, '27T08:01:00');
  // extract: on time at 00:15 and 02:15; no scheduler from 03:00 to 10:17: 04:15, 06:15 and
  // 08:15 are skipped (catchup: false), 10:15 runs 2 min 5 s late.
  const e1 = await run(lease, 'extract', '28T00:15:00', '28T00:15:02', 2000);
  await success(lease, e1.id, '28T00:16:00');
  const e2 = await run(lease, 'extract', '28T02:15:00', '28T02:15:02', 2000);
  await success(lease, e2.id, '28T02:16:00');
  // nightly: lost with its scheduler, one retry waiting until 12:30.
  const nightly = await run(lease, 'nightly', '28T02:00:00', '28T02:00:00', 0);
  await store.finishRun(lease, at('28T03:00:00'), nightly.id, { state: 'lost', error: 'failed: scheduler lost', tick: { state: 'pending', notBefore: at('28T12:30:00'), countAttempt: true, reason: 'retry 1 of 1' } });
  const skipped = ['04:15', '06:15', '08:15'].map((t) => ({ pipeline: 'extract', scheduledAt: at(`28T${t}:00`), kind: 'cron' as const, state: 'skipped' as const, reason: 'catchup: false' }));
  await store.recordTicks(lease, at('28T10:17:00'), skipped, []);
  const e3 = await run(lease, 'extract', '28T10:15:00', '28T10:17:05', 125_000);
  await success(lease, e3.id, '28T10:18:05');
  const marts = await run(lease, 'marts', '28T08:00:00', '28T08:00:30', 30_000);
  await store.finishRun(lease, at('28T08:01:30'), marts.id, {
    state: 'failed',
    failedNode: 'model.proj.mart_a',
    dpfRunId: 'dpf-marts-2',
    error: 'Binder Error: Referenced column "x" not found in FROM clause!\nLINE 1: select x from main.raw_a',
    tick: { state: 'failed' },
  });
  // report: running since 11:30, 3 of 7 nodes done at the last heartbeat.
  const report = await run(lease, 'report', '28T11:30:00', '28T11:30:00', 0);
  await store.acquire(STATUS_HOLDER, at('28T11:59:50'), DAY, [{ runId: report.id, workerPid: 777, dpfRunId: 'dpf-report-1', nodesDone: 3, nodesTotal: 7 }]);
  // The lease as a scheduler renewing every 5 s with a 15 s lease leaves it.
  await store.acquire(STATUS_HOLDER, at('28T11:59:55'), 15_000);
}


/** The project, its files over `extra`, with the state written; its folder. */
export async function makeStatusProject(extra: Record<string, string> = {}): Promise<string> {
  const dir = makeProject({ ...STATUS_MODELS, ...STATUS_PIPELINES, ...extra });
  const store = await openSchedulerStore(dir, {});
  try {
    await writeSchedulerState(store);
  } finally {
    await store.close();
  }
  return dir;
}
