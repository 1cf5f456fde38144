/**
 * The project's scheduler store, as dpf_project.yml's `scheduler:` says: the embedded DuckDB
 * file (default `<target-path>/scheduler.duckdb`) or PostgreSQL through the connection string
 * in the environment variable `url_env`. Created if missing (DPF905 when it cannot be).
 */
import { join, relative, resolve } from 'node:path';
import type { ProjectConfig, SchedulerConfig } from '../compiler/load-project.js';
import { fail } from '../errors/dpf-error.js';
import { sqlSchedulerStore, type SchedulerStore } from './scheduler-store.js';
import { duckdbStoreDriver } from './store-duckdb.js';
import { postgresStoreDriver } from './store-postgres.js';

export const DEFAULT_LEASE_SECONDS = 15;
export const DEFAULT_DRAIN_SECONDS = 60;
export const DEFAULT_LATE_AFTER_SECONDS = 60;
export const DEFAULT_RETRY_DELAY_SECONDS = 10;

export interface SchedulerSettings {
  readonly leaseMs: number;
  readonly drainMs: number;
  readonly lateAfterMs: number;
  /** Before a failed run's first retry; doubled for each further one. */
  readonly retryDelayMs: number;
}

export function schedulerSettings(config: SchedulerConfig = {}): SchedulerSettings {
  return {
    leaseMs: (config.lease_seconds ?? DEFAULT_LEASE_SECONDS) * 1000,
    drainMs: (config.drain_seconds ?? DEFAULT_DRAIN_SECONDS) * 1000,
    lateAfterMs: (config.late_after_seconds ?? DEFAULT_LATE_AFTER_SECONDS) * 1000,
    retryDelayMs: (config.retry_delay_seconds ?? DEFAULT_RETRY_DELAY_SECONDS) * 1000,
  };
}

export async function openSchedulerStore(projectDir: string, config: Pick<ProjectConfig, 'scheduler' | 'target-path'>, env: NodeJS.ProcessEnv = process.env): Promise<SchedulerStore> {
  const settings = config.scheduler ?? {};
  let store: SchedulerStore;
  if (settings.store === 'postgres') {
    const variable = settings.url_env ?? 'DPF_SCHEDULER_URL';
    const url = env[variable];
    if (!url) fail('SchedulerStoreUrlMissing', { variable });
    store = sqlSchedulerStore(postgresStoreDriver(url));
  } else {
    const path = embeddedStorePath(projectDir, config);
    store = sqlSchedulerStore(duckdbStoreDriver(path, relative(projectDir, path) || path));
  }
  try {
    await store.ensure();
  } catch (err) {
    await store.close().catch(() => undefined);
    storeFailed(store, err);
  }
  return store;
}

/** The embedded store's file: scheduler.path, else <target-path>/scheduler.duckdb, absolute. */
export function embeddedStorePath(projectDir: string, config: Pick<ProjectConfig, 'scheduler' | 'target-path'>): string {
  return resolve(projectDir, config.scheduler?.path ?? join(config['target-path'] ?? 'target', 'scheduler.duckdb'));
}

/** A store error as DPF905, naming the store (never its password). */
export function storeFailed(store: Pick<SchedulerStore, 'description'>, err: unknown): never {
  const detail = String((err as Error)?.message ?? err).split('\n')[0]!.replace(/^the scheduler store .*? cannot be opened: /, '');
  fail('SchedulerStoreUnavailable', {
    store: store.description,
    detail,
    hint: /lock/i.test(detail)
      ? 'Another process keeps the file open: wait for it, or stop it (a dpf schedule of another checkout pointing at the same file).'
      : 'Check that the server is up and the connection string is right (scheduler.url_env), or use the embedded store (scheduler.store: duckdb) on one machine.',
  });
}
