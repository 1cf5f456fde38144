/** What a compiled project holds, counted: the first thing every command reports. */
import type { CompiledProject } from '../compiler/compile-pipeline.js';
import { DPF_VERSION } from '../compiler/package-paths.js';

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
  const nodes = Object.values(compiled.manifest.nodes);
  const snapshots = nodes.filter((n) => n.uniqueId.startsWith('snapshot.')).length;
  return {
    dpfVersion: DPF_VERSION,
    projectName: compiled.manifest.metadata.projectName,
    targetName: compiled.target.targetName,
    adapterType: compiled.target.type,
    models: nodes.filter((n) => n.kind === 'model').length - snapshots,
    seeds: nodes.filter((n) => n.kind === 'seed').length,
    sources: Object.keys(compiled.manifest.sources).length,
    snapshots,
    dataTests: Object.keys(compiled.manifest.tests).length,
    unitTests: Object.keys(compiled.manifest.unitTests).length,
  };
}
