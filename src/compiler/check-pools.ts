/**
 * Every `pool:` the project writes names a pool of dpf_project.yml's `pools:` (or `warehouse`,
 * which always exists): folder configs under models:/seeds:, YAML configs of models, seeds and
 * snapshots, and extract blocks, each reported at its own line with the closest name. Inline
 * `{{config pool=...}}` is checked by parse-models.ts with unknownPool.
 */
import { diagnostic, type Diagnostic, type SourceLocation } from '../errors/dpf-error.js';
import { closestMatch } from './closest-match.js';
import type { ProjectConfig, ProjectFiles } from './load-project.js';

/** The pool every step that uses a warehouse connection holds; `pools: {warehouse: n}` sizes it. */
export const WAREHOUSE_POOL = 'warehouse';

export function poolNames(config: Pick<ProjectConfig, 'pools'>): string[] {
  return [...new Set([WAREHOUSE_POOL, ...Object.keys(config.pools ?? {})])];
}

/** A diagnostic when `name` is no pool, else undefined. */
export function unknownPool(name: string, known: readonly string[], location: SourceLocation): Diagnostic | undefined {
  if (known.includes(name)) return undefined;
  return diagnostic('PoolNotFound', { name, suggestion: closestMatch(name, known), known: [...known] }, location);
}

export function poolDiagnostics(files: Pick<ProjectFiles, 'config' | 'configFile' | 'properties'>): Diagnostic[] {
  const known = poolNames(files.config);
  const out: Diagnostic[] = [];
  const check = (value: unknown, location: () => SourceLocation) => {
    if (typeof value !== 'string') return;
    const d = unknownPool(value, known, location());
    if (d) out.push(d);
  };
  // Folder configs: "+pool" anywhere in the tree, or "pool" with a plain value.
  const walk = (tree: unknown, path: string[]) => {
    if (!tree || typeof tree !== 'object' || Array.isArray(tree)) return;
    for (const [key, value] of Object.entries(tree)) {
      if (key === '+pool' || (key === 'pool' && typeof value === 'string')) check(value, () => files.configFile.locate([...path, key]));
      else if (!key.startsWith('+')) walk(value, [...path, key]);
    }
  };
  walk(files.config.models, ['models']);
  walk(files.config.seeds, ['seeds']);
  for (const file of files.properties) {
    for (const kind of ['models', 'seeds', 'snapshots'] as const) {
      (file.data[kind] ?? []).forEach((entry, i) => check((entry.config as { pool?: unknown } | undefined)?.pool, () => file.locate([kind, i, 'config', 'pool'])));
    }
    (file.data.models ?? []).forEach((model, mi) => {
      const exports = (model as { exports?: unknown }).exports;
      (Array.isArray(exports) ? exports : []).forEach((entry: { pool?: unknown }, ei) => check(entry?.pool, () => file.locate(['models', mi, 'exports', ei, 'pool'])));
    });
    (file.data.sources ?? []).forEach((source, si) =>
      source.tables.forEach((table, ti) => check((table.extract as { pool?: unknown } | undefined)?.pool, () => file.locate(['sources', si, 'tables', ti, 'extract', 'pool']))),
    );
  }
  return out;
}
