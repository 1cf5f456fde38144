/**
 * Step 7: execute a plan. Workers (--threads) take steps once every step they wait for has
 * finished and their trigger rule says they run (all_success by default: a failed step's
 * descendants are skipped while independent branches go on); a step's run_if is evaluated just
 * before it runs; --fail-fast stops starting new steps after the first failure. Calls the
 * project's handlers (onNodeError, onNodeSuccess, onRunEnd). Emits events; knows nothing of terminals.
 */
import type { Adapter, Connection, ExecuteResult, MaskMethod, RelationType } from '../adapters/adapter.js';
import { DpfError, diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import type { Manifest, ManifestNode } from '../compiler/manifest.js';
import { allNodes, executableNode, isSqlNode, relationNode } from '../compiler/node-kinds.js';
import { relative } from 'node:path';
import { writeRunSql } from '../compiler/write-artifacts.js';
import { STRATEGIES } from './materializations/index.js';
import type { BatchStrategy, MaterializationContext, StepOutcome } from './materializations/materialization.js';
import type { Plan, PlanStep } from './plan-run.js';
import { BLOCKING, type NodeResult, type NodeStatus, type RunEvent, type RunSummary } from './run-results.js';
import { SqlTemplates } from '../adapters/sql-templates.js';
import { applyGrants } from './apply-grants.js';
import { existingRelations } from '../adapters/existing-relations.js';
import { relationKey } from '../adapters/relation.js';
import { openBuildBook, type BuildBook } from './build-records.js';
import { decideReuse, RECORDED_STRATEGIES, type ReuseDecision } from './decide-reuse.js';
import { readLedger, type ReuseState } from './reuse-ledger.js';
import { sourcesRead } from './build-records.js';
import { filesVersion } from './source-versions.js';
import { sourceLineOf } from './source-line.js';
import { ResourceSlots, type StepResource } from './resource-slots.js';
import { backoff, isTransientError, retryDelaySeconds, shortError, type AttemptError, type DecidedBy, type PolicyDecision } from './run-policy.js';
import { ResourceTally, shareOf, type NodeResources } from './step-resources.js';
import { STEP_KINDS, type StrategyName } from './step-kinds.js';
import { decideTrigger, describeRunIf, evaluateRunIf, type Parent, type ParentOutcome } from './run-conditions.js';
import { askOnNodeError, HANDLER_RETRIES, HANDLER_TIMEOUT_SECONDS, tellRunEnd, tellSuccess, type HandlerCalls } from './call-handlers.js';
import { loadHandlers } from '../plugins/index.js';
import type { ProjectHandlers } from '../compiler/load-project.js';

export interface RunContext {
  readonly adapter: Adapter;
  readonly manifest: Manifest;
  readonly projectRoot: string;
  readonly targetPath: string;
  readonly threads: number;
  readonly failFast: boolean;
  readonly invocationId: string;
  readonly onEvent: (event: RunEvent) => void;
  /**
   * Record what every replaced relation holds (dpf_meta.relation_builds) and reuse relations
   * whose code and inputs are unchanged (decide-reuse.ts). Absent for runs that replace no
   * relation (dpf test).
   */
  readonly records?: {
    readonly database?: string;
    /** Why nothing is reused in this run (--rebuild-all, --full-refresh); records are still written. */
    readonly rebuildAll?: string;
    /** --defer: unique id -> the relation read instead. */
    readonly deferred?: ReadonlyMap<string, string>;
  };
  /** Sizes of named pools that steps may declare (1 each when not given). */
  readonly pools?: Readonly<Record<string, number>>;
  /**
   * Aborting stops the run as Ctrl-C does: no new step starts, running statements are
   * cancelled (Adapter.cancel), and the relations they were replacing stay as they were.
   */
  readonly signal?: AbortSignal;
  /**
   * Count the engine's active workers at the start and end (docs/cost.md; the target's
   * `engine_stats`, default on). Statement stats come from the adapter itself.
   */
  readonly engineStats?: boolean;
  /** The target's database, where dpf_meta lives (monitors read their history there). */
  readonly database?: string;
  /** The target's name: targets may share one dpf_meta, and a node's history is its target's. */
  readonly targetName?: string;
  /** The run's environment ({{env}} in extract: blocks is read from it at run time). */
  readonly env?: NodeJS.ProcessEnv;
  /** dpf_project.yml's handlers: (docs/pipelines.md#handlers), loaded once when the run starts. */
  readonly handlers?: ProjectHandlers;
  /** The project's vars with --vars, which condition plugins are given. */
  readonly vars?: Readonly<Record<string, unknown>>;
  /** A `masking: true` target: seed unique id → column (lower case) → how it loads masked (src/governance/masking). */
  readonly seedMasks?: ReadonlyMap<string, ReadonlyMap<string, MaskMethod>>;
}

/** How long a ready step of a batched strategy waits for others to join its batch, at most. */
const BATCH_WAIT_MS = 250;

const REUSED_MESSAGE = 'its code and inputs are unchanged since it was built (--rebuild-all builds it anyway)';

export async function runPlan(plan: Plan, ctx: RunContext): Promise<RunSummary & { readonly reuseState?: ReuseState }> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const total = plan.steps.length;
  // Threads are workers; a step waits for the resources it declares (a warehouse connection,
  // a pool slot), so a step that needs no connection does not hold one.
  const threads = Math.max(1, Math.min(ctx.threads, plan.steps.length));
  const slots = new ResourceSlots({ warehouse: ctx.adapter.capabilities.maxConnections, pools: ctx.pools });
  ctx.onEvent({ type: 'run_started', total, threads });

  const workersAtStart = ctx.engineStats ? await activeWorkers(ctx.adapter) : undefined;
  // Problems of the run that change no outcome (a handler that does not load, an onRunEnd that fails).
  const runWarnings: Diagnostic[] = [];
  const handlerCalls = await runHandlers(ctx, runWarnings);
  const conditionRun = { id: ctx.invocationId, startedAt: new Date(started), targetName: ctx.targetName, vars: ctx.vars ?? {}, signal: ctx.signal };
  const existing = await prepareSchemas(plan, ctx);
  const templates = new SqlTemplates(ctx.adapter.name);
  const book: BuildBook | undefined =
    ctx.records && plan.steps.some((s) => RECORDED_STRATEGIES.has(s.strategy))
      ? await openBuildBook(
          plan,
          ctx.manifest,
          { withConnection: (fn) => ctx.adapter.withConnection(fn), dialect: ctx.adapter.dialect, templates, database: ctx.records.database, invocationId: ctx.invocationId },
          new Set(existing.keys()),
          { rebuildAll: ctx.records.rebuildAll, deferred: ctx.records.deferred },
        )
      : undefined;
  const reusable = (step: PlanStep): boolean => book?.decisions.get(step.uniqueId)?.reuse === true;
  const results = new Map<string, NodeResult>();
  const children = new Map<string, string[]>();
  const waiting = new Map<string, number>();
  for (const step of plan.steps) {
    waiting.set(step.uniqueId, step.dependsOn.length);
    for (const dep of step.dependsOn) children.set(dep, [...(children.get(dep) ?? []), step.uniqueId]);
  }
  const byId = new Map(plan.steps.map((s) => [s.uniqueId, s]));
  // When each step became ready (queuedMs), and what failed steps threw (retries classify it).
  const readyAt = new Map<string, number>();
  const thrown = new Map<string, unknown>();
  // Steps downstream of a failure whose on_error is continue: the failed nodes whose previous version they read.
  const stale = new Map<string, Set<string>>();
  const ready: PlanStep[] = [];
  let finished = 0;
  let stopped = false;
  let cancelled = false;
  const cancel = () => {
    stopped = cancelled = true;
    void ctx.adapter.cancel();
  };
  if (ctx.signal?.aborted) stopped = cancelled = true;
  ctx.signal?.addEventListener('abort', cancel, { once: true });

  const record = (result: NodeResult) => {
    if (result.status === 'success') book?.built(byId.get(result.uniqueId)!);
    results.set(result.uniqueId, result);
    finished++;
    ctx.onEvent({ type: 'node_finished', index: finished, total, result });
  };

  /**
   * A step is done: it is recorded, and each step waiting for it is decided once every step it
   * waits for is done, by its trigger rule (run-conditions.ts): queued, or skipped and settled in
   * turn. A failure decides at once what it stops for sure (all_success and none_failed
   * children, and what a failed test gates), as Airflow marks upstream_failed. Children of a
   * success read, through it, what it read stale (on_error: continue).
   */
  const outcomes: Map<string, Parent> = new Map();
  const settle = (step: PlanStep, result: NodeResult, outcome: ParentOutcome, failed?: Parent['failed'], staleNames?: ReadonlySet<string>) => {
    record(result);
    const parent: Parent = { step, result, outcome, ...(failed ? { failed } : {}) };
    outcomes.set(step.uniqueId, parent);
    const isTestStep = step.resourceType === 'test' || step.resourceType === 'unit_test';
    for (const child of children.get(step.uniqueId) ?? []) {
      if (outcome === 'success' && staleNames?.size) stale.set(child, new Set([...(stale.get(child) ?? []), ...staleNames]));
      const left = waiting.get(child)! - 1;
      waiting.set(child, left);
      if (results.has(child)) continue;
      const childStep = byId.get(child)!;
      const rule = childStep.trigger ?? 'all_success';
      const early = outcome === 'failed' && (isTestStep ? result.status !== 'skipped' : rule === 'all_success' || rule === 'none_failed');
      if (left > 0 && !early) continue;
      const decision = decideTrigger(rule, early ? [parent] : childStep.dependsOn.map((id) => outcomes.get(id)!));
      if (decision.run) enqueue(childStep);
      else if (decision.outcome === 'failed') {
        const { decidedBy } = decision.failed;
        settle(childStep, { ...skippedResult(childStep, decision.message, decision.failed.name), ...(decidedBy ? { decidedBy } : {}) }, 'failed', decision.failed);
      } else settle(childStep, { ...skippedResult(childStep, decision.message), reason: decision.reason }, 'skipped');
    }
  };

  /**
   * A failed step's on_error (docs/configuration.md#on_error): fail (the default) fails the run
   * and skips what reads it; skip_downstream skips what reads it and the run goes on as if it had
   * not failed; continue lets what reads it run on the relation as it was before the run, or
   * skips it when there was none. The failure is then a warning.
   */
  const onError = (step: PlanStep, result: NodeResult): { result: NodeResult; then: 'skip' | 'continue' } => {
    const decide = (action: PolicyDecision['action'], decidedBy: DecidedBy, reason: string, tolerated: boolean) => ({
      ...result,
      decisions: [...(result.decisions ?? []), { attempt: result.attempts ?? 1, action, decidedBy, reason }],
      decidedBy,
      ...(tolerated ? { tolerated: true, error: result.error && { ...result.error, severity: 'warning' as const } } : {}),
    });
    if (result.status !== 'error') return { result, then: 'skip' };
    if (step.onError === 'continue') {
      const relation = relationNode(ctx.manifest, step.uniqueId)?.relation;
      if (relation && existing.has(relationKey(relation))) return { result: decide('continue', 'on_error: continue', 'what reads it reads its previous version', true), then: 'continue' };
      return { result: decide('skip_downstream', 'on_error: continue', 'it has no previous version, so what reads it is skipped', true), then: 'skip' };
    }
    if (step.onError === 'skip_downstream') return { result: decide('skip_downstream', 'on_error: skip_downstream', 'what reads it is skipped', true), then: 'skip' };
    return { result: decide('fail', 'on_error: fail', 'the run fails and what reads it is skipped', false), then: 'skip' };
  };

  const nodeById = new Map(allNodes(ctx.manifest).map((n) => [n.uniqueId, n]));
  const sharedValues = new Map<string, Promise<unknown>>();
  /** What a strategy may use, on a connection; its statements are recorded for target/run/. */
  const contextFor = (connection: Connection, statements: string[], measured: <R extends { readonly stats?: ExecuteResult['stats'] }>(result: R) => R): MaterializationContext => ({
    connection,
    dialect: ctx.adapter.dialect,
    capabilities: ctx.adapter.capabilities,
    templates,
    engine: ctx.adapter.engine,
    projectRoot: ctx.projectRoot,
    manifest: ctx.manifest,
    fullRefresh: plan.fullRefresh,
    eventTimeRange: plan.eventTimeRange,
    seedMasks: ctx.seedMasks,
    existing: (r) => existing.get(relationKey(r)),
    execute: async (sql) => {
      statements.push(sql);
      return measured(await connection.execute(sql));
    },
    queryValue: async (sql) => {
      statements.push(sql);
      return measured(await connection.query(sql)).rows[0]?.[0];
    },
    query: async (sql, limit) => {
      statements.push(sql);
      return measured(await connection.query(sql, limit === undefined ? undefined : { limit }));
    },
    note: (d) => statements.push(`-- ${d}`),
    database: ctx.database ?? ctx.records?.database,
    runId: ctx.invocationId,
    targetName: ctx.targetName,
    env: ctx.env,
    resultOf: (id) => results.get(id),
    withConnection: (fn) => ctx.adapter.withConnection(fn),
    shared: <T>(key: string, create: () => Promise<T>) => {
      let value = sharedValues.get(key) as Promise<T> | undefined;
      if (!value) {
        // On the connection of the first step that asks; the others wait for the promise.
        value = create();
        sharedValues.set(key, value);
      }
      return value;
    },
  });
  /**
   * Runs a group of steps holding their resources, and a single step with `retries:` again
   * after a transient error (its whole step: tables are built in a temporary relation and
   * swapped in, so an attempt leaves nothing behind). Records how long the group waited.
   */
  const runWithPolicy = async (group: readonly PlanStep[], thread: number, takenAt: number): Promise<NodeResult[]> => {
    const first = group[0]!;
    const retries = group.length === 1 ? first.retries : undefined;
    // A single step's failure, once its retries are used or not transient, is put to the onNodeError handlers.
    const errorHandlers = group.length === 1 && handlerCalls && handlerCalls.handlers.on_node_error.length > 0 ? handlerCalls : undefined;
    const handlerRetryLimit = first.retries?.count ?? HANDLER_RETRIES;
    let policyRetries = 0;
    let handlerRetries = 0;
    const warnings: Diagnostic[] = [];
    const threadWait = Math.max(0, takenAt - (readyAt.get(first.uniqueId) ?? takenAt));
    let slotMs = 0;
    let longest: { ms: number; label: string } = { ms: threadWait, label: 'a thread' };
    const attemptErrors: AttemptError[] = [];
    const decisions: PolicyDecision[] = [];
    for (let attempt = 1; ; attempt++) {
      const done = await slots.with(first.resources, (wait) => {
        slotMs += wait.ms;
        if (wait.longest && wait.longestMs > longest.ms) longest = { ms: wait.longestMs, label: resourceLabel(wait.longest) };
        return runSteps(group, thread);
      });
      const err = thrown.get(first.uniqueId);
      for (const step of group) thrown.delete(step.uniqueId);
      const queuedMs = Math.round(threadWait + slotMs);
      const finish = () =>
        done.map((r): NodeResult => ({
          ...r,
          queuedMs,
          ...(queuedMs > 0 && longest.ms >= 1 ? { queuedFor: longest.label } : {}),
          ...(retries || handlerRetries > 0 ? { attempts: attempt } : {}),
          ...(attemptErrors.length > 0 ? { attemptErrors } : {}),
          ...(decisions.length > 0 ? { decisions, decidedBy: decisions.at(-1)!.decidedBy } : {}),
          ...(warnings.length > 0 ? { warnings: [...(r.warnings ?? []), ...warnings] } : {}),
        }));
      const result = done[0]!;
      if (result.status !== 'error') {
        if (handlerCalls && group.length === 1 && result.status === 'success') warnings.push(...(await tellSuccess(handlerCalls, first, result)));
        return finish();
      }
      if (!retries && !errorHandlers) return finish();
      const transient = err !== undefined && isTransientError(err, ctx.adapter);
      attemptErrors.push({ attempt, message: shortError(result.message), transient });
      // Not transient: the same error would come again; the handlers, then on_error, decide what follows.
      if (retries && transient) {
        if (policyRetries < retries.count && !stopped) {
          policyRetries++;
          const waitSeconds = Math.round(retryDelaySeconds(retries, policyRetries) * 1000) / 1000;
          decisions.push({ attempt, action: 'retry', decidedBy: 'retries', reason: `transient: ${shortError(result.message)}`, waitSeconds });
          ctx.onEvent({ type: 'node_retrying', step: first, attempt, waitSeconds, error: shortError(result.message) });
          await backoff(waitSeconds, ctx.signal);
          continue;
        }
        decisions.push({ attempt, action: 'fail', decidedBy: 'retries', reason: stopped ? 'the run was stopped' : `${retries.count} ${retries.count === 1 ? 'retry' : 'retries'} used` });
      }
      if (!errorHandlers || stopped) return finish();
      const asked = await askOnNodeError(errorHandlers, first, result, attempt, transient);
      warnings.push(...asked.warnings);
      if (!asked.decision) return finish();
      const decidedBy = `plugin ${asked.decision.plugin}` as const;
      const why = `onNodeError: ${shortError(result.message)}`;
      if (asked.decision.action === 'retry' && handlerRetries < handlerRetryLimit) {
        handlerRetries++;
        // As its retries: would wait; without them, at once (a handler may wait before it answers).
        const waitSeconds = retries ? Math.round(retryDelaySeconds(retries, handlerRetries) * 1000) / 1000 : 0;
        decisions.push({ attempt, action: 'retry', decidedBy, reason: why, waitSeconds });
        ctx.onEvent({ type: 'node_retrying', step: first, attempt, waitSeconds, error: shortError(result.message) });
        await backoff(waitSeconds, ctx.signal);
        continue;
      }
      if (asked.decision.action === 'skip') {
        decisions.push({ attempt, action: 'skip', decidedBy, reason: why });
        // Skipped, not failed: its error is its reason, and what reads it follows its trigger rule.
        return finish().map(({ error: _error, ...r }) => ({ ...r, status: 'skipped', message: `skipped by plugin ${asked.decision!.plugin} (onNodeError) after: ${shortError(result.message)}`, reason: `${decidedBy} skipped it after: ${shortError(result.message)}` }));
      }
      decisions.push({
        attempt,
        action: 'fail',
        decidedBy,
        reason: asked.decision.action === 'retry' ? `onNodeError asked to retry, and its ${handlerRetryLimit} ${handlerRetryLimit === 1 ? 'retry is' : 'retries are'} used` : 'onNodeError answered fail',
      });
      return finish();
    }
  };

  let batchFiles = 0;
  /** Runs one step, or a batch of steps of a batched strategy, on one connection. */
  const runSteps = async (steps: readonly PlanStep[], thread: number): Promise<NodeResult[]> => {
    const nodes = steps.map((s) => nodeById.get(s.uniqueId)!);
    const strategy = STRATEGIES[steps[0]!.strategy];
    const statements: string[] = [];
    // A batch's statements go to a file of the batch, which every step of it points to.
    const runRelPath = steps.length === 1 ? runFileOf(nodes[0]!) : `${nodes[0]!.packageName}/batches/${steps[0]!.strategy}_${String(++batchFiles).padStart(3, '0')}.sql`;
    const t0 = Date.now();
    const startedAtStep = new Date(t0).toISOString();
    const tally = new ResourceTally();
    const measured = <R extends { readonly stats?: ExecuteResult['stats'] }>(result: R): R => {
      tally.add(result.stats);
      return result;
    };
    const writeRun = () => relative(ctx.projectRoot, writeRunSql(ctx.targetPath, runRelPath, statements));
    // A batch's time and engine figures are shared evenly by its steps.
    const timing = () => ({ startedAt: startedAtStep, completedAt: new Date().toISOString(), executionTime: (Date.now() - t0) / 1000 / steps.length });
    // Why the step was skipped when its run_if was false.
    let skippedReason: string | undefined;
    try {
      const outcomes = await ctx.adapter.withConnection(async (connection): Promise<(StepOutcome | Error)[]> => {
        const mctx = contextFor(connection, statements, measured);
        if (typeof strategy !== 'function') return strategy.run(nodes, mctx);
        const runIf = steps[0]!.runIf;
        // Asked on the step's own connection, just before it runs: its time is the step's.
        if (runIf && !(await evaluateRunIf(runIf, nodes[0]!, mctx, conditionRun))) {
          skippedReason = `run_if was false: ${describeRunIf(runIf)}`;
          return [{ status: 'skipped', message: `skipped: ${skippedReason}` }];
        }
        const built = await strategy(nodes[0]!, mctx);
        if (!built.error && ctx.adapter.capabilities.supportsGrants) await applyGrants(nodes[0]!, mctx);
        return [built];
      });
      const resources = shareOf(tally.result(), steps.length);
      const runPath = writeRun();
      const times = timing();
      // A source landed in this run: what reads it is recorded against what it landed, before
      // the readers are queued.
      steps.forEach((step, i) => {
        const outcome = outcomes[i];
        if (STEP_KINDS[step.strategy].landsSource && outcome && !(outcome instanceof Error) && !outcome.error && outcome.status !== 'skipped') book?.landed(relationNode(ctx.manifest, step.uniqueId)!.relationName, outcome.sourceVersion);
      });
      return steps.map((step, i): NodeResult => {
        const node = nodes[i]!;
        const outcome = outcomes[i];
        if (outcome instanceof Error || outcome === undefined) return failedStep(step, node, outcome ?? new Error('no outcome'), thread, times, runPath, statements, resources);
        const { compiledPath, declaredAt } = locationsOf(node);
        if (outcome.error) {
          return { ...base(step, thread), status: 'error', ...times, message: outcome.error.message, error: outcome.error, freshness: outcome.freshness, runPath, compiledPath, resources };
        }
        return {
          ...base(step, thread),
          status: outcome.status ?? 'success',
          ...times,
          rowsAffected: outcome.rowsAffected,
          failures: outcome.failures,
          sample: outcome.sample,
          diff: outcome.diff,
          freshness: outcome.freshness,
          monitor: outcome.monitor,
          monitorFindings: outcome.monitorFindings,
          tableStats: outcome.tableStats,
          message: outcome.message ?? (outcome.rowsAffected !== undefined ? `${outcome.rowsAffected} rows` : 'OK'),
          reason: skippedReason ?? book?.decisions.get(step.uniqueId)?.reason,
          runPath,
          compiledPath,
          declaredAt,
          resources,
        };
      });
    } catch (err) {
      const runPath = writeRun();
      const times = timing();
      const resources = shareOf(tally.result(), steps.length);
      return steps.map((step, i) => failedStep(step, nodes[i]!, err, thread, times, runPath, statements, resources));
    }
  };

  /** A step whose strategy threw: its error, located in its file. */
  const failedStep = (
    step: PlanStep,
    node: ManifestNode,
    err: unknown,
    thread: number,
    times: { startedAt: string; completedAt: string; executionTime: number },
    runPath: string,
    statements: string[],
    resources: NodeResources | undefined,
  ): NodeResult => {
    const isTest = node.kind === 'test' || node.kind === 'unit_test';
    const located =
      isSqlNode(node) || (node.kind === 'test' && node.testType === 'singular')
        ? { file: node.originalFilePath, rawCode: node.rawCode }
        : isTest
          ? { file: node.location.file, line: node.location.line }
          : { file: node.originalFilePath };
    thrown.set(step.uniqueId, err);
    const error = toDiagnostic(err, ctx, { ...located, isTest }, statements, runPath);
    return { ...base(step, thread), status: 'error', ...times, message: error.message, error, runPath, compiledPath: locationsOf(node).compiledPath, resources };
  };

  // Steps of a batched strategy (monitors) wait, once ready, until a batch of them is full,
  // nothing else is running or ready, or the first of them has waited BATCH_WAIT_MS.
  const batches = new Map<StrategyName, { steps: PlanStep[]; since: number }>();
  const enqueue = (step: PlanStep) => {
    readyAt.set(step.uniqueId, performance.now());
    ctx.onEvent({ type: 'node_queued', step });
    if (typeof STRATEGIES[step.strategy] === 'function' || reusable(step)) {
      ready.push(step);
      return;
    }
    const batch = batches.get(step.strategy) ?? { steps: [], since: Date.now() };
    batch.steps.push(step);
    batches.set(step.strategy, batch);
  };

  for (const step of plan.steps) if (step.dependsOn.length === 0) enqueue(step);
  // Work shared by a strategy's batches starts now, beside the first steps; a failure there
  // is met again by the batches that need it.
  const warmUps: Promise<unknown>[] = [];
  for (const [name, strategy] of Object.entries(STRATEGIES)) {
    if (typeof strategy === 'function' || !strategy.warmUp || stopped) continue;
    const nodes = plan.steps.filter((s) => s.strategy === name && !reusable(s)).map((s) => nodeById.get(s.uniqueId)!);
    if (nodes.length > 0) warmUps.push(ctx.adapter.withConnection((c) => strategy.warmUp!(nodes, contextFor(c, [], (r) => r))).catch(() => undefined));
  }

  await new Promise<void>((resolveAll) => {
    let active = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const nextGroup = (): PlanStep[] | undefined => {
      if (ready.length > 0) return [ready.shift()!];
      for (const [name, batch] of batches) {
        const size = (STRATEGIES[name] as BatchStrategy).batchSize;
        if (batch.steps.length >= size || active === 0 || Date.now() - batch.since >= BATCH_WAIT_MS) {
          const group = batch.steps.splice(0, size);
          batch.since = Date.now();
          if (batch.steps.length === 0) batches.delete(name);
          return group;
        }
      }
      return undefined;
    };
    const pump = () => {
      while (!stopped && active < threads) {
        const group = nextGroup();
        if (!group) break;
        const thread = active;
        active++;
        for (const step of group) ctx.onEvent({ type: 'node_started', index: finished + 1, total, step });
        const first = group[0]!;
        const run: Promise<NodeResult[]> =
          group.length === 1 && reusable(first)
            ? Promise.resolve([
                {
                  ...base(first, thread),
                  status: 'reused',
                  executionTime: 0,
                  message: REUSED_MESSAGE,
                  reason: book?.decisions.get(first.uniqueId)?.reason,
                },
              ])
            : runWithPolicy(group, thread, performance.now()).catch((err: unknown): NodeResult[] =>
                group.map((step) => {
                  // runSteps turns the steps' own failures into results; this is a failure around
                  // them (target/run/ not writable on a full disk): those nodes' error, not a crash.
                  const error = err instanceof DpfError ? err.first : diagnostic('SqlError', { engine: ctx.adapter.engine, detail: String((err as Error)?.message ?? err), runPath: 'target/run/' }, { file: ctx.manifest.nodes[step.uniqueId]?.originalFilePath ?? step.name });
                  return { ...base(step, thread), status: 'error', executionTime: 0, message: error.message, error };
                }),
              );
        void run.then((done) => {
          active--;
          for (const ran of done) {
            const step = byId.get(ran.uniqueId)!;
            const staleNames = stale.get(step.uniqueId);
            // It read what an upstream failure left (on_error: continue): flagged, with who decided it.
            const result: NodeResult = staleNames?.size ? { ...ran, readPrevious: [...staleNames].sort(), decidedBy: ran.decidedBy ?? 'on_error: continue' } : ran;
            if (!BLOCKING.has(result.status)) {
              settle(step, result, result.status === 'skipped' ? 'skipped' : 'success', undefined, staleNames);
              continue;
            }
            const decided = onError(step, result);
            if (decided.then === 'continue') {
              settle(step, decided.result, 'success', undefined, new Set([...(staleNames ?? []), step.name]));
              continue;
            }
            if (ctx.failFast && !decided.result.tolerated) stopped = true;
            settle(step, decided.result, 'failed', { name: step.name, ...(decided.result.tolerated && decided.result.decidedBy ? { decidedBy: decided.result.decidedBy } : {}) });
          }
          pump();
        });
      }
      if (active === 0 && (stopped || (ready.length === 0 && batches.size === 0))) {
        clearTimeout(timer);
        resolveAll();
        return;
      }
      // A batch waiting for more steps is looked at again when its wait is over.
      if (!stopped && batches.size > 0 && timer === undefined) {
        timer = setTimeout(() => {
          timer = undefined;
          pump();
        }, BATCH_WAIT_MS);
      }
    };
    pump();
  });

  ctx.signal?.removeEventListener('abort', cancel);
  await Promise.all(warmUps);
  for (const step of plan.steps) {
    if (!results.has(step.uniqueId)) record(skippedResult(step, cancelled ? 'skipped: the run was cancelled' : 'skipped: --fail-fast stopped the run after an error'));
  }
  const ordered = plan.steps.map((s) => results.get(s.uniqueId)!);
  const counts: Record<NodeStatus, number> = { success: 0, reused: 0, pass: 0, warn: 0, fail: 0, error: 0, skipped: 0 };
  let after: ReuseState | undefined;
  if (book) {
    const left = await book.finish();
    const nowExisting = new Set(existing.keys());
    for (const r of ordered) {
      const relation = executableNode(ctx.manifest, r.uniqueId)?.relation;
      if (relation && r.status === 'success') nowExisting.add(relationKey(relation));
    }
    after = { records: left.records, existing: nowExisting, sourceVersions: left.sourceVersions };
  }
  for (const r of ordered) counts[r.status]++;
  const tolerated = ordered.filter((r) => r.tolerated).length;
  const workersAtEnd = ctx.engineStats ? await activeWorkers(ctx.adapter) : undefined;
  if (handlerCalls) runWarnings.push(...(await tellRunEnd(handlerCalls, { counts, results: ordered, elapsed: (Date.now() - started) / 1000 })));
  const workers = workersAtStart === undefined && workersAtEnd === undefined ? undefined : { start: workersAtStart, end: workersAtEnd };
  const summary: RunSummary = {
    command: plan.command,
    invocationId: ctx.invocationId,
    startedAt,
    elapsed: (Date.now() - started) / 1000,
    results: ordered,
    counts,
    ...(cancelled ? { cancelled: true } : {}),
    ...(workers ? { workers } : {}),
    ...(tolerated > 0 ? { tolerated } : {}),
    ...(runWarnings.length > 0 ? { warnings: runWarnings } : {}),
  };
  ctx.onEvent({ type: 'run_finished', summary });
  return { ...summary, reuseState: after };
}

/**
 * Answers a run without the warehouse when nothing has written to it since the last run
 * (the adapter's stamp matches target/reuse_ledger.json) and that run left every step of this
 * plan current; undefined when the warehouse must be opened.
 */
export function runFromLedger(
  plan: Plan,
  ctx: Pick<RunContext, 'manifest' | 'invocationId' | 'onEvent' | 'threads' | 'targetPath'> & { readonly targetName: string; readonly stamp?: string },
): RunSummary | undefined {
  const known = ctx.stamp ? readLedger(ctx.targetPath, ctx.targetName, ctx.stamp) : undefined;
  if (!known) return undefined;
  // Tables in the warehouse are as the ledger saw them (the stamp says nobody wrote since);
  // files read in place are looked at again.
  const sourceVersions = new Map(known.sourceVersions);
  for (const source of sourcesRead(plan, ctx.manifest)) if (source.externalLocation) sourceVersions.set(source.relationName, filesVersion(source.externalLocation));
  const decisions = decideReuse(plan, ctx.manifest, { records: known.records, existing: known.existing, sourceVersions });
  if (!plan.steps.every((step) => decisions.get(step.uniqueId)?.reuse === true)) return undefined;
  return reusedRun(plan, ctx, decisions);
}

/** A run in which every step is reused: the same events and summary as runPlan would give. */
function reusedRun(plan: Plan, ctx: Pick<RunContext, 'manifest' | 'invocationId' | 'onEvent' | 'threads'>, decisions: ReadonlyMap<string, ReuseDecision>): RunSummary {
  const startedAt = new Date().toISOString();
  const started = Date.now();
  const total = plan.steps.length;
  ctx.onEvent({ type: 'run_started', total, threads: Math.max(1, Math.min(ctx.threads, total)) });
  const results = plan.steps.map((step, i): NodeResult => {
    ctx.onEvent({ type: 'node_queued', step });
    ctx.onEvent({ type: 'node_started', index: i + 1, total, step });
    const result: NodeResult = { ...base(step, 0), status: 'reused', executionTime: 0, message: REUSED_MESSAGE, reason: decisions.get(step.uniqueId)?.reason };
    ctx.onEvent({ type: 'node_finished', index: i + 1, total, result });
    return result;
  });
  const counts: Record<NodeStatus, number> = { success: 0, reused: total, pass: 0, warn: 0, fail: 0, error: 0, skipped: 0 };
  const summary: RunSummary = { command: plan.command, invocationId: ctx.invocationId, startedAt, elapsed: (Date.now() - started) / 1000, results, counts };
  ctx.onEvent({ type: 'run_finished', summary });
  return summary;
}

/** target/run/ path of a step's statements: tests, source tables declared in one YAML file, and monitors (beside their node's file) each get a file of their own; exports go to exports/<name>.sql. */
function runFileOf(node: ManifestNode): string {
  if (node.kind === 'export') return `${node.packageName}/exports/${node.name}.sql`;
  // A model a for_each generates shares its file with the others: each gets a file of its own.
  const generated = node.kind === 'model' && node.forEach !== undefined;
  const ownName = node.kind === 'test' || node.kind === 'unit_test' || node.kind === 'monitor' || generated ? node.name : node.kind === 'source' ? `${node.sourceName}.${node.tableName}` : undefined;
  return ownName
    ? `${node.packageName}/${node.originalFilePath.replace(node.kind === 'monitor' ? /\.[^./]+$/ : /\.(ya?ml|sql)$/, '')}/${ownName}.sql`
    : `${node.packageName}/${node.originalFilePath}`;
}

/** Where a test's compiled SQL and declaration are, for its result. */
function locationsOf(node: ManifestNode): { compiledPath?: string; declaredAt?: string } {
  if (node.kind !== 'test' && node.kind !== 'unit_test') return {};
  return {
    compiledPath: node.kind === 'test' ? node.compiledPath : undefined,
    declaredAt: [node.location.file, node.location.line].filter(Boolean).join(':'),
  };
}

function base(step: PlanStep, thread: number) {
  return {
    uniqueId: step.uniqueId,
    name: step.name,
    resourceType: step.resourceType,
    strategy: step.strategy,
    relationName: step.relationName,
    thread,
  };
}

/** How progress lines and run results name what a step waited for. */
function resourceLabel(resource: StepResource): string {
  return resource.kind === 'warehouse' ? 'a warehouse connection' : `pool ${resource.name}`;
}

function skippedResult(step: PlanStep, message: string, because?: string): NodeResult {
  return { ...base(step, 0), status: 'skipped', executionTime: 0, message, skippedBecause: because };
}

/** The project's handlers, loaded once for the run; one that does not load is a warning of the run, and left out. */
async function runHandlers(ctx: RunContext, warnings: Diagnostic[]): Promise<HandlerCalls | undefined> {
  if (!ctx.handlers) return undefined;
  const { handlers, problems } = await loadHandlers(ctx.projectRoot, ctx.handlers);
  warnings.push(...problems.map((d) => ({ ...d, severity: 'warning' as const })));
  if (Object.values(handlers).every((list) => list.length === 0)) return undefined;
  const timeoutMs = (ctx.handlers.timeout_seconds ?? HANDLER_TIMEOUT_SECONDS) * 1000;
  return { handlers, timeoutMs, run: { id: ctx.invocationId, ...(ctx.targetName ? { target: ctx.targetName } : {}) } };
}

/** The engine's active workers, or undefined where it has none to count or the count fails (a figure, never a failure). */
async function activeWorkers(adapter: Adapter): Promise<number | undefined> {
  return adapter.activeWorkers ? adapter.activeWorkers().catch(() => undefined) : undefined;
}

/** Creates the schemas the plan writes to, lists what exists in them, and drops what a killed run left. */
async function prepareSchemas(plan: Plan, ctx: RunContext): Promise<Map<string, RelationType>> {
  // Tests write no relation of their own; an extract writes its source's.
  const relations = plan.steps.flatMap((s) => (STEP_KINDS[s.strategy].landsSource ? relationNode(ctx.manifest, s.uniqueId)?.relation : executableNode(ctx.manifest, s.uniqueId)?.relation) ?? []);
  if (relations.length === 0) return new Map();
  return ctx.adapter.withConnection((c) => existingRelations(c, relations, { createSchemas: true, dropLeftovers: true }));
}

function toDiagnostic(
  err: unknown,
  ctx: RunContext,
  where: { file: string; rawCode?: string; line?: number; isTest: boolean },
  statements: string[],
  runPath: string,
): Diagnostic {
  if (err instanceof DpfError) return err.first;
  const message = err instanceof Error ? err.message : String(err);
  const line = where.rawCode !== undefined ? sourceLineOf(message, statements[statements.length - 1] ?? '', where.rawCode) : where.line;
  const location = { file: where.file, line: line ?? 1, column: line ? undefined : 1 };
  const args = { engine: ctx.adapter.engine, detail: message.trim(), runPath };
  return where.isTest ? diagnostic('TestSqlError', args, location) : diagnostic('SqlError', args, location);
}
