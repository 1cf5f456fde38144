/**
 * Step 4: compile. Renders every model's SQL in DAG order, inlining ephemeral models as CTEs,
 * and returns a new manifest carrying compiled code. Writes nothing: see write-artifacts.ts.
 */
import { createHash } from 'node:crypto';
import { DiagnosticBag } from '../errors/dpf-error.js';
import type { Dialect } from '../adapters/adapter.js';
import type { ProjectGraph } from './build-graph.js';
import type { ExecutableNode, Manifest, ManifestNode, ModelNode, ModelTransform, NodeKind, NodeOfKind, SqlNode } from './manifest.js';
import { isExecutable, isSqlNode, isTypescriptModel, relationNode, nodesOfKind } from './node-kinds.js';
import { compileAnalysis, compileTest, compileUnitTest, type TestCompileContext } from './compile-tests.js';
import type { ParsedProject } from './parse-project.js';
import { compileConditions } from './compile-conditions.js';
import { createHandlebars, cteName, injectCtes, renderModelSql, type TargetInfo } from './render-model-sql.js';
import { hasClassifiedColumns, maskedSourceRelation, type MaskingContext } from './masked-inputs.js';

export interface CompileContext {
  readonly dialect: Dialect;
  readonly target: TargetInfo;
  /** --defer: refs to these unique ids render as another environment's relations. */
  readonly deferred?: ReadonlyMap<string, string>;
  /** A `masking: true` target: sources with classified columns are read through masked views (masked-inputs.ts). */
  readonly masking?: MaskingContext;
}

export function compileProject(parsed: ParsedProject, graph: ProjectGraph, ctx: CompileContext): Manifest {
  const { manifest } = parsed;
  const bag = new DiagnosticBag();
  const byName = new Map(nodesOfKind(manifest, 'model', 'snapshot', 'seed').map((n) => [n.name, n.uniqueId]));
  const env = {
    handlebars: createHandlebars(parsed.partials),
    manifest,
    dialect: ctx.dialect,
    vars: parsed.vars,
    target: ctx.target,
    byName,
    inputOverride: inputOverride(manifest, ctx),
  };
  // For each ephemeral model: its own body and the ephemerals it needs, in dependency order.
  const ephemeral = new Map<string, { body: string; needs: string[] }>();
  // Models, snapshots and seeds in DAG order, then the other kinds in the order parsed; models
  // and snapshots get their compiled SQL here, tests below.
  const compiled: Record<string, ManifestNode> = {};
  for (const id of graph.order) if (isExecutable(manifest.nodes[id])) compiled[id] = manifest.nodes[id]!;
  for (const node of Object.values(manifest.nodes)) if (!isExecutable(node)) compiled[node.uniqueId] = node;

  for (const id of graph.order) {
    const node = manifest.nodes[id];
    if (!node || COMPILERS[node.kind].phase !== 'dag' || !isSqlNode(node)) continue;
    if (isTypescriptModel(node)) {
      compiled[id] = { ...node, compiledCode: transformSql(node, manifest, ctx.dialect), compiledPath: compiledPathOf(node) };
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
    } satisfies SqlNode;
  }
  bag.throwIfErrors();
  // In a masking target, what reads a classified source reads its masked view (lineage follows it there).
  if (ctx.masking) {
    for (const source of nodesOfKind(manifest, 'source')) {
      if (hasClassifiedColumns(source)) compiled[source.uniqueId] = { ...source, readThrough: maskedSourceRelation(source, ctx.target) };
    }
  }
  addStateChecksums(graph, compiled, manifest.macros, ctx.masking);
  const withModels: Manifest = { ...manifest, nodes: compiled };

  const checks: ChecksContext = {
    manifest: withModels,
    dialect: ctx.dialect,
    definitions: parsed.genericTests,
    env: { ...env, manifest: withModels },
    cache: new Map(),
    templates: parsed.templates,
  };
  const nodes = { ...compiled };
  for (const node of Object.values(manifest.nodes)) {
    const step = COMPILERS[node.kind] as CompileStep<typeof node.kind>;
    if (step.phase !== 'after-models') continue;
    const done = bag.collect(() => step.compile(node as never, checks));
    if (done) nodes[node.uniqueId] = done;
  }
  bag.throwIfErrors();
  return compileConditions({ ...withModels, nodes }, parsed, env);
}

interface ChecksContext extends TestCompileContext {
  /** Parsed model templates by unique id: a unit test renders its model's with fixtures. */
  readonly templates: ParsedProject['templates'];
}

/**
 * How each kind is compiled. `dag`: rendered above in DAG order (refs, ephemeral models as
 * CTEs, incremental variants), then given a stateChecksum; `after-models`: compiled once every
 * model is, since checks read compiled models; `none`: nothing to render (its data or its
 * declaration is all there is). Typed over every kind, so a new kind must say which.
 */
type CompileStep<K extends NodeKind> =
  | { readonly phase: 'dag' | 'none' }
  | { readonly phase: 'after-models'; compile(node: NodeOfKind<K>, ctx: ChecksContext): NodeOfKind<K> };

const COMPILERS: { readonly [K in NodeKind]: CompileStep<K> } = {
  model: { phase: 'dag' },
  snapshot: { phase: 'dag' },
  seed: { phase: 'none' },
  source: { phase: 'none' },
  test: {
    phase: 'after-models',
    compile: (test, ctx) => ({
      ...test,
      compiledCode: compileTest(test, ctx),
      compiledPath:
        test.testType === 'singular'
          ? `compiled/${test.packageName}/${test.originalFilePath}`
          : `compiled/${test.packageName}/${test.originalFilePath.replace(/\.ya?ml$/, '')}/${test.name}.sql`,
    }),
  },
  // A monitor's stats query is written when it runs, from the relation's columns then.
  monitor: { phase: 'none' },
  // An export is run by its sink plugin: nothing to compile.
  export: { phase: 'none' },
  // An analysis renders like a singular test: its refs to relations, ephemeral models as CTEs.
  analysis: {
    phase: 'after-models',
    compile: (analysis, ctx) => ({
      ...analysis,
      compiledCode: compileAnalysis(analysis, ctx),
      compiledPath: `compiled/${analysis.packageName}/${analysis.originalFilePath.replace(/\.ya?ml$/, '.sql')}`,
    }),
  },
  unit_test: {
    phase: 'after-models',
    compile: (test, ctx) => {
      const model = ctx.manifest.nodes[test.attachedNode];
      // A TypeScript model's unit test runs its transform on the fixtures (src/tests/unit-test-strategy.ts).
      if (isTypescriptModel(model)) return { ...test, compiledCode: `-- ${model.originalFilePath} runs in-process on the fixtures of ${test.name}\n` };
      return { ...test, compiledCode: compileUnitTest(test, ctx.templates.get(test.attachedNode)!, ctx) };
    },
  },
};

export function compiledPathOf(node: ExecutableNode): string {
  // A snapshot defined in YAML gets a file of its own beside where its YAML would compile.
  // A model a for_each generates gets a file of its own in a folder named after the shared file.
  if (isSqlNode(node) && node.forEach) return `compiled/${node.packageName}/${node.originalFilePath.replace(/\.sql$/, '')}/${node.name}.sql`;
  if (/\.ya?ml$/.test(node.originalFilePath)) return `compiled/${node.packageName}/${node.originalFilePath.replace(/\.ya?ml$/, '')}/${node.name}.sql`;
  // A TypeScript model's SQL (what reads its table) is written beside where a SQL model's would be.
  if (isTypescriptModel(node)) return `compiled/${node.packageName}/${node.originalFilePath.replace(/\.ts$/, '.sql')}`;
  return `compiled/${node.packageName}/${node.originalFilePath}`;
}

/** What a ref or source renders as instead: --defer's relations, then a masking target's masked source views. */
function inputOverride(manifest: Manifest, ctx: CompileContext): ((id: string) => string | undefined) | undefined {
  const masked = new Map<string, string>();
  if (ctx.masking) {
    for (const source of nodesOfKind(manifest, 'source')) {
      if (hasClassifiedColumns(source)) masked.set(source.uniqueId, ctx.dialect.renderRelation(maskedSourceRelation(source, ctx.target)));
    }
  }
  if (!ctx.deferred && masked.size === 0) return undefined;
  return (id) => ctx.deferred?.get(id) ?? masked.get(id);
}

/**
 * A model's or seed's stateChecksum covers everything that determines its result: its compiled
 * SQL (so vars count) or data, the relation it is built into, its config, the macros it uses, and the stateChecksums of what it reads, so an
 * upstream change changes every checksum downstream. Source data is not covered: dpf cannot
 * see it change.
 */
function addStateChecksums(graph: ProjectGraph, nodes: Record<string, ManifestNode>, macros: Manifest['macros'], masking: MaskingContext | undefined): void {
  const sums = new Map<string, string>();
  // In a masking target, what a masked seed holds and what a masked source's view gives follow classifications.yml.
  const maskedBy = (node: ManifestNode) => (masking && (node.kind === 'seed' || node.kind === 'source') && hasClassifiedColumns(node) ? `\u0000masked:${masking.key}` : '');
  for (const id of graph.order) {
    const node = nodes[id];
    if (node?.kind === 'source') {
      sums.set(id, createHash('sha256').update(`${node.relationName}\u0000${node.externalLocation ?? ''}${maskedBy(node)}`).digest('hex'));
      continue;
    }
    if (!isExecutable(node)) continue;
    // The compiled SQL, not the file: vars and the target change what a model builds.
    // A TypeScript model: its file and the project files it imports (its SQL only reads its table).
    const body = isTypescriptModel(node)
      ? [node.checksum.checksum, ...node.transform.imports.map((i) => `${i.path}:${i.checksum}`), node.compiledCode ?? ''].join('\u0000')
      : isSqlNode(node)
        ? `${node.compiledCode ?? ''}\u0000${node.compiledIncrementalCode ?? ''}`
        : node.checksum.checksum;
    // Where it is built counts too: the same SQL built into another schema (dpf ci, another
    // developer on the same target name) is another build.
    // Monitor settings change how a relation is judged, and run policies (pool, retries,
    // on_error, run_if, trigger) how and whether its step runs, not what it holds: changing
    // them rebuilds nothing.
    const { monitors: _monitors, pool: _pool, retries: _retries, on_error: _onError, run_if: _runIf, trigger: _trigger, ...built } = node.config;
    const hash = createHash('sha256').update(body).update(node.relationName).update(JSON.stringify(built)).update(maskedBy(node));
    if (isSqlNode(node)) for (const m of node.macros) hash.update(macros[m]?.checksum.checksum ?? m);
    for (const dep of node.dependsOn) hash.update(sums.get(dep) ?? dep);
    const sum = hash.digest('hex');
    sums.set(id, sum);
    nodes[id] = { ...node, stateChecksum: sum };
  }
}

/**
 * A TypeScript model's compiled SQL: what reads the table its transform lands (`dpf show`, the
 * catalog), headed by what it is and what it reads; the runner never runs it to build.
 */
function transformSql(node: ModelNode & { readonly transform: ModelTransform }, manifest: Manifest, dialect: Dialect): string {
  const reads = node.dependsOn.map((id) => relationNode(manifest, id)?.relationName ?? id);
  const columns = node.transform.columns.map((c) => dialect.quoteIdentifier(c.name));
  return [
    `-- ${node.originalFilePath} is a TypeScript model: dpf runs its transform and lands its rows in ${node.relationName}.`,
    `-- It reads ${reads.join(', ') || 'nothing'}.`,
    `select ${columns.join(', ')} from ${node.relationName}`,
    '',
  ].join('\n');
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
    const node = relationNode(manifest, id);
    const relation = outer?.(id) ?? node?.relationName;
    const column = isSqlNode(node) ? node.config.event_time : undefined;
    if (!column || !relation) return outer?.(id);
    const c = dialect.quoteIdentifier(column);
    return `(select * from ${relation} where ${c} >= ${BATCH_START} and ${c} < ${BATCH_END})`;
  };
}
