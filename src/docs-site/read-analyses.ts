/**
 * Step 2 of `dpf docs generate`, for analyses (analyses/*.yml, docs/analyses.md): each one's
 * compiled query run once on the warehouse connection the catalog reads with, keeping at most
 * its snapshot_rows rows (default 5,000), so that its page shows a chart and data from the
 * static files. The query is one select (the compiler refuses anything else, DPF190, and the
 * adapters refuse a second statement), read with a row limit; nothing is written.
 *
 * Personal data never reaches the site: an output column is masked when column lineage traces
 * it to a column that carries personal data (declared, or carried by the manifest's
 * governance: the same rule as the catalog's profiles and test samples); a column lineage
 * cannot trace is masked when the analysis reads any personal data at all, and one whose name
 * is that of a personal-data column of what it reads is masked whatever lineage says.
 */
import type { Connection, QueryResult } from '../adapters/adapter.js';
import type { AnalysisNode, ExecutableNode, Manifest } from '../compiler/manifest.js';
import { nodesOfKind, relationNode } from '../compiler/node-kinds.js';
import { snapshotRowsOf } from '../compiler/parse-analyses.js';
import { closestMatch } from '../compiler/closest-match.js';
import { isSensitiveColumn } from '../compiler/sensitive-columns.js';
import { diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import { lineageJobMaker, lineageOf, type LineageEngine } from '../lineage/compute-column-lineage.js';
import { MASKED } from '../tests/mask-sample.js';

export interface AnalysisSnapshot {
  readonly columns: { readonly name: string; readonly type: string; readonly masked?: true }[];
  readonly rows: unknown[][];
  /** The result had more rows than were kept. */
  readonly truncated: boolean;
}

export interface AnalysisRead {
  readonly snapshot?: AnalysisSnapshot;
  /** Why there is no snapshot (the query failed). */
  readonly error?: string;
  readonly takenAt: string;
  /** DPF192 and DPF193, for the command to print and the page to show. */
  readonly warnings: Diagnostic[];
}

export interface AnalysisReadContext {
  readonly manifest: Manifest;
  readonly engine?: LineageEngine;
  /** Columns of a node's relation, from the warehouse or its YAML (lineage reads them). */
  readonly columnsOf: (id: string) => string[];
}

export async function readAnalyses(connection: Connection, ctx: AnalysisReadContext): Promise<Map<string, AnalysisRead>> {
  const out = new Map<string, AnalysisRead>();
  for (const analysis of nodesOfKind(ctx.manifest, 'analysis')) {
    const takenAt = new Date().toISOString();
    const limit = snapshotRowsOf(analysis);
    if (!analysis.compiledCode || limit === 0) {
      out.set(analysis.uniqueId, { takenAt, warnings: [] });
      continue;
    }
    let result: QueryResult;
    try {
      result = await connection.query(analysis.compiledCode, { limit: limit + 1 });
    } catch (err) {
      const detail = String((err as Error)?.message ?? err).split('\n')[0]!;
      const warning = diagnostic('AnalysisQueryFailed', { name: analysis.name, detail }, analysis.location, 'warning');
      out.set(analysis.uniqueId, { takenAt, error: detail, warnings: [warning] });
      continue;
    }
    const masked = sensitiveOutputColumns(analysis, result.columns.map((c) => c.name), ctx);
    const rows = result.rows.slice(0, limit).map((row) => row.map((v, i) => (masked[i] && v !== null ? MASKED : v)));
    out.set(analysis.uniqueId, {
      takenAt,
      snapshot: {
        columns: result.columns.map((c, i) => ({ name: c.name, type: c.type, ...(masked[i] ? { masked: true as const } : {}) })),
        rows,
        truncated: result.rows.length > limit,
      },
      warnings: chartWarnings(analysis, result.columns.map((c) => c.name)),
    });
  }
  return out;
}

/** The chart's columns that the result lacks (DPF193). */
function chartWarnings(analysis: AnalysisNode, columns: string[]): Diagnostic[] {
  const chart = analysis.chart;
  if (!chart) return [];
  const has = (name: string) => columns.some((c) => c.toLowerCase() === name.toLowerCase());
  const roles: [string, string | undefined][] = [['x', chart.x], ['y', chart.y], ['colour', chart.color]];
  return roles
    .filter((r): r is [string, string] => r[1] !== undefined && !has(r[1]))
    .map(([role, column]) => diagnostic('ChartColumnUnknown', { name: analysis.name, role, column, suggestion: closestMatch(column, columns), columns }, analysis.location, 'warning'));
}

/** For each output column, whether it is masked (see the module's comment). */
export function sensitiveOutputColumns(analysis: AnalysisNode, outputs: readonly string[], ctx: AnalysisReadContext): boolean[] {
  const inputs = analysis.dependsOn.flatMap((id) => {
    const node = relationNode(ctx.manifest, id);
    return node ? [node] : [];
  });
  // Every relation the query can read, through ephemeral models too.
  const readable = new Map(inputs.map((n) => [n.uniqueId, n]));
  const visit = (ids: readonly string[]) => {
    for (const id of ids) {
      const node = relationNode(ctx.manifest, id);
      if (!node || readable.has(id)) continue;
      readable.set(id, node);
      if (node.kind === 'model' && node.config.materialized === 'ephemeral') visit(node.dependsOn);
    }
  };
  for (const n of inputs) if (n.kind === 'model' && n.config.materialized === 'ephemeral') visit(n.dependsOn);
  const sensitiveIn = (nodeId: string, column: string) => {
    const node = readable.get(nodeId) ?? relationNode(ctx.manifest, nodeId);
    return !!node && isSensitiveColumn(node, column, ctx.manifest.governance);
  };
  const nodes = [...readable.values()];
  const personalNames = new Set(nodes.flatMap((n) => ctx.columnsOf(n.uniqueId).concat(Object.keys(n.columns)).filter((c) => sensitiveIn(n.uniqueId, c)).map((c) => c.toLowerCase())));
  const readsPersonal = personalNames.size > 0 || nodes.some((n) => Object.entries(ctx.manifest.governance?.columns[n.uniqueId] ?? {}).some(([, c]) => c.pii.length > 0 && c.declassified === undefined));
  if (!readsPersonal) return outputs.map(() => false);

  // Column lineage of the analysis's SQL, read as a model's would be.
  const lineage = ctx.engine && analysis.compiledCode
    ? (() => {
        const job = lineageJobMaker(ctx.manifest, ctx.engine, ctx.columnsOf)({ ...analysis, kind: 'model', config: { materialized: 'view' } } as unknown as ExecutableNode);
        return job ? lineageOf(job) : undefined;
      })()
    : undefined;
  return outputs.map((name) => {
    if (personalNames.has(name.toLowerCase())) return true;
    const key = lineage && Object.keys(lineage.columns).find((c) => c.toLowerCase() === name.toLowerCase());
    const traced = lineage && lineage.status !== 'unparsed' && key !== undefined && !lineage.unresolved.includes(key);
    if (!traced) return true;
    return lineage.columns[key].some((s) => sensitiveIn(s.nodeId, s.column));
  });
}
