/**
 * Step 6: the plan. Decides, before anything runs, which nodes execute, with which strategy,
 * and which other steps each must wait for. A plan is plain data: it can be printed, stored,
 * or handed to a scheduler; runPlan only executes it.
 */
import type { ProjectGraph } from '../compiler/build-graph.js';
import type { ExecutableNode, Manifest } from '../compiler/manifest.js';

export type StrategyName = 'view' | 'table' | 'seed';
export type RunCommand = 'run' | 'seed' | 'build';

export interface PlanStep {
  readonly uniqueId: string;
  readonly name: string;
  readonly resourceType: ExecutableNode['kind'];
  readonly strategy: StrategyName;
  readonly relationName: string;
  /** Steps of this plan that must succeed first (through unplanned nodes too). */
  readonly dependsOn: string[];
}

export interface Plan {
  readonly command: RunCommand;
  readonly fullRefresh: boolean;
  readonly steps: PlanStep[];
}

const RUNS: Record<RunCommand, ReadonlySet<ExecutableNode['kind']>> = {
  run: new Set(['model']),
  seed: new Set(['seed']),
  build: new Set(['model', 'seed']),
};

export function strategyOf(node: ExecutableNode): StrategyName | undefined {
  if (node.kind === 'seed') return 'seed';
  return node.config.materialized === 'ephemeral' ? undefined : node.config.materialized;
}

export function planRun(
  manifest: Manifest,
  graph: ProjectGraph,
  selected: ReadonlySet<string>,
  options: { command: RunCommand; fullRefresh?: boolean },
): Plan {
  const kinds = RUNS[options.command];
  const inPlan = new Set<string>();
  for (const id of graph.order) {
    const node = manifest.nodes[id];
    if (node && selected.has(id) && kinds.has(node.kind) && strategyOf(node)) inPlan.add(id);
  }
  // Nearest planned ancestors of each node, looking through nodes that are not planned.
  const planned = new Map<string, string[]>();
  const steps: PlanStep[] = [];
  for (const id of graph.order) {
    const parents = graph.graph.predecessors(id) ?? [];
    const nearest = new Set<string>();
    for (const p of parents) {
      if (inPlan.has(p)) nearest.add(p);
      else for (const a of planned.get(p) ?? []) nearest.add(a);
    }
    planned.set(id, [...nearest]);
    if (!inPlan.has(id)) continue;
    const node = manifest.nodes[id]!;
    steps.push({
      uniqueId: id,
      name: node.name,
      resourceType: node.kind,
      strategy: strategyOf(node)!,
      relationName: node.relationName,
      dependsOn: [...nearest].sort(),
    });
  }
  return { command: options.command, fullRefresh: options.fullRefresh ?? false, steps };
}
