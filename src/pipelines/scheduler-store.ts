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
export type TickKind = 'cron' | 'after' | 'sensor';
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
   * Renews `current` (this holder's lease, if it still is at that epoch), or takes the lease
   * when it has expired (a new epoch); undefined while another holder's lease is valid. Progress of running runs is written in the same session.
   */
  acquire(holder: Holder, now: number, leaseMs: number, progress?: readonly RunProgress[], current?: Lease): Promise<{ lease: Lease; taken: boolean } | undefined>;
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
  /** What each sensor saw last, by `pipeline NUL sensor`. */
  sensorVersions(): Promise<Map<string, string>>;
  /** Keeps what a sensor saw; with a tick (it changed), inserts it in the same transaction. */
  recordSensor(lease: Lease, now: number, seen: { readonly pipeline: string; readonly sensor: string; readonly version: string }, tick?: NewTick): Promise<void>;
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
  sensors: '"dpf_meta"."scheduler_sensors"',
} as const;

const CREATE = [
  `create schema if not exists ${T.schema}`,
  `create table if not exists ${T.version} ("version" integer not null)`,
  `create table if not exists ${T.leases} ("name" varchar primary key, "holder" varchar, "host" varchar, "pid" integer, "epoch" bigint not null, "expires_at" bigint not null, "renewed_at" bigint)`,
  `create table if not exists ${T.cursors} ("pipeline" varchar not null, "kind" varchar not null, "until" bigint not null, primary key ("pipeline", "kind"))`,
  `create table if not exists ${T.ticks} ("pipeline" varchar not null, "scheduled_at" bigint not null, "kind" varchar not null, "state" varchar not null, "attempts" integer not null, "tries" integer not null, "late_ms" bigint, "reason" varchar, "created_at" bigint not null, "not_before" bigint, "ended_at" bigint, primary key ("pipeline", "scheduled_at"))`,
  `create table if not exists ${T.sensors} ("pipeline" varchar not null, "sensor" varchar not null, "version" varchar not null, "checked_at" bigint not null, primary key ("pipeline", "sensor"))`,
  `create table if not exists ${T.runs} ("id" varchar primary key, "pipeline" varchar not null, "scheduled_at" bigint not null, "attempt" integer not null, "state" varchar not null, "holder" varchar not null, "worker_pid" integer, "started_at" bigint not null, "heartbeat_at" bigint not null, "ended_at" bigint, "dpf_run_id" varchar, "nodes_done" integer, "nodes_total" integer, "failed_node" varchar, "error" varchar)`,
];

/** Rows per multi-row statement (PostgreSQL takes at most 65,535 parameters in one). */
const CHUNK = 500;

/**
 * A VALUES list with typed parameters: `(cast($1 as varchar), cast($2 as bigint)), (…)`.
 * The casts let PostgreSQL type the parameters (in a VALUES list it cannot infer them).
 */
function valuesOf(rows: readonly (readonly SqlValue[])[], types: readonly string[]): { sql: string; params: SqlValue[] } {
  const params: SqlValue[] = [];
  const sql = rows
    .map((row) => `(${row.map((value, i) => (params.push(value), `cast($${params.length} as ${types[i]})`)).join(', ')})`)
    .join(', ');
  return { sql, params };
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

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
    for (const chunk of chunks(progress)) {
      const v = valuesOf(
        chunk.map((p) => [p.runId, p.workerPid ?? null, p.dpfRunId ?? null, p.nodesDone ?? null, p.nodesTotal ?? null]),
        ['varchar', 'integer', 'varchar', 'integer', 'integer'],
      );
      await session.query(
        `update ${T.runs} set "heartbeat_at" = $${v.params.length + 1}, "worker_pid" = coalesce(v."pid", ${T.runs}."worker_pid"), "dpf_run_id" = coalesce(v."dpf", ${T.runs}."dpf_run_id"), "nodes_done" = coalesce(v."done", ${T.runs}."nodes_done"), "nodes_total" = coalesce(v."total", ${T.runs}."nodes_total") from (values ${v.sql}) as v("id", "pid", "dpf", "done", "total") where ${T.runs}."id" = v."id" and ${T.runs}."state" = 'running'`,
        [...v.params, now],
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
            for (const chunk of chunks(ticks)) {
              const v = valuesOf(chunk.map((t) => [t.pipeline, t.scheduledAt, t.lateMs]), ['varchar', 'bigint', 'bigint']);
              const moved = await session.query(
                `update ${T.ticks} set "state" = 'running', "attempts" = ${T.ticks}."attempts" + 1, "tries" = ${T.ticks}."tries" + 1, "late_ms" = coalesce(${T.ticks}."late_ms", v."late"), "not_before" = null from (values ${v.sql}) as v("pipeline", "scheduled_at", "late") where ${T.ticks}."pipeline" = v."pipeline" and ${T.ticks}."scheduled_at" = v."scheduled_at" and ${T.ticks}."state" = 'pending' returning ${T.ticks}."pipeline", ${T.ticks}."scheduled_at", ${T.ticks}."attempts", ${T.ticks}."tries"`,
                v.params,
              );
              const runs = moved.map((row): SchedulerRun => {
                const pipeline = String(row.pipeline);
                const scheduledAt = Number(row.scheduled_at);
                return { id: runIdOf(pipeline, scheduledAt, Number(row.tries)), pipeline, scheduledAt, attempt: Number(row.attempts), state: 'running', holder: lease.holder, startedAt: now, heartbeatAt: now };
              });
              if (runs.length === 0) continue;
              const r = valuesOf(
                runs.map((run) => [run.id, run.pipeline, run.scheduledAt, run.attempt, 'running', lease.holder, now, now]),
                ['varchar', 'varchar', 'bigint', 'integer', 'varchar', 'varchar', 'bigint', 'bigint'],
              );
              await session.query(`insert into ${T.runs} ("id", "pipeline", "scheduled_at", "attempt", "state", "holder", "started_at", "heartbeat_at") values ${r.sql}`, r.params);
              started.push(...runs);
            }
            // In the order asked for (the engine returns rows in its own).
            const order = new Map(ticks.map((t, i) => [`${t.pipeline}\u0000${t.scheduledAt}`, i]));
            return started.sort((a, b) => order.get(`${a.pipeline}\u0000${a.scheduledAt}`)! - order.get(`${b.pipeline}\u0000${b.scheduledAt}`)!);
          }),
        );
  const finishRuns = (lease: Lease, now: number, endings: readonly { runId: string; at: number; ending: RunEnding }[]): Promise<void> =>
    endings.length === 0
      ? Promise.resolve()
      : driver.session((session) =>
          session.transaction(async () => {
            await fence(session, lease, now);
            for (const chunk of chunks(endings)) {
              const v = valuesOf(
                chunk.map(({ runId, at, ending }) => [runId, ending.state, at, ending.error ?? null, ending.failedNode ?? null, ending.dpfRunId ?? null, ending.workerPid ?? null]),
                ['varchar', 'varchar', 'bigint', 'varchar', 'varchar', 'varchar', 'integer'],
              );
              const ended = await session.query(
                `update ${T.runs} set "state" = v."state", "ended_at" = v."at", "error" = v."error", "failed_node" = v."node", "dpf_run_id" = coalesce(v."dpf", ${T.runs}."dpf_run_id"), "worker_pid" = coalesce(v."pid", ${T.runs}."worker_pid") from (values ${v.sql}) as v("id", "state", "at", "error", "node", "dpf", "pid") where ${T.runs}."id" = v."id" and ${T.runs}."state" = 'running' returning ${T.runs}."id", ${T.runs}."pipeline", ${T.runs}."scheduled_at"`,
                v.params,
              );
              const byId = new Map(chunk.map((e) => [e.runId, e]));
              const runsOf = new Map(ended.map((row) => [String(row.id), { pipeline: String(row.pipeline), scheduledAt: Number(row.scheduled_at) }]));
              const endedIds = [...runsOf.keys()];
              const again = endedIds.filter((id) => byId.get(id)!.ending.tick.state === 'pending');
              const done = endedIds.filter((id) => byId.get(id)!.ending.tick.state !== 'pending');
              if (again.length > 0) {
                const p = valuesOf(
                  again.map((id) => {
                    const tick = byId.get(id)!.ending.tick as Extract<RunEnding['tick'], { state: 'pending' }>;
                    return [runsOf.get(id)!.pipeline, runsOf.get(id)!.scheduledAt, tick.notBefore, tick.reason, tick.countAttempt ? 0 : 1];
                  }),
                  ['varchar', 'bigint', 'bigint', 'varchar', 'integer'],
                );
                await session.query(
                  `update ${T.ticks} set "state" = 'pending', "not_before" = v."not_before", "reason" = v."reason", "attempts" = ${T.ticks}."attempts" - v."uncount" from (values ${p.sql}) as v("pipeline", "scheduled_at", "not_before", "reason", "uncount") where ${T.ticks}."pipeline" = v."pipeline" and ${T.ticks}."scheduled_at" = v."scheduled_at" and ${T.ticks}."state" = 'running'`,
                  p.params,
                );
              }
              if (done.length > 0) {
                const d = valuesOf(
                  done.map((id) => [runsOf.get(id)!.pipeline, runsOf.get(id)!.scheduledAt, byId.get(id)!.ending.tick.state, byId.get(id)!.at]),
                  ['varchar', 'bigint', 'varchar', 'bigint'],
                );
                await session.query(
                  `update ${T.ticks} set "state" = v."state", "ended_at" = v."at" from (values ${d.sql}) as v("pipeline", "scheduled_at", "state", "at") where ${T.ticks}."pipeline" = v."pipeline" and ${T.ticks}."scheduled_at" = v."scheduled_at" and ${T.ticks}."state" = 'running'`,
                  d.params,
                );
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

    acquire: (holder, now, leaseMs, progress = [], current) =>
      driver.session((session) =>
        session.transaction(async () => {
          const expiresAt = now + leaseMs;
          // Still this holder's at this epoch: nobody took it over, even if it ran out while this
          // process was slow, so it is renewed as it is (a taker would have changed holder and epoch).
          const renewed = current
            ? await session.query(`update ${T.leases} set "expires_at" = $3, "renewed_at" = $4 where "name" = $1 and "holder" = $2 and "epoch" = $5 returning "epoch"`, [
                LEASE_NAME,
                holder.id,
                expiresAt,
                now,
                current.epoch,
              ])
            : await session.query(`update ${T.leases} set "expires_at" = $3, "renewed_at" = $4 where "name" = $1 and "holder" = $2 and "expires_at" > $4 returning "epoch"`, [
                LEASE_NAME,
                holder.id,
                expiresAt,
                now,
              ]);
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
          const missing = keys.filter((key) => !found.has(`${key.pipeline}\u0000${key.kind}`));
          for (const chunk of chunks(missing)) {
            const v = valuesOf(chunk.map((key) => [key.pipeline, key.kind, now]), ['varchar', 'varchar', 'bigint']);
            await session.query(`insert into ${T.cursors} ("pipeline", "kind", "until") values ${v.sql} on conflict do nothing`, v.params);
          }
          for (const key of missing) found.set(`${key.pipeline}\u0000${key.kind}`, now);
          return found;
        }),
      ),

    recordTicks: (lease, now, ticks, cursors) =>
      driver.session((session) =>
        session.transaction(async () => {
          await fence(session, lease, now);
          for (const chunk of chunks(ticks)) {
            const v = valuesOf(
              chunk.map((tick) => [tick.pipeline, tick.scheduledAt, tick.kind, tick.state, 0, 0, tick.reason ?? null, now, tick.state === 'skipped' ? now : null]),
              ['varchar', 'bigint', 'varchar', 'varchar', 'integer', 'integer', 'varchar', 'bigint', 'bigint'],
            );
            await session.query(`insert into ${T.ticks} ("pipeline", "scheduled_at", "kind", "state", "attempts", "tries", "reason", "created_at", "ended_at") values ${v.sql} on conflict do nothing`, v.params);
          }
          for (const chunk of chunks(cursors)) {
            const v = valuesOf(chunk.map((c) => [c.pipeline, c.kind, c.until]), ['varchar', 'varchar', 'bigint']);
            await session.query(
              `update ${T.cursors} set "until" = v."until" from (values ${v.sql}) as v("pipeline", "kind", "until") where ${T.cursors}."pipeline" = v."pipeline" and ${T.cursors}."kind" = v."kind" and ${T.cursors}."until" < v."until"`,
              v.params,
            );
          }
        }),
      ),

    pendingTicks: () =>
      driver.session(async (session) => (await session.query(`select * from ${T.ticks} where "state" = 'pending' order by "scheduled_at", "pipeline"`)).map(tickOf)),

    startRun: async (lease, now, tick, lateMs) => (await startRuns(lease, now, [{ ...tick, lateMs }]))[0],
    startRuns: (lease, now, ticks) => startRuns(lease, now, ticks),
    finishRun: (lease, now, runId, ending) => finishRuns(lease, now, [{ runId, at: now, ending }]),
    finishRuns: (lease, now, endings) => finishRuns(lease, now, endings),

    sensorVersions: () =>
      driver.session(async (session) => {
        const rows = await session.query(`select "pipeline", "sensor", "version" from ${T.sensors}`);
        return new Map(rows.map((r) => [`${r.pipeline}\u0000${r.sensor}`, String(r.version)]));
      }),

    recordSensor: (lease, now, seen, tick) =>
      driver.session((session) =>
        session.transaction(async () => {
          await fence(session, lease, now);
          await session.query(
            `insert into ${T.sensors} ("pipeline", "sensor", "version", "checked_at") values ($1, $2, $3, $4) on conflict ("pipeline", "sensor") do update set "version" = excluded."version", "checked_at" = excluded."checked_at"`,
            [seen.pipeline, seen.sensor, seen.version, now],
          );
          if (tick) {
            await session.query(
              `insert into ${T.ticks} ("pipeline", "scheduled_at", "kind", "state", "attempts", "tries", "reason", "created_at") values ($1, $2, $3, 'pending', 0, 0, $4, $5) on conflict do nothing`,
              [tick.pipeline, tick.scheduledAt, tick.kind, tick.reason ?? null, now],
            );
          }
        }),
      ),

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
