/**
 * Reads run history back: the most recent runs, or one node's most recent runs, from the
 * warehouse's dpf_meta tables plus the spool of runs answered from the reuse ledger (which
 * are not in the warehouse yet). Plain data out, for `dpf history`, the Python client and
 * explore. Reading never writes: the spool is left for the next run to flush.
 */
import type { Adapter, QueryResult } from '../adapters/adapter.js';
import type { SqlTemplates } from '../adapters/sql-templates.js';
import type { NodeStatus } from '../runner/run-results.js';
import { readSpool } from './history-spool.js';
import { parseTimestamp } from './history-store.js';
import { HISTORY_SCHEMA, HISTORY_TABLES, historyRelation, type HistoryRow, type HistoryTableName } from './history-tables.js';

export interface HistoryRun {
  readonly runId: string;
  readonly command: string;
  readonly selector: string | null;
  readonly target: string;
  readonly gitCommit: string | null;
  readonly gitDirty: boolean | null;
  readonly user: string | null;
  /** ISO-8601, UTC. */
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly elapsedSeconds: number | null;
  readonly status: string;
  readonly dpfVersion: string | null;
  readonly fromLedger: boolean;
  readonly nodes: number;
  readonly counts: Readonly<Record<NodeStatus, number>>;
  /** The engine's active workers at the start and end (Trino); null where not counted. */
  readonly workersAtStart: number | null;
  readonly workersAtEnd: number | null;
  /** Engine CPU ms of its steps, and their compute cost at the rates of the time (docs/cost.md). */
  readonly cpuMs: number | null;
  readonly computeCost: number | null;
}

export interface HistoryNodeRun {
  readonly runId: string;
  readonly uniqueId: string;
  readonly name: string;
  readonly kind: string;
  readonly status: string;
  readonly reason: string | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly executionSeconds: number | null;
  readonly queuedMs: number | null;
  readonly rowsAffected: number | null;
  readonly attempt: number | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  /** What the engine measured (docs/cost.md); null where it was not. */
  readonly cpuMs: number | null;
  readonly rowsScanned: number | null;
  readonly bytesScanned: number | null;
  readonly computeCost: number | null;
  readonly queryIds: readonly string[];
}

export interface HistoryQuery {
  /** A node's name or unique id: its runs instead of the runs. */
  readonly node?: string;
  /** At most this many, newest first. */
  readonly limit: number;
}

export interface HistoryReadEnv {
  readonly adapter: Pick<Adapter, 'withConnection' | 'dialect'>;
  readonly templates: SqlTemplates;
  readonly database?: string;
  readonly targetPath: string;
  /** Only this target's runs, where several targets share dpf_meta (`dpf cost`); absent: every run. */
  readonly targetName?: string;
}

export async function readRuns(env: HistoryReadEnv, limit: number): Promise<HistoryRun[]> {
  const rows = [...(await readTable(env, 'runs', limit)), ...readSpool(env.targetPath).runs];
  // A run killed between writing the spool to the warehouse and deleting it is in both.
  const unique = [...new Map(rows.map((r) => [String(r.run_id), r])).values()];
  return newest(unique.map(toRun), (r) => r.startedAt, limit);
}

export async function readNodeRuns(env: HistoryReadEnv, node: string, limit: number): Promise<HistoryNodeRun[]> {
  const { dialect } = env.adapter;
  const where = ['name', 'unique_id'].map((c) => `${dialect.quoteIdentifier(c)} = ${dialect.literal(node, 'text')}`).join(' or ');
  const spooled = readSpool(env.targetPath).node_runs.filter((r) => r.name === node || r.unique_id === node);
  const rows = [...(await readTable(env, 'node_runs', limit, where)), ...spooled];
  return newest(rows.map(toNodeRun), (r) => r.endedAt ?? r.startedAt, limit);
}

/** Rows of one history table, newest first; none when the table does not exist yet. */
async function readTable(env: HistoryReadEnv, table: HistoryTableName, limit: number, where?: string): Promise<HistoryRow[]> {
  const { dialect } = env.adapter;
  return env.adapter.withConnection(async (connection) => {
    const existing = await connection.listRelations(HISTORY_SCHEMA, env.database);
    if (!existing.some((r) => r.identifier.toLowerCase() === table)) return [];
    const columns = HISTORY_TABLES[table];
    const result: QueryResult = await connection.query(
      env.templates.render('select_rows', {
        relation: dialect.renderRelation(historyRelation(table, env.database)),
        columns: columns.map((c) => dialect.quoteIdentifier(c.name)),
        where,
        order_by: dialect.quoteIdentifier(table === 'runs' ? 'started_at' : 'ended_at'),
        limit,
      }),
    );
    return result.rows.map((values) => Object.fromEntries(columns.map((c, i) => [c.name, normalize(values[i], c.type)])));
  });
}

function normalize(value: unknown, type: string): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'timestamp':
      return parseTimestamp(value)?.toISOString() ?? null;
    case 'boolean':
      return value === true || String(value).toLowerCase() === 'true';
    case 'bigint':
    case 'integer':
    case 'double':
      return Number(value);
    default:
      return String(value);
  }
}

/** Spooled rows hold timestamps as the writer's text; warehouse rows were normalized to ISO. */
const iso = (value: unknown): string | null => (value == null ? null : (parseTimestamp(value)?.toISOString() ?? null));
const num = (value: unknown): number | null => (value == null ? null : Number(value));
const str = (value: unknown): string | null => (value == null ? null : String(value));

function toRun(r: HistoryRow): HistoryRun {
  return {
    runId: String(r.run_id),
    command: String(r.command),
    selector: str(r.selector),
    target: String(r.target),
    gitCommit: str(r.git_commit),
    gitDirty: r.git_dirty == null ? null : r.git_dirty === true,
    user: str(r.user_name),
    startedAt: iso(r.started_at),
    endedAt: iso(r.ended_at),
    elapsedSeconds: num(r.elapsed_seconds),
    status: String(r.status),
    dpfVersion: str(r.dpf_version),
    fromLedger: r.from_ledger === true,
    nodes: Number(r.nodes ?? 0),
    counts: {
      success: Number(r.success_count ?? 0),
      reused: Number(r.reused_count ?? 0),
      pass: Number(r.pass_count ?? 0),
      warn: Number(r.warn_count ?? 0),
      fail: Number(r.fail_count ?? 0),
      error: Number(r.error_count ?? 0),
      skipped: Number(r.skipped_count ?? 0),
    },
    workersAtStart: num(r.workers_at_start),
    workersAtEnd: num(r.workers_at_end),
    cpuMs: num(r.cpu_ms),
    computeCost: num(r.compute_cost),
  };
}

function toNodeRun(r: HistoryRow): HistoryNodeRun {
  return {
    runId: String(r.run_id),
    uniqueId: String(r.unique_id),
    name: String(r.name),
    kind: String(r.kind),
    status: String(r.status),
    reason: str(r.reason),
    startedAt: iso(r.started_at),
    endedAt: iso(r.ended_at),
    executionSeconds: num(r.execution_seconds),
    queuedMs: num(r.queued_ms),
    rowsAffected: num(r.rows_affected),
    attempt: num(r.attempt),
    errorCode: str(r.error_code),
    errorMessage: str(r.error_message),
    cpuMs: num(r.cpu_ms),
    rowsScanned: num(r.rows_scanned),
    bytesScanned: num(r.bytes_scanned),
    computeCost: num(r.compute_cost),
    queryIds: r.query_ids == null ? [] : (JSON.parse(String(r.query_ids)) as string[]),
  };
}

function newest<T>(items: T[], time: (item: T) => string | null, limit: number): T[] {
  return items.sort((a, b) => (time(b) ?? '').localeCompare(time(a) ?? '')).slice(0, limit);
}
