/**
 * Renders every run_if query (parse-conditions.ts) as a model's SQL is rendered: refs and
 * sources to relations, ephemeral models as CTEs, `{{this}}` the node's own relation. Done at
 * compile time, so the runner never renders SQL; the result is `condition.runIf.compiledSql`.
 */
import { DiagnosticBag } from '../errors/dpf-error.js';
import type { Manifest, ManifestNode, NodeCondition } from './manifest.js';
import { isSqlNode } from './node-kinds.js';
import type { ParsedProject } from './parse-project.js';
import { analyzeTemplate } from './analyze-template.js';
import { cteName, injectCtes, renderModelSql, type RenderEnvironment } from './render-model-sql.js';

export function compileConditions(manifest: Manifest, parsed: Pick<ParsedProject, 'partials' | 'vars'>, env: RenderEnvironment): Manifest {
  const bag = new DiagnosticBag();
  let nodes: Record<string, ManifestNode> | undefined;
  for (const node of Object.values(manifest.nodes)) {
    const condition = 'condition' in node ? node.condition : undefined;
    const runIf = condition?.runIf;
    if (runIf?.kind !== 'sql' || !('relationName' in node)) continue;
    const analysis = analyzeTemplate(runIf.sql, { file: runIf.location.file, partials: new Set(parsed.partials.keys()), lookupVar: (n) => parsed.vars[n] });
    if (!analysis.ast) continue;
    const subject = { packageName: node.packageName, originalFilePath: node.originalFilePath, relationName: node.relationName };
    const rendered = bag.collect(() => renderModelSql(subject, analysis.ast!, { ...env, manifest }));
    if (!rendered) continue;
    // An ephemeral model's compiled code already carries the CTEs it needs.
    const ctes = rendered.ephemeralRefs.flatMap((id) => {
      const eph = manifest.nodes[id];
      return isSqlNode(eph) ? [{ name: cteName(eph.name), sql: eph.compiledCode ?? '' }] : [];
    });
    const compiledSql = injectCtes(rendered.sql, ctes, env.dialect).trim();
    nodes ??= { ...manifest.nodes };
    nodes[node.uniqueId] = { ...node, condition: { ...condition, runIf: { ...runIf, compiledSql } } satisfies NodeCondition } as ManifestNode;
  }
  bag.throwIfErrors();
  return nodes ? { ...manifest, nodes } : manifest;
}
