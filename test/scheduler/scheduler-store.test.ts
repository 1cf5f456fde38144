/**
 * The scheduler store on its two engines (an embedded DuckDB file and a real PostgreSQL):
 * leases renew, expire and are taken with a new epoch; a lost lease fences every write; a tick
 * is inserted once and started once however often it is offered; runs end into success, a
 * retry or a failure; orphaned runs of a dead holder are found.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLostError, sqlSchedulerStore, type Holder, type SchedulerStore } from '../../src/pipelines/scheduler-store.js';
import { duckdbStoreDriver } from '../../src/pipelines/store-duckdb.js';
import { postgresStoreDriver } from '../../src/pipelines/store-postgres.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server.js';
import { tempDir } from '../helpers/run-dpf.js';

const a: Holder = { id: 'host-a:1:x', host: 'host-a', pid: 1 };
const b: Holder = { id: 'host-b:2:y', host: 'host-b', pid: 2 };
const LEASE = 10_000;
const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);

let pgServer: PostgresServer;
beforeAll(async () => {
  pgServer = await startPostgres({ database: 'scheduler' });
}, 120_000);
afterAll(async () => {
  await pgServer?.stop();
});

const engines: [string, () => SchedulerStore][] = [
  ['duckdb', () => sqlSchedulerStore(duckdbStoreDriver(join(tempDir(), 'scheduler.duckdb')))],
  [
    'postgres',
    () => {
      const store = sqlSchedulerStore(postgresStoreDriver(`postgres://dpf:${encodeURIComponent(pgServer.password)}@127.0.0.1:${pgServer.port}/scheduler`));
      return store;
    },
  ],
];

describe.each(engines)('scheduler store on %s', (engine, make) => {
  let store: SchedulerStore;
  beforeAll(async () => {
    store = make();
    if (engine === 'postgres') await pgServer.admin.query('drop schema if exists dpf_meta cascade');
    await store.ensure();
    await store.ensure(); // twice: creating is idempotent
  });
  afterAll(async () => {
    await store?.close();
  });

  it('elects one leader; the other takes over only after the lease expired, with a new epoch that fences the old one', async () => {
    const first = await store.acquire(a, T0, LEASE);
    expect(first?.taken).toBe(true);
    expect(await store.acquire(b, T0 + 1000, LEASE)).toBeUndefined();
    const renewed = await store.acquire(a, T0 + 5000, LEASE, [], first!.lease);
    expect(renewed).toEqual({ lease: { holder: a.id, epoch: first!.lease.epoch, expiresAt: T0 + 15_000 }, taken: false });
    expect(await store.acquire(b, T0 + 14_999, LEASE)).toBeUndefined();
    const takeover = await store.acquire(b, T0 + 15_000, LEASE);
    expect(takeover?.taken).toBe(true);
    expect(takeover!.lease.epoch).toBe(first!.lease.epoch + 1);
    expect(await store.leaseRow()).toMatchObject({ holder: b.id, host: 'host-b', pid: 2, epoch: takeover!.lease.epoch });
    // The old leader comes back: it cannot renew, and every write it tries is refused.
    expect(await store.acquire(a, T0 + 15_001, LEASE, [], renewed!.lease)).toBeUndefined();
    await expect(store.recordTicks(renewed!.lease, T0 + 15_001, [{ pipeline: 'p', scheduledAt: T0, kind: 'cron', state: 'pending' }], [])).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.ticks({ pipeline: 'p' })).toEqual([]);
    // Released: the other holder takes it at once.
    await store.release(takeover!.lease, T0 + 16_000);
    const back = await store.acquire(a, T0 + 16_000, LEASE);
    expect(back?.taken).toBe(true);
    await store.release(back!.lease, T0 + 16_000);
  });

  it('inserts a tick once and starts it once, however often it is offered', async () => {
    const { lease: first } = (await store.acquire(a, T0 + 20_000, LEASE))!;
    const now = T0 + 20_000;
    let lease = first;
    const cursors = await store.cursors(lease, now, [{ pipeline: 'hourly', kind: 'cron' }]);
    expect(cursors.get('hourly\u0000cron')).toBe(now);
    const tick = { pipeline: 'hourly', scheduledAt: T0, kind: 'cron' as const, state: 'pending' as const, reason: 'first' };
    await store.recordTicks(lease, now, [tick, tick], [{ pipeline: 'hourly', kind: 'cron', until: now + 1 }]);
    await store.recordTicks(lease, now, [{ ...tick, reason: 'second' }], []);
    expect(await store.pendingTicks()).toMatchObject([{ pipeline: 'hourly', scheduledAt: T0, state: 'pending', attempts: 0, reason: 'first' }]);
    expect((await store.cursors(lease, now + 5, [{ pipeline: 'hourly', kind: 'cron' }])).get('hourly\u0000cron')).toBe(now + 1);
    const run = await store.startRun(lease, now, tick, 1234);
    expect(run).toMatchObject({ id: `hourly@${new Date(T0).toISOString()}#1`, attempt: 1, state: 'running' });
    await store.acquire(a, now + 50, LEASE, [], lease);
    expect(await store.startRun(lease, now, tick, 0)).toBeUndefined();
    expect(await store.pendingTicks()).toEqual([]);
    // A failed first attempt goes back to pending with its back-off; the second succeeds.
    await store.finishRun(lease, now + 100, run!.id, { state: 'failed', error: 'boom', failedNode: 'model.x.a', tick: { state: 'pending', notBefore: now + 10_100, countAttempt: true, reason: 'retry 1 of 2' } });
    expect(await store.pendingTicks()).toMatchObject([{ attempts: 1, notBefore: now + 10_100, lateMs: 1234, reason: 'retry 1 of 2' }]);
    // The lease ran out at now + 10 s: writes are refused until it is renewed (taken again here).
    await expect(store.startRun(lease, now + 10_100, tick, 999)).rejects.toBeInstanceOf(LeaseLostError);
    lease = (await store.acquire(a, now + 10_100, LEASE))!.lease;
    const second = await store.startRun(lease, now + 10_100, tick, 999);
    expect(second?.attempt).toBe(2);
    await store.acquire(a, now + 10_200, LEASE, [{ runId: second!.id, workerPid: 42, dpfRunId: 'run-2', nodesDone: 3, nodesTotal: 7 }], lease);
    expect((await store.runs({ state: 'running' }))[0]).toMatchObject({ id: second!.id, workerPid: 42, dpfRunId: 'run-2', nodesDone: 3, nodesTotal: 7, heartbeatAt: now + 10_200 });
    await store.finishRun(lease, now + 11_000, second!.id, { state: 'success', tick: { state: 'success' } });
    expect(await store.ticks({ pipeline: 'hourly' })).toMatchObject([{ state: 'success', attempts: 2, lateMs: 1234, endedAt: now + 11_000 }]);
    expect((await store.runs({ pipeline: 'hourly' })).map((r) => [r.attempt, r.state, r.error ?? null])).toEqual([
      [2, 'success', null],
      [1, 'failed', 'boom'],
    ]);
    expect(await store.endedTicks(['hourly', 'other'], now + 10_999)).toMatchObject([{ pipeline: 'hourly', state: 'success' }]);
    expect(await store.endedTicks(['hourly'], now + 11_000)).toEqual([]);
    await store.release(lease, now + 11_000);
  });

  it("finds the runs a dead holder left running; a busy warehouse's wait does not count as an attempt", async () => {
    const now = T0 + 60_000;
    const { lease: la } = (await store.acquire(a, now, LEASE))!;
    const tick = { pipeline: 'daily', scheduledAt: T0 + 50_000, kind: 'cron' as const, state: 'pending' as const };
    await store.recordTicks(la, now, [tick], []);
    const busy = await store.startRun(la, now, tick, 0);
    await store.finishRun(la, now + 1, busy!.id, { state: 'cancelled', error: 'warehouse busy', tick: { state: 'pending', notBefore: now + 5000, countAttempt: false, reason: 'warehouse busy' } });
    expect((await store.pendingTicks()).find((t) => t.pipeline === 'daily')).toMatchObject({ attempts: 0, reason: 'warehouse busy' });
    // The next start is attempt 1 again, in a run of its own (the busy try keeps its row).
    const started = await store.startRun(la, now + 5000, tick, 0);
    expect(started).toMatchObject({ attempt: 1, id: `daily@${new Date(T0 + 50_000).toISOString()}#2` });
    expect((await store.runs({ pipeline: 'daily' })).map((r) => r.state)).toEqual(['running', 'cancelled']);
    const { lease: lb } = (await store.acquire(b, now + 5000 + LEASE, LEASE))!;
    const orphans = await store.orphanedRuns(lb);
    expect(orphans.map((r) => [r.pipeline, r.holder, r.state])).toEqual([['daily', a.id, 'running']]);
    await store.finishRun(lb, now + 5000 + LEASE, orphans[0]!.id, { state: 'lost', error: 'failed: scheduler lost', tick: { state: 'failed' } });
    expect(await store.orphanedRuns(lb)).toEqual([]);
    expect((await store.ticks({ pipeline: 'daily' }))[0]).toMatchObject({ state: 'failed', attempts: 1 });
    await store.release(lb, now + 6000 + LEASE);
  });
});
