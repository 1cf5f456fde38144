/**
 * The Adapter interface: everything the compiler and runner may ask of a warehouse. Adapters
 * know nothing of model kinds (table, view, ...) and the rest of the tree never asks which
 * engine it drives; engine differences are expressed as `capabilities`, the `dialect`, and
 * SQL templates under templates/<adapter>/.
 */
import type { Relation } from './relation.js';

export type RelationType = 'table' | 'view';

export interface RelationInfo extends Relation {
  readonly type: RelationType;
}

export interface ColumnDescription {
  readonly name: string;
  readonly type: string;
}

export interface QueryResult {
  readonly columns: ColumnDescription[];
  /** Values converted to JSON-safe types (big integers and decimals as strings). */
  readonly rows: unknown[][];
  /** What the engine measured running the statement (query/execute only, not queryStream batches). */
  readonly stats?: StatementStats;
}

/**
 * What the engine measured for one statement (docs/cost.md). Every field is optional: an engine
 * reports what it can, and a field it cannot measure stays absent rather than zero.
 */
export interface StatementStats {
  /** The engine's id of the statement (Trino's query id), to find it in the engine's own UI and logs. */
  readonly queryId?: string;
  /** CPU time summed over every thread and worker, in milliseconds. */
  readonly cpuMs?: number;
  /** Wall-clock time the engine spent on it, in milliseconds. */
  readonly wallMs?: number;
  /**
   * Peak memory in bytes. Trino: the statement's own peak. DuckDB: the database's peak buffer
   * memory up to the statement's end (a high-water mark since the warehouse was opened).
   */
  readonly peakMemoryBytes?: number;
  /** Rows read by the statement's table scans. */
  readonly rowsScanned?: number;
  /** Bytes read from storage (Trino: physical input bytes; DuckDB: bytes read from the database file). */
  readonly bytesScanned?: number;
  /** Bytes written to storage (DuckDB: to the database file and its log; Trino: physical written bytes, where the server reports them). */
  readonly bytesWritten?: number;
}

/** Facts about a relation read from the warehouse for the catalog; absent when the engine cannot tell. */
export interface RelationStats {
  readonly rowCount?: number;
  readonly sizeBytes?: number;
}

export interface ExecuteResult {
  /** Rows inserted, updated, deleted or written by CREATE TABLE AS, when the engine reports it. */
  readonly rowsAffected?: number;
  /** What the engine measured running the statement; absent where it cannot tell, or stats are off. */
  readonly stats?: StatementStats;
}

/** Logical type names used by seeds and the dialect's type mapping. */
export type LogicalType = 'boolean' | 'integer' | 'bigint' | 'double' | 'date' | 'timestamp' | 'text';

/** How a column of personal data is masked (classifications.yml's `masking`, less `none`). */
export type MaskMethod = 'hash' | 'redact' | 'null' | 'partial';

export interface Dialect {
  quoteIdentifier(name: string): string;
  /** Renders a relation as the engine expects it in SQL, fully quoted. */
  renderRelation(relation: Relation): string;
  /**
   * A SQL string literal holding exactly `value` (the `literal` template helper): whatever
   * quotes, backslashes or semicolons it contains stay inside the literal.
   */
  stringLiteral(value: string): string;
  /** Renders a JS value as a SQL literal of the given logical type. */
  literal(value: string | number | boolean | null, type: LogicalType): string;
  /** The engine's name for a logical type. */
  typeName(type: LogicalType): string;
  /**
   * The engine's spelling of a type name a user wrote, perhaps for another engine (seed
   * column_types: HUGEINT, TEXT, TIMESTAMPTZ ...); names the engine knows pass through.
   */
  normalizeType?(typeName: string): string;
  /** SQL reading files in place (a path or glob), where the engine can; used for file sources. */
  renderExternal?(location: string, format: 'csv' | 'parquet' | 'json'): string;
  /**
   * SQL reading a seed's CSV file (header row, `"` quotes doubled inside quoted fields, empty
   * fields as NULL) as exactly these columns and types, where the engine reads files itself.
   * A seed is then loaded in one statement; without it, in batches of INSERTs.
   */
  renderCsvRead?(path: string, columns: readonly ColumnDescription[], options: { readonly delimiter: string }): string;
  /**
   * SQL for a column's value masked (masking: true targets). Text keeps its type, and NULL stays
   * NULL; a column of another type (a number, a date) cannot hold a hash or '***' and is nulled
   * with its type kept. An unknown type is taken for text.
   */
  maskExpression(method: MaskMethod, column: string, type?: string): string;
}

export interface AdapterCapabilities {
  /** DDL (create, drop, rename) may run inside a transaction and be rolled back. */
  readonly supportsTransactionalDdl: boolean;
  /**
   * Several statements (DML and DDL) commit or roll back together in `transaction`. Without it,
   * `transaction` runs its statements one by one, and strategies keep each change to a
   * single statement (MERGE) or make the sequence safe to repeat.
   */
  readonly supportsTransactions: boolean;
  /** GRANT privileges on relations to users and roles (models' `grants` config). */
  readonly supportsGrants: boolean;
  /**
   * `create or replace table ... as` replaces a table in one atomic step: if the query fails
   * or the process dies, the old table stays. Then no temporary table and swap are needed.
   */
  readonly supportsAtomicReplace: boolean;
  /** The engine writes query results to local files itself (`copy_to_files`: DuckDB's COPY … TO). */
  readonly writesFiles?: boolean;
  /** How many statements may run at once; the runner caps --threads to it. */
  readonly maxConnections: number;
}

/**
 * Rows for appendRows, in batches: each row holds one value per column, in the order of the
 * columns given. A value is null or undefined (NULL), a JS value of the column's type (number,
 * bigint, boolean, string, Date), or its text as a CSV holds it ('42', '2024-01-31',
 * '2024-01-31 10:00:00.123456'), read as the column's type.
 */
export type RowBatches = AsyncIterable<readonly (readonly unknown[])[]> | Iterable<readonly (readonly unknown[])[]>;

export interface AppendOptions {
  /**
   * Rows per request where the engine takes rows as SQL (Trino: rows per INSERT statement,
   * fewer when the statement would grow past what the server accepts). DuckDB's appender
   * ignores it: it writes data chunks of the engine's own vector size.
   */
  readonly batchRows?: number;
}

/** One statement per call, through the engine's single-statement path, as every other method. */
export interface StreamOptions {
  /** At most this many rows per batch (default 2048); only the last batch may hold fewer. */
  readonly batchRows?: number;
  /**
   * Stops the stream: the statement is cancelled (DuckDB interrupts it; on Trino it is
   * cancelled on the server), and the loop's next read throws the signal's reason (an
   * AbortError unless the caller gave another), as fetch does. The connection stays usable.
   */
  readonly signal?: AbortSignal;
}

/** One session with the warehouse; statements on one connection run one at a time. */
export interface Connection {
  execute(sql: string): Promise<ExecuteResult>;
  query(sql: string, options?: { limit?: number }): Promise<QueryResult>;
  /**
   * The rows of one query, read batch by batch so that memory holds one batch, not the result
   * (a preview, a sink writing elsewhere, a 10-million-row export). Every batch carries the
   * columns; an empty result yields one batch of no rows. Refuses a text of several
   * statements as `query` does (DPF608), on the first read. Stopping early (`break`, a throw
   * in the loop) releases the statement at once, and on a server cancels it there; the
   * connection is free for the next statement. The connection is busy until the loop ends:
   * run nothing else on it meanwhile.
   */
  queryStream(sql: string, options?: StreamOptions): AsyncIterable<QueryResult>;
  /**
   * Appends rows to an existing table through the engine's bulk path (DuckDB's appender, in
   * data chunks; batched multi-row INSERTs on Trino). `columns` name every column of the table,
   * in the order of the values in each row, with their engine types (as getColumns returns
   * them); the values are read as those types, and one that does not fit is DPF609.
   *
   * It takes the batches rather than handing out an appender object, because the rows come
   * from something that paces itself (an HTTP extract under a throughput limit, a stream being
   * copied): pulling the next batch only when the last is written is backpressure for free,
   * memory holds one batch, and the engine's writer is always closed, on success or failure,
   * here in one place rather than by every caller.
   *
   * Not atomic across engines: if the batches or the engine fail part-way, DuckDB keeps none
   * of the rows (unless inside `transaction`, whose rollback decides), but Trino keeps the
   * statements already sent. Callers that need all-or-nothing append into a staging table and
   * swap it in, as seeds do.
   */
  appendRows(relation: Relation, columns: readonly ColumnDescription[], rows: RowBatches, options?: AppendOptions): Promise<ExecuteResult>;
  listRelations(schema: string, database?: string): Promise<RelationInfo[]>;
  getColumns(relation: Relation): Promise<ColumnDescription[]>;
  /** Row count and storage size of a table, for the catalog; nothing for a view (counting one runs it). */
  relationStats(relation: Relation, type: RelationType): Promise<RelationStats>;
  /**
   * A table's storage size in bytes, read from metadata without counting its rows (DuckDB: the
   * storage blocks its segments use; Iceberg: the sum of its data files); undefined when the
   * engine cannot tell. For storage cost (docs/cost.md).
   */
  relationSize(relation: Relation): Promise<number | undefined>;
  /**
   * A version of a table's contents that changes with every insert, update and delete, read as
   * cheaply as the engine allows (a snapshot id, else a hash over the rows); undefined when the
   * engine cannot tell, which callers treat as "changed".
   */
  dataVersion(relation: Relation): Promise<string | undefined>;
  createSchema(schema: string, database?: string): Promise<void>;
  /** Drops a schema and everything in it (dpf ci cleans up after itself). */
  dropSchema(schema: string, database?: string): Promise<void>;
  dropRelation(relation: Relation, type: RelationType): Promise<void>;
  /** Renames within the same schema. */
  renameRelation(from: Relation, toIdentifier: string, type: RelationType): Promise<void>;
  /** Runs fn in a transaction; rolls back if it throws. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

export interface Adapter {
  readonly name: string;
  /** Human-readable engine name used in messages ("DuckDB"). */
  readonly engine: string;
  readonly dialect: Dialect;
  readonly capabilities: AdapterCapabilities;
  open(): Promise<void>;
  close(): Promise<void>;
  /** Borrows a connection for the duration of fn. */
  withConnection<T>(fn: (connection: Connection) => Promise<T>): Promise<T>;
  /**
   * Cancels every statement running now (a cancelled run): each fails with the engine's
   * interruption error, and what it was replacing stays as it was. Idle connections stay usable.
   */
  cancel(): Promise<void>;
  /** A one-line description for `dpf debug`, never containing secrets. */
  describe(): Record<string, string>;
  /**
   * Workers the engine has now, for "how the environment scales" (docs/cost.md); absent on an
   * engine of one process (DuckDB).
   */
  activeWorkers?(): Promise<number | undefined>;
  /**
   * Whether an error of this engine (or of reaching it) may pass if the same step runs again:
   * a lost connection, a busy server, a lock held by another writer (`retries:`,
   * docs/configuration.md). Errors that say nothing of the kind are not transient.
   */
  isTransient(err: unknown): boolean;
}

/** What a target in profiles.yml resolves to. `settings` may hold secrets: never log it. */
export interface TargetConfig {
  readonly profileName: string;
  readonly targetName: string;
  readonly type: string;
  readonly schema: string;
  readonly database?: string;
  readonly threads: number;
  /** Every key of the output, env already resolved. Secrets live here. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Values that came from {{env}} or look like secrets, for redaction. */
  readonly secrets: readonly string[];
}

/** How an adapter opens the warehouse. */
export interface AdapterOpenOptions {
  /**
   * Reads only (the Explore page, src/server): the engine refuses every write. DuckDB opens its
   * file with access_mode READ_ONLY, which fails at once, rather than waiting, while another
   * process (a build) holds the writer's lock, and never creates the file; Trino reads as the
   * configured user, whose rights the server decides.
   */
  readonly readOnly?: boolean;
}

export interface AdapterFactory {
  /** The dialect without a connection: the compiler needs it to render relation names. */
  dialect(target: TargetConfig): Dialect;
  create(target: TargetConfig, projectDir: string, options?: AdapterOpenOptions): Adapter;
  /**
   * A cheap fingerprint of the whole warehouse, read without connecting (a database file's
   * size, modification time and inode), that changes whenever anything writes to it; absent
   * where the engine cannot tell (a server others write to). With writtenBefore (epoch ms),
   * absent as well when the warehouse was written after that moment.
   */
  warehouseStamp?(target: TargetConfig, projectDir: string, options?: { writtenBefore?: number }): string | undefined;
}
