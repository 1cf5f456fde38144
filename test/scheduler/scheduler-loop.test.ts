/**
 * The scheduler loop on a manual clock, over a real store (an embedded DuckDB file), with a
 * launcher that records the runs it is asked to start and ends them when the test says (a
 * stand-in for worker processes, which test/scheduler/schedule-cli.test.ts runs for real).
 * Each test steps the loop at chosen times: ticks run once, on time or flagged late; missed
 * ticks are skipped or caught up per catchup; after: pipelines follow their upstreams per
 * trigger; failed runs are retried after a back-off; concurrency, pools and a DuckDB file's
 * single writer are kept; timeouts cancel; a new leader ends the old leader's runs as lost.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pipeline } from '../../src/pipelines/pipeline.js';
import { Scheduler, type RunEnd, type RunLauncher, type RunRequest, type SchedulerEvent } from '../../src/pipelines/scheduler.js';
import { sqlSchedulerStore, type Holder, type SchedulerStore } from '../../src/pipelines/scheduler-store.js';
import { duckdbStoreDriver } from '../../src/pipelines/store-duckdb.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { tempDir } from '../helpers/run-dpf.js';

const H = 3600_000;
const M = 60_000;
const at = (iso: string) => Date.parse(iso);
const LEASE = 15_000;
const settings = { leaseMs: LEASE, drainMs: 60_000, lateAfterMs: 60_000, retryDelayMs: 10_000 };

function pipeline(name: string, extra: Partial<Pipeline> = {}): Pipeline {
  return { name, location: { file: `pipelines/${name}.yml`, line: 1, column: 1 }, select: [], exclude: [], after: [], trigger: 'all_success', when: [], catchup: false, concurrency: 1, retries: 0, vars: {}, notify: [], ...extra };
}
const hourly = (name: string, extra: Partial<Pipeline> = {}) => pipeline(name, { schedule: { cron: '0 * * * *', timezone: 'UTC' }, ...extra });

/** Records start requests; the test ends them. Source sensors see `versions` (set by the test). */
class RecordingLauncher implements RunLauncher {
  readonly versions = new Map<string, string | Error>();
  looks = 0;
  async sourceVersion(_pipeline: Pipeline, source: string) {
    this.looks += 1;
    const v = this.versions.get(source);
    return v instanceof Error ? { error: v.message } : { version: v };
  }
  readonly started: { request: RunRequest; end: (end: RunEnd) => void; cancelled?: string; killed?: boolean }[] = [];
  start(request: RunRequest, report: { end(end: RunEnd): void }) {
    const entry: (typeof this.started)[number] = { request, end: (e) => report.end(e) };
    this.started.push(entry);
    return { pid: 1000 + this.started.length, cancel: (reason: string) => void (entry.cancelled = reason), kill: () => void (entry.killed = true) };
  }
  ids(): string[] {
    return this.started.map((s) => s.request.run.id);
  }
  last() {
    return this.started[this.started.length - 1]!;
  }
}

const stores: SchedulerStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function setup(pipelines: Pipeline[], start: string, options: { exclusive?: (p: Pipeline) => string | undefined; pools?: Record<string, number>; store?: SchedulerStore; holder?: string; files?: Map<string, string>; leaseMs?: number } = {}) {
  const store = options.store ?? sqlSchedulerStore(duckdbStoreDriver(join(tempDir(), 'scheduler.duckdb')));
  if (!options.store) {
    await store.ensure();
    stores.push(store);
  }
  const clock = new ManualClock(at(start));
  const launcher = new RecordingLauncher();
  const events: SchedulerEvent[] = [];
  const holder: Holder = { id: options.holder ?? 'a', host: 'test', pid: 1 };
  const scheduler = new Scheduler({ store, pipelines, clock, launcher, holder, settings: { ...settings, leaseMs: options.leaseMs ?? LEASE }, pools: options.pools, exclusiveKey: options.exclusive, filesVersion: (glob) => options.files?.get(glob), onEvent: (e) => events.push(e) });
  /** Sets the clock and runs one wake-up; returns when the loop would wake next. */
  const stepAt = async (iso: string | number) => {
    clock.set(typeof iso === 'number' ? iso : at(iso));
    return scheduler.step();
  };
  return { store, clock, launcher, events, scheduler, stepAt };
}

describe('the scheduler loop', () => {
  it('runs each due tick once, on time, and sleeps until the next one or the lease renewal', async () => {
    const { store, launcher, stepAt } = await setup([hourly('extract')], '2026-12-07T10:00:30Z');
    // First sight: nothing is backfilled; it wakes to renew the lease (5 s), the next tick being later.
    expect(await stepAt('2026-12-07T10:00:30Z')).toBe(at('2026-12-07T10:00:35Z'));
    expect(launcher.started).toEqual([]);
    await stepAt('2026-12-07T10:59:58Z');
    expect(await stepAt('2026-12-07T10:59:59Z')).toBe(at('2026-12-07T11:00:00Z'));
    await stepAt('2026-12-07T11:00:00Z');
    expect(launcher.ids()).toEqual(['extract@2026-12-07T11:00:00.000Z#1']);
    await stepAt('2026-12-07T11:00:00.200Z');
    await stepAt('2026-12-07T11:00:01Z');
    expect(launcher.started).toHaveLength(1);
    launcher.last().end({ state: 'success', dpfRunId: 'r-1' });
    await stepAt('2026-12-07T11:00:02Z');
    expect(await store.ticks({ pipeline: 'extract' })).toMatchObject([{ scheduledAt: at('2026-12-07T11:00:00Z'), state: 'success', attempts: 1, lateMs: 0 }]);
    expect(await store.runs({ pipeline: 'extract' })).toMatchObject([{ state: 'success', dpfRunId: 'r-1', workerPid: 1001 }]);
  });

  it('a restarted scheduler never runs a tick twice, and skips or catches up the missed ones per catchup', async () => {
    const pipelines = [hourly('quick'), hourly('thorough', { catchup: true, maxCatchup: 2 })];
    const first = await setup(pipelines, '2026-12-07T10:30:00Z');
    await first.stepAt('2026-12-07T10:30:00Z');
    await first.stepAt('2026-12-07T11:00:00Z');
    expect(first.launcher.ids().sort()).toEqual(['quick@2026-12-07T11:00:00.000Z#1', 'thorough@2026-12-07T11:00:00.000Z#1']);
    for (const s of first.launcher.started) s.end({ state: 'success' });
    await first.stepAt('2026-12-07T11:00:05Z');
    // It stops (its lease runs out); another process starts on the same store 3.5 hours later.
    const second = await setup(pipelines, '2026-12-07T14:30:00Z', { store: first.store, holder: 'b' });
    await second.stepAt('2026-12-07T14:30:00Z');
    expect(second.launcher.ids().sort()).toEqual(['quick@2026-12-07T14:00:00.000Z#1', 'thorough@2026-12-07T13:00:00.000Z#1']);
    const quick = await first.store.ticks({ pipeline: 'quick' });
    expect(quick.map((t) => [new Date(t.scheduledAt).toISOString().slice(11, 16), t.state])).toEqual([
      ['14:00', 'running'],
      ['13:00', 'skipped'],
      ['12:00', 'skipped'],
      ['11:00', 'success'],
    ]);
    expect(quick[0]!.lateMs).toBe(30 * M);
    expect(quick[1]!.reason).toBe('missed while no scheduler ran (catchup: false)');
    // catchup: true runs the last two missed ticks one after the other (concurrency 1), the older one skipped.
    const thorough = await first.store.ticks({ pipeline: 'thorough' });
    expect(thorough.map((t) => [new Date(t.scheduledAt).toISOString().slice(11, 16), t.state])).toEqual([
      ['14:00', 'pending'],
      ['13:00', 'running'],
      ['12:00', 'skipped'],
      ['11:00', 'success'],
    ]);
    second.launcher.started.find((s) => s.request.pipeline.name === 'thorough')!.end({ state: 'success' });
    await second.stepAt('2026-12-07T14:31:00Z');
    expect(second.launcher.ids()).toContain('thorough@2026-12-07T14:00:00.000Z#1');
    expect(second.launcher.started).toHaveLength(3);
  });

  it('starts after: pipelines when their upstreams end, per trigger', async () => {
    const pipelines = [
      hourly('extract'),
      hourly('reference'),
      pipeline('marts', { after: ['extract', 'reference'], trigger: 'all_success' }),
      pipeline('report', { after: ['extract', 'reference'], trigger: 'all_done' }),
      pipeline('alert', { after: ['extract', 'reference'], trigger: 'any_success' }),
    ];
    const { store, launcher, stepAt } = await setup(pipelines, '2026-12-07T10:30:00Z');
    await stepAt('2026-12-07T10:30:00Z');
    await stepAt('2026-12-07T11:00:00Z');
    const byName = (name: string) => launcher.started.filter((s) => s.request.pipeline.name === name);
    byName('extract')[0]!.end({ state: 'success' });
    await stepAt('2026-12-07T11:05:00Z');
    // any_success fires on the first success; the others wait for reference.
    expect(launcher.started.map((s) => s.request.pipeline.name).sort()).toEqual(['alert', 'extract', 'reference']);
    byName('reference')[0]!.end({ state: 'failed', error: 'source down', failedNode: 'source.p.ref.x' });
    await stepAt('2026-12-07T11:10:00Z');
    expect(byName('report')).toHaveLength(1);
    expect(byName('marts')).toHaveLength(0);
    const reportTick = (await store.ticks({ pipeline: 'report' }))[0]!;
    // It fired when reference ended (at 11:05, when its end was reported), the later of the two.
    expect(reportTick).toMatchObject({ kind: 'after', scheduledAt: at('2026-12-07T11:05:00Z'), reason: 'after extract (success), reference (failed)' });
    // The next hour both succeed: marts runs once, at the later success.
    await stepAt('2026-12-07T12:00:00Z');
    byName('extract')[1]!.end({ state: 'success' });
    await stepAt('2026-12-07T12:01:00Z');
    byName('reference')[1]!.end({ state: 'success' });
    await stepAt('2026-12-07T12:02:00Z');
    expect(byName('marts')).toHaveLength(1);
    expect((await store.ticks({ pipeline: 'marts' }))[0]).toMatchObject({ scheduledAt: at('2026-12-07T12:01:00Z'), reason: 'after extract (success), reference (success)' });
    await stepAt('2026-12-07T12:03:00Z');
    expect(byName('marts')).toHaveLength(1);
  });

  it('a scheduled pipeline with after: runs at its time once its upstreams ran since its previous run started, and skips a tick the next one overtakes', async () => {
    const extract = pipeline('extract', { schedule: { cron: '5 */6 * * *', timezone: 'UTC' } });
    const marts = pipeline('marts', { schedule: { cron: '0 6 * * *', timezone: 'Europe/Berlin' }, after: ['extract'] });
    const { store, launcher, stepAt } = await setup([extract, marts], '2026-12-07T00:00:00Z');
    const runsOf = (name: string) => launcher.started.filter((s) => s.request.pipeline.name === name);
    /** Steps to extract's run at `iso` and ends it so, a minute later. */
    const extractAt = async (iso: string, state: 'success' | 'failed') => {
      await stepAt(iso);
      runsOf('extract').at(-1)!.end({ state, error: state === 'failed' ? 'partner API down' : undefined });
      await stepAt(Date.parse(iso) + M);
    };
    await stepAt('2026-12-07T00:00:00Z');
    await extractAt('2026-12-07T00:05:00Z', 'success');
    // 06:00 in Berlin is 05:00 UTC: extract succeeded since marts last ran (never), so marts starts at once.
    await stepAt('2026-12-07T05:00:00Z');
    expect(runsOf('marts')).toHaveLength(1);
    runsOf('marts')[0]!.end({ state: 'success' });
    // Until the next morning extract only fails: marts waits at 05:00, and starts when extract succeeds.
    for (const time of ['2026-12-07T06:05:00Z', '2026-12-07T12:05:00Z', '2026-12-07T18:05:00Z', '2026-12-08T00:05:00Z']) await extractAt(time, 'failed');
    await stepAt('2026-12-08T05:00:00Z');
    expect(runsOf('marts')).toHaveLength(1);
    expect((await store.pendingTicks()).map((t) => t.pipeline)).toEqual(['marts']);
    await extractAt('2026-12-08T06:05:00Z', 'success');
    expect(runsOf('marts').map((s) => s.request.run.id)).toEqual(['marts@2026-12-07T05:00:00.000Z#1', 'marts@2026-12-08T05:00:00.000Z#1']);
    // It waited 66 minutes for extract, but started at once when extract was ready: not late.
    expect((await store.ticks({ pipeline: 'marts' }))[0]).toMatchObject({ state: 'running', lateMs: 0 });
    runsOf('marts')[1]!.end({ state: 'success' });
    // Then extract fails for a whole day: the waiting tick is skipped when the next one comes due.
    for (const time of ['2026-12-08T12:05:00Z', '2026-12-08T18:05:00Z', '2026-12-09T00:05:00Z', '2026-12-09T06:05:00Z', '2026-12-09T12:05:00Z', '2026-12-09T18:05:00Z', '2026-12-10T00:05:00Z']) await extractAt(time, 'failed');
    await stepAt('2026-12-10T05:00:00Z');
    const ticks = await store.ticks({ pipeline: 'marts' });
    expect(ticks.map((t) => [new Date(t.scheduledAt).toISOString().slice(0, 10), t.state])).toEqual([
      ['2026-12-10', 'pending'],
      ['2026-12-09', 'skipped'],
      ['2026-12-08', 'success'],
      ['2026-12-07', 'success'],
    ]);
    expect(ticks[1]!.reason).toBe('not started before the next tick: waiting for extract (all_success)');
    expect(runsOf('marts')).toHaveLength(2);
  });

  it('runs a pipeline when its sensors see a change since their last look; the first look only notes what is there', async () => {
    const sensor = (kind: 'source' | 'files', watch: string, everySeconds: number) => ({ kind, watch, everySeconds, location: { file: 'pipelines/p.yml', line: 3, column: 5 } });
    const files = new Map([['landing/*.csv', 'files=1 hash=a']]);
    const watched = pipeline('refresh', { when: [sensor('source', 'shop.orders', 300), sensor('files', 'landing/*.csv', 60)] });
    // A lease longer than the test's jumps in time, so that it is renewed, never lost and taken again.
    const { store, launcher, stepAt, events } = await setup([watched], '2026-12-07T10:00:00Z', { files, leaseMs: H });
    launcher.versions.set('shop.orders', 'rows=10');
    // The source's look runs in a worker: its answer arrives after the step (waking the loop) and is taken in by the next.
    await stepAt('2026-12-07T10:00:00Z');
    expect(launcher.looks).toBe(1);
    expect(await stepAt('2026-12-07T10:00:00.010Z')).toBe(at('2026-12-07T10:01:00Z'));
    expect(launcher.started).toEqual([]);
    expect(await store.sensorVersions()).toEqual(new Map([['refresh\u0000source:shop.orders', 'rows=10'], ['refresh\u0000files:landing/*.csv', 'files=1 hash=a']]));
    // A file lands: the next look of the files sensor (a minute later) starts a run.
    files.set('landing/*.csv', 'files=2 hash=b');
    await stepAt('2026-12-07T10:00:59Z');
    expect(launcher.started).toEqual([]);
    await stepAt('2026-12-07T10:01:00Z');
    expect(launcher.ids()).toEqual(['refresh@2026-12-07T10:01:00.000Z#1']);
    expect((await store.ticks({ pipeline: 'refresh' }))[0]).toMatchObject({ kind: 'sensor', reason: 'files landing/*.csv changed' });
    launcher.last().end({ state: 'success' });
    // The source changes; it is looked at every 5 minutes.
    launcher.versions.set('shop.orders', 'rows=12');
    await stepAt('2026-12-07T10:04:59Z');
    expect(launcher.looks).toBe(1);
    await stepAt('2026-12-07T10:05:00Z');
    await stepAt('2026-12-07T10:05:00.010Z');
    expect(launcher.ids()).toEqual(['refresh@2026-12-07T10:01:00.000Z#1', 'refresh@2026-12-07T10:05:00.010Z#1']);
    // A look that fails is reported once, and changes nothing.
    launcher.last().end({ state: 'success' });
    launcher.versions.set('shop.orders', new Error('DPF501: No model, seed or source named "shop.orders".'));
    for (const t of ['2026-12-07T10:10:00Z', '2026-12-07T10:10:00.010Z', '2026-12-07T10:15:00Z', '2026-12-07T10:15:00.010Z']) await stepAt(t);
    expect(events.filter((e) => e.type === 'sensor_error')).toEqual([{ type: 'sensor_error', pipeline: 'refresh', sensor: 'source:shop.orders', error: 'DPF501: No model, seed or source named "shop.orders".' }]);
    expect(launcher.started).toHaveLength(2);
  });

  it('retries a failed run after a back-off, then fails the tick; a busy warehouse waits without using an attempt', async () => {
    const { store, launcher, stepAt } = await setup([hourly('flaky', { retries: 1 })], '2026-12-07T10:30:00Z');
    await stepAt('2026-12-07T10:30:00Z');
    await stepAt('2026-12-07T11:00:00Z');
    launcher.last().end({ state: 'cancelled', busy: true, error: 'the warehouse is open in another process (pid 77); the run waits' });
    await stepAt('2026-12-07T11:00:01Z');
    expect(await store.pendingTicks()).toMatchObject([{ attempts: 0, notBefore: at('2026-12-07T11:00:02Z'), reason: 'waiting: the warehouse is open in another process (pid 77); the run waits' }]);
    await stepAt('2026-12-07T11:00:03Z');
    expect(launcher.started).toHaveLength(2);
    expect(launcher.last().request.run.attempt).toBe(1);
    launcher.last().end({ state: 'failed', error: 'Binder Error: column x', failedNode: 'model.p.a' });
    await stepAt('2026-12-07T11:00:04Z');
    expect(await store.pendingTicks()).toMatchObject([{ attempts: 1, notBefore: at('2026-12-07T11:00:13Z'), reason: 'retry 1 of 1 after: Binder Error: column x' }]);
    await stepAt('2026-12-07T11:00:12Z');
    expect(launcher.started).toHaveLength(2);
    await stepAt('2026-12-07T11:00:13Z');
    expect(launcher.last().request.run).toMatchObject({ attempt: 2, id: 'flaky@2026-12-07T11:00:00.000Z#3' });
    launcher.last().end({ state: 'failed', error: 'Binder Error: column x', failedNode: 'model.p.a' });
    await stepAt('2026-12-07T11:00:15Z');
    expect(await store.ticks({ pipeline: 'flaky' })).toMatchObject([{ state: 'failed', attempts: 2, tries: 3 }]);
    expect((await store.runs({ pipeline: 'flaky' })).map((r) => r.state)).toEqual(['failed', 'failed', 'cancelled']);
  });

  it('keeps concurrency, pools and one run per DuckDB file; cancels a run past its timeout and kills it after the grace', async () => {
    const pipelines = [
      hourly('a1', { pool: 'api' }),
      hourly('a2', { pool: 'api' }),
      hourly('w1', { timeoutSeconds: 60 }),
      hourly('w2'),
    ];
    const exclusive = (p: Pipeline) => (p.name.startsWith('w') ? 'duckdb:/x/warehouse.duckdb' : undefined);
    const { launcher, stepAt } = await setup(pipelines, '2026-12-07T10:30:00Z', { exclusive, pools: { api: 1 } });
    await stepAt('2026-12-07T10:30:00Z');
    await stepAt('2026-12-07T11:00:00Z');
    expect(launcher.started.map((s) => s.request.pipeline.name)).toEqual(['a1', 'w1']);
    await stepAt('2026-12-07T11:01:00Z');
    expect(launcher.started[1]!.cancelled).toBe("timed out after 60 s (the pipeline's timeout)");
    expect(launcher.started[1]!.killed).toBeUndefined();
    await stepAt('2026-12-07T11:01:30Z');
    expect(launcher.started[1]!.killed).toBe(true);
    launcher.started[1]!.end({ state: 'failed', error: 'killed' });
    launcher.started[0]!.end({ state: 'success' });
    await stepAt('2026-12-07T11:01:31Z');
    expect(launcher.started.map((s) => s.request.pipeline.name)).toEqual(['a1', 'w1', 'a2', 'w2']);
  });

  it('a standby takes over after the lease ran out: the old leader\'s run is lost and retried; the old leader, back, stops its run', async () => {
    const pipelines = [hourly('extract', { retries: 1 })];
    const a = await setup(pipelines, '2026-12-07T10:30:00Z', { holder: 'a' });
    const b = await setup(pipelines, '2026-12-07T10:30:00Z', { store: a.store, holder: 'b' });
    await a.stepAt('2026-12-07T10:30:00Z');
    await b.stepAt('2026-12-07T10:30:01Z');
    expect(b.events).toContainEqual({ type: 'standby', holder: 'a' });
    await a.stepAt('2026-12-07T11:00:00Z');
    expect(a.launcher.started).toHaveLength(1);
    await b.stepAt('2026-12-07T11:00:05Z');
    expect(b.scheduler.isLeader).toBe(false);
    // a stops renewing at 11:00:00 (its lease: until 11:00:15).
    await b.stepAt('2026-12-07T11:00:14.999Z');
    expect(b.scheduler.isLeader).toBe(false);
    await b.stepAt('2026-12-07T11:00:15Z');
    expect(b.scheduler.isLeader).toBe(true);
    expect(b.events.find((e) => e.type === 'run_lost')).toMatchObject({ run: { id: 'extract@2026-12-07T11:00:00.000Z#1', holder: 'a' }, next: { state: 'pending', reason: 'retry 1 of 1 after: failed: scheduler lost' } });
    const lost = (await a.store.runs({ pipeline: 'extract' }))[0]!;
    expect(lost).toMatchObject({ state: 'lost', error: 'failed: scheduler lost (a stopped renewing its lease)' });
    await b.stepAt('2026-12-07T11:00:25Z');
    expect(b.launcher.ids()).toEqual(['extract@2026-12-07T11:00:00.000Z#2']);
    // a wakes up: its renewal is refused, so it kills what it started and stands by.
    await a.stepAt('2026-12-07T11:00:26Z');
    expect(a.scheduler.isLeader).toBe(false);
    expect(a.events).toContainEqual({ type: 'lease_lost' });
    expect(a.launcher.started[0]!.killed).toBe(true);
    // However often either steps (b renewing in time), the tick has exactly the two runs.
    await b.stepAt('2026-12-07T11:00:35Z');
    await a.stepAt('2026-12-07T11:00:40Z');
    await b.stepAt('2026-12-07T11:00:41Z');
    expect((await a.store.runs({ pipeline: 'extract' })).map((r) => [r.id, r.holder, r.state])).toEqual([
      ['extract@2026-12-07T11:00:00.000Z#2', 'b', 'running'],
      ['extract@2026-12-07T11:00:00.000Z#1', 'a', 'lost'],
    ]);
  });

  it('drains on stop: waits for a run, cancels it after drain time, sends its tick back to pending and releases the lease', async () => {
    const { store, clock, launcher, scheduler, events } = await setup([hourly('long')], '2026-12-07T10:59:59Z');
    const controller = new AbortController();
    const loop = scheduler.run(controller.signal);
    await until(() => events.some((e) => e.type === 'leader'));
    clock.set(at('2026-12-07T11:00:00Z'));
    await until(() => launcher.started.length === 1);
    controller.abort();
    await until(() => events.some((e) => e.type === 'draining'));
    clock.set(at('2026-12-07T11:01:00Z'));
    await until(() => launcher.started[0]!.cancelled !== undefined);
    expect(launcher.started[0]!.cancelled).toBe('the scheduler is stopping');
    launcher.started[0]!.end({ state: 'cancelled', error: 'cancelled' });
    await loop;
    expect(events[events.length - 1]).toEqual({ type: 'stopped' });
    expect(await store.pendingTicks()).toMatchObject([{ pipeline: 'long', attempts: 0, reason: 'cancelled when the scheduler stopped; runs again' }]);
    expect((await store.leaseRow())!.expiresAt).toBe(at('2026-12-07T11:01:00Z'));
  });
});

/** Yields to the loop until the condition holds (each turn lets its store sessions finish). */
async function until(condition: () => boolean, turns = 500): Promise<void> {
  for (let i = 0; i < turns && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}
