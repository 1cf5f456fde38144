/**
 * Calls the handlers a project registers (`handlers:` in dpf_project.yml, docs/pipelines.md#handlers;
 * loaded once per run by src/plugins/load-handlers.ts). A handler never crashes a run: one that
 * throws, runs past its time or answers something else is a warning (DPF833) on the node, or on
 * the run for onRunEnd, and the outcome stays what it was without it.
 */
import { diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import type { HandlerNode, HandlerRun, LoadedHandlers, NodeErrorDecision } from '../plugins/index.js';
import type { PlanStep } from './plan-run.js';
import type { NodeResult, RunSummary } from './run-results.js';

/** How long a handler may take, unless `handlers: {timeout_seconds}` says otherwise. */
export const HANDLER_TIMEOUT_SECONDS = 30;

/** Handler retries a step may get in one run when it has no `retries:` count. */
export const HANDLER_RETRIES = 3;

export interface HandlerCalls {
  readonly handlers: LoadedHandlers;
  readonly timeoutMs: number;
  readonly run: HandlerRun;
}

const DECISIONS: readonly NodeErrorDecision[] = ['retry', 'skip', 'fail'];

/** A handler's call, bounded by the time limit; its failure a warning. */
async function call(plugin: string, handler: string, timeoutMs: number, fn: () => unknown): Promise<{ value?: unknown; warning?: Diagnostic }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const value = await Promise.race([
      Promise.resolve().then(fn),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`it did not answer in ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    return { value };
  } catch (err) {
    const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
    return { warning: diagnostic('HandlerFailed', { plugin, handler, detail }, undefined, 'warning') };
  } finally {
    clearTimeout(timer);
  }
}

export function handlerNode(step: PlanStep): HandlerNode {
  return { id: step.uniqueId, name: step.name, kind: step.resourceType, relation: step.relationName };
}

/**
 * Asks the onNodeError handlers, in the order registered, about a step that failed for good:
 * the first to answer retry or skip decides; if every one answers fail, the first of them
 * decides. Undefined when none answered.
 */
export async function askOnNodeError(
  calls: HandlerCalls,
  step: PlanStep,
  result: NodeResult,
  attempt: number,
  transient: boolean,
): Promise<{ decision?: { action: NodeErrorDecision; plugin: string }; warnings: Diagnostic[] }> {
  const warnings: Diagnostic[] = [];
  let decision: { action: NodeErrorDecision; plugin: string } | undefined;
  for (const { plugin, fn } of calls.handlers.on_node_error) {
    const ctx = { node: handlerNode(step), error: { code: result.error?.code, message: result.message, transient }, attempt, run: calls.run };
    const { value, warning } = await call(plugin, 'onNodeError', calls.timeoutMs, () => fn(ctx));
    if (warning) {
      warnings.push(warning);
      continue;
    }
    if (!DECISIONS.includes(value as NodeErrorDecision)) {
      warnings.push(diagnostic('HandlerFailed', { plugin, handler: 'onNodeError', detail: `it answered ${JSON.stringify(value) ?? 'undefined'}, not 'retry', 'skip' or 'fail'` }, undefined, 'warning'));
      continue;
    }
    if (value !== 'fail') return { decision: { action: value as NodeErrorDecision, plugin }, warnings };
    decision ??= { action: 'fail', plugin };
  }
  return { decision, warnings };
}

/** Tells the onNodeSuccess handlers that a step built its node; their warnings. */
export async function tellSuccess(calls: HandlerCalls, step: PlanStep, result: NodeResult): Promise<Diagnostic[]> {
  const warnings: Diagnostic[] = [];
  for (const { plugin, fn } of calls.handlers.on_node_success) {
    const ctx = { node: handlerNode(step), rowsAffected: result.rowsAffected, executionTime: result.executionTime, run: calls.run };
    const { warning } = await call(plugin, 'onNodeSuccess', calls.timeoutMs, () => fn(ctx));
    if (warning) warnings.push(warning);
  }
  return warnings;
}

/** Tells the onRunEnd handlers that the run ended: its counts and the steps that fail it. */
export async function tellRunEnd(calls: HandlerCalls, summary: Pick<RunSummary, 'counts' | 'results' | 'elapsed' | 'tolerated'>): Promise<Diagnostic[]> {
  const warnings: Diagnostic[] = [];
  const failed = summary.results.filter((r) => (r.status === 'error' || r.status === 'fail') && !r.tolerated).map((r) => r.uniqueId);
  for (const { plugin, fn } of calls.handlers.on_run_end) {
    const ctx = { run: calls.run, counts: { ...summary.counts }, failed, elapsed: summary.elapsed };
    const { warning } = await call(plugin, 'onRunEnd', calls.timeoutMs, () => fn(ctx));
    if (warning) warnings.push(warning);
  }
  return warnings;
}
