/**
 * Reads and writes the history tables through the Adapter interface only, so both engines
 * behave alike: creates dpf_meta and the tables if missing (checking the stored
 * history_version), appends rows with Connection.appendRows, deletes runs older than the
 * retention, and reads recent rows back. Identifiers are quoted by the dialect; values in SQL
 * are the dialect's literals. It throws on failure: the recorder turns that into a warning.
 */
import { parseEngineTimestamp } from '../adapters/engine-timestamp.js';
import type { Adapter, Connection, Dialect } from '../adapters/adapter.js';
import type { SqlTemplates } from '../adapters/sql-templates.js';
import { APPEND_ONLY_TABLES, HISTORY_SCHEMA, HISTORY_TABLE_NAMES, HISTORY_TABLES, HISTORY_VERSION, VERSION_COLUMNS, VERSION_TABLE, historyRelation, type HistoryColumn, type HistoryRow, type HistoryTableName } from './history-tables.js';
import { timestampText, type HistoryRows } from './history-rows.js';

const DAY_MS = 24 * 3600 * 1000;
/** Run ids per DELETE statement. */
const BATCH = 500;

export interface HistoryStore {
  /** Creates what is missing; throws if the tables were written by a newer dpf. */
  ensure(): Promise<void>;
  /** Appends rows; with replaceRuns, first deletes rows of those runs (the spool, written again after a kill). */
  append(rows: HistoryRows, options?: { replaceRuns?: boolean }): Promise<void>;
  /** Deletes runs that started more than keepDays ago, at most once a day; returns how many runs. */
  prune(keepDays: number, now?: Date): Promise<number>;
}

export function historyStore(adapter: Pick<Adapter, 'withConnection' | 'dialect'>, templates: SqlTemplates, database?: string): HistoryStore {
  const { dialect } = adapter;
  const rel = (table: string) => dialect.renderRelation(historyRelation(table, database));
  const typed = (columns: readonly HistoryColumn[]) => columns.map((c) => ({ name: c.name, type: dialect.typeName(c.type) }));
  const deleteRuns = async (connection: Connection, table: string, runIds: readonly string[]) => {
    for (let i = 0; i < runIds.length; i += BATCH) {
      const values = runIds.slice(i, i + BATCH).map((id) => dialect.literal(id, 'text')).join(', ');
      await connection.execute(templates.render('delete_rows', { relation: rel(table), column: dialect.quoteIdentifier('run_id'), values }));
    }
  };
  const readVersion = async (connection: Connection) => {
    const result = await connection.query(templates.render('select_rows', { relation: rel(VERSION_TABLE), columns: VERSION_COLUMNS.map((c) => dialect.quoteIdentifier(c.name)) }));
    const row = result.rows[0];
    return row ? { version: Number(row[0]), prunedAt: row[1] == null ? undefined : parseTimestamp(row[1]) } : undefined;
  };
  // One transaction where the engine has them: a kill in between never leaves the table without its row.
  const writeVersion = (connection: Connection, prunedAt: Date | undefined) =>
    connection.transaction(async () => {
      await connection.execute(templates.render('delete_rows', { relation: rel(VERSION_TABLE) }));
      const values = [dialect.literal(HISTORY_VERSION, 'integer'), dialect.literal(timestampText(prunedAt?.toISOString()), 'timestamp')].join(', ');
      await connection.execute(templates.render('insert_values', { relation: rel(VERSION_TABLE), columns: VERSION_COLUMNS.map((c) => ({ name: dialect.quoteIdentifier(c.name) })), rows: [values] }));
    });
  /**
   * After a failed write: the next run checks the tables again (creates a dropped one, adds
   * missing columns) instead of trusting the stored version. Best effort.
   */
  const forgetVersion = (connection: Connection) => connection.execute(templates.render('delete_rows', { relation: rel(VERSION_TABLE) })).catch(() => undefined);
  const addMissingColumns = async (connection: Connection) => {
    for (const [table, columns] of Object.entries(HISTORY_TABLES)) {
      const present = new Set((await connection.getColumns(historyRelation(table, database))).map((c) => c.name.toLowerCase()));
      for (const column of columns) {
        if (present.has(column.name.toLowerCase())) continue;
        await naming(table, () =>
          connection.execute(templates.render('alter_add_column', { relation: rel(table), column: dialect.quoteIdentifier(column.name), type: dialect.typeName(column.type) })),
        );
      }
    }
  };
  // What ensure() read, so that prune() need not read it again.
  let known: { version: number; prunedAt?: Date } | undefined;
  return {
    async ensure() {
      await adapter.withConnection(async (connection) => {
        // Tables of this version are there already (every run but the first): one read, no DDL.
        const current = await readVersion(connection).catch(() => undefined);
        if (current?.version === HISTORY_VERSION) {
          known = current;
          return;
        }
        await connection.createSchema(HISTORY_SCHEMA, database);
        for (const [table, columns] of [...Object.entries(HISTORY_TABLES), [VERSION_TABLE, VERSION_COLUMNS] as const]) {
          const cols = typed(columns).map((c) => ({ name: dialect.quoteIdentifier(c.name), type: c.type }));
          await naming(table, () => connection.execute(templates.render('create_table_if_missing', { relation: rel(table), columns: cols })));
        }
        const stored = await readVersion(connection);
        if (stored && stored.version > HISTORY_VERSION) {
          throw new Error(`dpf_meta holds history version ${stored.version}, written by a newer dpf than this one (version ${HISTORY_VERSION})`);
        }
        // An older layout: the tables it lacked were created above (version 2 added alerts, 4
        // table_stats and monitor_results), and the columns added since are added to its tables
        // (null in old rows, version 3).
        await addMissingColumns(connection);
        known = { version: HISTORY_VERSION, prunedAt: stored?.prunedAt };
        // Recording the version makes the next run skip the DDL again.
        if (!stored || stored.version < HISTORY_VERSION) await writeVersion(connection, stored?.prunedAt);
      });
    },
    async append(rows, options = {}) {
      // One commit for all the tables where the engine has transactions (each commit is a sync of the log).
      await adapter.withConnection(async (connection) => {
        try {
          await write(connection);
        } catch (err) {
          if (err instanceof HistoryTableError) await forgetVersion(connection);
          throw err;
        }
      });
      async function write(connection: Connection) {
        await connection.transaction(async () => {
          if (options.replaceRuns) {
            const runIds = [...new Set(HISTORY_TABLE_NAMES.flatMap((t) => rows[t].map((r) => String(r.run_id))))];
            if (runIds.length > 0) for (const table of HISTORY_TABLE_NAMES) await deleteRuns(connection, table, runIds);
          }
          for (const table of HISTORY_TABLE_NAMES) {
            if (rows[table].length === 0) continue;
            const columns = HISTORY_TABLES[table];
            const values = rows[table].map((row) => columns.map((c) => row[c.name] ?? null));
            await naming(table, () => connection.appendRows(historyRelation(table, database), typed(columns), [values]));
          }
        });
      }
    },
    async prune(keepDays, now = new Date()) {
      return adapter.withConnection(async (connection) => {
        const stored = known ?? (await readVersion(connection));
        if (stored?.prunedAt && now.getTime() - stored.prunedAt.getTime() < DAY_MS) return 0;
        const cutoff = dialect.literal(timestampText(new Date(now.getTime() - keepDays * DAY_MS).toISOString()), 'timestamp');
        const old = await connection.query(
          templates.render('select_rows', { relation: rel('runs'), columns: [dialect.quoteIdentifier('run_id')], where: `${dialect.quoteIdentifier('started_at')} < ${cutoff}` }),
        );
        const runIds = old.rows.map((r) => String(r[0]));
        // Children first: a kill part-way leaves runs rows, which the next prune deletes.
        for (const table of [...HISTORY_TABLE_NAMES].reverse()) if (!APPEND_ONLY_TABLES.has(table)) await deleteRuns(connection, table, runIds);
        // `dpf scan pii` has no runs row: its scans go by their own time.
        const oldScans = await connection.query(
          templates.render('select_rows', { relation: rel('pii_findings'), columns: [`distinct ${dialect.quoteIdentifier('run_id')}`], where: `${dialect.quoteIdentifier('scanned_at')} < ${cutoff}` }),
        );
        await deleteRuns(connection, 'pii_findings', oldScans.rows.map((r) => String(r[0])));
        await writeVersion(connection, now);
        return runIds.length;
      });
    },
  };
}

/** Errors name the table they happened on: the warning says where. */
async function naming<T>(table: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new HistoryTableError(`${HISTORY_SCHEMA}.${table}`, err);
  }
}

export class HistoryTableError extends Error {
  constructor(
    readonly table: string,
    cause: unknown,
  ) {
    super(String((cause as Error)?.message ?? cause));
  }
}

/** A timestamp as an engine returns it (text without a zone, in UTC here) as a Date. */
export function parseTimestamp(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  const time = parseEngineTimestamp(String(value));
  return Number.isNaN(time) ? undefined : new Date(time);
}

export type { HistoryRow, HistoryTableName, Dialect };
