/**
 * `schedule()` of the public API (`dpf schedule`): reads the project's pipelines and
 * `scheduler:` settings, opens the store, and runs the loop (scheduler.ts) until the signal
 * aborts, starting each run in a worker process. On a DuckDB target the pipelines that write
 * the same database file run one at a time (its single writer); the scheduler itself never
 * opens the warehouse.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { databasePath } from '../adapters/duckdb/duckdb-adapter.js';
import type { ProjectOptions } from '../api/options.js';
import { loadProfile } from '../compiler/load-profile.js';
import { loadProjectConfig, type ProjectConfig } from '../compiler/load-project.js';
import { systemClock, type Clock } from './clock.js';
import { loadPipelines } from './load-pipelines.js';
import { openSchedulerStore, schedulerSettings } from './open-store.js';
import type { Pipeline } from './pipeline.js';
import { processLauncher } from './run-launcher.js';
import { filesSensorVersion } from './sensor-versions.js';
import { Scheduler, type RunLauncher, type SchedulerEvent } from './scheduler.js';
import type { Holder } from './scheduler-store.js';

export interface ScheduleOptions extends ProjectOptions {
  /** Stops the scheduler: running runs are drained (scheduler.drain_seconds), the lease released. */
  readonly signal: AbortSignal;
  readonly clock?: Clock;
  /** Default: worker processes. */
  readonly launcher?: RunLauncher;
  readonly onSchedulerEvent?: (event: SchedulerEvent) => void;
}

export interface ScheduleStarted {
  readonly holder: Holder;
  readonly store: string;
  readonly pipelines: readonly Pipeline[];
}

/** Runs the scheduler until options.signal aborts. `onStarted` hears what it runs with before the first tick. */
export async function schedule(options: ScheduleOptions, onStarted?: (started: ScheduleStarted) => void): Promise<void> {
  const projectDir = resolve(options.cwd ?? process.cwd(), options.projectDir ?? '.');
  const env = options.env ?? process.env;
  const config = loadProjectConfig(projectDir).data;
  const pipelines = loadPipelines(projectDir, config);
  const exclusiveKey = warehouseKeys(pipelines, projectDir, config, options);
  const store = await openSchedulerStore(projectDir, config, env);
  const holder: Holder = { id: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`, host: hostname(), pid: process.pid };
  try {
    onStarted?.({ holder, store: store.description, pipelines });
    const scheduler = new Scheduler({
      store,
      pipelines,
      clock: options.clock ?? systemClock,
      launcher: options.launcher ?? processLauncher({ projectDir, profilesDir: options.profilesDir, target: options.target, vars: options.vars, refreshForEach: options.refreshForEach, skipFailedForEach: options.skipFailedForEach, env }),
      holder,
      settings: schedulerSettings(config.scheduler),
      pools: config.pools,
      exclusiveKey,
      filesVersion: (glob) => filesSensorVersion(projectDir, glob),
      onEvent: options.onSchedulerEvent,
    });
    await scheduler.run(options.signal);
  } finally {
    await store.close();
  }
}

/** Per pipeline, the DuckDB file its target writes (one run at a time per file); undefined for other engines. */
function warehouseKeys(pipelines: readonly Pipeline[], projectDir: string, config: ProjectConfig, options: ScheduleOptions): (p: Pipeline) => string | undefined {
  const byTarget = new Map<string, string | undefined>();
  const keyOf = (targetName: string | undefined) => {
    const id = targetName ?? '';
    if (!byTarget.has(id)) {
      const target = loadProfile({ projectDir, profileName: config.profile ?? config.name, profilesDir: options.profilesDir, target: targetName, env: options.env ?? process.env });
      byTarget.set(id, target.type === 'duckdb' ? `duckdb:${databasePath(target, projectDir)}` : undefined);
    }
    return byTarget.get(id);
  };
  // Read every target once now, so a missing profile or target stops the scheduler at start, not at 3 a.m.
  const keys = new Map(pipelines.map((p) => [p.name, keyOf(options.target ?? p.target)]));
  return (p) => keys.get(p.name);
}
