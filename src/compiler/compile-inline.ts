/**
 * Compiles a one-off query (dpf show --inline) against a compiled project: the same helpers,
 * refs and ephemeral inlining as a model, without adding it to the manifest.
 */
import { DpfError, diagnostic } from '../errors/dpf-error.js';
import type { Dialect } from '../adapters/adapter.js';
import { analyzeTemplate } from './analyze-template.js';
import { closestMatch } from './closest-match.js';
import type { Manifest, ModelNode } from './manifest.js';
import { isSqlNode } from './node-kinds.js';
import type { ParsedProject } from './parse-project.js';
import { createHandlebars, cteName, injectCtes, renderModelSql, type TargetInfo } from './render-model-sql.js';

export const INLINE_FILE = '<inline query>';

export function compileInline(sql: string, parsed: ParsedProject, manifest: Manifest, dialect: Dialect, target: TargetInfo): string {
  const analysis = analyzeTemplate(sql, { file: INLINE_FILE, partials: new Set(parsed.partials.keys()), lookupVar: (n) => parsed.vars[n] });
  const byName = new Map(Object.values(manifest.nodes).map((n) => [n.name, n.uniqueId]));
  const problems = [...analysis.diagnostics];
  for (const ref of analysis.refs) {
    if (!byName.has(ref.name)) problems.push(diagnostic('RefNotFound', { name: ref.name, suggestion: closestMatch(ref.name, byName.keys()) }, ref.location));
  }
  for (const v of analysis.vars) {
    if (!v.hasDefault && !(v.name in parsed.vars)) {
      problems.push(diagnostic('VarMissing', { name: v.name, suggestion: closestMatch(v.name, Object.keys(parsed.vars)) }, v.location));
    }
  }
  for (const s of analysis.sources) {
    if (manifest.nodes[`source.${manifest.metadata.projectName}.${s.source}.${s.table}`]?.kind !== 'source') {
      problems.push(diagnostic('SourceNotFound', { source: s.source, table: s.table }, s.location));
    }
  }
  if (problems.length > 0) throw new DpfError(problems);
  const node: ModelNode = {
    kind: 'model',
    uniqueId: 'inline',
    name: 'inline',
    packageName: manifest.metadata.projectName,
    originalFilePath: INLINE_FILE,
    fqn: ['inline'],
    description: '',
    columns: {},
    meta: {},
    tags: [],
    relation: { schema: target.schema, identifier: 'inline' },
    relationName: dialect.renderRelation({ schema: target.schema, identifier: 'inline' }),
    config: { materialized: 'view', tags: [], enabled: true, meta: {}, docs: { show: false } },
    rawCode: sql,
    checksum: { name: 'sha256', checksum: '' },
    refs: analysis.refs,
    sources: analysis.sources,
    macros: [],
    dependsOn: [],
  };
  const rendered = renderModelSql(node, analysis.ast!, {
    handlebars: createHandlebars(parsed.partials),
    manifest,
    dialect,
    vars: parsed.vars,
    target,
    byName,
  });
  // An ephemeral model's compiled code already carries the CTEs it needs, so it is a CTE body as is.
  const ctes: { name: string; sql: string }[] = [];
  for (const id of rendered.ephemeralRefs) {
    const eph = manifest.nodes[id];
    if (isSqlNode(eph)) ctes.push({ name: cteName(eph.name), sql: eph.compiledCode ?? '' });
  }
  return injectCtes(rendered.sql, ctes, dialect);
}
