/**
 * Step 1c: the TypeScript models (models/**\/*.ts, docs/typescript-models.md), loaded before
 * parsing with jiti, as plugins are, so that parse-ts-models.ts can read what each declares
 * (refs, columns). A project without .ts files under its model paths never loads jiti.
 */
import { DpfError, diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import { importedFiles, loadTransform, type TransformPlugin } from '../plugins/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectFiles } from './load-project.js';
import type { Manifest } from './manifest.js';
import { nodesOfKind } from './node-kinds.js';
import { sha256 } from './parse-scope.js';

export interface LoadedTransform {
  readonly plugin: TransformPlugin;
  /** The project files it imports, with their checksums. */
  readonly imports: readonly { readonly path: string; readonly checksum: string }[];
}

/** Each TypeScript model file by path: what it declares. */
export type ProjectTransforms = ReadonlyMap<string, LoadedTransform>;

/**
 * Loads every TypeScript model; those that do not load or are no transform are reported
 * together, before parsing: what reads a model cannot be checked without it, and "names no
 * model" on top of "could not be loaded" would mislead.
 */
export async function loadTsModels(files: Pick<ProjectFiles, 'root' | 'tsModels'>): Promise<ProjectTransforms> {
  const loaded = new Map<string, LoadedTransform>();
  const problems: Diagnostic[] = [];
  for (const file of files.tsModels) {
    try {
      const plugin = await loadTransform(files.root, file.path, file.name);
      loaded.set(file.path, { plugin, imports: importedFiles(files.root, file.path).map((f) => ({ path: f.path, checksum: sha256(f.text).checksum })) });
    } catch (err) {
      problems.push(err instanceof DpfError ? err.first : diagnostic('TransformLoadFailed', { model: file.name, detail: String((err as Error)?.message ?? err) }, { file: file.path }));
    }
  }
  if (problems.length > 0) throw new DpfError(problems);
  return loaded;
}

/**
 * Whether a project file a TypeScript model of this manifest imports has changed since it was
 * compiled: the compile fingerprint covers the model folders and plugins/, not a helper
 * elsewhere, so a reused compile is checked against these too.
 */
export function importsChanged(root: string, manifest: Manifest): boolean {
  for (const node of nodesOfKind(manifest, 'model')) {
    for (const imported of node.transform?.imports ?? []) {
      let now: string | undefined;
      try {
        now = sha256(readFileSync(join(root, imported.path), 'utf8')).checksum;
      } catch {
        return true;
      }
      if (now !== imported.checksum) return true;
    }
  }
  return false;
}
