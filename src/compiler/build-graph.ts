/**
 * Step 3: the DAG. One graphlib graph over every node and source, edges from parent to child.
 * A cycle is an error that prints the path around it.
 */
import { Graph } from '@dagrejs/graphlib';
import { DpfError, diagnostic } from '../errors/dpf-error.js';
import { allNodes, type Manifest } from './manifest.js';

export type Dag = Graph;

export interface ProjectGraph {
  readonly graph: Dag;
  /** Every unique id, parents before children. */
  readonly order: string[];
}

export function buildGraph(manifest: Manifest): ProjectGraph {
  const graph = new Graph({ directed: true });
  for (const node of allNodes(manifest)) graph.setNode(node.uniqueId);
  for (const node of allNodes(manifest)) {
    for (const dep of node.dependsOn) graph.setEdge(dep, node.uniqueId);
  }
  const order = topologicalOrder(manifest, graph);
  return { graph, order };
}

/** Kahn's algorithm, stable by unique id, so orders and outputs do not change between runs. */
function topologicalOrder(manifest: Manifest, graph: Dag): string[] {
  const indegree = new Map<string, number>();
  for (const id of graph.nodes()) indegree.set(id, graph.predecessors(id)?.length ?? 0);
  const ready = [...indegree].filter(([, d]) => d === 0).map(([id]) => id).sort();
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    const next: string[] = [];
    for (const child of graph.successors(id) ?? []) {
      const d = indegree.get(child)! - 1;
      indegree.set(child, d);
      if (d === 0) next.push(child);
    }
    if (next.length) {
      ready.push(...next);
      ready.sort();
    }
  }
  if (order.length !== graph.nodeCount()) throw cycleError(manifest, graph, new Set(order));
  return order;
}

function cycleError(manifest: Manifest, graph: Dag, done: Set<string>): DpfError {
  // Follow parents among the unsorted nodes until one repeats: that loop is a cycle.
  const remaining = graph.nodes().filter((id) => !done.has(id)).sort();
  let current = remaining[0]!;
  const seen = new Map<string, number>();
  const walk: string[] = [];
  while (!seen.has(current)) {
    seen.set(current, walk.length);
    walk.push(current);
    current = (graph.predecessors(current) ?? []).filter((p) => !done.has(p)).sort()[0]!;
  }
  const loop = walk.slice(seen.get(current));
  loop.push(loop[0]!);
  const names = loop.map((id) => manifest.nodes[id]?.name ?? id);
  const first = manifest.nodes[loop[0]!];
  const ref = first?.kind === 'model' ? first.refs.find((r) => r.name === names[1]) : undefined;
  const location = ref?.location ?? (first ? { file: first.originalFilePath, line: 1, column: 1 } : undefined);
  return new DpfError([diagnostic('DependencyCycle', { path: names }, location)]);
}
