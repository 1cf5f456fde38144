/**
 * Step 4: compile. Renders every model's SQL in DAG order, inlining ephemeral models as CTEs,
 * and returns a new manifest carrying compiled code. Writes nothing: see write-artifacts.ts.
 */
import { DiagnosticBag } from '../errors/dpf-error.js';
import type { Dialect } from '../adapters/adapter.js';
import type { ProjectGraph } from './build-graph.js';
import type { ExecutableNode, Manifest, ModelNode } from './manifest.js';
import type { ParsedProject } from './parse-project.js';
import { createHandlebars, cteName, injectCtes, renderModelSql, type TargetInfo } from './render-model-sql.js';

export interface CompileContext {
  readonly dialect: Dialect;
  readonly target: TargetInfo;
}

export function compileProject(parsed: ParsedProject, graph: ProjectGraph, ctx: CompileContext): Manifest {
  const { manifest } = parsed;
  const bag = new DiagnosticBag();
  const byName = new Map(Object.values(manifest.nodes).map((n) => [n.name, n.uniqueId]));
  const env = {
    handlebars: createHandlebars(parsed.partials),
    manifest,
    dialect: ctx.dialect,
    vars: parsed.vars,
    target: ctx.target,
    byName,
  };
  // For each ephemeral model: its own body and the ephemerals it needs, in dependency order.
  const ephemeral = new Map<string, { body: string; needs: string[] }>();
  const compiled: Record<string, ExecutableNode> = {};

  for (const id of graph.order) {
    const node = manifest.nodes[id];
    if (!node) continue;
    if (node.kind !== 'model') {
      compiled[id] = node;
      continue;
    }
    const ast = parsed.templates.get(id)!;
    const rendered = bag.collect(() => renderModelSql(node, ast, env));
    if (!rendered) continue;
    const needs: string[] = [];
    const addNeeds = (ids: string[]) => {
      for (const dep of ids) {
        if (needs.includes(dep)) continue;
        addNeeds(ephemeral.get(dep)?.needs ?? []);
        needs.push(dep);
      }
    };
    addNeeds(rendered.ephemeralRefs);
    if (node.config.materialized === 'ephemeral') {
      ephemeral.set(id, { body: rendered.sql, needs });
    }
    const ctes = needs.map((dep) => ({ name: cteName(manifest.nodes[dep]!.name), sql: ephemeral.get(dep)!.body }));
    const compiledCode = injectCtes(rendered.sql, ctes, ctx.dialect);
    compiled[id] = { ...node, compiledCode, compiledPath: compiledPathOf(node) } satisfies ModelNode;
  }
  bag.throwIfErrors();
  return { ...manifest, nodes: compiled };
}

export function compiledPathOf(node: ExecutableNode): string {
  return `compiled/${node.packageName}/${node.originalFilePath}`;
}
