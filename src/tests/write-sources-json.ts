/** target/sources.json: the last freshness check, shaped by schemas/sources.schema.json. */
import { mkdirSync } from 'node:fs';
import { fail } from '../errors/dpf-error.js';
import { readJsonArtifact } from '../compiler/read-json-artifact.js';
import { dirname, join } from 'node:path';
import { DPF_VERSION } from '../compiler/package-paths.js';
import { writeFileAtomic } from '../compiler/write-file-atomic.js';
import type { FreshnessResult } from './check-freshness.js';

export const SOURCES_SCHEMA_VERSION = 'https://dpf.dev/schemas/sources/v1.json';

export function writeSourcesJson(file: string, results: readonly FreshnessResult[], invocationId: string, elapsed: number): void {
  mkdirSync(dirname(file), { recursive: true });
  const doc = {
    $schema: SOURCES_SCHEMA_VERSION,
    metadata: { dpfSchemaVersion: SOURCES_SCHEMA_VERSION, dpfVersion: DPF_VERSION, generatedAt: new Date().toISOString(), invocationId },
    elapsedTime: elapsed,
    results,
  };
  writeFileAtomic(file, JSON.stringify(doc, null, 1));
}

/**
 * The newest load time per source unique id from a sources.json in dir, if there is one. Only
 * source_status:fresher reads it, and it cannot compare with a damaged file: that is an error.
 */
export function readLoadTimes(dir: string): Record<string, string> | undefined {
  const file = join(dir, 'sources.json');
  const doc = readJsonArtifact<{ results?: { uniqueId: string; maxLoadedAt?: string }[] }>(file, (detail) =>
    fail('ArtifactDamaged', { need: 'source_status:fresher', detail, todo: 'Run `dpf source freshness` again to write it (for --state, in that environment).' }, { file }),
  );
  if (!doc) return undefined;
  return Object.fromEntries((Array.isArray(doc.results) ? doc.results : []).filter((r) => r.maxLoadedAt).map((r) => [r.uniqueId, r.maxLoadedAt!]));
}
