/**
 * Whole-project partial parsing: a fingerprint of everything a compile reads (the content of
 * every file under the project's resource folders, dpf_project.yml, profiles.yml, the resolved
 * target, --vars and the dpf version). When it matches the one saved with the last compile,
 * that compile's manifest is the answer and parsing is skipped. Contents, not modification
 * times: two quick edits of the same size can share a timestamp.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative, sep } from 'node:path';
import type { Diagnostic } from '../errors/dpf-error.js';
import type { TargetConfig } from '../adapters/adapter.js';
import type { ProjectConfig } from './load-project.js';
import { MANIFEST_SCHEMA_VERSION, type Manifest } from './manifest.js';
import { DPF_VERSION, SCHEMAS_DIR, TEMPLATES_DIR } from './package-paths.js';
import { readJsonArtifact } from './read-json-artifact.js';
import { writeFileAtomic } from './write-file-atomic.js';

const FILE = 'compile_fingerprint.json';

export function projectFingerprint(
  root: string,
  config: ProjectConfig,
  target: TargetConfig,
  extra: { vars?: Record<string, unknown>; profilesFile: string },
): string {
  const hash = createHash('sha1');
  hash.update(`${toolFingerprint()}\u0000${JSON.stringify(target)}\u0000${JSON.stringify(extra.vars ?? {})}\u0000`);
  const dirs = [
    ...(config['model-paths'] ?? ['models']),
    ...(config['seed-paths'] ?? ['seeds']),
    ...(config['snapshot-paths'] ?? ['snapshots']),
    ...(config['macro-paths'] ?? ['macros']),
    ...(config['test-paths'] ?? ['tests']),
    ...(config['analysis-paths'] ?? ['analyses']),
    // A plugin's config schema and columns are part of what the compile checked.
    'plugins',
  ];
  const stamp = (file: string) => {
    hash.update(`${relative(root, file)}\u0000`);
    if (existsSync(file)) hash.update(readFileSync(file));
    hash.update('\u0000');
  };
  stamp(join(root, 'dpf_project.yml'));
  stamp(extra.profilesFile);
  // A masking target's seeds and source views are masked as classifications.yml says.
  stamp(join(root, 'classifications.yml'));
  for (const dir of [...new Set(dirs)].sort()) {
    const abs = join(root, dir);
    if (!existsSync(abs)) continue;
    const entries = readdirSync(abs, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
      .sort();
    for (const file of entries) stamp(file);
  }
  return hash.digest('hex');
}

let tool: string | undefined;

/**
 * dpf itself: its version, its templates and schemas, and when its code was built, so that a
 * changed dpf (even at the same version, as while developing it) never reuses an old compile.
 */
function toolFingerprint(): string {
  if (tool) return tool;
  const hash = createHash('sha1').update(DPF_VERSION);
  // The catalog site's static files (templates/site/) do not change what a compile produces.
  const site = join(TEMPLATES_DIR, 'site');
  for (const dir of [TEMPLATES_DIR, SCHEMAS_DIR]) {
    for (const e of readdirSync(dir, { recursive: true, withFileTypes: true }).filter((x) => x.isFile())) {
      const file = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
      if (file.startsWith(site + sep)) continue;
      hash.update(file).update(readFileSync(file));
    }
  }
  hash.update(String(statSync(fileURLToPath(import.meta.url)).mtimeMs));
  tool = hash.digest('hex');
  return tool;
}

interface Saved {
  readonly fingerprint: string;
  readonly warnings: Diagnostic[];
  /** Whether target/compiled/ was written with the manifest (absent in older files: it was). */
  readonly compiledFiles?: boolean;
}

/**
 * The last compile's manifest and warnings, when its fingerprint is this one. A damaged
 * fingerprint or manifest is reported to onDamaged and means compiling again.
 */
export function reusableCompile(
  targetPath: string,
  fingerprint: string,
  onDamaged: (file: string, detail: string) => void,
): { manifest: Manifest; warnings: Diagnostic[]; compiledFiles: boolean } | undefined {
  const read = <T>(name: string) => readJsonArtifact<T>(join(targetPath, name), (detail) => onDamaged(join(targetPath, name), detail));
  const saved = read<Saved>(FILE);
  if (saved?.fingerprint !== fingerprint) return undefined;
  const manifest = read<Manifest & { $schema?: string }>('manifest.json');
  if (manifest?.metadata?.dpfSchemaVersion !== MANIFEST_SCHEMA_VERSION) return undefined;
  delete manifest.$schema;
  return { manifest, warnings: saved.warnings ?? [], compiledFiles: saved.compiledFiles !== false };
}

export function saveFingerprint(targetPath: string, fingerprint: string, warnings: Diagnostic[], compiledFiles: boolean): void {
  writeFileAtomic(join(targetPath, FILE), JSON.stringify({ fingerprint, warnings, compiledFiles } satisfies Saved));
}

export function forgetFingerprint(targetPath: string): void {
  rmSync(join(targetPath, FILE), { force: true });
}
