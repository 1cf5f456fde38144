/**
 * `history` and `nodeHistory` of the public API: recent runs of a target, or one node's recent
 * runs, as recorded in its dpf_meta tables (src/history, docs/history.md) and in the spool of
 * runs answered from the reuse ledger. Reads only: it neither compiles the project nor writes
 * to the warehouse.
 */
import { adapterFactory } from '../adapters/index.js';
import { SqlTemplates } from '../adapters/sql-templates.js';
import { resolveTarget } from '../compiler/compile-pipeline.js';
import { loadProjectConfig, targetPathOf } from '../compiler/load-project.js';
import { redactStrings, secretRedactor } from '../compiler/redact-secrets.js';
import { DpfError, diagnostic, fail } from '../errors/dpf-error.js';
import { readNodeRuns, readRuns, type HistoryNodeRun, type HistoryReadEnv, type HistoryRun } from '../history/index.js';
import { compileOptionsOf, type ProjectOptions } from './options.js';

export interface HistoryOptions extends ProjectOptions {
  /** At most this many runs, newest first (default 20). */
  readonly limit?: number;
}

/** The target's most recent runs, newest first. */
export function history(options: HistoryOptions = {}): Promise<HistoryRun[]> {
  return reading(options, (env, limit) => readRuns(env, limit));
}

/** One node's most recent runs (by name or unique id), newest first; empty when none is recorded. */
export function nodeHistory(node: string, options: HistoryOptions = {}): Promise<HistoryNodeRun[]> {
  return reading(options, (env, limit) => readNodeRuns(env, node, limit));
}

async function reading<T>(options: HistoryOptions, read: (env: HistoryReadEnv, limit: number) => Promise<T>): Promise<T> {
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1) fail('UsageError', { detail: `--limit must be a whole number above 0, got "${limit}".` });
  const compileOptions = compileOptionsOf(options);
  const config = loadProjectConfig(compileOptions.projectDir).data;
  const target = resolveTarget(compileOptions, config);
  const secrets = target.secrets.filter((s) => s.length > 0);
  const clean = <V>(value: V): V => (secrets.length === 0 ? value : redactStrings(value, secretRedactor(secrets)));
  const adapter = adapterFactory(target.type).create(target, compileOptions.projectDir);
  await adapter.open();
  try {
    return clean(await read({ adapter, templates: new SqlTemplates(adapter.name), database: target.database, targetPath: targetPathOf(compileOptions.projectDir, config) }, limit));
  } catch (err) {
    if (err instanceof DpfError) throw new DpfError(clean([...err.diagnostics]));
    throw new DpfError(clean([diagnostic('QueryFailed', { engine: adapter.engine, detail: `reading dpf_meta's run history: ${(err as Error).message}` })]));
  } finally {
    await adapter.close();
  }
}
