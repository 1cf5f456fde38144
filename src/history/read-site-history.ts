/**
 * Reads the slice of run history the catalog site draws: the last N runs, and for those runs
 * their node rows, test results, table stats and monitor results. Read-only, through the
 * Adapter's Connection (listRelations, getColumns, query) and the shared select_rows template.
 *
 * Tables and columns are read as the warehouse has them, not as this dpf would write them:
 * `table_stats` and `monitor_results` (monitors) and the resource and cost columns of
 * `node_runs` (`compute_cost`, `cpu_ms`, ... or any `cost_*`) come from other parts of
 * issue 11 and may be missing, or come from a newer dpf; a missing table or column is simply
 * absent from the result. Runs answered from the reuse ledger come from the spool, as in
 * read-history.ts.
 */
import type { Connection, QueryResult } from '../adapters/adapter.js';
import { readSpool } from './history-spool.js';
import { HISTORY_SCHEMA, historyRelation, type HistoryRow } from './history-tables.js';
import { readRuns, type HistoryReadEnv, type HistoryRun } from './read-history.js';
import { parseTimestamp } from './history-store.js';

/** Run ids per `in (...)` list: one statement stays short on either engine. */
const IDS_PER_QUERY = 200;

/** node_runs columns with resource figures and costs, shown on node pages when present. */
const RESOURCE_COLUMNS = ['compute_cost', 'storage_cost', 'cpu_ms', 'peak_memory_bytes', 'bytes_scanned', 'rows_scanned', 'bytes_written', 'storage_bytes'];
const isResourceColumn = (name: string) => RESOURCE_COLUMNS.includes(name) || name.startsWith('cost_') || name.endsWith('_cost');

export interface SiteNodeRun {
  readonly runId: string;
  readonly uniqueId: string;
  readonly name: string;
  readonly kind: string;
  readonly status: string;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly executionSeconds: number | null;
  readonly rowsAffected: number | null;
  readonly thread: number | null;
  readonly errorMessage: string | null;
  /** Resource and cost columns the table has (see RESOURCE_COLUMNS), by column name; only non-null values. */
  readonly resources: Readonly<Record<string, number>>;
}

export interface SiteTestResult {
  readonly runId: string;
  readonly uniqueId: string;
  readonly attachedNode: string | null;
  readonly status: string;
}

/** A table_stats row: the table's own row (column null) or one column's row. */
export interface SiteTableStat {
  readonly runId: string;
  readonly uniqueId: string;
  readonly column: string | null;
  readonly dataType: string | null;
  readonly rowCount: number | null;
  /** The table row's columns and types as JSON (dpf_meta version 5 on); null on column rows. */
  readonly columnsJson: string | null;
}

export interface SiteMonitorResult {
  readonly runId: string;
  /** The node the monitor watches. */
  readonly node: string;
  readonly monitor: string;
  readonly metric: string | null;
  readonly column: string | null;
  readonly status: string;
  readonly value: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly detail: string | null;
  readonly measuredAt: string | null;
}

export interface SiteHistory {
  /** Newest first. */
  readonly runs: readonly HistoryRun[];
  readonly nodeRuns: readonly SiteNodeRun[];
  readonly tests: readonly SiteTestResult[];
  /** Empty when the warehouse has no dpf_meta.table_stats. */
  readonly tableStats: readonly SiteTableStat[];
  /** Empty when the warehouse has no dpf_meta.monitor_results. */
  readonly monitors: readonly SiteMonitorResult[];
}

export async function readSiteHistory(env: HistoryReadEnv, runLimit: number): Promise<SiteHistory> {
  const runs = await readRuns(env, runLimit);
  if (runs.length === 0) return { runs, nodeRuns: [], tests: [], tableStats: [], monitors: [] };
  const runIds = runs.map((r) => r.runId);
  const wanted = new Set(runIds);
  const spool = readSpool(env.targetPath);
  const spooled = (rows: HistoryRow[]) => rows.filter((r) => wanted.has(String(r.run_id)));

  const tables = await env.adapter.withConnection(async (connection) => {
    const existing = new Set((await connection.listRelations(HISTORY_SCHEMA, env.database)).map((r) => r.identifier.toLowerCase()));
    const read = (table: string, pick: (column: string) => boolean) => (existing.has(table) ? readRowsOfRuns(env, connection, table, pick, runIds) : Promise.resolve([]));
    const nodeRunColumns = new Set(['run_id', 'unique_id', 'name', 'kind', 'status', 'started_at', 'ended_at', 'execution_seconds', 'rows_affected', 'thread', 'error_message']);
    return {
      nodeRuns: await read('node_runs', (c) => nodeRunColumns.has(c) || isResourceColumn(c)),
      tests: await read('test_results', (c) => ['run_id', 'unique_id', 'attached_node', 'status'].includes(c)),
      tableStats: await read('table_stats', (c) => ['run_id', 'unique_id', 'column_name', 'data_type', 'row_count', 'columns_json'].includes(c)),
      monitors: await read('monitor_results', () => true),
    };
  });
  // A run killed between writing the spool to the warehouse and deleting it is in both: the warehouse's rows win.
  const inWarehouse = new Set(tables.nodeRuns.map((r) => String(r.run_id)));
  const fromSpool = (rows: HistoryRow[]) => spooled(rows).filter((r) => !inWarehouse.has(String(r.run_id)));

  return {
    runs,
    nodeRuns: [...tables.nodeRuns, ...fromSpool(spool.node_runs)].map(toNodeRun),
    tests: [...tables.tests, ...fromSpool(spool.test_results)].map((r) => ({
      runId: String(r.run_id),
      uniqueId: String(r.unique_id),
      attachedNode: str(r.attached_node),
      status: String(r.status),
    })),
    tableStats: tables.tableStats.map((r) => ({
      runId: String(r.run_id),
      uniqueId: String(r.unique_id),
      column: str(r.column_name),
      dataType: str(r.data_type),
      rowCount: num(r.row_count),
      columnsJson: str(r.columns_json),
    })),
    monitors: tables.monitors.flatMap((r) => {
      // The node watched: attached_node as the monitors part writes it; a bare unique_id otherwise.
      const node = str(r.attached_node) ?? str(r.unique_id);
      if (!node || r.monitor == null) return [];
      return [
        {
          runId: String(r.run_id),
          node,
          monitor: String(r.monitor),
          metric: str(r.metric),
          column: str(r.column_name) ?? str(r.column),
          status: String(r.status ?? 'pass'),
          value: num(r.value),
          low: num(r.low) ?? num(r.expected_low),
          high: num(r.high) ?? num(r.expected_high),
          detail: str(r.detail),
          measuredAt: iso(r.measured_at),
        },
      ];
    }),
  };
}

/** The rows of one table for the given runs, with the columns the table has and pick() keeps. */
async function readRowsOfRuns(env: HistoryReadEnv, connection: Connection, table: string, pick: (column: string) => boolean, runIds: readonly string[]): Promise<HistoryRow[]> {
  const { dialect } = env.adapter;
  const relation = historyRelation(table, env.database);
  const columns = (await connection.getColumns(relation)).map((c) => ({ name: c.name.toLowerCase(), type: c.type })).filter((c) => pick(c.name));
  if (!columns.some((c) => c.name === 'run_id')) return [];
  const rows: HistoryRow[] = [];
  for (let i = 0; i < runIds.length; i += IDS_PER_QUERY) {
    const ids = runIds.slice(i, i + IDS_PER_QUERY).map((id) => dialect.literal(id, 'text')).join(', ');
    const result: QueryResult = await connection.query(
      env.templates.render('select_rows', {
        relation: dialect.renderRelation(relation),
        columns: columns.map((c) => dialect.quoteIdentifier(c.name)),
        where: `${dialect.quoteIdentifier('run_id')} in (${ids})`,
      }),
    );
    for (const values of result.rows) rows.push(Object.fromEntries(columns.map((c, j) => [c.name, plain(values[j], c.type)])));
  }
  return rows;
}

/** An engine value as text, number or boolean; timestamps as ISO-8601 UTC. */
function plain(value: unknown, type: string): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (/timestamp/i.test(type)) return parseTimestamp(value)?.toISOString() ?? String(value);
  if (/int|double|real|float|decimal|numeric/i.test(type) && !Number.isNaN(Number(value))) return Number(value);
  return String(value);
}

const iso = (value: unknown): string | null => (value == null ? null : (parseTimestamp(value)?.toISOString() ?? null));
const num = (value: unknown): number | null => (value == null || value === '' || Number.isNaN(Number(value)) ? null : Number(value));
const str = (value: unknown): string | null => (value == null ? null : String(value));

function toNodeRun(r: HistoryRow): SiteNodeRun {
  const resources: Record<string, number> = {};
  for (const [k, v] of Object.entries(r)) if (isResourceColumn(k) && num(v) !== null) resources[k] = num(v)!;
  return {
    runId: String(r.run_id),
    uniqueId: String(r.unique_id),
    name: String(r.name),
    kind: String(r.kind),
    status: String(r.status),
    startedAt: iso(r.started_at),
    endedAt: iso(r.ended_at),
    executionSeconds: num(r.execution_seconds),
    rowsAffected: num(r.rows_affected),
    thread: num(r.thread),
    errorMessage: str(r.error_message),
    resources,
  };
}
