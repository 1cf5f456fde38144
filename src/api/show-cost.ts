/**
 * `cost` of the public API (`dpf cost`): the models that cost most in compute and in storage
 * over the last N days, and the cost per day, from the target's dpf_meta.node_runs priced with
 * the target's cost: rates (docs/cost.md). Reads only: it neither compiles the project nor
 * writes to the warehouse.
 */
import { adapterFactory } from '../adapters/index.js';
import { SqlTemplates } from '../adapters/sql-templates.js';
import { resolveTarget } from '../compiler/compile-pipeline.js';
import { loadProjectConfig, targetPathOf } from '../compiler/load-project.js';
import { costRatesOf, rankCosts, type CostReport } from '../cost/index.js';
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
    const rows = await readCostRows({ adapter, templates: new SqlTemplates(adapter.name), database: target.database, targetPath: targetPathOf(compileOptions.projectDir, config) }, since);
    return rankCosts(rows.nodes, rows.days, { days, since: since.toISOString(), top, rates });
  } catch (err) {
    if (err instanceof DpfError) throw err;
    throw new DpfError([diagnostic('QueryFailed', { engine: adapter.engine, detail: `reading dpf_meta's run history: ${(err as Error).message}` })]);
  } finally {
    await adapter.close();
  }
}
