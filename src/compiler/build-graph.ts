/**
 * Step 3: the DAG. One graphlib graph over every node and source, edges from parent to child.
 * A cycle is an error that prints the path around it.
 */
import { Graph } from '@dagrejs/graphlib';
import { DpfError, diagnostic } from '../errors/dpf-error.js';
import type { Manifest } from './manifest.js';
import { isSqlNode, allNodes } from './node-kinds.js';

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
    // What a run_if query reads: the step runs after it (parse-conditions.ts).
    const runIf = 'condition' in node ? node.condition?.runIf : undefined;
    if (runIf?.kind === 'sql') for (const dep of runIf.dependsOn) graph.setEdge(dep, node.uniqueId);
  }
  const order = topologicalOrder(manifest, graph);
  return { graph, order };
}

/**
 * Kahn's algorithm taking the smallest ready unique id first, so orders and outputs do not
 * change between runs. Ids are ranked once and the ready set is a binary heap of ranks.
 */
function topologicalOrder(manifest: Manifest, graph: Dag): string[] {
  const ids = graph.nodes().sort();
  const rank = new Map(ids.map((id, i) => [id, i]));
  const indegree = ids.map((id) => graph.predecessors(id)?.length ?? 0);
  const heap = new MinHeap();
  indegree.forEach((d, i) => d === 0 && heap.push(i));
  const order: string[] = [];
  while (heap.size > 0) {
    const id = ids[heap.pop()]!;
    order.push(id);
    for (const child of graph.successors(id) ?? []) {
      const r = rank.get(child)!;
      if (--indegree[r]! === 0) heap.push(r);
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
  const ref = isSqlNode(first) ? first.refs.find((r) => r.name === names[1]) : undefined;
  const location = ref?.location ?? (first ? { file: first.originalFilePath, line: 1, column: 1 } : undefined);
  return new DpfError([diagnostic('DependencyCycle', { path: names }, location)]);
}

class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(value: number): void {
    const a = this.items;
    a.push(value);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= value) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = value;
  }

  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r]! < a[l]! ? r : l;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
