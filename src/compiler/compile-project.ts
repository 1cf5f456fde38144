/**
 * Step 4: compile. Renders every model's SQL in DAG order, inlining ephemeral models as CTEs,
 * and returns a new manifest carrying compiled code. Writes nothing: see write-artifacts.ts.
 */
import { createHash } from 'node:crypto';
import { DiagnosticBag } from '../errors/dpf-error.js';
import type { Dialect } from '../adapters/adapter.js';
import type { ProjectGraph } from './build-graph.js';
import type { ExecutableNode, Manifest, ModelNode, TestNode, UnitTestNode } from './manifest.js';
import { compileTest, compileUnitTest } from './compile-tests.js';
import type { ParsedProject } from './parse-project.js';
import { createHandlebars, cteName, injectCtes, renderModelSql, type TargetInfo } from './render-model-sql.js';

export interface CompileContext {
  readonly dialect: Dialect;
  readonly target: TargetInfo;
  /** --defer: refs to these unique ids render as another environment's relations. */
  readonly deferred?: ReadonlyMap<string, string>;
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
    inputOverride: ctx.deferred ? (id: string) => ctx.deferred!.get(id) : undefined,
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
    const withCtes = (r: { sql: string; ephemeralRefs: string[] }) => {
      const needs: string[] = [];
      const addNeeds = (ids: string[]) => {
        for (const dep of ids) {
          if (needs.includes(dep)) continue;
          addNeeds(ephemeral.get(dep)?.needs ?? []);
          needs.push(dep);
        }
      };
      addNeeds(r.ephemeralRefs);
      const ctes = needs.map((dep) => ({ name: cteName(manifest.nodes[dep]!.name), sql: ephemeral.get(dep)!.body }));
      return { sql: injectCtes(r.sql, ctes, ctx.dialect), needs };
    };
    const full = withCtes(rendered);
    if (node.config.materialized === 'ephemeral') {
      ephemeral.set(id, { body: rendered.sql, needs: full.needs });
    }
    // An incremental model is rendered both ways at compile time: the runner picks one once it
    // knows whether the table exists, so SQL is never rendered at run time.
    const incremental =
      node.config.incremental_strategy === 'microbatch'
        ? bag.collect(() => renderModelSql(node, ast, { ...env, inputOverride: batchFilter(manifest, ctx.dialect, env.inputOverride) }))
        : node.config.materialized === 'incremental'
          ? bag.collect(() => renderModelSql(node, ast, { ...env, isIncremental: true }))
          : undefined;
    compiled[id] = {
      ...node,
      compiledCode: full.sql,
      compiledPath: compiledPathOf(node),
      ...(incremental ? { compiledIncrementalCode: withCtes(incremental).sql } : {}),
    } satisfies ModelNode;
  }
  bag.throwIfErrors();
  addStateChecksums(manifest, graph, compiled);
  const withModels: Manifest = { ...manifest, nodes: compiled };

  const testCtx = { manifest: withModels, dialect: ctx.dialect, definitions: parsed.genericTests, env: { ...env, manifest: withModels }, cache: new Map() };
  const tests: Record<string, TestNode> = {};
  for (const test of Object.values(manifest.tests)) {
    const compiledCode = bag.collect(() => compileTest(test, testCtx));
    const compiledPath =
      test.testType === 'singular'
        ? `compiled/${test.packageName}/${test.originalFilePath}`
        : `compiled/${test.packageName}/${test.originalFilePath.replace(/\.ya?ml$/, '')}/${test.name}.sql`;
    if (compiledCode !== undefined) tests[test.uniqueId] = { ...test, compiledCode, compiledPath };
  }
  const unitTests: Record<string, UnitTestNode> = {};
  for (const test of Object.values(manifest.unitTests)) {
    const ast = parsed.templates.get(test.attachedNode)!;
    const compiledCode = bag.collect(() => compileUnitTest(test, ast, testCtx));
    if (compiledCode !== undefined) unitTests[test.uniqueId] = { ...test, compiledCode };
  }
  bag.throwIfErrors();
  return { ...withModels, tests, unitTests };
}

export function compiledPathOf(node: ExecutableNode): string {
  // A snapshot defined in YAML gets a file of its own beside where its YAML would compile.
  if (/\.ya?ml$/.test(node.originalFilePath)) return `compiled/${node.packageName}/${node.originalFilePath.replace(/\.ya?ml$/, '')}/${node.name}.sql`;
  return `compiled/${node.packageName}/${node.originalFilePath}`;
}

/**
 * A model's or seed's stateChecksum covers everything that determines its result: its compiled
 * SQL (so vars count) or data, the relation it is built into, its config, the macros it uses, and the stateChecksums of what it reads, so an
 * upstream change changes every checksum downstream. Source data is not covered: dpf cannot
 * see it change.
 */
function addStateChecksums(manifest: Manifest, graph: ProjectGraph, nodes: Record<string, ExecutableNode>): void {
  const sums = new Map<string, string>();
  for (const id of graph.order) {
    const source = manifest.sources[id];
    if (source) {
      sums.set(id, createHash('sha256').update(`${source.relationName}\u0000${source.externalLocation ?? ''}`).digest('hex'));
      continue;
    }
    const node = nodes[id];
    if (!node) continue;
    // The compiled SQL, not the file: vars and the target change what a model builds.
    const body = node.kind === 'model' ? `${node.compiledCode ?? ''}\u0000${node.compiledIncrementalCode ?? ''}` : node.checksum.checksum;
    // Where it is built counts too: the same SQL built into another schema (dpf ci, another
    // developer on the same target name) is another build.
    const hash = createHash('sha256').update(body).update(node.relationName).update(JSON.stringify(node.config));
    if (node.kind === 'model') for (const m of node.macros) hash.update(manifest.macros[m]?.checksum.checksum ?? m);
    for (const dep of node.dependsOn) hash.update(sums.get(dep) ?? dep);
    const sum = hash.digest('hex');
    sums.set(id, sum);
    nodes[id] = { ...node, stateChecksum: sum };
  }
}

/** Placeholders the microbatch strategy replaces with each batch's bounds (timestamp literals). */
export const BATCH_START = '__DPF_BATCH_START__';
export const BATCH_END = '__DPF_BATCH_END__';

/**
 * A microbatch model reads, from each upstream model that declares event_time, only the rows
 * of the batch being built (dbt's microbatch does the same).
 */
function batchFilter(manifest: Manifest, dialect: Dialect, outer?: (id: string) => string | undefined) {
  return (id: string): string | undefined => {
    const node = manifest.nodes[id];
    const relation = outer?.(id) ?? node?.relationName;
    const column = node?.kind === 'model' ? node.config.event_time : undefined;
    if (!column || !relation) return outer?.(id);
    const c = dialect.quoteIdentifier(column);
    return `(select * from ${relation} where ${c} >= ${BATCH_START} and ${c} < ${BATCH_END})`;
  };
}
