/**
 * The scheduler's state: the leader's lease, each pipeline's cursors (how far its schedule and its
 * `after:` upstreams have been read), ticks and the runs started for them. One implementation in
 * portable SQL over a small driver: an embedded DuckDB file of its own (store-duckdb.ts, opened
 * for each short session and closed again, never the warehouse) or PostgreSQL
 * (store-postgres.ts), which several machines share for disaster recovery (docs/scheduling.md).
 *
 * Exactly once: a tick's key is (pipeline, scheduled_at); it is inserted with ON CONFLICT DO
 * NOTHING and moves from pending to running in one conditional UPDATE, so a restart or a
 * second scheduler never starts it twice. Fencing: every write that starts or ends work first
 * reads the lease row as this holder and epoch, unexpired, in the same transaction (FOR UPDATE
 * on PostgreSQL; the DuckDB file admits one process at a time), so a scheduler that lost its
 * lease while paused cannot start a run. Times are epoch milliseconds in BIGINT columns.
 */

export type TickState = 'pending' | 'running' | 'success' | 'failed' | 'skipped';
export type TickKind = 'cron' | 'after';
export type SchedulerRunState = 'running' | 'success' | 'failed' | 'cancelled' | 'lost';

export interface Tick {
  readonly pipeline: string;
  readonly scheduledAt: number;
  readonly kind: TickKind;
  readonly state: TickState;
  /** Runs started for it that count against its retries. */
  readonly attempts: number;
  /** Runs started for it, counted or not (a try on a busy warehouse does not count). */
  readonly tries: number;
  /** How late its first run started, in ms past the scheduled time (0 on time). */
  readonly lateMs?: number;
  readonly reason?: string;
  readonly createdAt: number;
  /** A pending tick waits until then (a retry's back-off, a busy warehouse). */
  readonly notBefore?: number;
  readonly endedAt?: number;
}

export interface SchedulerRun {
  /** `<pipeline>@<scheduled ISO>#<try>`. */
  readonly id: string;
  readonly pipeline: string;
  readonly scheduledAt: number;
  readonly attempt: number;
  readonly state: SchedulerRunState;
  /** The scheduler that started it. */
  readonly holder: string;
  readonly workerPid?: number;
  readonly startedAt: number;
  readonly heartbeatAt: number;
  readonly endedAt?: number;
  /** The run id in dpf_meta.runs and target/run_results.json. */
  readonly dpfRunId?: string;
  readonly nodesDone?: number;
  readonly nodesTotal?: number;
  readonly failedNode?: string;
  readonly error?: string;
}

export interface Holder {
  /** Unique per scheduler process: host, pid and a random part. */
  readonly id: string;
  readonly host: string;
  readonly pid: number;
}

export interface Lease {
  readonly holder: string;
  readonly epoch: number;
  readonly expiresAt: number;
}

export interface LeaseRow extends Lease {
  readonly host?: string;
  readonly pid?: number;
  readonly renewedAt?: number;
}

export interface NewTick {
  readonly pipeline: string;
  readonly scheduledAt: number;
  readonly kind: TickKind;
  readonly state: 'pending' | 'skipped';
  readonly reason?: string;
}

export interface RunProgress {
  readonly runId: string;
  readonly workerPid?: number;
  readonly dpfRunId?: string;
  readonly nodesDone?: number;
  readonly nodesTotal?: number;
}

export interface RunEnding {
  readonly state: 'success' | 'failed' | 'cancelled' | 'lost';
  readonly error?: string;
  readonly failedNode?: string;
  readonly dpfRunId?: string;
  readonly workerPid?: number;
  /**
   * What becomes of the tick: ended (success or failed), or pending again at notBefore (a
   * retry; `countAttempt: false` when the run never got to work, as on a busy warehouse).
   */
  readonly tick: { readonly state: 'success' | 'failed' } | { readonly state: 'pending'; readonly notBefore: number; readonly countAttempt: boolean; readonly reason: string };
}

/** The holder lost (or never had) the lease: it must start nothing more. */
export class LeaseLostError extends Error {
  constructor(holder: string) {
    super(`scheduler ${holder} no longer holds the lease`);
    this.name = 'LeaseLostError';
  }
}

export type SqlValue = string | number | null;
export type SqlRow = Readonly<Record<string, unknown>>;

/** One connection for a few statements. */
export interface StoreSession {
  query(text: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  transaction<T>(work: () => Promise<T>): Promise<T>;
}

export interface StoreDriver {
  /** What the store is, for messages: `DuckDB file target/scheduler.duckdb`, `PostgreSQL at host:port/db`. */
  readonly description: string;
  /** Appended to the lease read that fences a write: ' for update' where the engine locks rows. */
  readonly lockRows: string;
  session<T>(work: (session: StoreSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface SchedulerStore {
  readonly description: string;
  ensure(): Promise<void>;
  /**
   * Renews this holder's lease, or takes it when it has expired (a new epoch); undefined while
   * another holder's lease is valid. Progress of running runs is written in the same session.
   */
  acquire(holder: Holder, now: number, leaseMs: number, progress?: readonly RunProgress[]): Promise<{ lease: Lease; taken: boolean } | undefined>;
  release(lease: Lease, now: number): Promise<void>;
  leaseRow(): Promise<LeaseRow | undefined>;
  /** The cursors of these pipelines; a pipeline seen for the first time starts at `now` (no backfill). */
  cursors(lease: Lease, now: number, keys: readonly { pipeline: string; kind: TickKind }[]): Promise<Map<string, number>>;
  /** Inserts ticks (a key already present is left as it is) and moves cursors forward, in one transaction. */
  recordTicks(lease: Lease, now: number, ticks: readonly NewTick[], cursors: readonly { pipeline: string; kind: TickKind; until: number }[]): Promise<void>;
  pendingTicks(): Promise<Tick[]>;
  /** pending → running and a run row, if the tick is still pending; the attempt number, else undefined. */
  startRun(lease: Lease, now: number, tick: Pick<Tick, 'pipeline' | 'scheduledAt'>, lateMs: number): Promise<SchedulerRun | undefined>;
  /** startRun for several ticks in one session and transaction; the runs of the ticks that were still pending. */
  startRuns(lease: Lease, now: number, ticks: readonly { readonly pipeline: string; readonly scheduledAt: number; readonly lateMs: number }[]): Promise<SchedulerRun[]>;
  finishRun(lease: Lease, now: number, runId: string, ending: RunEnding): Promise<void>;
  /** finishRun for several runs in one session and transaction, each at its own time. */
  finishRuns(lease: Lease, now: number, endings: readonly { readonly runId: string; readonly at: number; readonly ending: RunEnding }[]): Promise<void>;
  /** A pending tick that will not run (its next tick came first): skipped, with why. */
  skipTick(lease: Lease, now: number, tick: Pick<Tick, 'pipeline' | 'scheduledAt'>, reason: string): Promise<void>;
  /** Runs left `running` by other holders (a scheduler that died): the caller decides each one's ending. */
  orphanedRuns(lease: Lease): Promise<SchedulerRun[]>;
  /** Ended ticks (success or failed) of these pipelines that ended after `since`, oldest first. */
  endedTicks(pipelines: readonly string[], since: number): Promise<Tick[]>;
  runs(filter?: { pipeline?: string; state?: SchedulerRunState; limit?: number }): Promise<SchedulerRun[]>;
  ticks(filter?: { pipeline?: string; limit?: number }): Promise<Tick[]>;
  close(): Promise<void>;
}

export const STORE_VERSION = 1;
const LEASE_NAME = 'scheduler';

/** Fixed names, quoted as written here. */
const T = {
  schema: '"dpf_meta"',
  version: '"dpf_meta"."scheduler_version"',
  leases: '"dpf_meta"."scheduler_leases"',
  cursors: '"dpf_meta"."scheduler_cursors"',
  ticks: '"dpf_meta"."scheduler_ticks"',
  runs: '"dpf_meta"."scheduler_runs"',
} as const;

const CREATE = [
  `create schema if not exists ${T.schema}`,
  `create table if not exists ${T.version} ("version" integer not null)`,
  `create table if not exists ${T.leases} ("name" varchar primary key, "holder" varchar, "host" varchar, "pid" integer, "epoch" bigint not null, "expires_at" bigint not null, "renewed_at" bigint)`,
  `create table if not exists ${T.cursors} ("pipeline" varchar not null, "kind" varchar not null, "until" bigint not null, primary key ("pipeline", "kind"))`,
  `create table if not exists ${T.ticks} ("pipeline" varchar not null, "scheduled_at" bigint not null, "kind" varchar not null, "state" varchar not null, "attempts" integer not null, "tries" integer not null, "late_ms" bigint, "reason" varchar, "created_at" bigint not null, "not_before" bigint, "ended_at" bigint, primary key ("pipeline", "scheduled_at"))`,
  `create table if not exists ${T.runs} ("id" varchar primary key, "pipeline" varchar not null, "scheduled_at" bigint not null, "attempt" integer not null, "state" varchar not null, "holder" varchar not null, "worker_pid" integer, "started_at" bigint not null, "heartbeat_at" bigint not null, "ended_at" bigint, "dpf_run_id" varchar, "nodes_done" integer, "nodes_total" integer, "failed_node" varchar, "error" varchar)`,
];

export function runIdOf(pipeline: string, scheduledAt: number, tryNumber: number): string {
  return `${pipeline}@${new Date(scheduledAt).toISOString()}#${tryNumber}`;
}

export function sqlSchedulerStore(driver: StoreDriver): SchedulerStore {
  const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
  const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
  const tickOf = (r: SqlRow): Tick => ({
    pipeline: String(r.pipeline),
    scheduledAt: Number(r.scheduled_at),
    kind: r.kind as TickKind,
    state: r.state as TickState,
    attempts: Number(r.attempts),
    tries: Number(r.tries),
    lateMs: num(r.late_ms),
    reason: str(r.reason),
    createdAt: Number(r.created_at),
    notBefore: num(r.not_before),
    endedAt: num(r.ended_at),
  });
  const runOf = (r: SqlRow): SchedulerRun => ({
    id: String(r.id),
    pipeline: String(r.pipeline),
    scheduledAt: Number(r.scheduled_at),
    attempt: Number(r.attempt),
    state: r.state as SchedulerRunState,
    holder: String(r.holder),
    workerPid: num(r.worker_pid),
    startedAt: Number(r.started_at),
    heartbeatAt: Number(r.heartbeat_at),
    endedAt: num(r.ended_at),
    dpfRunId: str(r.dpf_run_id),
    nodesDone: num(r.nodes_done),
    nodesTotal: num(r.nodes_total),
    failedNode: str(r.failed_node),
    error: str(r.error),
  });
  /** Throws LeaseLostError unless this lease is the current, unexpired one. */
  const fence = async (session: StoreSession, lease: Lease, now: number) => {
    const rows = await session.query(`select "epoch" from ${T.leases} where "name" = $1 and "holder" = $2 and "epoch" = $3 and "expires_at" > $4${driver.lockRows}`, [LEASE_NAME, lease.holder, lease.epoch, now]);
    if (rows.length === 0) throw new LeaseLostError(lease.holder);
  };
  const writeProgress = async (session: StoreSession, now: number, progress: readonly RunProgress[]) => {
    for (const p of progress) {
      await session.query(
        `update ${T.runs} set "heartbeat_at" = $2, "worker_pid" = coalesce($3, "worker_pid"), "dpf_run_id" = coalesce($4, "dpf_run_id"), "nodes_done" = coalesce($5, "nodes_done"), "nodes_total" = coalesce($6, "nodes_total") where "id" = $1 and "state" = 'running'`,
        [p.runId, now, p.workerPid ?? null, p.dpfRunId ?? null, p.nodesDone ?? null, p.nodesTotal ?? null],
      );
    }
  };

  const startRuns = (lease: Lease, now: number, ticks: readonly { pipeline: string; scheduledAt: number; lateMs: number }[]): Promise<SchedulerRun[]> =>
    ticks.length === 0
      ? Promise.resolve([])
      : driver.session((session) =>
          session.transaction(async () => {
            await fence(session, lease, now);
            const started: SchedulerRun[] = [];
            for (const tick of ticks) {
              const moved = await session.query(
                `update ${T.ticks} set "state" = 'running', "attempts" = "attempts" + 1, "tries" = "tries" + 1, "late_ms" = coalesce("late_ms", $3), "not_before" = null where "pipeline" = $1 and "scheduled_at" = $2 and "state" = 'pending' returning "attempts", "tries"`,
                [tick.pipeline, tick.scheduledAt, tick.lateMs],
              );
              if (moved.length === 0) continue;
              const attempt = Number(moved[0]!.attempts);
              const id = runIdOf(tick.pipeline, tick.scheduledAt, Number(moved[0]!.tries));
              await session.query(
                `insert into ${T.runs} ("id", "pipeline", "scheduled_at", "attempt", "state", "holder", "started_at", "heartbeat_at") values ($1, $2, $3, $4, 'running', $5, $6, $6)`,
                [id, tick.pipeline, tick.scheduledAt, attempt, lease.holder, now],
              );
              started.push({ id, pipeline: tick.pipeline, scheduledAt: tick.scheduledAt, attempt, state: 'running', holder: lease.holder, startedAt: now, heartbeatAt: now });
            }
            return started;
          }),
        );
  const finishRuns = (lease: Lease, now: number, endings: readonly { runId: string; at: number; ending: RunEnding }[]): Promise<void> =>
    endings.length === 0
      ? Promise.resolve()
      : driver.session((session) =>
          session.transaction(async () => {
            await fence(session, lease, now);
            for (const { runId, at, ending } of endings) {
              const ended = await session.query(
                `update ${T.runs} set "state" = $2, "ended_at" = $3, "error" = $4, "failed_node" = $5, "dpf_run_id" = coalesce($6, "dpf_run_id"), "worker_pid" = coalesce($7, "worker_pid") where "id" = $1 and "state" = 'running' returning "pipeline", "scheduled_at"`,
                [runId, ending.state, at, ending.error ?? null, ending.failedNode ?? null, ending.dpfRunId ?? null, ending.workerPid ?? null],
              );
              const run = ended[0];
              if (!run) continue;
              const key = [String(run.pipeline), Number(run.scheduled_at)] as const;
              const tick = ending.tick;
              if (tick.state === 'pending') {
                await session.query(
                  `update ${T.ticks} set "state" = 'pending', "not_before" = $3, "reason" = $4, "attempts" = "attempts" - $5 where "pipeline" = $1 and "scheduled_at" = $2 and "state" = 'running'`,
                  [...key, tick.notBefore, tick.reason, tick.countAttempt ? 0 : 1],
                );
              } else {
                await session.query(`update ${T.ticks} set "state" = $3, "ended_at" = $4 where "pipeline" = $1 and "scheduled_at" = $2 and "state" = 'running'`, [...key, tick.state, at]);
              }
            }
          }),
        );

  return {
    description: driver.description,

    ensure: () =>
      driver.session(async (session) => {
        for (const statement of CREATE) await session.query(statement);
        const rows = await session.query(`select max("version") as "version" from ${T.version}`);
        const version = num(rows[0]?.version);
        if (version === undefined) await session.query(`insert into ${T.version} ("version") values ($1)`, [STORE_VERSION]);
        else if (version > STORE_VERSION) throw new Error(`the scheduler store ${driver.description} was written by a newer dpf (store version ${version}; this dpf reads ${STORE_VERSION})`);
        await session.query(`insert into ${T.leases} ("name", "epoch", "expires_at") values ($1, 0, 0) on conflict do nothing`, [LEASE_NAME]);
      }),

    acquire: (holder, now, leaseMs, progress = []) =>
      driver.session((session) =>
        session.transaction(async () => {
          const expiresAt = now + leaseMs;
          const renewed = await session.query(
            `update ${T.leases} set "expires_at" = $3, "renewed_at" = $4 where "name" = $1 and "holder" = $2 and "expires_at" > $4 returning "epoch"`,
            [LEASE_NAME, holder.id, expiresAt, now],
          );
          if (renewed.length > 0) {
            await writeProgress(session, now, progress);
            return { lease: { holder: holder.id, epoch: Number(renewed[0]!.epoch), expiresAt }, taken: false };
          }
          const taken = await session.query(
            `update ${T.leases} set "holder" = $2, "host" = $3, "pid" = $4, "epoch" = "epoch" + 1, "expires_at" = $5, "renewed_at" = $6 where "name" = $1 and "expires_at" <= $6 returning "epoch"`,
            [LEASE_NAME, holder.id, holder.host, holder.pid, expiresAt, now],
          );
          if (taken.length === 0) return undefined;
          return { lease: { holder: holder.id, epoch: Number(taken[0]!.epoch), expiresAt }, taken: true };
        }),
      ),

    release: (lease, now) =>
      driver.session(async (session) => {
        await session.query(`update ${T.leases} set "expires_at" = $4 where "name" = $1 and "holder" = $2 and "epoch" = $3`, [LEASE_NAME, lease.holder, lease.epoch, now]);
      }),

    leaseRow: () =>
      driver.session(async (session) => {
        const rows = await session.query(`select "holder", "host", "pid", "epoch", "expires_at", "renewed_at" from ${T.leases} where "name" = $1`, [LEASE_NAME]);
        const r = rows[0];
        if (!r || r.holder === null || r.holder === undefined) return undefined;
        return { holder: String(r.holder), host: str(r.host), pid: num(r.pid), epoch: Number(r.epoch), expiresAt: Number(r.expires_at), renewedAt: num(r.renewed_at) };
      }),

    cursors: (lease, now, keys) =>
      driver.session((session) =>
        session.transaction(async () => {
          await fence(session, lease, now);
          const found = new Map<string, number>();
          for (const row of await session.query(`select "pipeline", "kind", "until" from ${T.cursors}`)) found.set(`${row.pipeline}\u0000${row.kind}`, Number(row.until));
          for (const key of keys) {
            const id = `${key.pipeline}\u0000${key.kind}`;
            if (found.has(id)) continue;
            await session.query(`insert into ${T.cursors} ("pipeline", "kind", "until") values ($1, $2, $3) on conflict do nothing`, [key.pipeline, key.kind, now]);
            found.set(id, now);
          }
          return found;
        }),
      ),

    recordTicks: (lease, now, ticks, cursors) =>
      driver.session((session) =>
        session.transaction(async () => {
          await fence(session, lease, now);
          for (const tick of ticks) {
            await session.query(
              `insert into ${T.ticks} ("pipeline", "scheduled_at", "kind", "state", "attempts", "tries", "reason", "created_at", "ended_at") values ($1, $2, $3, $4, 0, 0, $5, $6, $7) on conflict do nothing`,
              [tick.pipeline, tick.scheduledAt, tick.kind, tick.state, tick.reason ?? null, now, tick.state === 'skipped' ? now : null],
            );
          }
          for (const cursor of cursors) {
            await session.query(`update ${T.cursors} set "until" = $3 where "pipeline" = $1 and "kind" = $2 and "until" < $3`, [cursor.pipeline, cursor.kind, cursor.until]);
          }
        }),
      ),

    pendingTicks: () =>
      driver.session(async (session) => (await session.query(`select * from ${T.ticks} where "state" = 'pending' order by "scheduled_at", "pipeline"`)).map(tickOf)),

    startRun: async (lease, now, tick, lateMs) => (await startRuns(lease, now, [{ ...tick, lateMs }]))[0],
    startRuns: (lease, now, ticks) => startRuns(lease, now, ticks),
    finishRun: (lease, now, runId, ending) => finishRuns(lease, now, [{ runId, at: now, ending }]),
    finishRuns: (lease, now, endings) => finishRuns(lease, now, endings),

    skipTick: (lease, now, tick, reason) =>
      driver.session((session) =>
        session.transaction(async () => {
          await fence(session, lease, now);
          await session.query(`update ${T.ticks} set "state" = 'skipped', "reason" = $3, "ended_at" = $4 where "pipeline" = $1 and "scheduled_at" = $2 and "state" = 'pending'`, [tick.pipeline, tick.scheduledAt, reason, now]);
        }),
      ),

    orphanedRuns: (lease) =>
      driver.session(async (session) => (await session.query(`select * from ${T.runs} where "state" = 'running' and "holder" <> $1 order by "started_at"`, [lease.holder])).map(runOf)),

    endedTicks: (pipelines, since) =>
      pipelines.length === 0
        ? Promise.resolve([])
        : driver.session(async (session) => {
            const marks = pipelines.map((_, i) => `$${i + 2}`).join(', ');
            const rows = await session.query(`select * from ${T.ticks} where "state" in ('success', 'failed') and "ended_at" > $1 and "pipeline" in (${marks}) order by "ended_at", "pipeline"`, [since, ...pipelines]);
            return rows.map(tickOf);
          }),

    runs: (filter = {}) =>
      driver.session(async (session) => {
        const rows = await session.query(
          `select * from ${T.runs} where (cast($1 as varchar) is null or "pipeline" = $1) and (cast($2 as varchar) is null or "state" = $2) order by "started_at" desc, "id" desc limit $3`,
          [filter.pipeline ?? null, filter.state ?? null, filter.limit ?? 1000],
        );
        return rows.map(runOf);
      }),

    ticks: (filter = {}) =>
      driver.session(async (session) => {
        const rows = await session.query(`select * from ${T.ticks} where (cast($1 as varchar) is null or "pipeline" = $1) order by "scheduled_at" desc, "pipeline" limit $2`, [filter.pipeline ?? null, filter.limit ?? 1000]);
        return rows.map(tickOf);
      }),

    close: () => driver.close(),
  };
}
