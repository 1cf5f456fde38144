/**
 * `compile` and `ls` of the public API: what a project holds, without touching the warehouse.
 * compile writes target/manifest.json and target/compiled/; ls writes nothing.
 */
import { compileFromDisk, type CompiledProject } from '../compiler/compile-pipeline.js';
import { withGovernance } from '../governance/classification/classify-project.js';
import type { Manifest, ManifestNode, NodeKind } from '../compiler/manifest.js';
import { ALL_KINDS, allNodes, isExecutable } from '../compiler/node-kinds.js';
import { fail } from '../errors/dpf-error.js';
import { selectNodes } from '../compiler/select-nodes.js';
import { compileOptionsOf, selectionOf, type ProjectOptions, type SelectionOptions } from './options.js';
import { projectSummary } from './project-summary.js';

export interface CompileOutcome {
  readonly manifest: Manifest;
  /** The selected nodes' unique ids, when a selection was given (in DAG order). */
  readonly selected?: readonly string[];
  /** Seconds the compile took. */
  readonly seconds: number;
  /** True when nothing changed since the last compile, which was reused as it was. */
  readonly reused: boolean;
  /** Seconds per stage (load, parse, graph, compile, write). */
  readonly timings: Readonly<Record<string, number>>;
  /** @internal for the CLI's target paths. */
  readonly compiled: CompiledProject;
}

export async function compile(options: ProjectOptions & SelectionOptions = {}): Promise<CompileOutcome> {
  const t0 = Date.now();
  const compileOptions = compileOptionsOf(options);
  const compiled = withGovernance(await compileFromDisk(compileOptions), compileOptions.projectDir, compileOptions.writeArtifacts !== false);
  for (const warning of compiled.warnings) options.onEvent?.({ type: 'warning', diagnostic: warning });
  options.onEvent?.({ type: 'project_compiled', project: projectSummary(compiled) });
  const seconds = (Date.now() - t0) / 1000;
  const selected = options.select?.length ? [...selectNodes(compiled.manifest, compiled.graph, selectionOf(options, compiled.targetPath))] : undefined;
  return { manifest: compiled.manifest, selected, seconds, reused: !compiled.parsed, timings: compiled.timings, compiled };
}

/** A node as `dpf ls` lists it. */
export interface ListedNode {
  readonly uniqueId: string;
  readonly name: string;
  /** model, seed, snapshot, source, test or unit_test. */
  readonly kind: NodeKind;
  readonly originalFilePath: string;
  readonly relationName?: string;
  readonly materialized?: string;
  readonly testType?: 'generic' | 'singular' | 'unit';
  readonly tags: readonly string[];
  readonly dependsOn: readonly string[];
}

export async function ls(options: ProjectOptions & SelectionOptions & { readonly resourceTypes?: readonly string[] } = {}): Promise<ListedNode[]> {
  const compiled = await compileFromDisk({ ...compileOptionsOf(options), writeArtifacts: false });
  const ids = selectNodes(compiled.manifest, compiled.graph, selectionOf(options, compiled.targetPath));
  const types = options.resourceTypes;
  const unknown = types?.find((t) => !(ALL_KINDS as readonly string[]).includes(t));
  if (unknown !== undefined) fail('UsageError', { detail: `--resource-type (resourceTypes) "${unknown}" names no kind of node; the kinds are ${ALL_KINDS.join(', ')}.` });
  return allNodes(compiled.manifest)
    .filter((n) => ids.has(n.uniqueId) && (!types || types.includes(n.kind)))
    .sort((a, b) => a.uniqueId.localeCompare(b.uniqueId))
    .map((n) => ({
      uniqueId: n.uniqueId,
      name: n.name,
      kind: n.kind,
      originalFilePath: n.originalFilePath,
      relationName: 'relationName' in n ? n.relationName : undefined,
      materialized: isExecutable(n) ? n.config.materialized : undefined,
      testType: n.kind === 'test' ? n.testType : n.kind === 'unit_test' ? 'unit' : undefined,
      tags: n.tags,
      dependsOn: n.dependsOn,
    }));
}

