/**
 * `grantsApply` and `grantsCheck` of the public API (`dpf grants apply|check`): compile the
 * project with its classifications, then make roles.yml what the target's engine enforces, or
 * list where the engine differs from it (docs/governance.md#access-by-role).
 */
import { resolve } from 'node:path';
import { compileFromDisk } from '../compiler/compile-pipeline.js';
import { withGovernance } from '../governance/classification/classify-project.js';
import { applyGrants, checkGrants, type GrantsApplied, type GrantsChecked, type GrantsInput } from '../governance/access/grants.js';
import { compileOptionsOf, type ProjectOptions } from './options.js';

export type { GrantsApplied, GrantsChecked } from '../governance/access/grants.js';
export type { RuleDrift } from '../governance/access/compare-rules.js';

export interface GrantsOptions extends ProjectOptions {
  /** Trino: the rules file to write or compare instead of the target's access_control_file (relative to cwd). */
  readonly out?: string;
}

async function grantsInput(options: GrantsOptions): Promise<GrantsInput> {
  const compileOptions = compileOptionsOf(options);
  const compiled = withGovernance(await compileFromDisk({ ...compileOptions, writeArtifacts: false }), compileOptions.projectDir, false);
  const out = options.out === undefined ? undefined : resolve(options.cwd ?? process.cwd(), options.out);
  return { projectDir: compileOptions.projectDir, manifest: compiled.manifest, graph: compiled.graph, target: compiled.target, out };
}

export async function grantsApply(options: GrantsOptions = {}): Promise<GrantsApplied> {
  return applyGrants(await grantsInput(options));
}

/** The drift between what the engine enforces and what roles.yml declares; none: `drift` is empty. */
export async function grantsCheck(options: GrantsOptions = {}): Promise<GrantsChecked> {
  return checkGrants(await grantsInput(options));
}
