/**
 * `status` of the public API (`dpf status`, and the catalog site's Pipelines page): what the
 * scheduler store says of the project's pipelines. The leader and its lease, the runs going on
 * now, each pipeline's last runs with how late their tick started, the ticks skipped while no
 * scheduler ran, the next scheduled runs, and for a pipeline whose latest run failed, where it
 * failed and the commands that retry it. Shape: schemas/status.schema.json.
 *
 * It only reads: it never takes the lease or writes a row, and it does not create the embedded
 * store's file when no scheduler has made one yet (that is "no scheduler has run"). Errors are
 * shown as the runner stored them (already redacted there), first line only.
 */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { ProjectOptions } from '../api/options.js';
import { closestMatch } from '../compiler/closest-match.js';
import { loadProjectConfig, type ProjectConfig } from '../compiler/load-project.js';
import { fail } from '../errors/dpf-error.js';
import { formatInZone, isTimezone, knownTimezones, nextRunTimes } from './cron-times.js';
import { loadPipelines } from './load-pipelines.js';
import { embeddedStorePath, openSchedulerStore, schedulerSettings, storeFailed } from './open-store.js';
import type { Pipeline, PipelineTrigger } from './pipeline.js';
import { selectionText } from './pipeline-commands.js';
import type { LeaseRow, SchedulerRun, SchedulerRunState, Tick } from './scheduler-store.js';

export const STATUS_VERSION = 1;
/** Runs shown per pipeline unless `limit` says otherwise. */
export const DEFAULT_STATUS_RUNS = 5;
/** Scheduled runs shown ahead, over all pipelines. */
export const NEXT_RUN_COUNT = 10;
/** The most ticks read for one pipeline (skipped ticks are counted among them). */
const TICKS_PER_PIPELINE = 1000;

export interface StatusOptions extends Pick<ProjectOptions, 'projectDir' | 'cwd' | 'env'> {
  /** Only this pipeline (its runs, its next runs, its running runs). */
  readonly pipeline?: string;
  /** Runs shown per pipeline (default 5). */
  readonly limit?: number;
  /** The instant "now" is (default: the clock); `DPF_NOW` sets it for the CLI. */
  readonly now?: Date;
  /** Time zone of the `…Local` times (default: this machine's). */
  readonly timezone?: string;
}

/** An instant as UTC ISO-8601 and as wall-clock time in the report's time zone. */
export interface StatusTime {
  readonly at: string;
  readonly local: string;
}

export type SchedulerStatus =
  | { readonly state: 'never' }
  | {
      /** alive: the lease is valid now; expired: no scheduler holds it (stopped, or died). */
      readonly state: 'alive' | 'expired';
      readonly holder: string;
      readonly host: string | null;
      readonly pid: number | null;
      readonly epoch: number;
      readonly renewedAt: StatusTime | null;
      readonly expiresAt: StatusTime;
    };

export interface StatusRun {
  readonly runId: string;
  /** The run id in dpf_meta.runs (`dpf history`), once the worker reported it. */
  readonly dpfRunId: string | null;
  readonly pipeline: string;
  readonly state: SchedulerRunState;
  readonly attempt: number;
  readonly scheduledAt: StatusTime;
  readonly startedAt: StatusTime;
  readonly endedAt: StatusTime | null;
  /** Ended runs: endedAt − startedAt; running ones: now − startedAt. */
  readonly durationMs: number;
  /** How late the tick's first run started (ms after its scheduled time), when known. */
  readonly lateMs: number | null;
  /** lateMs is at least the scheduler's late_after_seconds. */
  readonly late: boolean;
  readonly nodesDone: number | null;
  readonly nodesTotal: number | null;
  readonly failedNode: string | null;
  /** The first line of the error, as the runner stored it. */
  readonly error: string | null;
}

export interface RunningRun extends StatusRun {
  readonly heartbeatAt: StatusTime;
  readonly holder: string;
  readonly workerPid: number | null;
  /** Its scheduler no longer holds the lease: the next leader marks it lost. */
  readonly orphaned: boolean;
}

export interface PipelineStatus {
  readonly name: string;
  readonly description: string | null;
  readonly file: string;
  readonly select: readonly string[];
  readonly exclude: readonly string[];
  /** `--select … --exclude …`, or "everything". */
  readonly selection: string;
  readonly schedule: { readonly cron: string; readonly timezone: string } | null;
  readonly after: readonly string[];
  readonly trigger: PipelineTrigger | null;
  readonly owner: string | null;
  readonly target: string | null;
  readonly nextRun: StatusTime | null;
  /** Newest first. */
  readonly runs: readonly StatusRun[];
  /** The state of its latest ended run (success, failed or lost; a cancelled try is passed over). */
  readonly latest: 'success' | 'failed' | 'lost' | null;
  /** Ticks skipped (catchup: false, or past max_catchup) since the run before the oldest one shown. */
  readonly skipped: { readonly count: number; readonly first: StatusTime; readonly last: StatusTime } | null;
}

export interface NextRun {
  readonly pipeline: string;
  readonly at: string;
  readonly local: string;
}

export interface FailedPipeline {
  readonly pipeline: string;
  readonly runId: string;
  readonly dpfRunId: string | null;
  readonly state: 'failed' | 'lost';
  readonly endedAt: StatusTime | null;
  readonly failedNode: string | null;
  readonly error: string | null;
  /** The tick waits for another attempt at this time (retries:). */
  readonly retryAt: StatusTime | null;
  /** Commands to run it again by hand. */
  readonly retry: readonly string[];
}

export interface StatusReport {
  readonly version: number;
  readonly now: string;
  readonly timezone: string;
  /** Where the state was read: `DuckDB file target/scheduler.duckdb`, `PostgreSQL at …`. */
  readonly store: string;
  readonly scheduler: SchedulerStatus;
  readonly running: readonly RunningRun[];
  readonly pipelines: readonly PipelineStatus[];
  /** The next scheduled runs over all pipelines (at most 10), soonest first. */
  readonly next: readonly NextRun[];
  /** Pipelines with no schedule that run after others. */
  readonly afterOnly: readonly { readonly pipeline: string; readonly after: readonly string[]; readonly trigger: PipelineTrigger }[];
  /** Pipelines whose latest ended run failed or was lost. */
  readonly failures: readonly FailedPipeline[];
}

/** The pipelines' history, what runs now and what runs next, from the scheduler store. */
export async function status(options: StatusOptions = {}): Promise<StatusReport> {
  const timezone = options.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!isTimezone(timezone)) fail('UnknownTimezone', { where: '--timezone', timezone, suggestion: closestMatch(timezone, knownTimezones()) });
  const limit = options.limit ?? DEFAULT_STATUS_RUNS;
  const now = (options.now ?? new Date()).getTime();
  const projectDir = resolve(options.cwd ?? process.cwd(), options.projectDir ?? '.');
  const config = loadProjectConfig(projectDir).data;
  const all = loadPipelines(projectDir, config);
  let pipelines = all;
  if (options.pipeline !== undefined) {
    pipelines = all.filter((p) => p.name === options.pipeline);
    if (pipelines.length === 0) {
      const known = all.map((p) => p.name);
      fail('UnknownPipeline', { name: options.pipeline, where: 'dpf status --pipeline', suggestion: closestMatch(options.pipeline, known), known });
    }
  }
  const names = pipelines.map((p) => p.name);
  const time = (ms: number): StatusTime => ({ at: new Date(ms).toISOString(), local: formatInZone(new Date(ms), timezone, { seconds: true }) });

  const state = await readState(projectDir, config, options.env ?? process.env, names, limit);
  const lease = state.lease;
  const alive = lease !== undefined && lease.expiresAt > now;
  const scheduler: SchedulerStatus = lease
    ? { state: alive ? 'alive' : 'expired', holder: lease.holder, host: lease.host ?? null, pid: lease.pid ?? null, epoch: lease.epoch, renewedAt: lease.renewedAt === undefined ? null : time(lease.renewedAt), expiresAt: time(lease.expiresAt) }
    : { state: 'never' };

  const { lateAfterMs } = schedulerSettings(config.scheduler);
  const statusRun = (run: SchedulerRun): StatusRun => {
    const lateMs = state.ticks.get(run.pipeline)?.find((t) => t.scheduledAt === run.scheduledAt)?.lateMs ?? null;
    return {
      runId: run.id,
      dpfRunId: run.dpfRunId ?? null,
      pipeline: run.pipeline,
      state: run.state,
      attempt: run.attempt,
      scheduledAt: time(run.scheduledAt),
      startedAt: time(run.startedAt),
      endedAt: run.endedAt === undefined ? null : time(run.endedAt),
      durationMs: Math.max(0, (run.endedAt ?? now) - run.startedAt),
      lateMs,
      late: lateMs !== null && lateMs >= lateAfterMs,
      nodesDone: run.nodesDone ?? null,
      nodesTotal: run.nodesTotal ?? null,
      failedNode: run.failedNode ?? null,
      error: run.error === undefined ? null : firstLine(run.error),
    };
  };

  const running = state.running
    .filter((run) => options.pipeline === undefined || run.pipeline === options.pipeline)
    .map((run): RunningRun => ({ ...statusRun(run), heartbeatAt: time(run.heartbeatAt), holder: run.holder, workerPid: run.workerPid ?? null, orphaned: !alive || run.holder !== lease?.holder }));

  const failures: FailedPipeline[] = [];
  const listed = pipelines.map((pipeline): PipelineStatus => {
    const read = state.runs.get(pipeline.name) ?? [];
    const runs = read.slice(0, limit);
    const ticks = state.ticks.get(pipeline.name) ?? [];
    const latest = runs.find((r) => r.state === 'success' || r.state === 'failed' || r.state === 'lost');
    if (latest && (latest.state === 'failed' || latest.state === 'lost')) {
      const tick = ticks.find((t) => t.scheduledAt === latest.scheduledAt);
      failures.push({
        pipeline: pipeline.name,
        runId: latest.id,
        dpfRunId: latest.dpfRunId ?? null,
        state: latest.state,
        endedAt: latest.endedAt === undefined ? null : time(latest.endedAt),
        failedNode: latest.failedNode ?? null,
        error: latest.error === undefined ? null : firstLine(latest.error),
        retryAt: tick?.state === 'pending' && tick.notBefore !== undefined ? time(tick.notBefore) : null,
        retry: retryCommands(pipeline, latest.failedNode),
      });
    }
    // Skipped since the run before the oldest one shown: the ticks missed around the runs shown.
    const since = read[limit]?.scheduledAt ?? -Infinity;
    const skipped = ticks.filter((t) => t.state === 'skipped' && t.scheduledAt > since).map((t) => t.scheduledAt);
    const next = pipeline.schedule ? nextRunTimes(pipeline.schedule.cron, pipeline.schedule.timezone, new Date(now))[0] : undefined;
    return {
      name: pipeline.name,
      description: pipeline.description ?? null,
      file: pipeline.location.file,
      select: pipeline.select,
      exclude: pipeline.exclude,
      selection: selectionText(pipeline),
      schedule: pipeline.schedule ?? null,
      after: pipeline.after,
      trigger: pipeline.after.length > 0 ? pipeline.trigger : null,
      owner: pipeline.owner ?? null,
      target: pipeline.target ?? null,
      nextRun: next ? time(next.getTime()) : null,
      runs: runs.map(statusRun),
      latest: latest ? (latest.state as PipelineStatus['latest']) : null,
      skipped: skipped.length > 0 ? { count: skipped.length, first: time(Math.min(...skipped)), last: time(Math.max(...skipped)) } : null,
    };
  });

  const next = pipelines
    .flatMap((p) => (p.schedule ? nextRunTimes(p.schedule.cron, p.schedule.timezone, new Date(now), NEXT_RUN_COUNT).map((at) => ({ pipeline: p.name, at: at.getTime(), cron: p.schedule!.cron })) : []))
    .sort((a, b) => a.at - b.at || a.pipeline.localeCompare(b.pipeline))
    .slice(0, NEXT_RUN_COUNT)
    // A cron with seconds (6 fields) runs several times a minute: its times show their seconds.
    .map((n): NextRun => ({ pipeline: n.pipeline, at: new Date(n.at).toISOString(), local: formatInZone(new Date(n.at), timezone, { seconds: n.cron.trim().split(/\s+/).length === 6 }) }));
  const afterOnly = pipelines.filter((p) => !p.schedule && p.after.length > 0).map((p) => ({ pipeline: p.name, after: p.after, trigger: p.trigger }));

  return { version: STATUS_VERSION, now: new Date(now).toISOString(), timezone, store: state.store, scheduler, running, pipelines: listed, next, afterOnly, failures };
}

interface StoreState {
  readonly store: string;
  readonly lease?: LeaseRow;
  readonly running: readonly SchedulerRun[];
  /** Per pipeline, newest first. */
  readonly runs: ReadonlyMap<string, readonly SchedulerRun[]>;
  readonly ticks: ReadonlyMap<string, readonly Tick[]>;
}

/**
 * The store's rows for these pipelines. The embedded store's file not existing yet means no
 * scheduler has run: nothing is read and no file is made.
 */
async function readState(projectDir: string, config: ProjectConfig, env: NodeJS.ProcessEnv, names: readonly string[], limit: number): Promise<StoreState> {
  if (config.scheduler?.store !== 'postgres') {
    const path = embeddedStorePath(projectDir, config);
    if (!existsSync(path)) return { store: `DuckDB file ${relative(projectDir, path) || path}`, running: [], runs: new Map(), ticks: new Map() };
  }
  const store = await openSchedulerStore(projectDir, config, env);
  try {
    const lease = await store.leaseRow();
    const running = await store.runs({ state: 'running' });
    // One run more than shown: the skipped ticks are counted back to it.
    const perPipeline = limit + 1;
    const runs = await recentPerPipeline(names, perPipeline, (n) => store.runs({ limit: n }), (name) => store.runs({ pipeline: name, limit: perPipeline }), (rows) => rows.length >= perPipeline);
    // A pipeline's ticks back to that run: how late each started, what was skipped.
    const back = (name: string) => runs.get(name)?.[limit]?.scheduledAt ?? -Infinity;
    const ticks = await recentPerPipeline(
      names,
      perPipeline * 4,
      (n) => store.ticks({ limit: n }),
      (name) => store.ticks({ pipeline: name, limit: TICKS_PER_PIPELINE }),
      (rows, name) => rows.length > 0 && rows[rows.length - 1]!.scheduledAt <= back(name),
    );
    return { store: store.description, lease, running, runs, ticks };
  } catch (err) {
    storeFailed(store, err);
  } finally {
    await store.close();
  }
}

/**
 * Rows of each pipeline, newest first, in few store sessions: one read of the newest rows of
 * all pipelines (enough for each one, unless some ran far more often than others), then one
 * read per pipeline that window did not cover (`enough` says whether it did).
 */
async function recentPerPipeline<T extends { readonly pipeline: string }>(
  names: readonly string[],
  perPipeline: number,
  readAll: (limit: number) => Promise<T[]>,
  readOne: (name: string) => Promise<T[]>,
  enough: (rows: readonly T[], name: string) => boolean,
): Promise<Map<string, T[]>> {
  const byPipeline = new Map<string, T[]>();
  if (names.length === 1) {
    byPipeline.set(names[0]!, await readOne(names[0]!));
    return byPipeline;
  }
  const window = Math.max(1000, names.length * perPipeline);
  const rows = await readAll(window);
  for (const row of rows) byPipeline.set(row.pipeline, [...(byPipeline.get(row.pipeline) ?? []), row]);
  // Fewer rows than asked for: that is every row the store has.
  if (rows.length < window) return byPipeline;
  for (const name of names) {
    if (!enough(byPipeline.get(name) ?? [], name)) byPipeline.set(name, await readOne(name));
  }
  return byPipeline;
}

/** `dpf pipeline run NAME`, and a build of the failed node and what depends on it. */
function retryCommands(pipeline: Pipeline, failedNode: string | undefined): string[] {
  const commands = [`dpf pipeline run ${pipeline.name}`];
  if (failedNode) commands.push(`dpf build --select ${shellWord(`${selectorOf(failedNode)}+`)}${pipeline.target ? ` --target ${shellWord(pipeline.target)}` : ''}`);
  return commands;
}

/** A node as a selector: its name for a model, seed or snapshot; source:x.y; else its unique id. */
export function selectorOf(node: string): string {
  if (!node.includes('.')) return node;
  const named = /^(?:model|seed|snapshot)\.[^.]+\.([^.]+)$/.exec(node);
  if (named) return named[1]!;
  const source = /^source\.[^.]+\.([^.]+\.[^.]+)$/.exec(node);
  if (source) return `source:${source[1]}`;
  return `unique_id:${node}`;
}

const firstLine = (text: string) => text.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';

/** A word a shell reads as is: quoted only when it needs to be. */
const shellWord = (s: string) => (/^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
