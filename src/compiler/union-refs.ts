/**
 * Fan-in: `{{union_refs "tag:region"}}` unions the models a selector picks, columns aligned by
 * name (docs/configuration.md#union_refs). The selector is resolved once, at parse time, over
 * the models, seeds and snapshots (so the picked models are refs of the model: lineage, DAG
 * order, state); the SQL is rendered at compile time from the columns the manifest declares,
 * since compiling never asks the warehouse. A column one model lacks is a NULL cast to the
 * type another model declares for it, or a bare NULL where no model says.
 */
import { Graph } from '@dagrejs/graphlib';
import { DpfError, diagnostic, type DiagnosticBag } from '../errors/dpf-error.js';
import type { Dialect } from '../adapters/adapter.js';
import type { UnionRefsCall } from './analyze-template.js';
import type { ExecutableNode, Manifest, ManifestNode, SqlNode, UnionRefs } from './manifest.js';
import { isTypescriptModel } from './node-kinds.js';
import { selectNodes } from './select-nodes.js';

type Unioned = Extract<ManifestNode, { kind: 'model' | 'seed' | 'snapshot' }>;

/**
 * Resolves every union_refs call: the picked models join the model's refs and dependsOn.
 * `nodes` holds every node that builds a relation, with its own refs resolved already.
 */
export function resolveUnionRefs(
  calls: readonly { readonly node: SqlNode; readonly calls: readonly UnionRefsCall[] }[],
  nodes: Readonly<Record<string, ManifestNode>>,
  bag: DiagnosticBag,
): void {
  if (calls.length === 0) return;
  const manifest = { nodes, parentMap: {}, childMap: {}, macros: {} } as unknown as Manifest;
  // Graph operators (+tag:x) walk the refs known so far; no order is needed, so no cycle check.
  const graph = new Graph({ directed: true });
  for (const node of Object.values(nodes)) graph.setNode(node.uniqueId);
  for (const node of Object.values(nodes)) for (const dep of node.dependsOn) graph.setEdge(dep, node.uniqueId);
  for (const { node, calls: written } of calls) {
    const resolved: UnionRefs[] = [];
    for (const call of written) {
      let ids: Set<string>;
      try {
        ids = selectNodes(manifest, { graph, order: [] }, { select: [call.selector] });
      } catch (err) {
        if (!(err instanceof DpfError)) throw err;
        err.diagnostics.forEach((d) => bag.add({ ...d, location: call.location }));
        continue;
      }
      const picked = [...ids]
        .map((id) => nodes[id])
        .filter((n): n is Unioned => !!n && (n.kind === 'model' || n.kind === 'seed' || n.kind === 'snapshot') && n.uniqueId !== node.uniqueId)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      if (picked.length === 0) {
        bag.add(diagnostic('UnionRefsNoMatch', { selector: call.selector }, call.location));
        continue;
      }
      const unknown = picked.filter((n) => columnsOf(n, undefined).length === 0).map((n) => n.name);
      if (unknown.length > 0) {
        bag.add(diagnostic('UnionRefsColumns', { selector: call.selector, models: unknown.join(', ') }, call.location));
        continue;
      }
      for (const p of picked) {
        if (!node.refs.some((r) => r.name === p.name)) node.refs.push({ name: p.name, location: call.location });
        if (!node.dependsOn.includes(p.uniqueId)) node.dependsOn.push(p.uniqueId);
      }
      resolved.push({ selector: call.selector, ...(call.sourceColumn ? { sourceColumn: call.sourceColumn } : {}), refs: picked.map((n) => n.name) });
    }
    (node as { unionRefs?: UnionRefs[] }).unionRefs = resolved;
  }
}

/** A relation's columns as the manifest knows them: declared in YAML, a seed's, a TypeScript model's. */
function columnsOf(node: ExecutableNode, dialect: Dialect | undefined): { name: string; type?: string }[] {
  if (node.kind === 'seed') return node.seedColumns.map((c) => ({ name: c.name, type: c.type }));
  if (isTypescriptModel(node)) return node.transform.columns.map((c) => ({ name: c.name, type: dialect?.typeName(c.type) }));
  return Object.values(node.columns).map((c) => ({ name: c.name, type: c.dataType === undefined ? undefined : (dialect?.normalizeType?.(c.dataType) ?? c.dataType) }));
}

/**
 * The union as SQL: one select per model, in the order resolved, each listing every column of
 * any of them (first seen first), a missing one as a NULL of the type declared elsewhere.
 */
export function renderUnion(call: UnionRefs, manifest: Manifest, byName: ReadonlyMap<string, string>, relationOf: (name: string) => string, dialect: Dialect): string {
  const members = call.refs.map((name) => ({ name, columns: columnsOf(manifest.nodes[byName.get(name)!] as ExecutableNode, dialect) }));
  const all = new Map<string, string | undefined>();
  for (const m of members) for (const c of m.columns) if (!all.has(c.name.toLowerCase()) || (all.get(c.name.toLowerCase()) === undefined && c.type)) all.set(c.name.toLowerCase(), c.type);
  const names = new Map<string, string>();
  for (const m of members) for (const c of m.columns) if (!names.has(c.name.toLowerCase())) names.set(c.name.toLowerCase(), c.name);
  const q = (name: string) => dialect.quoteIdentifier(name);
  return members
    .map((m) => {
      const own = new Map(m.columns.map((c) => [c.name.toLowerCase(), c.name]));
      const list = [...names].map(([key, name]) => {
        const have = own.get(key);
        if (have !== undefined) return have === name ? q(name) : `${q(have)} as ${q(name)}`;
        const type = all.get(key);
        return `${type ? `cast(null as ${type})` : 'null'} as ${q(name)}`;
      });
      if (call.sourceColumn) list.unshift(`${dialect.stringLiteral(m.name)} as ${q(call.sourceColumn)}`);
      return `select ${list.join(', ')} from ${relationOf(m.name)}`;
    })
    .join('\nunion all\n');
}
