/**
 * The embedded scheduler store: a DuckDB file of its own (default `<target-path>/scheduler.duckdb`),
 * never the warehouse. A session opens the file, runs a few statements, and the file is closed
 * once no session followed for 200 ms, so it is locked only for moments: two schedulers on one machine, `dpf status` and
 * `dpf pipeline ls` take turns (a session that finds it locked tries again for a while), and a
 * killed scheduler leaves no lock behind. Sessions of one process are queued, so it never
 * conflicts with itself. Node 20 has no built-in SQLite, and better-sqlite3 compiles a native
 * module at install; DuckDB is already here (docs/scheduling.md, "Where the scheduler keeps its state").
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import type { SqlRow, SqlValue, StoreDriver, StoreSession } from './scheduler-store.js';

/** How long a session waits for another process to close the file. */
const LOCKED_FOR_MS = 15_000;
const LOCKED = /Could not set lock|Conflicting lock/i;
/** How long the file stays open after a session, for the next one of the same wake-up. */
const LINGER_MS = 200;

export function duckdbStoreDriver(path: string, shownAs = path): StoreDriver {
  let queue: Promise<unknown> = Promise.resolve();
  let open: { instance: DuckDBInstance; connection: DuckDBConnection } | undefined;
  let closeTimer: NodeJS.Timeout | undefined;
  const connect = async () => {
    if (open) return open;
    const { DuckDBInstance } = await import('@duckdb/node-api');
    mkdirSync(dirname(path), { recursive: true });
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const instance = await DuckDBInstance.create(path, { threads: '1' });
        open = { instance, connection: await instance.connect() };
        return open;
      } catch (err) {
        const message = (err as Error).message;
        if (!LOCKED.test(message) || Date.now() - started > LOCKED_FOR_MS) throw new Error(`the scheduler store ${shownAs} cannot be opened: ${message.split('\n')[0]}`);
        await sleep(Math.min(200, 10 * 2 ** attempt) * (0.5 + Math.random()));
      }
    }
  };
  const closeNow = () => {
    clearTimeout(closeTimer);
    closeTimer = undefined;
    if (!open) return;
    open.connection.closeSync();
    open.instance.closeSync();
    open = undefined;
  };
  const run = async <T>(work: (session: StoreSession) => Promise<T>): Promise<T> => {
    clearTimeout(closeTimer);
    const { connection } = await connect();
    try {
      const session: StoreSession = {
        async query(text: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
          // Whole numbers bind as BIGINT: a JS number would bind as a float and lose milliseconds.
          const values = params.map((v): DuckDBValue => (typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v));
          const reader = await connection.runAndReadAll(text, values);
          return reader.getRowObjectsJS() as SqlRow[];
        },
        async transaction<T>(inner: () => Promise<T>): Promise<T> {
          await connection.run('begin transaction');
          try {
            const result = await inner();
            await connection.run('commit');
            return result;
          } catch (err) {
            await connection.run('rollback').catch(() => undefined);
            throw err;
          }
        },
      };
      return await work(session);
    } catch (err) {
      closeNow();
      throw err;
    } finally {
      // Sessions close together: the file stays open for a moment in case another follows
      // (a wake-up's few sessions cost one open), then is let go for other processes.
      if (open) {
        closeTimer = setTimeout(closeNow, LINGER_MS);
        closeTimer.unref();
      }
    }
  };
  return {
    description: `DuckDB file ${shownAs}`,
    lockRows: '',
    session<T>(work: (session: StoreSession) => Promise<T>): Promise<T> {
      const next = queue.then(() => run(work));
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      await queue;
      closeNow();
    },
  };
}
