/**
 * The kinds of node, as data: what each is called, what its unique ids start with, whether it
 * builds a relation of its own, whether its SQL is written by the user and rendered in DAG
 * order, and where YAML describes it. Selection (resource_type), the project summary, `dpf ls`,
 * the catalog and the helpers below read this table instead of each keeping a list. Per-kind
 * behaviour lives beside the stage that needs it, in tables typed over every kind, so adding a
 * kind fails to compile until each has its entry: the compiler's COMPILERS
 * (compile-project.ts), the planner's PLANNERS (runner/plan-run.ts), and the runner's
 * STEP_KINDS and STRATEGIES (runner/step-kinds.ts, runner/materializations/index.ts).
 */
import type { ExecutableNode, Manifest, ManifestNode, ModelNode, ModelTransform, NodeKind, NodeOfKind, SourceNode, SqlNode } from './manifest.js';

export interface NodeKindSpec {
  /** What users call one, in messages, `dpf ls` and the catalog. */
  readonly label: string;
  readonly plural: string;
  /** Unique ids are `<idPrefix>.<project>.…`. */
  readonly idPrefix: string;
  /** It builds a relation of its own (reuse records, grants, the catalog, clone, ci). */
  readonly buildsRelation: boolean;
  /** Its SQL is written by the user and rendered by the compiler in DAG order (refs, ephemeral CTEs). */
  readonly userSql: boolean;
  /** It checks data instead of building it. */
  readonly checksData: boolean;
  /** A check whose SQL dpf writes when it runs (a monitor): the compiler gives it none. */
  readonly sqlAtRunTime?: boolean;
  /** The key of properties files (models/*.yml) that describes it. */
  readonly yamlKey?: 'models' | 'snapshots' | 'seeds' | 'sources' | 'unit_tests';
}

export const NODE_KINDS: { readonly [K in NodeKind]: NodeKindSpec } = {
  model: { label: 'model', plural: 'models', idPrefix: 'model', buildsRelation: true, userSql: true, checksData: false, yamlKey: 'models' },
  snapshot: { label: 'snapshot', plural: 'snapshots', idPrefix: 'snapshot', buildsRelation: true, userSql: true, checksData: false, yamlKey: 'snapshots' },
  seed: { label: 'seed', plural: 'seeds', idPrefix: 'seed', buildsRelation: true, userSql: false, checksData: false, yamlKey: 'seeds' },
  source: { label: 'source', plural: 'sources', idPrefix: 'source', buildsRelation: false, userSql: false, checksData: false, yamlKey: 'sources' },
  test: { label: 'data test', plural: 'data tests', idPrefix: 'test', buildsRelation: false, userSql: false, checksData: true },
  unit_test: { label: 'unit test', plural: 'unit tests', idPrefix: 'unit_test', buildsRelation: false, userSql: false, checksData: true, yamlKey: 'unit_tests' },
  monitor: { label: 'monitor', plural: 'monitors', idPrefix: 'monitor', buildsRelation: false, userSql: false, checksData: true, sqlAtRunTime: true },
  export: { label: 'export', plural: 'exports', idPrefix: 'export', buildsRelation: false, userSql: false, checksData: false },
  // A leaf the catalog runs read-only for its page (docs/analyses.md); never built.
  analysis: { label: 'analysis', plural: 'analyses', idPrefix: 'analysis', buildsRelation: false, userSql: false, checksData: false },
};

export const ALL_KINDS = Object.keys(NODE_KINDS) as NodeKind[];
const kindsWhere = (test: (spec: NodeKindSpec) => boolean) => ALL_KINDS.filter((k) => test(NODE_KINDS[k]));

/** The kinds that build a relation of their own: model, snapshot, seed. */
export const EXECUTABLE_KINDS = kindsWhere((k) => k.buildsRelation) as ExecutableNode['kind'][];
const SQL_KINDS: readonly string[] = kindsWhere((k) => k.userSql);

export function allNodes(manifest: Manifest): ManifestNode[] {
  return Object.values(manifest.nodes);
}

/** The nodes of the given kinds, in the map's order. */
export function nodesOfKind<K extends NodeKind>(manifest: Manifest, ...kinds: K[]): NodeOfKind<K>[] {
  return Object.values(manifest.nodes).filter((n): n is NodeOfKind<K> => (kinds as string[]).includes(n.kind));
}

/** The node with this unique id if it is of one of the kinds; undefined otherwise. */
export function nodeOfKind<K extends NodeKind>(manifest: Manifest, id: string, ...kinds: K[]): NodeOfKind<K> | undefined {
  const node = manifest.nodes[id];
  return node && (kinds as string[]).includes(node.kind) ? (node as NodeOfKind<K>) : undefined;
}

export const isExecutable = (node: ManifestNode | undefined): node is ExecutableNode => !!node && (EXECUTABLE_KINDS as readonly string[]).includes(node.kind);
export const isSqlNode = (node: ManifestNode | undefined): node is SqlNode => !!node && SQL_KINDS.includes(node.kind);
/** A model inlined as a CTE wherever it is read: it builds nothing. */
export const isEphemeral = (node: ManifestNode | undefined): node is ModelNode => node?.kind === 'model' && node.config.materialized === 'ephemeral';

/** A model written in TypeScript (models/<name>.ts): its transform runs in dpf, not in the engine. */
export const isTypescriptModel = (node: ManifestNode | undefined): node is ModelNode & { readonly language: 'typescript'; readonly transform: ModelTransform } =>
  node?.kind === 'model' && node.language === 'typescript' && node.transform !== undefined;

/** The relation-building node with this unique id (model, snapshot or seed), if it is one. */
export function executableNode(manifest: Manifest, id: string): ExecutableNode | undefined {
  const node = manifest.nodes[id];
  return isExecutable(node) ? node : undefined;
}

/** A node that names a relation dpf reads or writes: a model, snapshot, seed or source. */
export type RelationNode = ExecutableNode | SourceNode;
export const hasRelation = (node: ManifestNode | undefined): node is RelationNode => isExecutable(node) || node?.kind === 'source';

/** The node with this unique id if it names a relation (model, snapshot, seed or source). */
export function relationNode(manifest: Manifest, id: string): RelationNode | undefined {
  const node = manifest.nodes[id];
  return hasRelation(node) ? node : undefined;
}

/** Kinds the compiler gives compiled SQL: the user's SQL and the checks. */
const COMPILED_KINDS: readonly string[] = kindsWhere((k) => k.userSql || (k.checksData && !k.sqlAtRunTime));

/** A node as compilation leaves it: with its compiled SQL where its kind has one. */
export type Compiled<N> = N extends { readonly compiledCode?: string } ? N & { readonly compiledCode: string } : N;

/**
 * A function for nodes of some kinds (a strategy, a step), given them typed as those kinds
 * with their compiled SQL. The plan hands each strategy only the kinds it is for, so the one
 * check here failing is a bug in dpf, not a user's mistake.
 */
export function forKinds<K extends NodeKind, C, R>(kinds: readonly K[], fn: (node: Compiled<NodeOfKind<K>>, ctx: C) => R): (node: ManifestNode, ctx: C) => R {
  return (node, ctx) => fn(ofKinds(kinds, node), ctx);
}

/** forKinds for a step that runs several nodes at once (monitors, measured together). */
export function forKindsBatch<K extends NodeKind, C, R>(kinds: readonly K[], fn: (nodes: Compiled<NodeOfKind<K>>[], ctx: C) => R): (nodes: readonly ManifestNode[], ctx: C) => R {
  return (nodes, ctx) => fn(nodes.map((node) => ofKinds(kinds, node)), ctx);
}

function ofKinds<K extends NodeKind>(kinds: readonly K[], node: ManifestNode): Compiled<NodeOfKind<K>> {
  const compiled = !COMPILED_KINDS.includes(node.kind) || (node as { compiledCode?: string }).compiledCode !== undefined;
  if (!(kinds as readonly string[]).includes(node.kind) || !compiled) {
    throw new Error(`a step for ${kinds.join(' or ')} nodes was given ${compiled ? 'a' : 'an uncompiled'} ${node.kind}: ${node.uniqueId}`);
  }
  return node as Compiled<NodeOfKind<K>>;
}
