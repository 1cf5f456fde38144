/**
 * Trino, over its HTTP protocol with trino-client: one Trino client per pooled connection (a
 * client carries the session: catalog, schema, session properties), one statement per request,
 * every result drained. Tables are Iceberg (or any connector that can create, rename and drop
 * tables); Trino has no multi-statement transactions there, so the capabilities say so and the
 * runner swaps tables by rename and keeps each change to one statement where it can.
 */
// Types only: trino-client (with axios) loads in open(), so DuckDB users never pay for it.
import type { ConnectionOptions, Trino } from 'trino-client';
import { DpfError, diagnostic, fail } from '../../errors/dpf-error.js';
import type { Relation } from '../relation.js';
import type {
  Adapter,
  AdapterFactory,
  ColumnDescription,
  Connection,
  AppendOptions,
  ExecuteResult,
  QueryResult,
  RelationInfo,
  RelationStats,
  RelationType,
  RowBatches,
  StreamOptions,
  TargetConfig,
} from '../adapter.js';
import { rebatch } from '../row-batches.js';
import { stringLiteral } from '../ansi-dialect.js';
import { ConnectionPool } from '../connection-pool.js';
import { trinoDialect } from './trino-dialect.js';
import { causesOf, isNetworkError, isRetryableStatus } from '../transient-errors.js';
import type { StatementResult } from './trino-statement.js';

/** Trino stores every name in lower case, quoted or not: information_schema has them so. */
const folded = (name: string) => stringLiteral(name.toLowerCase());

const isTrinoError = (err: unknown): err is Error => err instanceof Error && err.name === 'TrinoQueryError';
const isHttpError = (err: unknown): err is Error & { status?: number } => err instanceof Error && err.name === 'TrinoHttpError';
/** Trino's error names for failures of the moment rather than of the statement. */
const TRINO_TRANSIENT = new Set([
  'QUERY_QUEUE_FULL',
  'REMOTE_TASK_ERROR',
  'REMOTE_TASK_MISMATCH',
  'REMOTE_HOST_GONE',
  'PAGE_TRANSPORT_ERROR',
  'PAGE_TRANSPORT_TIMEOUT',
  'SERVER_STARTING_UP',
  'SERVER_SHUTTING_DOWN',
  'NO_NODES_AVAILABLE',
  'TOO_MANY_REQUESTS_FAILED',
  'ICEBERG_COMMIT_ERROR',
]);

const dialect = trinoDialect;
const q = dialect.quoteIdentifier;

/** Runs one statement on this session's client (see trino-statement.ts). */
type RunOnSession = (sql: string, limit?: number) => Promise<StatementResult>;
/** Runs one statement and yields its pages as the server sends them. */
type StreamOnSession = (sql: string, signal?: AbortSignal) => AsyncIterable<StatementResult>;

class TrinoSession implements Connection {
  constructor(
    private readonly run: RunOnSession,
    private readonly stream: StreamOnSession,
    private readonly catalog: string,
    /** Where new schemas store their tables, for catalogs without a default (`schema_location_root`). */
    private readonly locationRoot?: string,
    /** Report the server's query stats (the target's `engine_stats`, default on). */
    private readonly statsOn = true,
  ) {}

  async execute(sql: string): Promise<ExecuteResult> {
    const result = await this.run(sql);
    const stats = this.statsOn ? result.stats : undefined;
    return { ...(result.updateCount === undefined ? {} : { rowsAffected: result.updateCount }), ...(stats ? { stats } : {}) };
  }

  async query(sql: string, options: { limit?: number } = {}): Promise<QueryResult> {
    const result = await this.run(sql, options.limit);
    const stats = this.statsOn ? result.stats : undefined;
    return { columns: result.columns, rows: result.rows, ...(stats ? { stats } : {}) };
  }

  queryStream(sql: string, options: StreamOptions = {}): AsyncIterable<QueryResult> {
    return rebatch(this.stream(sql, options.signal), options.batchRows, options.signal);
  }

  /** Batched multi-row INSERTs, each its own commit: see Connection.appendRows on atomicity. */
  async appendRows(relation: Relation, columns: readonly ColumnDescription[], rows: RowBatches, options: AppendOptions = {}): Promise<ExecuteResult> {
    const { appendAsInserts, DEFAULT_INSERT_ROWS } = await import('./trino-append.js');
    const appended = await appendAsInserts(relation, columns, rows, options.batchRows ?? DEFAULT_INSERT_ROWS, (sql) => this.run(sql));
    return { rowsAffected: appended };
  }

  private informationSchema(database: string | undefined, view: 'tables' | 'columns'): string {
    return `${q(database ?? this.catalog)}.${q('information_schema')}.${q(view)}`;
  }

  async listRelations(schema: string, database?: string): Promise<RelationInfo[]> {
    const result = await this.query(
      `select table_name, table_type from ${this.informationSchema(database, 'tables')} where table_schema = ${folded(schema)}`,
    );
    return result.rows.map(([name, type]) => ({
      database: database ?? this.catalog,
      schema,
      identifier: String(name),
      type: String(type).toUpperCase() === 'VIEW' ? 'view' : 'table',
    }));
  }

  async getColumns(relation: Relation): Promise<ColumnDescription[]> {
    const result = await this.query(
      `select column_name, data_type from ${this.informationSchema(relation.database, 'columns')} where table_schema = ${folded(relation.schema)} and table_name = ${folded(relation.identifier)} order by ordinal_position`,
    );
    return result.rows.map(([name, type]) => ({ name: String(name), type: String(type) }));
  }

  async relationStats(relation: Relation, type: RelationType): Promise<RelationStats> {
    // Counting a view runs its whole query (on a cluster, perhaps for minutes): views get no figures.
    if (type === 'view') return {};
    const counted = await this.query(`select count(*) from ${dialect.renderRelation(relation)}`);
    const rowCount = Number(counted.rows[0]?.[0]);
    const sizeBytes = await this.relationSize(relation);
    return sizeBytes === undefined ? { rowCount } : { rowCount, sizeBytes };
  }

  async relationSize(relation: Relation): Promise<number | undefined> {
    // Iceberg lists its data files in the "<table>$files" metadata table; other connectors may not.
    const files = dialect.renderRelation({ ...relation, identifier: `${relation.identifier}$files` });
    try {
      const sized = await this.query(`select sum(file_size_in_bytes) from ${files}`);
      const size = Number(sized.rows[0]?.[0]);
      return Number.isFinite(size) ? size : undefined;
    } catch (err) {
      if (isTrinoError(err)) return undefined;
      throw err;
    }
  }

  async dataVersion(relation: Relation): Promise<string | undefined> {
    // Iceberg commits every change as a snapshot; other connectors have no version to read.
    const snapshots = dialect.renderRelation({ ...relation, identifier: `${relation.identifier}$snapshots` });
    try {
      const result = await this.query(`select cast(snapshot_id as varchar) from ${snapshots} order by committed_at desc limit 1`);
      const id = result.rows[0]?.[0];
      return id === undefined || id === null ? 'snapshot=none' : `snapshot=${String(id)}`;
    } catch (err) {
      if (isTrinoError(err)) return undefined;
      throw err;
    }
  }

  private schemaName(schema: string, database?: string): string {
    return `${q(database ?? this.catalog)}.${q(schema)}`;
  }

  async createSchema(schema: string, database?: string): Promise<void> {
    const location = this.locationRoot ? ` with (location = ${stringLiteral(`${this.locationRoot.replace(/\/+$/, '')}/${schema}`)})` : '';
    await this.execute(`create schema if not exists ${this.schemaName(schema, database)}${location}`);
  }

  async dropSchema(schema: string, database?: string): Promise<void> {
    await this.execute(`drop schema if exists ${this.schemaName(schema, database)} cascade`);
  }

  async dropRelation(relation: Relation, type: RelationType): Promise<void> {
    await this.execute(`drop ${type} if exists ${dialect.renderRelation(relation)}`);
  }

  async renameRelation(from: Relation, toIdentifier: string, type: RelationType): Promise<void> {
    // An unqualified new name would land in the session's schema, not the table's.
    const to = dialect.renderRelation({ ...from, identifier: toIdentifier });
    await this.execute(`alter ${type} ${dialect.renderRelation(from)} rename to ${to}`);
  }

  /** No multi-statement transactions on Trino's lakehouse connectors: fn runs as it is. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }
}

export class TrinoAdapter implements Adapter {
  readonly name = 'trino';
  readonly engine = 'Trino';
  readonly dialect = dialect;
  readonly capabilities = {
    supportsTransactionalDdl: false,
    supportsTransactions: false,
    supportsGrants: true,
   
    supportsAtomicReplace: false,
    maxConnections: 16,
  };
  private pool?: ConnectionPool<TrinoSession>;
  private onSignal?: (signal: NodeJS.Signals) => void;
  private inFlight?: { cancelAll(): Promise<unknown> };
  private readonly server: string;
  private readonly catalog: string;

  constructor(private readonly target: TargetConfig) {
    const s = target.settings;
    const scheme = String(s.http_scheme ?? (s.password !== undefined ? 'https' : 'http'));
    this.server = `${scheme}://${String(s.host ?? 'localhost')}:${Number(s.port ?? 8080)}`;
    this.catalog = target.database ?? 'iceberg';
  }

  async open(): Promise<void> {
    if (this.pool) return;
    const [{ Trino, BasicAuth }, { runStatement, streamStatement, parseTrinoJson, InFlightQueries }] = await Promise.all([import('trino-client'), import('./trino-statement.js')]);
    const options = this.clientOptions(BasicAuth);
    const locationRoot = this.target.settings.schema_location_root as string | undefined;
    const inFlight = new InFlightQueries();
    this.inFlight = inFlight;
    this.pool = new ConnectionPool(async () => {
      const client = losslessClient(Trino.create(options), parseTrinoJson);
      // Trino's own errors are about the SQL; an HTTP failure is about reaching the server.
      const run = (sql: string, limit?: number) => runStatement(client, sql, limit, inFlight).catch((err: unknown) => this.failConnection(err));
      const stream = async function* (this: TrinoAdapter, sql: string, signal?: AbortSignal) {
        try {
          yield* streamStatement(client, sql, inFlight, signal);
        } catch (err) {
          this.failConnection(err);
        }
      }.bind(this);
      return new TrinoSession(run, stream, this.catalog, locationRoot, this.target.settings.engine_stats !== false);
    });
    // Ctrl-C or a kill: statements already sent run on in the server unless cancelled there.
    this.onSignal = (signal) => void inFlight.cancelAll().finally(() => process.kill(process.pid, signal));
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    // Fail here, with the server's address, rather than in the middle of the first model.
    try {
      await this.withConnection((c) => c.query('select 1'));
    } catch (err) {
      await this.close();
      if (isTrinoError(err)) fail('ConnectionFailed', { adapter: 'Trino', detail: err.message });
      throw err;
    }
  }

  /** Rethrows an HTTP failure as DPF305 with the server's address and answer; other errors as they are. */
  private failConnection(err: unknown): never {
    if (!isHttpError(err)) throw err;
    const detail =
      err.status !== undefined
        ? `${this.server} answered ${err.message}${err.status === 401 ? ' (check user and password)' : ''}`
        : `${this.server} did not answer (${err.message})`;
    // The HTTP error stays its cause: isTransient reads its status.
    throw Object.assign(new DpfError([diagnostic('ConnectionFailed', { adapter: 'Trino', detail })]), { cause: err });
  }

  private clientOptions(BasicAuth: typeof import('trino-client').BasicAuth): ConnectionOptions {
    const s = this.target.settings;
    const user = String(s.user ?? 'dpf');
    return {
      server: this.server,
      source: 'dpf',
      catalog: this.catalog,
      schema: this.target.schema,
      auth: new BasicAuth(user, s.password === undefined ? undefined : String(s.password)),
      session: stringRecord(s.session_properties),
      // Without this capability Trino rounds every timestamp to milliseconds for the client.
      extraHeaders: { 'X-Trino-Client-Capabilities': 'PARAMETRIC_DATETIME', ...stringRecord(s.http_headers) },
      ssl: s.verify === false ? { rejectUnauthorized: false } : undefined,
    };
  }

  async close(): Promise<void> {
    this.pool?.drain(() => undefined);
    this.pool = undefined;
    if (this.onSignal) {
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
      this.onSignal = undefined;
    }
  }

  async cancel(): Promise<void> {
    await this.inFlight?.cancelAll();
  }

  withConnection<T>(fn: (connection: Connection) => Promise<T>): Promise<T> {
    if (!this.pool) throw new Error('TrinoAdapter used before open()');
    return this.pool.use(fn);
  }

  describe(): Record<string, string> {
    return { type: 'trino', server: this.server, catalog: this.catalog, schema: this.target.schema };
  }

  /** A busy or restarting cluster, a worker lost mid-query, a concurrent Iceberg commit, or a server that did not answer. */
  isTransient(err: unknown): boolean {
    if (isNetworkError(err)) return true;
    return causesOf(err).some((e) => {
      if (isTrinoError(e)) return TRINO_TRANSIENT.has((e as Error & { errorName?: string }).errorName ?? '');
      return isHttpError(e) && (e.status === undefined || isRetryableStatus(e.status));
    });
  }

  /**
   * Active workers in system.runtime.nodes: the nodes other than the coordinator, or 1 when the
   * coordinator is the only active node (a single-node Trino schedules its work on itself).
   */
  async activeWorkers(): Promise<number | undefined> {
    if (this.target.settings.engine_stats === false) return undefined;
    const result = await this.withConnection((c) =>
      c.query(`select count(*) filter (where not coordinator), count(*) from ${q('system')}.${q('runtime')}.${q('nodes')} where state = 'active'`),
    );
    const [workers, nodes] = (result.rows[0] ?? []).map(Number);
    if (workers === undefined || !Number.isFinite(workers)) return undefined;
    return workers > 0 ? workers : nodes! > 0 ? 1 : 0;
  }
}

function stringRecord(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

/**
 * trino-client parses responses with JSON.parse, which rounds BIGINTs beyond 2^53. Its axios
 * configuration is not an option of the public API, so the parser is swapped on the client's
 * request configuration (checked here, so an upgrade that moves it fails loudly, not silently).
 */
function losslessClient(trino: Trino, parseTrinoJson: (text: unknown) => unknown): Trino {
  const internals = trino as unknown as { client?: { clientConfig?: Record<string, unknown> } };
  const config = internals.client?.clientConfig;
  if (!config) throw new Error('trino-client changed: cannot install the lossless JSON parser (pin trino-client to 0.2.9)');
  config.responseType = 'text';
  config.transformResponse = [parseTrinoJson];
  return trino;
}

export const trinoAdapterFactory: AdapterFactory = {
  dialect: () => dialect,
  create: (target) => new TrinoAdapter(target),
};
