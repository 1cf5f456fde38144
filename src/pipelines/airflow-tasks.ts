/**
 * The tasks of one pipeline's Airflow DAG, as plain data: which plan steps each task runs, the
 * exact `dpf build --select … --exclude …` that runs those steps and no others, and which tasks
 * it waits for. Pure: it reads the pipeline's build plan (planRun over its selection) and the
 * manifest, so a task's dependencies are the plan's (through unselected and ephemeral nodes).
 *
 * A task holds one node that builds something (a model, seed, snapshot, or a source's extract)
 * with what goes with it in `dpf build` — its data tests, unit tests, monitors and exports —
 * or, with --group-by path|tag, every such node of one folder or first tag. A data test of
 * several nodes runs once, in the task of its last parent (in DAG order), which then waits for
 * the tasks of its other parents, as the test waits for all its parents in `dpf build`.
 */
import { posix } from 'node:path';
import type { Manifest, ManifestNode, TriggerRule } from '../compiler/manifest.js';
import { fail, type SourceLocation } from '../errors/dpf-error.js';
import { strategyOf, type Plan, type PlanStep } from '../runner/plan-run.js';

export type AirflowGroupBy = 'node' | 'path' | 'tag';
export const AIRFLOW_GROUP_BY: readonly AirflowGroupBy[] = ['node', 'path', 'tag'];

export interface AirflowTask {
  readonly taskId: string;
  /** Unique ids of the plan steps the task runs, in plan order. */
  readonly steps: readonly string[];
  /** The nodes that build something (the rest goes with them). */
  readonly nodes: readonly string[];
  /** Selector strings for `dpf build --select` and `--exclude` that plan exactly `steps`. */
  readonly select: readonly string[];
  readonly exclude: readonly string[];
  /** Task ids this one waits for (direct ones only: the transitive reduction). */
  readonly upstream: readonly string[];
  /** The dpf pool its steps hold (an Airflow pool of the same name), when they share one. */
  readonly pool?: string;
  /** A node's own trigger rule (docs/pipelines.md#trigger-rules), when the task holds one node with one. */
  readonly trigger?: TriggerRule;
}

/** Kinds that go with the node they check or deliver instead of being tasks of their own. */
const ATTACHED_KINDS: ReadonlySet<string> = new Set(['test', 'unit_test', 'monitor', 'export']);

/** The group key of a check that runs in a task of its own, whatever the grouping. */
const OWN_TASK = 'own-task:';

/** The exact selector of one node: its unique id (as `dpf retry` selects). */
export const nodeSelector = (uniqueId: string): string => `unique_id:${uniqueId}`;

export function airflowTasks(manifest: Manifest, plan: Plan, groupBy: AirflowGroupBy, pipeline: { readonly name: string; readonly location: SourceLocation }): AirflowTask[] {
  const steps = new Map(plan.steps.map((s) => [s.uniqueId, s]));
  const order = new Map(plan.steps.map((s, i) => [s.uniqueId, i]));
  const node = (id: string): ManifestNode => manifest.nodes[id]!;
  const isAttached = (id: string) => ATTACHED_KINDS.has(node(id).kind);
  /** The nodes an attached step checks or delivers (a data test: what it reads). */
  const checked = (id: string): string[] => {
    const n = node(id);
    return n.kind === 'test' ? [...new Set(n.dependsOn)] : 'attachedNode' in n && n.attachedNode ? [n.attachedNode] : [];
  };
  /** Planned steps the attached step goes with: its parents in the plan (through unplanned nodes). */
  const plannedParents = (step: PlanStep): string[] =>
    (node(step.uniqueId).kind === 'test' ? step.dependsOn : checked(step.uniqueId)).filter((id) => steps.has(id) && !isAttached(id));

  // 1. Anchors, grouped: nodes that build something, and the nodes that run nothing in a build
  // (a source without extract:) whose tests and monitors run; a check of nothing planned that
  // has no such node (a test of two sources) is an anchor itself.
  const groupOf = new Map<string, string>();
  const members = new Map<string, string[]>();
  const homeOf = new Map<string, string>();
  const join = (anchor: string, key: string) => {
    if (!groupOf.has(anchor)) members.set(key, [...(members.get(key) ?? []), anchor]);
    groupOf.set(anchor, key);
    return key;
  };
  const waitingForParents: PlanStep[] = [];
  for (const step of plan.steps) {
    const id = step.uniqueId;
    if (!isAttached(id)) homeOf.set(id, join(id, groupKey(node(id), groupBy)));
    else if (plannedParents(step).length > 0) waitingForParents.push(step);
    else {
      const parents = checked(id);
      const anchor = parents.length === 1 && strategyOf(node(parents[0]!), 'build') === undefined ? parents[0]! : id;
      homeOf.set(id, join(anchor, groupKey(node(anchor), groupBy)));
    }
  }
  const upstream = new Map<string, Set<string>>([...members.keys()].map((k) => [k, new Set<string>()]));
  const link = (from: string, to: string) => {
    if (!upstream.has(to)) upstream.set(to, new Set());
    if (from !== to) upstream.get(to)!.add(from);
  };
  for (const [id, key] of groupOf) {
    for (const dep of steps.get(id)?.dependsOn ?? []) if (groupOf.has(dep)) link(groupOf.get(dep)!, key);
  }
  const ancestors = ancestorsOf(topologicalGroups(upstream, pipeline), upstream);

  // 2. A check of planned nodes runs in the task of the one that comes after all the others
  // (then it needs no other wait); when none does (a relationships test of two independent
  // models), in a task of its own after theirs, so that it never makes a model wait for another.
  for (const step of waitingForParents) {
    const groups = [...new Set(plannedParents(step).map((p) => groupOf.get(p)!))];
    const last = groups.find((g) => groups.every((other) => other === g || ancestors.get(g)!.has(other)));
    const home = last ?? join(step.uniqueId, `${OWN_TASK}${step.uniqueId}`);
    homeOf.set(step.uniqueId, home);
    if (!last) for (const g of groups) link(g, home);
  }
  // Every step waits for the tasks of the steps it waits for in the plan: so a node gated by a
  // test or unit test (plan-run.ts, addTestGates) waits for the task that runs the test.
  for (const step of plan.steps) {
    for (const dep of step.dependsOn) link(homeOf.get(dep)!, homeOf.get(step.uniqueId)!);
  }

  // 3. The selection of each task: its anchors, plus what `dpf build` would not bring along by
  // itself, minus what it would bring that runs elsewhere (a shared test) or not at all.
  const finalOrder = topologicalGroups(upstream, pipeline);
  const rank = new Map(finalOrder.map((k, i) => [k, i]));
  const goesWith = attachedIndex(manifest);
  const taskIds = uniqueTaskIds(finalOrder.map((key) => taskIdOf(key, groupBy, members.get(key)!.map(node))));
  const reduced = transitiveReduction(finalOrder, upstream);
  return finalOrder.map((key, i): AirflowTask => {
    const own = plan.steps.filter((s) => homeOf.get(s.uniqueId) === key).map((s) => s.uniqueId);
    const anchors = members.get(key)!;
    const brought = new Set(anchors.flatMap((id) => [id, ...(goesWith.get(id) ?? [])]));
    const select = [...anchors, ...own.filter((id) => !brought.has(id))];
    const exclude = [...brought]
      .filter((id) => !own.includes(id) && !anchors.includes(id))
      .sort((a, b) => (order.get(a) ?? Infinity) - (order.get(b) ?? Infinity) || a.localeCompare(b));
    const pools = new Set(own.flatMap((id) => steps.get(id)!.resources.filter((r) => r.kind === 'pool').map((r) => r.name)));
    const trigger = anchors.length === 1 ? steps.get(anchors[0]!)?.trigger : undefined;
    return {
      taskId: taskIds[i]!,
      steps: own,
      nodes: anchors,
      select: select.map(nodeSelector),
      exclude: exclude.map(nodeSelector),
      upstream: [...reduced.get(key)!].sort((a, b) => rank.get(a)! - rank.get(b)!).map((k) => taskIds[rank.get(k)!]!),
      ...(pools.size === 1 ? { pool: [...pools][0] } : {}),
      ...(trigger ? { trigger } : {}),
    };
  });
}

/** Every group's ancestors (transitively), given an order with upstreams first. */
function ancestorsOf(order: readonly string[], upstream: ReadonlyMap<string, ReadonlySet<string>>): Map<string, Set<string>> {
  const ancestors = new Map<string, Set<string>>();
  for (const key of order) {
    const all = new Set<string>();
    for (const up of upstream.get(key)!) {
      all.add(up);
      for (const a of ancestors.get(up)!) all.add(a);
    }
    ancestors.set(key, all);
  }
  return ancestors;
}

/**
 * What `--select unique_id:X` brings along in dpf build (select-nodes.ts, withTests): the data
 * tests reading X, and the unit tests, monitors and exports attached to X.
 */
function attachedIndex(manifest: Manifest): Map<string, string[]> {
  const index = new Map<string, string[]>();
  const add = (parent: string, id: string) => index.set(parent, [...(index.get(parent) ?? []), id]);
  for (const n of Object.values(manifest.nodes)) {
    if (n.kind === 'test') for (const parent of new Set(n.dependsOn)) add(parent, n.uniqueId);
    else if (n.kind === 'unit_test' || n.kind === 'monitor' || n.kind === 'export') add(n.attachedNode, n.uniqueId);
  }
  return index;
}

function groupKey(node: ManifestNode, groupBy: AirflowGroupBy): string {
  switch (groupBy) {
    case 'node':
      return node.uniqueId;
    case 'path':
      return posix.dirname(node.originalFilePath.split('\\').join('/'));
    case 'tag':
      return node.tags[0] ?? '';
  }
}

/** Readable task ids: a model's name; other kinds prefixed with their kind; a folder with dots. */
function taskIdOf(key: string, groupBy: AirflowGroupBy, nodes: readonly ManifestNode[]): string {
  switch (key.startsWith(OWN_TASK) ? 'node' : groupBy) {
    case 'node': {
      const n = nodes[0]!;
      if (n.kind === 'model') return n.name;
      if (n.kind === 'source') return `source.${n.sourceName}.${n.tableName}`;
      return `${n.kind}.${n.name}`;
    }
    case 'path':
      return key === '.' ? 'project_root' : key.split('/').join('.');
    case 'tag':
      return key === '' ? 'untagged' : `tag.${key}`;
  }
}

/** Airflow task ids hold letters, digits, `_`, `.` and `-`, at most 250 of them, unique in the DAG. */
function uniqueTaskIds(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  return ids.map((raw) => {
    const base = raw.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 240) || 'task';
    let id = base;
    for (let n = 2; seen.has(id); n++) id = `${base}_${n}`;
    seen.add(id);
    return id;
  });
}

/** Groups with every upstream group before them; a cycle (folders or tags reading each other) is DPF913. */
function topologicalGroups(upstream: ReadonlyMap<string, ReadonlySet<string>>, pipeline: { readonly name: string; readonly location: SourceLocation }): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const out: string[] = [];
  const stack: string[] = [];
  const visit = (key: string): void => {
    if (state.get(key) === 'done') return;
    if (state.get(key) === 'visiting') {
      const path = [...stack.slice(stack.indexOf(key)), key].map((k) => k || '(untagged)');
      fail('AirflowGroupCycle', { pipeline: pipeline.name, path }, pipeline.location);
    }
    state.set(key, 'visiting');
    stack.push(key);
    for (const up of upstream.get(key) ?? []) visit(up);
    stack.pop();
    state.set(key, 'done');
    out.push(key);
  };
  for (const key of upstream.keys()) visit(key);
  return out;
}

/** Direct upstreams only: an edge implied by a longer path is left out (Airflow's graph stays readable). */
function transitiveReduction(order: readonly string[], upstream: ReadonlyMap<string, ReadonlySet<string>>): Map<string, Set<string>> {
  const ancestors = ancestorsOf(order, upstream);
  return new Map(order.map((key) => {
    const direct = [...upstream.get(key)!];
    return [key, new Set(direct.filter((up) => !direct.some((other) => other !== up && ancestors.get(other)!.has(up))))];
  }));
}
