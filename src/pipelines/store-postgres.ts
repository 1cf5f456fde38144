/**
 * The shared scheduler store on PostgreSQL, for two schedulers on two machines (disaster
 * recovery): the tables live in the database's `dpf_meta` schema, a pool of a few connections
 * serves the sessions, and the lease read that fences each write locks its row (FOR UPDATE), so
 * a takeover waits for a write in flight. The connection string comes from the environment
 * (`scheduler.url_env` in dpf_project.yml), never from a file.
 */
import pg from 'pg';
import type { SqlRow, SqlValue, StoreDriver, StoreSession } from './scheduler-store.js';

export function postgresStoreDriver(connectionString: string): StoreDriver {
  const pool = new pg.Pool({ connectionString, max: 3, idleTimeoutMillis: 60_000 });
  // An idle client's error (the server restarted) must not end the scheduler: the next session reconnects.
  pool.on('error', () => undefined);
  const url = safeUrl(connectionString);
  return {
    description: `PostgreSQL ${url}`,
    lockRows: ' for update',
    async session<T>(work: (session: StoreSession) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        const session: StoreSession = {
          async query(text: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
            return (await client.query(text, params as SqlValue[])).rows as SqlRow[];
          },
          async transaction<T>(inner: () => Promise<T>): Promise<T> {
            await client.query('begin');
            try {
              const result = await inner();
              await client.query('commit');
              return result;
            } catch (err) {
              await client.query('rollback').catch((e: Error) => (broken = e));
              throw err;
            }
          },
        };
        return await work(session);
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

/** host:port/database, without the user or password. */
function safeUrl(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return '(connection string from the environment)';
  }
}
