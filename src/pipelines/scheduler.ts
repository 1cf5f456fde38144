/**
 * The scheduler loop (`dpf schedule`, docs/scheduling.md#the-scheduler). It decides *when* a
 * pipeline runs and hands each run to a launcher (worker processes calling the public API's
 * `runPipeline`); it never opens the warehouse. Each wake-up:
 *
 * 1. holds the lease: renews it (with the running runs' progress) every third of its length,
 *    or takes it once expired; a new leader ends the runs the old one left running as
 *    `failed: scheduler lost` and retries them per policy;
 * 2. ends the runs that finished: success, a retry after a back-off, or failed;
 * 3. turns due cron times into ticks: catchup: false runs only the latest and records the
 *    missed ones as skipped; catchup: true runs up to max_catchup of them; a run that starts
 *    more than late_after past its time is flagged late;
 * 4. turns ended upstream runs into `after:` ticks per trigger (all_success, all_done, any_success),
 *    keyed by the time the deciding upstream run ended, so a restart decides the same; a
 *    pipeline with both a schedule and `after:` runs at its cron times, each tick waiting until
 *    its upstreams ran (per trigger) since its previous run started, and skipped if the next comes first;
 * 5. starts pending ticks, oldest first, within each pipeline's concurrency, its pool, and one
 *    run at a time per DuckDB warehouse file (its single writer);
 * 6. cancels runs past their timeout (killed after a grace period);
 * then sleeps until the earliest of: the next cron time, the next renewal, a retry's back-off, a
 * deadline, or a run ending. Nothing polls: an idle scheduler wakes every lease/3 to renew.
 */
import { nextRunTimes } from './cron-times.js';
import type { Clock } from './clock.js';
import type { SchedulerSettings } from './open-store.js';
import type { Pipeline, PipelineSensor } from './pipeline.js';
import { LeaseLostError, type Holder, type Lease, type NewTick, type RunEnding, type RunProgress, type SchedulerRun, type SchedulerStore, type Tick, type TickKind } from './scheduler-store.js';

/** What a launcher is asked to run. */
export interface RunRequest {
  readonly run: SchedulerRun;
  readonly pipeline: Pipeline;
}

/** How a run ended, as its worker reports it. */
export interface RunEnd {
  readonly state: 'success' | 'failed' | 'cancelled';
  readonly error?: string;
  readonly failedNode?: string;
  readonly dpfRunId?: string;
  /** It never started work: the warehouse was held by another process (DuckDB's lock). */
  readonly busy?: boolean;
}

export interface RunHandle {
  readonly pid?: number;
  /** Asks the run to stop (its AbortSignal): it ends as cancelled. */
  cancel(reason: string): void;
  /** Ends it now (SIGKILL). */
  kill(): void;
}

export interface RunLauncher {
  start(request: RunRequest, report: { progress(update: Omit<RunProgress, 'runId'>): void; end(end: RunEnd): void }): RunHandle;
  /** The data version of a source (`schema.table`), read away from the scheduler (a worker process); for `when: {source}` sensors. */
  sourceVersion?(pipeline: Pipeline, source: string): Promise<{ readonly version?: string; readonly error?: string }>;
}

/** What a `when: {files}` sensor sees; in-process (the file system, never the warehouse). */
export type FilesVersion = (glob: string) => string | undefined;

export type SchedulerEvent =
  | { readonly type: 'leader'; readonly epoch: number }
  | { readonly type: 'standby'; readonly holder?: string }
  | { readonly type: 'lease_lost' }
  | { readonly type: 'ticks'; readonly ticks: readonly NewTick[] }
  | { readonly type: 'run_started'; readonly run: SchedulerRun; readonly lateMs: number }
  | { readonly type: 'run_ended'; readonly run: SchedulerRun; readonly end: RunEnd; readonly next: RunEnding['tick'] }
  | { readonly type: 'run_lost'; readonly run: SchedulerRun; readonly next: RunEnding['tick'] }
  | { readonly type: 'timeout'; readonly run: SchedulerRun }
  | { readonly type: 'store_error'; readonly error: string }
  | { readonly type: 'sensor_error'; readonly pipeline: string; readonly sensor: string; readonly error: string }
  | { readonly type: 'draining'; readonly running: number }
  | { readonly type: 'stopped' };

export interface SchedulerOptions {
  readonly store: SchedulerStore;
  readonly pipelines: readonly Pipeline[];
  readonly clock: Clock;
  readonly launcher: RunLauncher;
  readonly holder: Holder;
  readonly settings: SchedulerSettings;
  /** Pool sizes (dpf_project.yml pools:) for pipelines' `pool:`. */
  readonly pools?: Readonly<Record<string, number>>;
  /** Pipelines with the same key run one at a time: a DuckDB warehouse file has one writer. */
  readonly exclusiveKey?: (pipeline: Pipeline) => string | undefined;
  /** For `when: {files}` sensors (default: nothing seen). */
  readonly filesVersion?: FilesVersion;
  readonly onEvent?: (event: SchedulerEvent) => void;
}

/** A sensor's key in the store: `source:partner.reviews`, `files:landing/*.csv`. */
export const sensorKey = (sensor: PipelineSensor) => `${sensor.kind}:${sensor.watch}`;

/** Cap on the cron times read for one pipeline in one wake-up (a year of a minutely schedule is half a million). */
const MAX_DUE = 10_000;
const RETRY_MAX_MS = 10 * 60_000;
const BUSY_BASE_MS = 2_000;
const BUSY_MAX_MS = 60_000;
const KILL_GRACE_MS = 30_000;
/** A store that cannot be reached is tried again after this long. */
const STORE_RETRY_MS = 1_000;

interface Running {
  run: SchedulerRun;
  readonly pipeline: Pipeline;
  handle?: RunHandle;
  progress: Omit<RunProgress, 'runId'>;
  readonly deadline?: number;
  killAt?: number;
  /** Set when the scheduler itself cancels it (shutdown): the tick runs again, not counted. */
  shutdown?: boolean;
}

/** Retry back-off after the nth failed attempt: base, twice that, four times … at most 10 min. */
export const retryDelayMs = (attempt: number, baseMs: number) => Math.min(RETRY_MAX_MS, baseMs * 2 ** Math.max(0, attempt - 1));

export class Scheduler {
  private lease?: Lease;
  private renewedAt = -Infinity;
  private cursorsLoaded = false;
  private readonly cronCursor = new Map<string, number>();
  private readonly afterCursor = new Map<string, number>();
  private readonly nextDue = new Map<string, number>();
  private readonly running = new Map<string, Running>();
  private readonly ended: { runId: string; end: RunEnd; at: number }[] = [];
  private afterDirty = true;
  private pendingDirty = true;
  private nextPendingAt = Infinity;
  private busyStreak = new Map<string, number>();
  /** Per sensor (`pipeline NUL key`): when it looks next, what it saw last, a look in flight, a reported error. */
  private readonly sensorNext = new Map<string, number>();
  private sensorSeen?: Map<string, string>;
  private readonly sensorLooking = new Set<string>();
  private readonly sensorResults: { pipeline: Pipeline; sensor: PipelineSensor; version?: string; error?: string }[] = [];
  private readonly sensorFailing = new Set<string>();
  private wakeController = new AbortController();
  private draining = false;
  private readonly byName: ReadonlyMap<string, Pipeline>;
  private readonly downstream: ReadonlyMap<string, readonly Pipeline[]>;

  constructor(private readonly options: SchedulerOptions) {
    this.byName = new Map(options.pipelines.map((p) => [p.name, p]));
    const downstream = new Map<string, Pipeline[]>();
    for (const p of options.pipelines) for (const up of p.after) downstream.set(up, [...(downstream.get(up) ?? []), p]);
    this.downstream = downstream;
  }

  get isLeader(): boolean {
    return this.lease !== undefined;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** Cuts the current sleep short (a run ended). */
  wake(): void {
    this.wakeController.abort();
  }

  /** Runs until the signal aborts, then drains: no new runs; running ones get drainMs, then are cancelled; the lease is released. */
  async run(signal: AbortSignal): Promise<void> {
    const onAbort = () => this.wake();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        const next = await this.step();
        if (signal.aborted) break;
        await this.sleepUntil(next);
      }
      await this.drain();
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** One wake-up; returns when to wake next (clock time). */
  async step(): Promise<number> {
    const { clock, settings } = this.options;
    const now = clock.now();
    try {
      if (!(await this.holdLease(now))) return now + settings.leaseMs / 3;
      await this.endFinished();
      if (!this.draining) {
        await this.loadCursors(now);
        await this.tickCron(now);
        await this.tickAfter(now);
        await this.lookWithSensors(now);
        await this.startPending(now);
      }
      this.enforceTimeouts(now);
    } catch (err) {
      if (err instanceof LeaseLostError) {
        this.loseLease();
        return now + settings.leaseMs / 3;
      }
      this.emit({ type: 'store_error', error: String((err as Error)?.message ?? err).split('\n')[0]! });
      // Past the lease's end without a renewal another scheduler may lead: stop what runs here.
      if (this.lease && clock.now() >= this.lease.expiresAt) this.loseLease();
      return clock.now() + STORE_RETRY_MS;
    }
    return this.nextWake(now);
  }

  private emit(event: SchedulerEvent): void {
    this.options.onEvent?.(event);
  }

  private async sleepUntil(until: number): Promise<void> {
    if (this.ended.length > 0 || this.sensorResults.length > 0) return;
    this.wakeController = new AbortController();
    await this.options.clock.sleepUntil(until, this.wakeController.signal);
  }

  private nextWake(now: number): number {
    const { leaseMs } = this.options.settings;
    let next = this.renewedAt + leaseMs / 3;
    if (!this.draining) {
      for (const due of this.nextDue.values()) next = Math.min(next, due);
      for (const due of this.sensorNext.values()) next = Math.min(next, due);
      next = Math.min(next, this.nextPendingAt);
    }
    for (const r of this.running.values()) {
      if (r.deadline !== undefined && r.killAt === undefined) next = Math.min(next, r.deadline);
      if (r.killAt !== undefined) next = Math.min(next, r.killAt);
    }
    return Math.max(next, now);
  }

  // ---- 1. the lease

  private async holdLease(now: number): Promise<boolean> {
    const { store, holder, settings } = this.options;
    if (this.lease && now < this.renewedAt + settings.leaseMs / 3) return true;
    const progress = [...this.running.values()].map((r) => ({ runId: r.run.id, ...r.progress }));
    const held = await store.acquire(holder, now, settings.leaseMs, progress, this.lease);
    if (!held) {
      if (this.lease) this.loseLease();
      else if (this.renewedAt === -Infinity) this.emit({ type: 'standby', holder: (await store.leaseRow())?.holder });
      this.renewedAt = this.renewedAt === -Infinity ? now : this.renewedAt;
      return false;
    }
    this.lease = held.lease;
    this.renewedAt = now;
    if (held.taken) {
      this.emit({ type: 'leader', epoch: held.lease.epoch });
      this.cursorsLoaded = false;
      this.afterDirty = true;
      this.pendingDirty = true;
      this.sensorSeen = undefined;
      this.sensorNext.clear();
      await this.adoptOrphans(now);
    }
    return true;
  }

  /** Stops everything this scheduler started: another one leads now and will run their ticks again. */
  private loseLease(): void {
    if (!this.lease) return;
    this.lease = undefined;
    this.cursorsLoaded = false;
    this.emit({ type: 'lease_lost' });
    for (const r of this.running.values()) r.handle?.kill();
    this.running.clear();
    this.ended.length = 0;
  }

  /** Runs another scheduler left running when it died: lost, and retried per their pipeline's policy. */
  private async adoptOrphans(now: number): Promise<void> {
    const lease = this.lease!;
    for (const run of await this.options.store.orphanedRuns(lease)) {
      const pipeline = this.byName.get(run.pipeline);
      const next = this.nextForFailure(run, pipeline, now, 'failed: scheduler lost');
      await this.options.store.finishRun(lease, now, run.id, { state: 'lost', error: `failed: scheduler lost (${run.holder} stopped renewing its lease)`, tick: next });
      this.emit({ type: 'run_lost', run, next });
    }
  }

  // ---- 2. runs that ended

  private async endFinished(): Promise<void> {
    if (this.ended.length === 0) return;
    const batch = this.ended.splice(0).filter(({ runId }) => this.running.has(runId));
    const endings = batch.map(({ runId, end, at }) => {
      const running = this.running.get(runId)!;
      const next = this.nextFor(running, end, at);
      return {
        runId,
        at,
        running,
        end,
        next,
        ending: { state: end.busy ? 'cancelled' : end.state, error: end.error, failedNode: end.failedNode, dpfRunId: end.dpfRunId ?? running.progress.dpfRunId, workerPid: running.progress.workerPid, tick: next } satisfies RunEnding,
      };
    });
    try {
      await this.options.store.finishRuns(this.lease!, this.options.clock.now(), endings);
    } catch (err) {
      // Not recorded: keep them for the next wake-up.
      this.ended.unshift(...batch);
      throw err;
    }
    for (const { runId, running, end, next } of endings) {
      this.running.delete(runId);
      this.emit({ type: 'run_ended', run: running.run, end, next });
      if (this.downstream.has(running.run.pipeline)) this.afterDirty = true;
    }
    this.pendingDirty = true;
  }

  private nextFor(running: Running, end: RunEnd, now: number): RunEnding['tick'] {
    const key = this.options.exclusiveKey?.(running.pipeline) ?? running.pipeline.name;
    if (end.busy) {
      const streak = (this.busyStreak.get(key) ?? 0) + 1;
      this.busyStreak.set(key, streak);
      const wait = Math.min(BUSY_MAX_MS, BUSY_BASE_MS * 2 ** (streak - 1));
      return { state: 'pending', notBefore: now + wait, countAttempt: false, reason: `waiting: ${end.error ?? 'the warehouse is open in another process'}` };
    }
    this.busyStreak.delete(key);
    if (running.shutdown) return { state: 'pending', notBefore: now, countAttempt: false, reason: 'cancelled when the scheduler stopped; runs again' };
    if (end.state === 'success') return { state: 'success' };
    return this.nextForFailure(running.run, running.pipeline, now, end.error ?? end.state);
  }

  private nextForFailure(run: SchedulerRun, pipeline: Pipeline | undefined, now: number, why: string): RunEnding['tick'] {
    const retries = pipeline?.retries ?? 0;
    if (run.attempt > retries) return { state: 'failed' };
    return { state: 'pending', notBefore: now + retryDelayMs(run.attempt, this.options.settings.retryDelayMs), countAttempt: true, reason: `retry ${run.attempt} of ${retries} after: ${why.split('\n')[0]}` };
  }

  // ---- 3. cron ticks

  private async loadCursors(now: number): Promise<void> {
    if (this.cursorsLoaded) return;
    const keys: { pipeline: string; kind: TickKind }[] = [];
    for (const p of this.options.pipelines) {
      if (p.schedule) keys.push({ pipeline: p.name, kind: 'cron' });
      if (p.after.length > 0 && !p.schedule) keys.push({ pipeline: p.name, kind: 'after' });
    }
    const cursors = await this.options.store.cursors(this.lease!, now, keys);
    this.nextDue.clear();
    for (const p of this.options.pipelines) {
      if (p.schedule) {
        const until = cursors.get(`${p.name}\u0000cron`)!;
        this.cronCursor.set(p.name, until);
        this.nextDue.set(p.name, nextAfter(p, until));
      }
      if (p.after.length > 0 && !p.schedule) this.afterCursor.set(p.name, cursors.get(`${p.name}\u0000after`)!);
    }
    this.cursorsLoaded = true;
  }

  private async tickCron(now: number): Promise<void> {
    const ticks: NewTick[] = [];
    const cursors: { pipeline: string; kind: TickKind; until: number }[] = [];
    for (const [name, due] of this.nextDue) {
      if (due > now) continue;
      const pipeline = this.byName.get(name)!;
      ticks.push(...cronTicks(pipeline, this.cronCursor.get(name)!, now));
      cursors.push({ pipeline: name, kind: 'cron', until: now });
    }
    if (cursors.length === 0) return;
    await this.options.store.recordTicks(this.lease!, now, ticks, cursors);
    for (const c of cursors) {
      this.cronCursor.set(c.pipeline, now);
      this.nextDue.set(c.pipeline, nextAfter(this.byName.get(c.pipeline)!, now));
    }
    this.pendingDirty = true;
    this.emit({ type: 'ticks', ticks });
  }

  // ---- 4. after: ticks

  private async tickAfter(now: number): Promise<void> {
    if (!this.afterDirty) return;
    this.afterDirty = false;
    for (const pipeline of this.options.pipelines) {
      if (pipeline.after.length === 0 || pipeline.schedule) continue;
      let since = this.afterCursor.get(pipeline.name)!;
      const ended = await this.options.store.endedTicks(pipeline.after, since);
      const ticks: NewTick[] = [];
      for (let fired = afterDecision(pipeline, ended, since); fired; fired = afterDecision(pipeline, ended, since)) {
        ticks.push({ pipeline: pipeline.name, scheduledAt: fired.at, kind: 'after', state: 'pending', reason: fired.reason });
        since = fired.at;
      }
      if (ticks.length === 0) continue;
      await this.options.store.recordTicks(this.lease!, now, ticks, [{ pipeline: pipeline.name, kind: 'after', until: since }]);
      this.afterCursor.set(pipeline.name, since);
      this.pendingDirty = true;
      this.emit({ type: 'ticks', ticks });
    }
  }

  // ---- sensors (when:)

  /**
   * Looks with each sensor that is due: a files sensor here, a source sensor in a worker (its
   * answer arrives later and wakes the loop). A change since the last look is a tick keyed by
   * the time it was seen; the first look only notes what is there.
   */
  private async lookWithSensors(now: number): Promise<void> {
    const { store, launcher, filesVersion, exclusiveKey } = this.options;
    const sensed = this.options.pipelines.filter((p) => p.when.length > 0);
    if (sensed.length === 0) return;
    this.sensorSeen ??= await store.sensorVersions();
    for (const result of this.sensorResults.splice(0)) await this.sensorSaw(now, result);
    for (const pipeline of sensed) {
      for (const sensor of pipeline.when) {
        const key = `${pipeline.name}\u0000${sensorKey(sensor)}`;
        const next = this.sensorNext.get(key) ?? now;
        if (next > now || this.sensorLooking.has(key)) {
          this.sensorNext.set(key, next);
          continue;
        }
        this.sensorNext.set(key, now + sensor.everySeconds * 1000);
        if (sensor.kind === 'files') {
          await this.sensorSaw(now, { pipeline, sensor, version: filesVersion?.(sensor.watch) });
          continue;
        }
        // On a DuckDB file, not while a run writes it: the look would wait for its lock, or hold up the run.
        const key2 = exclusiveKey?.(pipeline);
        if (key2 !== undefined && [...this.running.values()].some((r) => exclusiveKey!(r.pipeline) === key2)) continue;
        if (!launcher.sourceVersion) continue;
        this.sensorLooking.add(key);
        void launcher.sourceVersion(pipeline, sensor.watch).then(
          (answer) => this.sensorAnswered(key, { pipeline, sensor, ...answer }),
          (err: Error) => this.sensorAnswered(key, { pipeline, sensor, error: err.message }),
        );
      }
    }
  }

  private sensorAnswered(key: string, result: (typeof this.sensorResults)[number]): void {
    this.sensorLooking.delete(key);
    this.sensorResults.push(result);
    this.wake();
  }

  private async sensorSaw(now: number, { pipeline, sensor, version, error }: (typeof this.sensorResults)[number]): Promise<void> {
    const key = `${pipeline.name}\u0000${sensorKey(sensor)}`;
    if (error !== undefined) {
      if (!this.sensorFailing.has(key)) this.emit({ type: 'sensor_error', pipeline: pipeline.name, sensor: sensorKey(sensor), error });
      this.sensorFailing.add(key);
      return;
    }
    this.sensorFailing.delete(key);
    if (version === undefined) return;
    const before = this.sensorSeen!.get(key);
    if (before === version) return;
    const tick: NewTick | undefined =
      before === undefined ? undefined : { pipeline: pipeline.name, scheduledAt: now, kind: 'sensor', state: 'pending', reason: `${sensor.kind} ${sensor.watch} changed` };
    await this.options.store.recordSensor(this.lease!, now, { pipeline: pipeline.name, sensor: sensorKey(sensor), version }, tick);
    this.sensorSeen!.set(key, version);
    if (tick) {
      this.pendingDirty = true;
      this.emit({ type: 'ticks', ticks: [tick] });
    }
  }

  // ---- 5. starting runs

  private async startPending(now: number): Promise<void> {
    if (!this.pendingDirty && now < this.nextPendingAt) return;
    this.pendingDirty = false;
    this.nextPendingAt = Infinity;
    const { store, settings, pools = {}, exclusiveKey } = this.options;
    const running = [...this.running.values()];
    const pending = await store.pendingTicks();
    const chosen: { tick: Tick; pipeline: Pipeline; lateMs: number }[] = [];
    for (const tick of pending) {
      const pipeline = this.byName.get(tick.pipeline);
      if (!pipeline) continue;
      if (tick.notBefore !== undefined && tick.notBefore > now) {
        this.nextPendingAt = Math.min(this.nextPendingAt, tick.notBefore);
        continue;
      }
      const busy = [...running.map((r) => r.pipeline), ...chosen.map((c) => c.pipeline)];
      if (busy.filter((p) => p.name === pipeline.name).length >= pipeline.concurrency) continue;
      if (pipeline.pool && busy.filter((p) => p.pool === pipeline.pool).length >= (pools[pipeline.pool] ?? 1)) continue;
      const key = exclusiveKey?.(pipeline);
      if (key !== undefined && busy.some((p) => exclusiveKey!(p) === key)) continue;
      // A tick waiting for its upstreams is late only from when they were ready.
      let readyAt = tick.scheduledAt;
      if (pipeline.schedule && pipeline.after.length > 0 && tick.kind === 'cron') {
        const ready = await this.upstreamsReady(pipeline, tick, pending, now);
        if (ready === undefined) continue;
        readyAt = Math.max(readyAt, ready);
      }
      chosen.push({ tick, pipeline, lateMs: Math.max(0, now - readyAt) });
    }
    // One session starts them all: a minute's worth of due ticks costs one store transaction.
    const runs = await store.startRuns(
      this.lease!,
      now,
      chosen.map((c) => ({ pipeline: c.tick.pipeline, scheduledAt: c.tick.scheduledAt, lateMs: c.lateMs > settings.lateAfterMs ? c.lateMs : 0 })),
    );
    for (const run of runs) {
      const { pipeline, lateMs } = chosen.find((c) => c.tick.pipeline === run.pipeline && c.tick.scheduledAt === run.scheduledAt)!;
      const entry: Running = { run, pipeline, progress: {}, deadline: pipeline.timeoutSeconds ? now + pipeline.timeoutSeconds * 1000 : undefined };
      this.running.set(run.id, entry);
      this.emit({ type: 'run_started', run, lateMs });
      entry.handle = this.options.launcher.start(
        { run, pipeline },
        {
          progress: (update) => {
            entry.progress = { ...entry.progress, ...update };
          },
          end: (end) => {
            if (this.running.get(run.id) !== entry) return;
            this.ended.push({ runId: run.id, end, at: this.options.clock.now() });
            this.wake();
          },
        },
      );
      if (entry.handle.pid !== undefined) entry.progress = { ...entry.progress, workerPid: entry.handle.pid };
    }
  }

  /**
   * A scheduled tick of a pipeline that also has `after:` starts once its upstreams ran, per
   * trigger, since the pipeline's previous run started; a waiting tick is skipped when a newer one of
   * the same pipeline is due (unless catchup: true keeps each). When it may start: the time its
   * upstreams were ready; undefined while it waits.
   */
  private async upstreamsReady(pipeline: Pipeline, tick: Tick, pending: readonly Tick[], now: number): Promise<number | undefined> {
    const { store } = this.options;
    if (!pipeline.catchup && pending.some((t) => t.pipeline === pipeline.name && t.scheduledAt > tick.scheduledAt && t.kind === 'cron')) {
      await store.skipTick(this.lease!, now, tick, `not started before the next tick: waiting for ${pipeline.after.join(', ')} (${pipeline.trigger})`);
      return undefined;
    }
    // Upstream runs count if they ended after the pipeline's previous run (of an earlier tick) started.
    const previous = (await store.runs({ pipeline: pipeline.name, limit: 50 })).find((r) => r.scheduledAt < tick.scheduledAt);
    const since = previous?.startedAt ?? 0;
    return afterDecision(pipeline, await store.endedTicks(pipeline.after, since), since)?.at;
  }

  // ---- 6. timeouts and shutdown

  private enforceTimeouts(now: number): void {
    for (const r of this.running.values()) {
      if (r.killAt !== undefined && now >= r.killAt) r.handle?.kill();
      else if (r.deadline !== undefined && r.killAt === undefined && now >= r.deadline) {
        r.killAt = now + KILL_GRACE_MS;
        this.emit({ type: 'timeout', run: r.run });
        r.handle?.cancel(`timed out after ${r.pipeline.timeoutSeconds} s (the pipeline's timeout)`);
      }
    }
  }

  private async drain(): Promise<void> {
    const { clock, settings, store } = this.options;
    this.draining = true;
    if (this.running.size > 0) this.emit({ type: 'draining', running: this.running.size });
    const cancelAt = clock.now() + settings.drainMs;
    let cancelled = false;
    while (this.running.size > 0 && this.lease) {
      const now = clock.now();
      if (!cancelled && now >= cancelAt) {
        cancelled = true;
        for (const r of this.running.values()) {
          r.shutdown = true;
          r.killAt = now + KILL_GRACE_MS;
          r.handle?.cancel('the scheduler is stopping');
        }
      }
      const next = await this.step();
      if (this.running.size === 0) break;
      await this.sleepUntil(Math.min(next, cancelled ? next : cancelAt));
    }
    if (this.lease) await store.release(this.lease, clock.now()).catch(() => undefined);
    this.lease = undefined;
    this.emit({ type: 'stopped' });
  }
}

function nextAfter(pipeline: Pipeline, after: number): number {
  const next = nextRunTimes(pipeline.schedule!.cron, pipeline.schedule!.timezone, new Date(after))[0];
  return next ? next.getTime() : Infinity;
}

/** The cron times in (from, now], as ticks per the pipeline's catchup policy. */
export function cronTicks(pipeline: Pipeline, from: number, now: number): NewTick[] {
  const due: number[] = [];
  let after = from;
  // Usually one time is due: ask for two, and for more (doubling) only while all are due.
  for (let count = 2; due.length < MAX_DUE; count = Math.min(count * 2, 1000)) {
    const batch = nextRunTimes(pipeline.schedule!.cron, pipeline.schedule!.timezone, new Date(after), count).map((d) => d.getTime());
    const inWindow = batch.filter((t) => t <= now);
    due.push(...inWindow);
    if (inWindow.length < batch.length || batch.length < count) break;
    after = batch[batch.length - 1]!;
  }
  const run = pipeline.catchup ? Math.min(due.length, pipeline.maxCatchup ?? due.length) : Math.min(due.length, 1);
  const skippedWhy = pipeline.catchup ? `missed while no scheduler ran, beyond max_catchup: ${pipeline.maxCatchup}` : 'missed while no scheduler ran (catchup: false)';
  return due.map((scheduledAt, i): NewTick => {
    const runs = i >= due.length - run;
    return { pipeline: pipeline.name, scheduledAt, kind: 'cron', state: runs ? 'pending' : 'skipped', reason: runs ? undefined : skippedWhy };
  });
}

/**
 * Whether the upstream runs that ended after `since` start a run of this pipeline, and at what
 * time: all_success when each upstream has succeeded since (at the last of those successes),
 * all_done when each has ended whatever its outcome, any_success at the first success.
 */
export function afterDecision(pipeline: Pipeline, ended: readonly Tick[], since: number): { at: number; reason: string } | undefined {
  const after = ended.filter((t) => t.endedAt! > since);
  const first = (name: string, success: boolean) => after.find((t) => t.pipeline === name && (!success || t.state === 'success'));
  const describe = (ticks: readonly Tick[]) => `after ${ticks.map((t) => `${t.pipeline} (${t.state})`).join(', ')}`;
  if (pipeline.trigger === 'any_success') {
    const hits = pipeline.after.map((name) => first(name, true)).filter((t): t is Tick => !!t);
    if (hits.length === 0) return undefined;
    const earliest = hits.reduce((a, b) => (b.endedAt! < a.endedAt! ? b : a));
    return { at: earliest.endedAt!, reason: describe([earliest]) };
  }
  const hits = pipeline.after.map((name) => first(name, pipeline.trigger === 'all_success'));
  if (hits.some((t) => !t)) return undefined;
  const all = hits as Tick[];
  return { at: Math.max(...all.map((t) => t.endedAt!)), reason: describe(all) };
}
