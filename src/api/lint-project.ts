/**
 * `lint` and `codeowners` of the public API (`dpf lint`, `dpf codeowners`): compile the project
 * without writing artifacts, then check its conventions or derive .github/CODEOWNERS from the
 * owners of its models (docs/lint.md).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compileFromDisk } from '../compiler/compile-pipeline.js';
import { loadProjectConfig } from '../compiler/load-project.js';
import { diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import { CODEOWNERS_PATH, lintProject, renderCodeowners, type LintReport } from '../lint/index.js';
import { compileOptionsOf, type ProjectOptions } from './options.js';

export type { LintReport, LintFinding } from '../lint/index.js';

export async function lint(options: ProjectOptions = {}): Promise<LintReport> {
  const compileOptions = compileOptionsOf(options);
  const compiled = await compileFromDisk({ ...compileOptions, writeArtifacts: false });
  return lintProject(compileOptions.projectDir, loadProjectConfig(compileOptions.projectDir), compiled.manifest);
}

export interface CodeownersOptions extends ProjectOptions {
  /** Compare only: write nothing, and say in `stale` whether the file differs. */
  readonly check?: boolean;
}

export interface CodeownersOutcome {
  /** The file, relative to the project (.github/CODEOWNERS). */
  readonly file: string;
  readonly text: string;
  /** The file on disk differed from `text` (or was missing) before this call. */
  readonly stale: boolean;
  /** The file was written (not with check, and only when it was stale). */
  readonly written: boolean;
  /** Owners with no GitHub handle (DPF993); with check, also DPF994 when the file is stale. */
  readonly warnings: readonly Diagnostic[];
}

export async function codeowners(options: CodeownersOptions = {}): Promise<CodeownersOutcome> {
  const compileOptions = compileOptionsOf(options);
  const compiled = await compileFromDisk({ ...compileOptions, writeArtifacts: false });
  const { text, warnings } = renderCodeowners(loadProjectConfig(compileOptions.projectDir), compiled.manifest);
  const abs = join(compileOptions.projectDir, CODEOWNERS_PATH);
  const current = existsSync(abs) ? readFileSync(abs, 'utf8') : undefined;
  const stale = current !== text;
  if (options.check) {
    const detail = current === undefined ? 'the file does not exist' : 'its lines differ from the owners in the YAML files';
    return { file: CODEOWNERS_PATH, text, stale, written: false, warnings: stale ? [...warnings, diagnostic('CodeownersStale', { file: CODEOWNERS_PATH, detail }, { file: CODEOWNERS_PATH })] : warnings };
  }
  if (stale) {
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
  return { file: CODEOWNERS_PATH, text, stale, written: stale, warnings };
}
