/**
 * Each engine's log of the queries its users ran, for the security report's access check
 * (`dpf audit --warehouse`): a Record by engine, so nothing else branches on it (as the grants'
 * enforcers). Trino keeps recent queries in `system.runtime.queries` (as many as its
 * `query.max-history`, for `query.min-expire-age`); DuckDB has no users and no log.
 *
 * The query text is read only to find the relations a query names (relation-mentions.ts); it
 * never leaves this check: not in the report, a message, a log line or dpf_meta.
 */
import type { Adapter, Connection } from '../../adapters/adapter.js';

export interface LoggedQuery {
  readonly queryId: string;
  readonly user: string;
  /** The engine's state (FINISHED, FAILED, RUNNING …). */
  readonly state: string;
  /** When the engine created it, ISO 8601 in UTC. */
  readonly created: string;
  /** The text, to match relation names against; never reported. */
  readonly text: string;
}

export interface QueryLog {
  /** The engine's time when the log was read: the next report reads what came after it. */
  readonly until: Date;
  readonly queries: readonly LoggedQuery[];
}

export interface QueryLogReader {
  /** Where the log is, for messages. */
  readonly source: string;
  /** Queries created after `since` (all the engine keeps, without), up to the engine's now. */
  read(connection: Connection, adapter: Adapter, since: Date | undefined): Promise<QueryLog>;
  /** Whether a query failed (a refused query read nothing). */
  failed(state: string): boolean;
}

const trinoQueries: QueryLogReader = {
  source: 'system.runtime.queries',
  async read(connection, adapter, since) {
    // The engine's clock, not this machine's: the window's ends are compared with `created`.
    const now = await connection.query("select to_iso8601(current_timestamp at time zone 'UTC')");
    const until = String(now.rows[0]?.[0]);
    const lit = (iso: string) => `from_iso8601_timestamp(${adapter.dialect.literal(iso, 'text')})`;
    const q = (name: string) => adapter.dialect.quoteIdentifier(name);
    const window = [...(since ? [`${q('created')} > ${lit(since.toISOString())}`] : []), `${q('created')} <= ${lit(until)}`].join(' and ');
    const result = await connection.query(
      `select ${q('query_id')}, ${q('user')}, ${q('state')}, to_iso8601(${q('created')} at time zone 'UTC'), ${q('query')} from system.runtime.queries where ${window}`,
    );
    return {
      until: new Date(until),
      queries: result.rows.map(([queryId, user, state, created, text]) => ({
        queryId: String(queryId),
        user: String(user),
        state: String(state),
        created: new Date(String(created)).toISOString(),
        text: String(text ?? ''),
      })),
    };
  },
  failed: (state) => state === 'FAILED',
};

/** Engines whose query log the report reads; the others have none (the check is left out). */
export const QUERY_LOGS: Readonly<Record<string, QueryLogReader>> = { trino: trinoQueries };
