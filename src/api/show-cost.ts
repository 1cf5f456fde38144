/**
 * `cost` of the public API (`dpf cost`): the models that cost most in compute over the last N
 * days (from the target's dpf_meta.node_runs) and in storage (the tables of the last compile's
 * target/manifest.json, sized now from the warehouse's metadata), and the cost per day, priced
 * with the target's cost: rates (docs/cost.md). Reads only: it neither compiles the project nor
 * writes to the warehouse.
 */
import type { Adapter } from '../adapters/adapter.js';
import { adapterFactory } from '../adapters/index.js';
import { SqlTemplates } from '../adapters/sql-templates.js';
import { resolveTarget } from '../compiler/compile-pipeline.js';
import { loadProjectConfig, targetPathOf } from '../compiler/load-project.js';
import { costRatesOf, rankCosts, type CostReport, type TableSize } from '../cost/index.js';
import type { Manifest } from '../compiler/manifest.js';
import { allNodes, executableNode } from '../compiler/node-kinds.js';
import { readState } from '../compiler/read-state.js';
import { strategyOf } from '../runner/plan-run.js';
import { STEP_KINDS } from '../runner/step-kinds.js';
import { DpfError, diagnostic, fail } from '../errors/dpf-error.js';
import { readCostRows } from '../history/index.js';
import { compileOptionsOf, type ProjectOptions } from './options.js';

export interface CostOptions extends ProjectOptions {
  /** The period: the last this many days (default 30). */
  readonly days?: number;
  /** At most this many models in each ranking (default 10). */
  readonly top?: number;
  /** The period's end (default now); for tests and reports of a past period. */
  readonly now?: Date;
}

const DAY_MS = 24 * 3600 * 1000;

export async function cost(options: CostOptions = {}): Promise<CostReport> {
  const days = options.days ?? 30;
  const top = options.top ?? 10;
  if (!(days > 0) || !Number.isFinite(days)) fail('UsageError', { detail: `--days must be a number above 0, got "${days}".` });
  if (!Number.isInteger(top) || top < 1) fail('UsageError', { detail: `--top must be a whole number above 0, got "${top}".` });
  const compileOptions = compileOptionsOf(options);
  const config = loadProjectConfig(compileOptions.projectDir).data;
  const target = resolveTarget(compileOptions, config);
  const rates = costRatesOf(target.settings, target.targetName);
  const since = new Date((options.now ?? new Date()).getTime() - days * DAY_MS);
  const adapter = adapterFactory(target.type).create(target, compileOptions.projectDir);
  await adapter.open();
  try {
    const targetPath = targetPathOf(compileOptions.projectDir, config);
    const rows = await readCostRows({ adapter, templates: new SqlTemplates(adapter.name), database: target.database, targetPath, targetName: target.targetName }, since);
    const sizes = target.settings.engine_stats === false ? [] : await tableSizes(adapter, lastManifest(targetPath));
    return rankCosts(rows.nodes, rows.days, sizes, { days, since: since.toISOString(), top, rates });
  } catch (err) {
    if (err instanceof DpfError) throw err;
    throw new DpfError([diagnostic('QueryFailed', { engine: adapter.engine, detail: `reading dpf_meta's run history: ${(err as Error).message}` })]);
  } finally {
    await adapter.close();
  }
}

/** The last compile's manifest, if there is a readable one: storage is then ranked over its tables. */
function lastManifest(targetPath: string): Manifest | undefined {
  try {
    return readState(targetPath, 'dpf cost').manifest;
  } catch (err) {
    if (err instanceof DpfError) return undefined;
    throw err;
  }
}

/** Tables read at once: on a server each size is a round trip. */
const SIZE_READERS = 4;

/**
 * The current size of every table the manifest builds (tables, incremental models, snapshots,
 * seeds), from the warehouse's metadata; a table that does not exist or cannot be sized is left
 * out. Read here, on request, rather than after every build: a metadata query per table per
 * build doubled the build of 1,000 small tables on DuckDB (docs/cost.md).
 */
async function tableSizes(adapter: Adapter, manifest: Manifest | undefined): Promise<TableSize[]> {
  if (!manifest) return [];
  const tables = allNodes(manifest).flatMap((node) => {
    const strategy = strategyOf(node);
    const relation = executableNode(manifest, node.uniqueId)?.relation;
    return strategy && STEP_KINDS[strategy].storesRows && relation ? [{ node, relation }] : [];
  });
  const sizes: TableSize[] = [];
  let next = 0;
  const reader = () =>
    adapter.withConnection(async (connection) => {
      while (next < tables.length) {
        const { node, relation } = tables[next++]!;
        const bytes = await connection.relationSize(relation).catch(() => undefined);
        if (bytes !== undefined) sizes.push({ uniqueId: node.uniqueId, name: node.name, kind: node.kind, storageBytes: bytes });
      }
    });
  await Promise.all(Array.from({ length: Math.min(SIZE_READERS, adapter.capabilities.maxConnections, tables.length) }, reader));
  return sizes;
}
