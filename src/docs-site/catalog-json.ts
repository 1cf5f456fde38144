/**
 * target/catalog.json: the warehouse facts `dpf docs generate` read (docs/artifacts.md has the
 * shape), in the layout dbt users know: nodes and sources by unique id, columns by name with
 * type and position, stats. Written even with --empty-catalog (then both maps are empty), so
 * tools reading it find the file.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DPF_VERSION } from '../compiler/package-paths.js';
import { writeFileAtomic } from '../compiler/write-file-atomic.js';
import type { ColumnProfile } from './profile-columns.js';
import type { Catalog, CatalogEntry } from './read-catalog.js';
import { redactStrings } from '../compiler/redact-secrets.js';

export const CATALOG_SCHEMA_VERSION = 'https://dpf.dev/schemas/catalog/v1.json';

export function writeCatalogJson(
  targetPath: string,
  catalog: Catalog | undefined,
  profiles: ReadonlyMap<string, Record<string, ColumnProfile>>,
  metadata: { invocationId: string; adapterType: string; targetName: string },
  redact: (s: string) => string,
): string {
  const entry = (e: CatalogEntry) => ({
    relationName: e.relationName,
    type: e.type,
    columns: Object.fromEntries(
      e.columns.map((c) => {
        const profile = profiles.get(e.uniqueId)?.[c.name];
        return [c.name, { type: c.type, index: c.index, ...(profile ? { profile } : {}) }];
      }),
    ),
    stats: e.stats,
    ...(e.error ? { error: e.error } : {}),
  });
  const doc = {
    metadata: {
      dpfSchemaVersion: CATALOG_SCHEMA_VERSION,
      dpfVersion: DPF_VERSION,
      generatedAt: new Date().toISOString(),
      invocationId: metadata.invocationId,
      adapterType: metadata.adapterType,
      targetName: metadata.targetName,
      empty: catalog === undefined,
    },
    nodes: Object.fromEntries(Object.entries(catalog?.nodes ?? {}).map(([id, e]) => [id, entry(e)])),
    sources: Object.fromEntries(Object.entries(catalog?.sources ?? {}).map(([id, e]) => [id, entry(e)])),
  };
  mkdirSync(targetPath, { recursive: true });
  const file = join(targetPath, 'catalog.json');
  writeFileAtomic(file, JSON.stringify(redactStrings(doc, redact), null, 1));
  return file;
}
