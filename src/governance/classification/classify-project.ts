/**
 * The compile-time governance pass (docs/governance.md): with classifications.yml, every
 * column's effective classification over column lineage, checked (unknown names DPF960, a
 * declassify of no column DPF962, a public model exposing personal data DPF961; roles.yml's
 * roles and levels, DPF970/971), returned to be written into the manifest. Without the file:
 * nothing (undefined).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CompiledProject } from '../../compiler/compile-pipeline.js';
import type { ManifestGovernance } from '../../compiler/manifest.js';
import { writeManifest } from '../../compiler/write-artifacts.js';
import { DpfError } from '../../errors/dpf-error.js';
import { lineageEngine } from '../../lineage/compute-column-lineage.js';
import { loadRoles } from '../access/load-roles.js';
import { publicExposures } from './check-access.js';
import { cachedGovernance, governanceKey, saveGovernance } from './governance-cache.js';
import { CLASSIFICATIONS_FILE, loadClassifications } from './load-classifications.js';
import { propagateClassifications } from './propagate-classifications.js';

export function classifyProject(compiled: Pick<CompiledProject, 'manifest' | 'target'>, projectDir: string): ManifestGovernance | undefined {
  const classifications = loadClassifications(projectDir);
  if (!classifications) return undefined;
  // roles.yml is read with it: an unknown role among the readers, or level in a role, fails the compile at its line.
  loadRoles(projectDir, classifications);
  const { governance, problems } = propagateClassifications(compiled.manifest, classifications, lineageEngine(compiled.target.type));
  const all = [...problems, ...publicExposures(compiled.manifest, governance)];
  if (all.length > 0) throw new DpfError(all);
  return governance;
}

/**
 * The compiled project with its manifest's governance filled in (and target/manifest.json
 * written again with it, when `write`); the same project when there is no classifications.yml.
 */
export function withGovernance<C extends Pick<CompiledProject, 'manifest' | 'target' | 'targetPath'>>(compiled: C, projectDir: string, write: boolean): C {
  if (!existsSync(join(projectDir, CLASSIFICATIONS_FILE))) return compiled;
  const key = governanceKey(compiled.manifest, projectDir, compiled.target.type);
  let governance = cachedGovernance(compiled.targetPath, key);
  if (!governance) {
    governance = classifyProject(compiled, projectDir);
    if (!governance) return compiled;
    if (write) saveGovernance(compiled.targetPath, key, governance);
  }
  const manifest = { ...compiled.manifest, governance };
  if (write) writeManifest(compiled.targetPath, manifest);
  return { ...compiled, manifest };
}
