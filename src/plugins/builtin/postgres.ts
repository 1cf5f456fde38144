/**
 * The built-in `postgres` source (docs/plugins.md): a table or a query of a PostgreSQL database,
 * read through a server-side cursor (pg-cursor: a portal read `fetch_size` rows at a time, so a
 * large table never sits in memory), incremental past `ctx.cursor` when dpf gives one. And the
 * `postgres` sink (`export const sink`, `exports: - plugin: postgres`): a model's rows upserted
 * into a table by its `unique_key`, every batch in one transaction (support/postgres-upsert.ts).
 *
 * Columns are declared in the config: `columns(config)` runs at compile time and is synchronous,
 * and the compiler does not connect to sources, so describing the table there is not possible;
 * declaring them also keeps the landed table's shape in the YAML, reviewed like a model's SQL.
 * The password never sits in the YAML or the manifest: it is read at run time from the
 * environment variable `password_env` names (or from pg's own PGPASSWORD / ~/.pgpass), a URL
 * holding one is refused at compile time, and error messages name host, port, database and user
 * only.
 */
import pg from 'pg';
import Cursor from 'pg-cursor';
import { defineSink, defineSource, type ExtractContext, type PluginColumn } from '../define-plugin.js';
import { upsertRows } from './support/postgres-upsert.js';

/** How to reach the server: a URL (without a password) or its parts, and where the password is. */
export interface PostgresConnection {
  readonly url?: string;
  /** An environment variable holding the whole URL (which may hold the password). */
  readonly url_env?: string;
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly database?: string;
  /** An environment variable holding the password. */
  readonly password_env?: string;
}

export interface PostgresSourceConfig {
  readonly connection: PostgresConnection;
  readonly schema?: string;
  readonly table?: string;
  readonly query?: string;
  readonly columns: readonly PluginColumn[];
  /** Rows per read of the server-side cursor (default 10,000). */
  readonly fetch_size?: number;
  /** Read `>=` the cursor instead of `>` (for `write: merge`, where repeats are dropped). */
  readonly cursor_inclusive?: boolean;
}

export const DEFAULT_FETCH_SIZE = 10_000;

const LOGICAL_TYPES = ['boolean', 'integer', 'bigint', 'double', 'date', 'timestamp', 'text'];

/** `scheme://user:password@` — a URL that would put the password into the YAML and the manifest. */
const URL_WITHOUT_PASSWORD = '^(?![A-Za-z][A-Za-z0-9+.-]*://[^/@]*:[^/@]*@)';

/** JSON Schema of the connection block (the source's and the sink's). */
export const CONNECTION_SCHEMA = {
  type: 'object',
  description: 'url, or host/port/user/database; the password from the environment variable password_env names',
  properties: {
    url: { type: 'string', pattern: URL_WITHOUT_PASSWORD, description: 'a URL without a password, postgres://user@host:port/database (the password comes from password_env)' },
    url_env: { type: 'string', minLength: 1, description: 'an environment variable holding the URL, which may hold the password' },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    user: { type: 'string', minLength: 1 },
    database: { type: 'string', minLength: 1 },
    password_env: { type: 'string', minLength: 1, description: 'an environment variable holding the password' },
  },
  additionalProperties: false,
} as const;

export default defineSource<PostgresSourceConfig>({
  name: 'postgres',
  description: 'Rows of a PostgreSQL table or query, read through a server-side cursor; incremental past a cursor',
  config: {
    type: 'object',
    properties: {
      connection: CONNECTION_SCHEMA,
      schema: { type: 'string', minLength: 1 },
      table: { type: 'string', minLength: 1 },
      query: { type: 'string', minLength: 1 },
      columns: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: { name: { type: 'string', minLength: 1 }, type: { enum: LOGICAL_TYPES } },
          required: ['name', 'type'],
          additionalProperties: false,
        },
      },
      fetch_size: { type: 'integer', minimum: 1 },
      cursor_inclusive: { type: 'boolean' },
    },
    required: ['connection', 'columns'],
    allOf: [{ description: 'given either table: or query:, not both', oneOf: [{ required: ['table'] }, { required: ['query'] }] }],
  },
  columns: (config) => config.columns,
  extract: readPostgres,
});

/** The rows of the table or query, `fetch_size` at a time, as arrays in the order of `columns`. */
export async function* readPostgres(config: PostgresSourceConfig, ctx: ExtractContext): AsyncGenerator<unknown[][]> {
  if (ctx.signal.aborted) return;
  const { client, describe, redact } = connect(config.connection, ctx.env);
  const { text, values } = selectStatement(config, ctx.cursor);
  const stop = (): void => void client.end().catch(() => undefined);
  ctx.signal.addEventListener('abort', stop, { once: true });
  try {
    try {
      await client.connect();
      // Timestamps with a zone come out in UTC, so that their text can be landed as is.
      await client.query(`set time zone 'UTC'`);
      // An aborted extract closes its socket; from PostgreSQL 14 on, the server then stops the
      // statement within a second instead of running it to the end (older servers lack the setting).
      await client.query(`set client_connection_check_interval = 1000`).catch(() => undefined);
    } catch (err) {
      if (ctx.signal.aborted) return;
      throw new Error(redact(`postgres: could not connect to ${describe()}: ${messageOf(err)}`));
    }
    const cursor = client.query(new Cursor<unknown[]>(text, values, { rowMode: 'array', types: TEXT_TIMES }));
    const fetchSize = config.fetch_size ?? DEFAULT_FETCH_SIZE;
    for (;;) {
      let rows: unknown[][];
      try {
        rows = await cursor.read(fetchSize);
      } catch (err) {
        if (ctx.signal.aborted) return;
        throw new Error(redact(`postgres: reading ${config.table ? `table ${tableName(config)}` : 'the query'} on ${describe()} failed: ${messageOf(err)}`));
      }
      if (rows.length > 0) yield rows;
      if (rows.length < fetchSize || ctx.signal.aborted) return;
    }
  } finally {
    ctx.signal.removeEventListener('abort', stop);
    // The connection is this read's own: ending it closes the portal too (a cursor.close() would
    // wait for an answer that an aborted connection never sends).
    await client.end().catch(() => undefined);
  }
}

/**
 * The one statement the extract runs: the declared columns of the table (or of the query, as a
 * subquery), past the cursor and in its order when there is one. Identifiers are quoted with
 * pg's escapeIdentifier, and the cursor's value is a parameter.
 */
export function selectStatement(config: PostgresSourceConfig, cursor: ExtractContext['cursor']): { text: string; values: unknown[] } {
  const columns = config.columns.map((c) => pg.escapeIdentifier(c.name)).join(', ');
  const from = config.table ? tableName(config) : `(${config.query!.trim().replace(/;\s*$/, '')}) as dpf_query`;
  if (!cursor || cursor.value === undefined || cursor.value === null) return { text: `select ${columns} from ${from}`, values: [] };
  const field = pg.escapeIdentifier(cursor.field);
  return {
    text: `select ${columns} from ${from} where ${field} ${config.cursor_inclusive ? '>=' : '>'} $1 order by ${field}`,
    values: [cursorParameter(cursor.value)],
  };
}

function tableName(config: PostgresSourceConfig): string {
  return `${config.schema ? `${pg.escapeIdentifier(config.schema)}.` : ''}${pg.escapeIdentifier(config.table!)}`;
}

/**
 * The cursor's value as the server reads it: a Date as UTC ISO text (pg would send local time,
 * which a timestamp without zone takes as wall clock), a bigint as its digits.
 */
function cursorParameter(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object') return String(value);
  return value;
}

/**
 * A client for the connection block, what to call the server in messages, and a redactor that
 * blanks the password out of a message should a driver ever print it.
 */
export function connect(connection: PostgresConnection, env: Readonly<Record<string, string | undefined>> = process.env): { client: pg.Client; describe: () => string; redact: (message: string) => string } {
  const fromEnv = (name: string | undefined, what: string): string | undefined => {
    if (!name) return undefined;
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`postgres: the environment variable ${name} (connection.${what}) is not set`);
    return value;
  };
  const connectionString = fromEnv(connection.url_env, 'url_env') ?? connection.url;
  const password = fromEnv(connection.password_env, 'password_env');
  const client = new pg.Client({
    ...(connectionString ? { connectionString } : {}),
    ...(connection.host ? { host: connection.host } : {}),
    ...(connection.port ? { port: connection.port } : {}),
    ...(connection.user ? { user: connection.user } : {}),
    ...(connection.database ? { database: connection.database } : {}),
    ...(password !== undefined ? { password } : {}),
  });
  const secrets = [password, connectionString && connection.url_env ? connectionString : undefined, (client as unknown as { password?: string }).password]
    .filter((s): s is string => typeof s === 'string' && s.length > 0);
  return {
    client,
    describe: () => `${client.host}:${client.port} database ${client.database} as user ${client.user}`,
    redact: (message) => secrets.reduce((m, s) => m.split(s).join('***'), message),
  };
}

function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(messageOf).join('; ');
  return err instanceof Error ? err.message || err.name : String(err);
}

/**
 * Dates and timestamps as the server's text, not JS Dates: a date is not a midnight in this
 * process's zone, and a timestamp keeps its microseconds. Zoned timestamps come out in UTC (the
 * session's zone), landed as UTC wall-clock time without the `+00`.
 */
const DATE_OID = 1082;
const TIMESTAMP_OID = 1114;
const TIMESTAMPTZ_OID = 1184;
const TEXT_TIMES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === DATE_OID || oid === TIMESTAMP_OID) return (text: string) => text;
    if (oid === TIMESTAMPTZ_OID) return (text: string) => text.replace(/\+00$/, '');
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PostgresSinkConfig {
  readonly connection: PostgresConnection;
  /** The table upserted into, created when missing (the unique key its primary key). */
  readonly table: string;
  /** Its schema, created when missing; default the connection's search_path (public). */
  readonly schema?: string;
  /** The column or columns that name a row: a row of a key the table holds is updated, others inserted. */
  readonly unique_key: string | readonly string[];
  /** Rows per INSERT … ON CONFLICT statement (default 10,000). */
  readonly batch_size?: number;
}

/**
 * The sink: the model's rows, as dpf streams them from the warehouse, upserted in one transaction
 * (the table holds all of them or, on any failure, what it held before). The connection is the
 * source's block, with the same rules for the password.
 */
export const sink = defineSink<PostgresSinkConfig>({
  name: 'postgres',
  description: 'A model\'s rows upserted into a PostgreSQL table by a unique key, in one transaction',
  config: {
    type: 'object',
    required: ['connection', 'table', 'unique_key'],
    properties: {
      connection: CONNECTION_SCHEMA,
      table: { type: 'string', minLength: 1 },
      schema: { type: 'string', minLength: 1 },
      unique_key: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } }] },
      batch_size: { type: 'integer', minimum: 1 },
    },
  },
  async write(rows, config, ctx) {
    const { client, describe, redact } = connect(config.connection, ctx.env);
    const stop = (): void => void client.end().catch(() => undefined);
    ctx.signal.addEventListener('abort', stop, { once: true });
    try {
      try {
        await client.connect();
        await client.query(`set time zone 'UTC'`);
      } catch (err) {
        throw new Error(redact(`postgres: could not connect to ${describe()}: ${messageOf(err)}`));
      }
      const uniqueKey = typeof config.unique_key === 'string' ? [config.unique_key] : config.unique_key;
      const options = { table: config.table, columns: ctx.model.columns, uniqueKey, ...(config.schema ? { schema: config.schema } : {}), ...(config.batch_size ? { batchRows: config.batch_size } : {}) };
      let result: Awaited<ReturnType<typeof upsertRows>>;
      try {
        result = await upsertRows(client, options, rows);
      } catch (err) {
        throw new Error(redact(`${messageOf(err)} (${describe()})`));
      }
      const table = `${config.schema ? `${config.schema}.` : ''}${config.table}`;
      return { rows: result.rows, location: `postgres ${table} (${result.inserted.toLocaleString('en-US')} inserted, ${result.updated.toLocaleString('en-US')} updated)` };
    } finally {
      ctx.signal.removeEventListener('abort', stop);
      await client.end().catch(() => undefined);
    }
  },
});
