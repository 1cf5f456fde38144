/**
 * Conditions at run time (docs/pipelines.md): whether a step runs given what the steps it waits
 * for did (its trigger rule, as Airflow's), and its `run_if`, evaluated just before it would
 * run. run-plan.ts applies them; this module decides and explains, and runs nothing else.
 */
import { DpfError, diagnostic } from '../errors/dpf-error.js';
import type { ManifestNode, RunIf, TriggerRule } from '../compiler/manifest.js';
import { BUILTIN_PREFIX, loadPlugins, pluginOfKind, type ConditionPlugin } from '../plugins/index.js';
import type { MaterializationContext } from './materializations/materialization.js';
import type { PlanStep } from './plan-run.js';
import type { NodeResult } from './run-results.js';
import type { DecidedBy } from './run-policy.js';

/**
 * What a finished step is to the steps that wait for it: it succeeded (built, reused, passed,
 * warned, or failed with on_error: continue, whose readers read its previous version), was
 * skipped (by its run_if, a handler, or its trigger rule because of skipped parents), or failed
 * (an error, a failed test, on_error: skip_downstream, or skipped because a parent failed: Airflow's
 * upstream_failed).
 */
export type ParentOutcome = 'success' | 'skipped' | 'failed';

/** A finished parent: its step, its result, what it is to its children, and the failure behind it. */
export interface Parent {
  readonly step: PlanStep;
  readonly result: NodeResult;
  readonly outcome: ParentOutcome;
  /** For a failed outcome: the node whose failure it is, and who tolerated it (on_error). */
  readonly failed?: { readonly name: string; readonly decidedBy?: DecidedBy };
}

export type TriggerDecision =
  | { readonly run: true }
  | { readonly run: false; readonly outcome: 'skipped'; readonly message: string; readonly reason: string }
  | { readonly run: false; readonly outcome: 'failed'; readonly message: string; readonly failed: NonNullable<Parent['failed']> };

const isTest = (p: Parent) => p.step.resourceType === 'test' || p.step.resourceType === 'unit_test';

/**
 * Whether a step whose parents have all finished runs. A data or unit test that ran and failed
 * stops what it gates whatever its rule (bad data stops where it appears); the rest is the rule:
 * - all_success (default): every parent succeeded (built, reused, passed);
 * - none_failed: no parent failed; skipped parents are fine (how branches join);
 * - any_success: at least one parent succeeded;
 * - all_done: always, once every parent finished.
 * A step that does not run is skipped as "upstream failed" when a failure is the cause (it is
 * then a failure to its own children), else as skipped.
 */
export function decideTrigger(rule: TriggerRule, parents: readonly Parent[]): TriggerDecision {
  const gate = parents.find((p) => isTest(p) && (p.result.status === 'fail' || p.result.status === 'error') && !p.result.tolerated);
  if (gate) return upstreamFailed(gate);
  // A skipped test says nothing of its own: what it tests was skipped, and counts already.
  const counted = parents.filter((p) => !(isTest(p) && p.outcome === 'skipped'));
  const failed = counted.find((p) => p.outcome === 'failed');
  const skipped = counted.filter((p) => p.outcome === 'skipped');
  switch (rule) {
    case 'all_done':
      return { run: true };
    case 'all_success':
      if (failed) return upstreamFailed(failed);
      if (skipped.length > 0) return skippedBy(rule, skipped);
      return { run: true };
    case 'none_failed':
      return failed ? upstreamFailed(failed) : { run: true };
    case 'any_success':
      if (counted.length === 0 || counted.some((p) => p.outcome === 'success')) return { run: true };
      return failed ? upstreamFailed(failed) : skippedBy(rule, skipped);
  }
}

function upstreamFailed(parent: Parent): TriggerDecision {
  const failed = parent.failed ?? { name: parent.step.name };
  return { run: false, outcome: 'failed', failed, message: `skipped: upstream ${failed.name} failed${failed.decidedBy ? ` (${failed.decidedBy})` : ''}` };
}

function skippedBy(rule: TriggerRule, skipped: readonly Parent[]): TriggerDecision {
  const names = skipped.map((p) => p.step.name);
  const reason = `trigger ${rule}: upstream ${names.join(', ')} ${names.length === 1 ? 'was' : 'were'} skipped`;
  return { run: false, outcome: 'skipped', message: `skipped: ${reason}`, reason };
}

/** How a run_if is named in a skipped step's reason: its query on one line, or its plugin. */
export function describeRunIf(runIf: RunIf): string {
  if (runIf.kind === 'plugin') return `plugin ${runIf.plugin}`;
  const line = runIf.sql.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

/** How long a condition plugin's check may take. */
export const CONDITION_TIMEOUT_MS = 60_000;

/** What a condition plugin is told of the run. */
export interface ConditionRun {
  readonly id: string;
  readonly startedAt: Date;
  readonly targetName?: string;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly signal?: AbortSignal;
}

/**
 * Evaluates a step's run_if on its connection: the query (recorded in target/run/ with the
 * step's statements, its time counted in the step's) must give one row with one boolean; a
 * condition plugin must answer true or false within CONDITION_TIMEOUT_MS. Anything else is the
 * step's error, at the run_if.
 */
export async function evaluateRunIf(runIf: RunIf, node: ManifestNode, mctx: MaterializationContext, run: ConditionRun): Promise<boolean> {
  const what = `${node.kind} ${node.name}`;
  const fail = (name: 'RunIfNotBoolean' | 'RunIfFailed', detail: string): never => {
    throw new DpfError([diagnostic(name, { node: what, detail }, runIf.location)]);
  };
  if (runIf.kind === 'sql') {
    mctx.note(`run_if of ${what}`);
    let result;
    try {
      result = await mctx.query(runIf.compiledSql ?? runIf.sql, 2);
    } catch (err) {
      return fail('RunIfFailed', (err instanceof Error ? err.message : String(err)).trim());
    }
    if (result.rows.length !== 1 || result.columns.length !== 1) return fail('RunIfNotBoolean', `${result.rows.length === 0 ? 'no row' : result.rows.length === 1 ? 'one row' : 'several rows'} of ${result.columns.length} column${result.columns.length === 1 ? '' : 's'}`);
    const value = result.rows[0]![0];
    if (typeof value !== 'boolean') return fail('RunIfNotBoolean', `${value === null ? 'NULL' : JSON.stringify(value)} (${value === null ? 'no value' : typeof value})`);
    return value;
  }
  const plugin = await mctx.shared(`condition:${runIf.pluginPath}`, async () => {
    const name = runIf.pluginPath.startsWith(BUILTIN_PREFIX) ? runIf.pluginPath.slice(BUILTIN_PREFIX.length) : runIf.plugin;
    return pluginOfKind(await loadPlugins(mctx.projectRoot, { name, path: runIf.pluginPath }), 'condition', { name, path: runIf.pluginPath }) as ConditionPlugin;
  });
  mctx.note(`run_if of ${what}: plugin ${runIf.plugin} (${runIf.pluginPath})`);
  const timeout = new AbortController();
  const signal = run.signal ? AbortSignal.any([run.signal, timeout.signal]) : timeout.signal;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let answer: unknown;
  try {
    answer = await Promise.race([
      Promise.resolve().then(() =>
        plugin.check(runIf.config, {
          signal,
          node: { id: node.uniqueId, name: node.name, kind: node.kind },
          vars: run.vars,
          target: { name: run.targetName },
          run: { id: run.id, startedAt: run.startedAt },
          projectDir: mctx.projectRoot,
        }),
      ),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          timeout.abort();
          reject(new Error(`it did not answer in ${CONDITION_TIMEOUT_MS / 1000} s`));
        }, CONDITION_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    if (err instanceof DpfError) throw err;
    return fail('RunIfFailed', `plugin ${runIf.plugin}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  } finally {
    clearTimeout(timer);
  }
  if (typeof answer !== 'boolean') return fail('RunIfFailed', `plugin ${runIf.plugin} answered ${JSON.stringify(answer) ?? 'undefined'}, not true or false`);
  return answer;
}
