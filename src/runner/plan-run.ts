/**
 * Step 6: the plan. Decides, before anything runs, which nodes execute, with which strategy,
 * and which other steps each must wait for. A plan is plain data: it can be printed, stored,
 * or handed to a scheduler; runPlan only executes it.
 *
 * In a build, a model waits for its unit tests, and a node's children wait for its data
 * tests, so bad data stops where it appears. A test reading several nodes gates only the
 * children downstream of all of them (anything else would be a cycle).
 */
import type { ProjectGraph } from '../compiler/build-graph.js';
import type { Manifest, ManifestNode, NodeCondition, NodeKind, NodeOfKind, OnError, RetryPolicy, RunIf, RunPolicyConfig, TriggerRule } from '../compiler/manifest.js';
import { WAREHOUSE_POOL } from '../compiler/check-pools.js';
import { allNodes, executableNode, nodeOfKind, nodesOfKind } from '../compiler/node-kinds.js';
import type { StepResource } from './resource-slots.js';
import { STEP_KINDS, type RunCommand, type StrategyName } from './step-kinds.js';

export type { RunCommand, StrategyName };
export type PlannedKind = NodeKind;

export interface PlanStep {
  readonly uniqueId: string;
  readonly name: string;
  readonly resourceType: PlannedKind;
  readonly strategy: StrategyName;
  /** The relation built, or the test's name. */
  readonly relationName: string;
  /** Steps of this plan that must succeed first (through unplanned nodes too). */
  readonly dependsOn: string[];
  /** What the step holds while it runs (resource-slots.ts): every SQL step, a warehouse connection; and a slot of its node's pool. */
  readonly resources: readonly StepResource[];
  /** Another attempt after a transient error (`retries:`). */
  readonly retries?: RetryPolicy;
  /** What its failure does to the rest of the run; absent: fail. */
  readonly onError?: Exclude<OnError, 'fail'>;
  /** Evaluated just before the step would run; false skips it (docs/pipelines.md#run_if). */
  readonly runIf?: RunIf;
  /** Whether it runs given what the steps it waits for did; absent: all_success. */
  readonly trigger?: Exclude<TriggerRule, 'all_success'>;
}

export interface Plan {
  readonly command: RunCommand;
  readonly fullRefresh: boolean;
  /** Microbatch models build this range instead of their lookback (a backfill). */
  readonly eventTimeRange?: { readonly start?: string; readonly end?: string };
  readonly steps: PlanStep[];
}


/**
 * Which strategy runs each kind of node, if any: the planner's row for every kind, typed for
 * that kind, so a new kind does not compile until it says how it is planned.
 */
const PLANNERS: { readonly [K in NodeKind]: (node: NodeOfKind<K>, command?: RunCommand) => StrategyName | undefined } = {
  // Ephemeral models are inlined into what reads them; they never run.
  model: (node) => (node.language === 'typescript' ? 'transform' : node.config.materialized === 'ephemeral' || node.config.materialized === 'snapshot' ? undefined : node.config.materialized),
  snapshot: () => 'snapshot',
  seed: () => 'seed',
  // A source is checked by its freshness rule (dpf source freshness), and landed by its
  // plugin where it has one (`extract:`) in the commands that build.
  source: (node, command) => (command === 'freshness' ? (node.freshness ? 'freshness' : undefined) : node.extract ? 'extract' : command === undefined && node.freshness ? 'freshness' : undefined),
  test: () => 'test',
  unit_test: () => 'unit_test',
  monitor: () => 'monitor',
  export: () => 'export',
  // An analysis is read by the catalog (dpf docs generate), never run.
  analysis: () => undefined,
};

/** The strategy of a node's step in a command (without one: the step that writes it, if any). */
export function strategyOf(node: ManifestNode, command?: RunCommand): StrategyName | undefined {
  return (PLANNERS[node.kind] as (n: ManifestNode, c?: RunCommand) => StrategyName | undefined)(node, command);
}

export function planRun(
  manifest: Manifest,
  graph: ProjectGraph,
  selected: ReadonlySet<string>,
  options: { command: RunCommand; fullRefresh?: boolean; eventTimeRange?: { start?: string; end?: string } },
): Plan {
  const byId = new Map(allNodes(manifest).map((n) => [n.uniqueId, n]));
  const inPlan = new Set<string>();
  for (const id of graph.order) {
    const node = byId.get(id);
    const strategy = node ? strategyOf(node, options.command) : undefined;
    if (strategy && selected.has(id) && STEP_KINDS[strategy].commands.includes(options.command)) inPlan.add(id);
  }
  // A monitor runs after its node in a command that builds the node, a source's monitor in
  // build and run (after its extract, if it has one), and every selected monitor in dpf monitor.
  if (options.command !== 'monitor') {
    for (const monitor of nodesOfKind(manifest, 'monitor')) {
      if (!inPlan.has(monitor.uniqueId)) continue;
      const watched = byId.get(monitor.attachedNode);
      const keep = watched?.kind === 'source' ? options.command === 'build' || options.command === 'run' : inPlan.has(monitor.attachedNode);
      if (!keep) inPlan.delete(monitor.uniqueId);
    }
  }
  // Nearest planned ancestors of each node, looking through nodes that are not planned.
  const planned = new Map<string, string[]>();
  const deps = new Map<string, Set<string>>();
  for (const id of graph.order) {
    const nearest = new Set<string>();
    for (const p of graph.graph.predecessors(id) ?? []) {
      if (inPlan.has(p)) nearest.add(p);
      else for (const a of planned.get(p) ?? []) nearest.add(a);
    }
    planned.set(id, [...nearest]);
    if (inPlan.has(id)) deps.set(id, nearest);
  }
  if (options.command === 'build') addTestGates(manifest, graph, inPlan, deps);

  const steps: PlanStep[] = [];
  for (const id of graph.order) {
    if (!inPlan.has(id)) continue;
    const node = byId.get(id)!;
    const strategy = strategyOf(node, options.command)!;
    // A step that writes the node (not its freshness check) follows the node's run policy.
    const policy = strategy === 'freshness' ? {} : runPolicyOfNode(node);
    const pool = policy.pool && policy.pool !== WAREHOUSE_POOL ? [{ kind: 'pool' as const, name: policy.pool }] : [];
    // run_if and trigger belong to the step that writes (a source's extract, not its freshness check).
    const condition: NodeCondition | undefined = strategy === 'freshness' || !('condition' in node) ? undefined : node.condition;
    steps.push({
      uniqueId: id,
      name: node.name,
      resourceType: node.kind,
      strategy,
      // An export reads its model's relation; its lines name the export.
      relationName: 'relationName' in node && node.kind !== 'export' ? node.relationName : node.name,
      dependsOn: [...deps.get(id)!].sort(),
      resources: [...STEP_KINDS[strategy].resources, ...pool],
      ...(policy.retries ? { retries: policy.retries } : {}),
      ...(policy.on_error && policy.on_error !== 'fail' ? { onError: policy.on_error } : {}),
      ...(condition?.runIf ? { runIf: condition.runIf } : {}),
      ...(condition?.trigger && condition.trigger !== 'all_success' ? { trigger: condition.trigger } : {}),
    });
  }
  return { command: options.command, fullRefresh: options.fullRefresh ?? false, eventTimeRange: options.eventTimeRange, steps };
}

/** pool, retries and on_error of the nodes that have them: models, snapshots, seeds, and sources in their extract block. */
function runPolicyOfNode(node: ManifestNode): RunPolicyConfig {
  switch (node.kind) {
    case 'model':
    case 'snapshot':
    case 'seed':
      return node.config;
    case 'source':
      return node.extract ? { pool: node.extract.pool, retries: node.extract.retries, on_error: node.extract.onError } : {};
    case 'export':
      return { pool: node.pool, retries: node.retries, on_error: node.onError };
    case 'test':
    case 'unit_test':
    case 'monitor':
    case 'analysis':
      return {};
  }
}

function addTestGates(manifest: Manifest, graph: ProjectGraph, inPlan: ReadonlySet<string>, deps: Map<string, Set<string>>): void {
  // A model runs after its unit tests.
  for (const unit of nodesOfKind(manifest, 'unit_test')) {
    if (inPlan.has(unit.uniqueId) && inPlan.has(unit.attachedNode)) deps.get(unit.attachedNode)!.add(unit.uniqueId);
  }
  // Children of a tested node run after its tests.
  const ancestors = new Map<string, Set<string>>();
  const ancestorsOf = (id: string): Set<string> => {
    let set = ancestors.get(id);
    if (!set) {
      set = new Set<string>();
      for (const p of graph.graph.predecessors(id) ?? []) {
        set.add(p);
        for (const a of ancestorsOf(p)) set.add(a);
      }
      ancestors.set(id, set);
    }
    return set;
  };
  for (const test of nodesOfKind(manifest, 'test')) {
    if (!inPlan.has(test.uniqueId)) continue;
    const children = new Set(test.dependsOn.flatMap((p) => graph.graph.successors(p) ?? []));
    for (const child of children) {
      // An export delivers its model only once the model's tests passed.
      const childNode = executableNode(manifest, child) ?? nodeOfKind(manifest, child, 'export');
      if (!childNode || !inPlan.has(child)) continue;
      const gated = test.dependsOn.length === 1 || test.dependsOn.every((p) => p !== child && ancestorsOf(child).has(p));
      if (gated) deps.get(child)!.add(test.uniqueId);
    }
  }
}
