/** What a compiled project holds, counted: the first thing every command reports. */
import type { CompiledProject } from '../compiler/compile-pipeline.js';
import { DPF_VERSION } from '../compiler/package-paths.js';
import type { NodeKind } from '../compiler/manifest.js';
import { nodesOfKind } from '../compiler/node-kinds.js';

export interface ProjectSummary {
  readonly dpfVersion: string;
  readonly projectName: string;
  readonly targetName: string;
  readonly adapterType: string;
  readonly models: number;
  readonly seeds: number;
  readonly sources: number;
  readonly snapshots: number;
  readonly dataTests: number;
  readonly unitTests: number;
}

export function projectSummary(compiled: CompiledProject): ProjectSummary {
  const count = (kind: NodeKind) => nodesOfKind(compiled.manifest, kind).length;
  return {
    dpfVersion: DPF_VERSION,
    projectName: compiled.manifest.metadata.projectName,
    targetName: compiled.target.targetName,
    adapterType: compiled.target.type,
    models: count('model'),
    seeds: count('seed'),
    sources: count('source'),
    snapshots: count('snapshot'),
    dataTests: count('test'),
    unitTests: count('unit_test'),
  };
}
