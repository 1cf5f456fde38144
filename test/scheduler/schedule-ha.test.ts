/**
 * High availability with real processes: two `dpf schedule` on one store (the embedded DuckDB
 * file, and a real PostgreSQL as two machines would share) elect one leader. The leader is
 * killed with SIGKILL while a run is in its worker; the standby takes over once the lease ran
 * out, marks the interrupted run `failed: scheduler lost`, retries it per the pipeline's
 * retries, and no tick runs twice: each tick has at most one successful run, and the landed
 * table holds exactly one row per successful run. Real time, a 5-second lease, a pipeline due
 * every 5 seconds (a cron with seconds); no single sleep in the test is longer than a second.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlSchedulerStore, type SchedulerStore } from '../../src/pipelines/scheduler-store.js';
import { duckdbStoreDriver } from '../../src/pipelines/store-duckdb.js';
import { postgresStoreDriver } from '../../src/pipelines/store-postgres.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server.js';
import { queryDuckDB } from '../helpers/query-duckdb.js';
import { REPO_ROOT, makeProject, tempDir } from '../helpers/run-dpf.js';

const LEASE_S = 5;

/** One row per run, after a wait long enough to be killed in. */
const SLOW = `import { defineSource } from 'dpf';
import { setTimeout as sleep } from 'node:timers/promises';
export default defineSource({
  config: { type: 'object', properties: { ms: { type: 'integer' } } },
  columns: [{ name: 'landed_at', type: 'text' }, { name: 'pid', type: 'integer' }],
  async *extract(config, ctx) {
    await sleep(config.ms ?? 0, undefined, { signal: ctx.signal });
    yield [[new Date().toISOString(), process.pid]];
  },
});
`;

interface Scheduler {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
  stderr: string;
}

function startScheduler(name: string, dir: string, env: NodeJS.ProcessEnv): Scheduler {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/dpf.js'), 'schedule', '--project-dir', dir, '--log-format', 'json'], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir, TZ: 'UTC', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const s: Scheduler = { name, child, lines: [], exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))), stderr: '' };
  let buffer = '';
  child.stdout!.on('data', (d) => {
    buffer += d;
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    for (const part of parts) if (part.trim()) s.lines.push({ ...(JSON.parse(part) as object), seenAt: Date.now() });
  });
  child.stderr!.on('data', (d) => (s.stderr += d));
  return s;
}

async function waitFor<T>(what: string, find: () => T | undefined, schedulers: Scheduler[], seconds = 60): Promise<T> {
  for (let i = 0; i < seconds * 10; i++) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}:\n${schedulers.map((s) => `${s.name}: ${s.stderr}\n${s.lines.map((l) => JSON.stringify(l)).join('\n')}`).join('\n')}`);
}

const eventOf = (s: Scheduler, type: string, match: (l: Record<string, unknown>) => boolean = () => true) => s.lines.find((l) => l.event === type && match(l));

let pg: PostgresServer;
beforeAll(async () => {
  pg = await startPostgres({ database: 'scheduler_ha' });
}, 120_000);
afterAll(async () => {
  await pg?.stop();
});

describe.each(['duckdb', 'postgres'] as const)('two schedulers on the %s store', (storeKind) => {
  it('the standby takes over from a killed leader within the lease, the interrupted run is lost and retried, and no tick runs twice', async () => {
    const url = () => `postgres://dpf:${encodeURIComponent(pg.password)}@127.0.0.1:${pg.port}/scheduler_ha`;
    const storeYml = storeKind === 'postgres' ? '  store: postgres\n  url_env: SCHEDULER_URL\n' : '';
    const dir = makeProject(
      {
        'plugins/slow.ts': SLOW,
        'models/sources.yml': 'sources:\n  - name: raw\n    tables:\n      - name: landings\n        extract: {plugin: slow, write: append, ms: 2500}\n',
        'pipelines/land.yml': 'select: source:raw.landings\nschedule:\n  cron: "*/5 * * * * *"\nretries: 1\n',
      },
      `name: proj\nmonitors: off\nscheduler:\n${storeYml}  lease_seconds: ${LEASE_S}\n  retry_delay_seconds: 1\n  drain_seconds: 5\n`,
    );
    if (storeKind === 'postgres') await pg.admin.query('drop schema if exists dpf_meta cascade');
    const env = storeKind === 'postgres' ? { SCHEDULER_URL: url() } : {};
    const a = startScheduler('a', dir, env);
    const all: Scheduler[] = [a];
    try {
      await waitFor('a to lead', () => eventOf(a, 'leader'), all);
      const b = startScheduler('b', dir, env);
      all.push(b);
      await waitFor('b to stand by', () => eventOf(b, 'standby'), all);
      const started = (await waitFor('a run started by a', () => eventOf(a, 'run_started'), all)) as { run: { id: string } };
      // Let the worker get into its extract, then kill the leader outright.
      await new Promise((r) => setTimeout(r, 500));
      const killedAt = Date.now();
      a.child.kill('SIGKILL');
      expect(await a.exited).toBe(null);

      const leader = (await waitFor('b to take over', () => eventOf(b, 'leader'), all)) as { seenAt: number; epoch: number };
      expect(leader.epoch, [...a.lines, ...b.lines].map((l) => JSON.stringify(l)).join('\n')).toBe(2);
      // Taken within the lease, plus the standby's look every third of it, plus a second for a loaded machine.
      expect(leader.seenAt - killedAt).toBeLessThan((LEASE_S + LEASE_S / 3 + 1) * 1000);
      const lost = (await waitFor('the lost run', () => eventOf(b, 'run_lost'), all)) as { run: { id: string }; next: { state: string; reason: string } };
      expect(lost.run.id).toBe(started.run.id);
      expect(lost.next).toMatchObject({ state: 'pending', reason: 'retry 1 of 1 after: failed: scheduler lost' });
      const retried = started.run.id.replace(/#1$/, '#2');
      await waitFor('the retry to succeed', () => eventOf(b, 'run_ended', (l) => (l.run as { id: string }).id === retried && (l.end as { state: string }).state === 'success'), all);
      b.child.kill('SIGTERM');
      expect(await b.exited).toBe(0);
      expect(a.stderr + b.stderr).toBe('');
    } finally {
      for (const s of all) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    }

    // The store: one lease holder now none, each tick's runs in order, at most one success per tick.
    const store: SchedulerStore = sqlSchedulerStore(storeKind === 'postgres' ? postgresStoreDriver(url()) : duckdbStoreDriver(join(dir, 'target/scheduler.duckdb')));
    try {
      const runs = await store.runs({ limit: 1000 });
      const byTick = new Map<number, typeof runs>();
      for (const r of runs) byTick.set(r.scheduledAt, [...(byTick.get(r.scheduledAt) ?? []), r]);
      for (const tickRuns of byTick.values()) {
        expect(tickRuns.filter((r) => r.state === 'success').length).toBeLessThanOrEqual(1);
        const ids = tickRuns.map((r) => r.id);
        expect(new Set(ids).size).toBe(ids.length);
      }
      expect(runs.find((r) => r.state === 'lost')).toMatchObject({ error: expect.stringMatching(/^failed: scheduler lost/) });
      expect(await store.runs({ state: 'running' })).toEqual([]);
      const successes = runs.filter((r) => r.state === 'success').length;
      expect(successes).toBeGreaterThanOrEqual(1);
      // The warehouse: exactly one landed row from each successful run's worker. The killed
      // leader's worker, cut off, cancels its run; only had it already been landing when the
      // scheduler died could it add one row (runs are at least once, as in Airflow or Dagster).
      const landed = await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select pid, count(*) as n from main_raw.landings group by pid');
      const pids = new Map(landed.map((r) => [Number(r.pid), Number(r.n)]));
      const successPids = runs.filter((r) => r.state === 'success').map((r) => r.workerPid);
      expect(successPids.every((pid) => pids.get(pid!) === 1)).toBe(true);
      expect([...pids.values()].reduce((a, b) => a + b, 0) - successes).toBeLessThanOrEqual(1);
    } finally {
      await store.close();
    }
  }, 120_000);
});
