/**
 * Reads what `dpf cost` ranks: node_runs summed per node and per day since a moment, in the
 * warehouse (one grouped query each, so a long period is not read row by row), plus the spool's
 * rows of runs answered from the reuse ledger (reused steps: no engine figures, counted as runs).
 */
import type { CostRow, DayRow } from '../cost/rank-costs.js';
import { readSpool } from './history-spool.js';
import { timestampText } from './history-rows.js';
import { HISTORY_SCHEMA, historyRelation } from './history-tables.js';
import type { HistoryReadEnv } from './read-history.js';

export interface CostRows {
  readonly nodes: CostRow[];
  readonly days: DayRow[];
}

export async function readCostRows(env: HistoryReadEnv, since: Date): Promise<CostRows> {
  const { dialect } = env.adapter;
  const q = dialect.quoteIdentifier;
  const names = Object.fromEntries(['unique_id', 'name', 'kind', 'cpu_ms', 'bytes_scanned', 'rows_scanned', 'ended_at', 'run_id'].map((c) => [c, q(c)]));
  const context = {
    ...names,
    relation: dialect.renderRelation(historyRelation('node_runs', env.database)),
    since: dialect.literal(timestampText(since.toISOString()), 'timestamp'),
    ...(env.targetName ? { runs: dialect.renderRelation(historyRelation('runs', env.database)), target_column: q('target'), target: dialect.literal(env.targetName, 'text') } : {}),
  };
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  const { nodes, days } = await env.adapter.withConnection(async (connection) => {
    const existing = await connection.listRelations(HISTORY_SCHEMA, env.database);
    if (!existing.some((r) => r.identifier.toLowerCase() === 'node_runs')) return { nodes: [], days: [] };
    const byNode = await connection.query(env.templates.render('cost_by_node', context));
    const byDay = await connection.query(env.templates.render('cost_by_day', context));
    return {
      nodes: byNode.rows.map(([uniqueId, name, kind, runs, cpuMs, bytesScanned, rowsScanned]): CostRow => ({
        uniqueId: String(uniqueId),
        name: String(name),
        kind: String(kind),
        runs: Number(runs),
        cpuMs: num(cpuMs),
        bytesScanned: num(bytesScanned),
        rowsScanned: num(rowsScanned),
      })),
      days: byDay.rows.map(([day, runs, cpuMs, bytesScanned]): DayRow => ({ day: String(day), runs: Number(runs), cpuMs: num(cpuMs), bytesScanned: num(bytesScanned) })),
    };
  });
  // Ledger runs reuse every step: they add runs, no figures.
  const spool = readSpool(env.targetPath);
  const ofTarget = env.targetName ? new Set(spool.runs.filter((r) => r.target === env.targetName).map((r) => String(r.run_id))) : undefined;
  const spooled = spool.node_runs.filter((r) => r.ended_at != null && String(r.ended_at) >= String(timestampText(since.toISOString())) && (!ofTarget || ofTarget.has(String(r.run_id))));
  const byId = new Map(nodes.map((n) => [n.uniqueId, n]));
  for (const row of spooled) {
    const id = String(row.unique_id);
    const known = byId.get(id);
    byId.set(id, known ? { ...known, runs: known.runs + 1 } : { uniqueId: id, name: String(row.name), kind: String(row.kind), runs: 1, cpuMs: null, bytesScanned: null, rowsScanned: null });
  }
  return { nodes: [...byId.values()], days };
}
