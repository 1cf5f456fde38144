/**
 * DuckDB, embedded: the default warehouse. One database instance per run, a small pool of
 * connections (one per worker thread). Owns DuckDB specifics only; knows nothing of models.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
// Types only: the engine (a large native library) loads in open(), so commands that never
// connect (compile, ls) do not pay for it.
import type { DuckDBInstance, DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import { fail } from '../../errors/dpf-error.js';
import { diskFullError } from '../../errors/disk-full.js';
import type { Relation } from '../relation.js';
import type {
  Adapter,
  AdapterFactory,
  AdapterOpenOptions,
  ColumnDescription,
  Connection,
  Dialect,
  ExecuteResult,
  QueryResult,
  RowBatches,
  RelationInfo,
  RelationStats,
  RelationType,
  StatementStats,
  StreamOptions,
  TargetConfig,
} from '../adapter.js';
import { profilingStatements, takeProfile } from './duckdb-profile.js';
import { ansiDialect, stringLiteral } from '../ansi-dialect.js';
import { rebatch } from '../row-batches.js';
import { ConnectionPool } from '../connection-pool.js';
import { MultipleStatementsError } from '../multiple-statements-error.js';
import { causesOf, isNetworkError } from '../transient-errors.js';

const READERS = { csv: 'read_csv_auto', parquet: 'read_parquet', json: 'read_json_auto' } as const;

export const duckdbDialect: Dialect = {
  ...ansiDialect({
    boolean: 'BOOLEAN',
    integer: 'INTEGER',
    bigint: 'BIGINT',
    double: 'DOUBLE',
    date: 'DATE',
    timestamp: 'TIMESTAMP',
    text: 'VARCHAR',
  }, (text) => `sha256(${text})`),
  renderExternal: (location, format) => `${READERS[format]}(${stringLiteral(location)})`,
  renderCsvRead(path, columns, { delimiter }) {
    const types = columns.map((c) => `${stringLiteral(c.name)}: ${stringLiteral(c.type)}`).join(', ');
    // As the compiler's csv-parse reads it: nothing sniffed, the types are the seed's own;
    // an empty field, quoted or not, is NULL; a UTF-8 BOM and empty lines are skipped.
    return `read_csv(${stringLiteral(path)}, header = true, auto_detect = false, delim = ${stringLiteral(delimiter)}, quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = true, columns = {${types}})`;
  },
};

class DuckDBSession implements Connection {
  /** Inside transaction(): appendRows then joins it instead of opening its own. */
  private inTransaction = false;

  constructor(
    readonly conn: DuckDBConnection,
    private readonly dialect: Dialect,
    /** Where DuckDB's profiler writes this connection's last statement (duckdb-profile.ts); absent: stats are off. */
    private readonly profileFile?: string,
  ) {}

  private statsOf(sql: string): StatementStats | undefined {
    return this.profileFile ? takeProfile(this.profileFile, sql) : undefined;
  }

  /**
   * Every statement goes through here: DuckDB failing to write its file or write-ahead log (a
   * full disk) becomes DPF607. The commit failed, so the relation keeps its old rows.
   */
  private async engine<R>(call: (conn: DuckDBConnection) => Promise<R>): Promise<R> {
    try {
      return await call(this.conn);
    } catch (err) {
      throw diskFullError(err) ?? err;
    }
  }

  async execute(sql: string): Promise<ExecuteResult> {
    const result = await this.runOne(sql);
    const stats = this.statsOf(sql);
    const withStats = stats ? { stats } : {};
    const changed = Number(result.rowsChanged);
    if (changed > 0) return { rowsAffected: changed, ...withStats };
    // CREATE TABLE ... AS reports the rows it wrote as a one-row "Count" result.
    if (result.columnCount === 1 && result.columnName(0) === 'Count') {
      const value = (await result.fetchChunk())?.getRows()[0]?.[0];
      if (value !== undefined && value !== null) return { rowsAffected: Number(value), ...withStats };
    }
    return withStats;
  }

  async query(sql: string, options: { limit?: number } = {}): Promise<QueryResult> {
    const prepared = await this.prepareOne(sql);
    try {
      const reader = options.limit !== undefined ? await this.engine(() => prepared.runAndReadUntil(options.limit!)) : await this.engine(() => prepared.runAndReadAll());
      const names = reader.columnNames();
      const types = reader.columnTypes().map(String);
      const rows = reader.getRowsJson() as unknown[][];
      const stats = this.statsOf(sql);
      return {
        columns: names.map((name, i) => ({ name, type: types[i]! })),
        rows: options.limit !== undefined ? rows.slice(0, options.limit) : rows,
        ...(stats ? { stats } : {}),
      };
    } finally {
      prepared.destroySync();
    }
  }

  queryStream(sql: string, options: StreamOptions = {}): AsyncIterable<QueryResult> {
    return rebatch(this.streamChunks(sql, options.signal), options.batchRows, options.signal);
  }

  /**
   * DuckDB's streaming result: the engine computes chunks as they are fetched, so memory holds
   * one. Returning early destroys the statement, and the connection's next statement closes the
   * unread rest of the result.
   */
  private async *streamChunks(sql: string, signal?: AbortSignal): AsyncGenerator<QueryResult> {
    const prepared = await this.prepareOne(sql);
    // An abort interrupts the engine only while it computes for this stream: an interrupt on an
    // idle connection would hit its next statement. Between reads, rebatch checks the signal.
    let computing = false;
    const interrupt = () => computing && this.conn.interrupt();
    signal?.addEventListener('abort', interrupt);
    const engine = async <R>(call: () => Promise<R>): Promise<R> => {
      computing = true;
      try {
        return await this.engine(call);
      } finally {
        computing = false;
      }
    };
    try {
      const result = await engine(() => prepared.stream());
      const names = result.columnNames();
      const types = result.columnTypes().map(String);
      const columns = names.map((name, i) => ({ name, type: types[i]! }));
      const { JsonDuckDBValueConverter } = await import('@duckdb/node-api');
      yield { columns, rows: [] };
      for (;;) {
        const chunk = await engine(() => result.fetchChunk());
        if (!chunk || chunk.rowCount === 0) break;
        yield { columns, rows: chunk.convertRows(JsonDuckDBValueConverter) as unknown[][] };
      }
    } finally {
      signal?.removeEventListener('abort', interrupt);
      prepared.destroySync();
    }
  }

  /**
   * In one transaction of its own (or the caller's, inside transaction()), so that a failure
   * part-way keeps none of the rows; see Connection.appendRows.
   */
  async appendRows(relation: Relation, columns: readonly ColumnDescription[], rows: RowBatches): Promise<ExecuteResult> {
    const name = this.dialect.renderRelation(relation);
    const order = await this.columnOrder(relation, columns, name);
    const { appendInChunks } = await import('./duckdb-append.js');
    const append = async () => {
      const appender = await this.engine((c) => c.createAppender(relation.identifier, relation.schema, relation.database ?? null));
      let appended: number;
      try {
        appended = await appendInChunks(appender, columns, order, rows, name);
      } catch (err) {
        // Rows the appender still buffers must not reach the table when it is closed.
        appender.clear();
        appender.closeSync();
        throw err;
      }
      await this.engine(async () => appender.closeSync());
      return { rowsAffected: appended };
    };
    return this.inTransaction ? append() : this.transaction(append);
  }

  /** For each of the table's columns, the position of its values in the rows given. */
  private async columnOrder(relation: Relation, columns: readonly ColumnDescription[], name: string): Promise<number[]> {
    const table = await this.getColumns(relation);
    const given = new Map(columns.map((c, i) => [c.name.toLowerCase(), i]));
    const order = table.map((c) => given.get(c.name.toLowerCase()));
    if (table.length === 0 || order.some((i) => i === undefined) || columns.length !== table.length) {
      throw new Error(
        `appendRows into ${name}: the columns given (${columns.map((c) => c.name).join(', ')}) must be the table's (${table.map((c) => c.name).join(', ') || 'no such table'})`,
      );
    }
    return order as number[];
  }

  private async runOne(sql: string) {
    const prepared = await this.prepareOne(sql);
    try {
      return await this.engine(() => prepared.run());
    } finally {
      prepared.destroySync();
    }
  }

  /**
   * DuckDB's prepare takes exactly one statement (a trailing semicolon and comments are
   * fine), where its query call would run a whole script: a value rendered into a model
   * must not be able to add a statement of its own.
   */
  private async prepareOne(sql: string): Promise<DuckDBPreparedStatement> {
    try {
      return await this.conn.prepare(sql);
    } catch (err) {
      // Decided by DuckDB's own parser rather than by matching its message.
      const count = await this.conn.extractStatements(sql).then(
        (extracted) => extracted.count,
        () => 1,
      );
      if (count > 1) throw new MultipleStatementsError('DuckDB', sql);
      throw err;
    }
  }

  async listRelations(schema: string, database?: string): Promise<RelationInfo[]> {
    const catalog = database ? stringLiteral(database) : 'current_database()';
    const result = await this.query(
      `select table_name, table_type from information_schema.tables where table_catalog = ${catalog} and table_schema = ${stringLiteral(schema)}`,
    );
    return result.rows.map(([name, type]) => ({
      database,
      schema,
      identifier: String(name),
      type: String(type).toUpperCase() === 'VIEW' ? 'view' : 'table',
    }));
  }

  async getColumns(relation: Relation): Promise<ColumnDescription[]> {
    const catalog = relation.database ? stringLiteral(relation.database) : 'current_database()';
    const result = await this.query(
      `select column_name, data_type from information_schema.columns where table_catalog = ${catalog} and table_schema = ${stringLiteral(relation.schema)} and table_name = ${stringLiteral(relation.identifier)} order by ordinal_position`,
    );
    return result.rows.map(([name, type]) => ({ name: String(name), type: String(type) }));
  }

  async relationStats(relation: Relation, type: RelationType): Promise<RelationStats> {
    // Counting a view runs its whole query: views get no figures.
    if (type === 'view') return {};
    const counted = await this.query(`select count(*) from ${this.dialect.renderRelation(relation)}`);
    const rowCount = Number(counted.rows[0]?.[0]);
    return { rowCount, sizeBytes: await this.relationSize(relation) };
  }

  async relationSize(relation: Relation): Promise<number | undefined> {
    // DuckDB has no per-table byte count: count the storage blocks the table's segments use in
    // the database file, times the block size (blocks shared by small tables: an upper bound).
    // A table not written to the file yet (small tables wait in the log until the checkpoint at
    // close) has none: its size is unknown. Per-table metadata only; never a scan of the catalog.
    const name = stringLiteral(this.dialect.renderRelation(relation));
    const sized = await this.query(
      `select count(distinct block_id) * (select any_value(block_size) from pragma_database_size()) from pragma_storage_info(${name}) where persistent and block_id >= 0`,
    );
    const size = Number(sized.rows[0]?.[0]);
    return Number.isFinite(size) && size > 0 ? size : undefined;
  }

  async dataVersion(relation: Relation): Promise<string | undefined> {
    // DuckDB keeps no version per table: an order-independent sum of row hashes (duplicates
    // add up instead of cancelling) with the row count changes with any insert, update or delete.
    const row = this.dialect.quoteIdentifier('__dpf_row');
    const result = await this.query(`select count(*), coalesce(sum(hash(${row})::hugeint), 0) from ${this.dialect.renderRelation(relation)} as ${row}`);
    const [count, sum] = result.rows[0] ?? [];
    return `rows=${String(count)} hash=${String(sum)}`;
  }

  async createSchema(schema: string, database?: string): Promise<void> {
    const name = database ? `${this.dialect.quoteIdentifier(database)}.${this.dialect.quoteIdentifier(schema)}` : this.dialect.quoteIdentifier(schema);
    await this.runOne(`create schema if not exists ${name}`);
  }

  async dropSchema(schema: string, database?: string): Promise<void> {
    const name = database ? `${this.dialect.quoteIdentifier(database)}.${this.dialect.quoteIdentifier(schema)}` : this.dialect.quoteIdentifier(schema);
    await this.runOne(`drop schema if exists ${name} cascade`);
  }

  async dropRelation(relation: Relation, type: RelationType): Promise<void> {
    await this.runOne(`drop ${type} if exists ${this.dialect.renderRelation(relation)}`);
  }

  async renameRelation(from: Relation, toIdentifier: string, type: RelationType): Promise<void> {
    await this.runOne(`alter ${type} ${this.dialect.renderRelation(from)} rename to ${this.dialect.quoteIdentifier(toIdentifier)}`);
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.runOne('begin transaction');
    this.inTransaction = true;
    try {
      const value = await fn();
      await this.runOne('commit');
      return value;
    } catch (err) {
      await this.runOne('rollback').catch(() => undefined);
      throw err;
    } finally {
      this.inTransaction = false;
    }
  }
}

export class DuckDBAdapter implements Adapter {
  readonly name = 'duckdb';
  readonly engine = 'DuckDB';
  readonly dialect = duckdbDialect;
  readonly capabilities = { supportsTransactionalDdl: true, supportsTransactions: true, supportsGrants: false, supportsAtomicReplace: true, writesFiles: true, maxConnections: 64 };
  private instance?: DuckDBInstance;
  private pool?: ConnectionPool<DuckDBSession>;
  /** The folder of the connections' profiler files, while open with engine stats on. */
  private profiles?: string;
  private readonly path: string;

  constructor(
    private readonly target: TargetConfig,
    projectDir: string,
    private readonly options: AdapterOpenOptions = {},
  ) {
    this.path = databasePath(target, projectDir);
  }

  async open(): Promise<void> {
    if (this.instance) return;
    const readOnly = this.options.readOnly === true;
    if (this.path !== ':memory:' && !readOnly) mkdirSync(dirname(this.path), { recursive: true });
    const settings = Object.fromEntries(
      Object.entries((this.target.settings.settings as Record<string, unknown>) ?? {}).map(([k, v]) => [k, String(v)]),
    );
    // Set last, so that no `settings:` of the profile can turn it off.
    if (readOnly) settings.access_mode = 'READ_ONLY';
    if (readOnly && this.path !== ':memory:' && !existsSync(this.path)) fail('WarehouseNotBuilt', { engine: this.engine, detail: `${this.path} does not exist.` });
    const { DuckDBInstance } = await import('@duckdb/node-api');
    try {
      this.instance = await DuckDBInstance.create(this.path, settings);
    } catch (err) {
      fail('ConnectionFailed', { adapter: 'DuckDB', detail: (err as Error).message.split('\n')[0]! });
    }
    const instance = this.instance;
    // Engine stats (docs/cost.md), unless the target says `engine_stats: false`: each connection's
    // profiler writes its last statement's figures to a file of its own in a folder of this run's.
    const profiles = this.target.settings.engine_stats === false || readOnly ? undefined : mkdtempSync(join(tmpdir(), 'dpf-duckdb-stats-'));
    this.profiles = profiles;
    let connections = 0;
    this.pool = new ConnectionPool(async () => {
      const conn = await instance.connect();
      if (!profiles) return new DuckDBSession(conn, this.dialect);
      const file = join(profiles, `${connections++}.json`);
      try {
        for (const sql of profilingStatements(file)) await conn.run(sql);
      } catch (err) {
        conn.closeSync();
        throw err;
      }
      return new DuckDBSession(conn, this.dialect, file);
    });
    const extensions = (this.target.settings.extensions as string[] | undefined) ?? [];
    if (extensions.length > 0) {
      // Failing here (an extension not installed, offline) leaves nothing open: not the file, not the stats folder.
      try {
        await this.withConnection(async (c) => {
          for (const ext of extensions) await c.execute(`load ${this.dialect.quoteIdentifier(ext)}`);
        });
      } catch (err) {
        await this.close();
        throw err;
      }
    }
  }

  async close(): Promise<void> {
    this.pool?.drain((s) => s.conn.closeSync());
    this.instance?.closeSync();
    this.instance = undefined;
    this.pool = undefined;
    if (this.profiles) rmSync(this.profiles, { recursive: true, force: true });
    this.profiles = undefined;
  }

  async cancel(): Promise<void> {
    // Only connections running a statement: an interrupt on an idle one would hit its next statement.
    for (const session of this.pool?.busy() ?? []) session.conn.interrupt();
  }

  withConnection<T>(fn: (connection: Connection) => Promise<T>): Promise<T> {
    if (!this.pool) throw new Error('DuckDBAdapter used before open()');
    return this.pool.use(fn);
  }

  describe(): Record<string, string> {
    return { type: 'duckdb', path: this.path, schema: this.target.schema };
  }

  /** Another process holds the file, or two writers touched the same table at once. */
  isTransient(err: unknown): boolean {
    return isNetworkError(err) || causesOf(err).some((e) => e instanceof Error && DUCKDB_TRANSIENT.test(e.message));
  }
}

/** DuckDB's lock and write-write conflict messages. */
const DUCKDB_TRANSIENT = /Could not set lock|Conflict on|write-write conflict/i;

/** The database file a DuckDB target writes (its `path`, relative to the project), or :memory:. */
export function databasePath(target: TargetConfig, projectDir: string): string {
  const configured = String(target.settings.path ?? 'target/dev.duckdb');
  return configured === ':memory:' || isAbsolute(configured) ? configured : resolve(projectDir, configured);
}

/** The database file and its write-ahead log, as stat sees them: any write changes one of them. */
function fileStamp(target: TargetConfig, projectDir: string, options: { writtenBefore?: number } = {}): string | undefined {
  const path = databasePath(target, projectDir);
  if (path === ':memory:') return undefined;
  const stats = [path, `${path}.wal`].map((file) => statSync(file, { bigint: true, throwIfNoEntry: false }));
  if (!stats[0]) return undefined;
  if (options.writtenBefore !== undefined && stats.some((s) => s && Number(s.mtimeMs) > options.writtenBefore!)) return undefined;
  return stats.map((s) => (s ? `${s.ino}:${s.size}:${s.mtimeNs}` : '-')).join('|');
}

export const duckdbAdapterFactory: AdapterFactory = {
  dialect: () => duckdbDialect,
  create: (target, projectDir, options) => new DuckDBAdapter(target, projectDir, options),
  warehouseStamp: fileStamp,
};
