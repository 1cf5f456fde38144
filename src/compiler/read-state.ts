/**
 * The artifacts of another run (--state <dir>): its manifest, to compare with (state:new,
 * state:modified) and to defer to, and its run results (result:error). Read-only.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../errors/dpf-error.js';
import type { Manifest } from './manifest.js';
import { READABLE_MANIFEST_VERSIONS, upgradeManifest } from './upgrade-manifest.js';
import { readJsonArtifact } from './read-json-artifact.js';
import { DPF_VERSION } from './package-paths.js';

export interface RunState {
  readonly dir: string;
  readonly manifest: Manifest;
  /** Status of each node in the state's run_results.json, if it has one. */
  readonly results?: Record<string, string>;
  /** Why run_results.json could not be read, when it exists but is damaged. */
  readonly resultsDamaged?: string;
}

export function readState(dir: string, need: string): RunState {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) fail('StateMissing', { dir, need });
  // Comparing with, or deferring to, half a manifest would select or read the wrong nodes.
  const document = readJsonArtifact<Manifest>(file, (detail) =>
    fail(
      'ArtifactDamaged',
      { need, detail, todo: `Replace ${file} with the manifest.json of the run to compare with (dpf compile in that environment writes it).` },
      { file },
    ),
  )!;
  // An earlier version's manifest is brought to the current shape; a later or unknown one is refused.
  const upgraded = upgradeManifest(document as unknown as Record<string, unknown>);
  if (!upgraded) {
    const writer = document.metadata?.dpfVersion;
    const version = document.metadata?.dpfSchemaVersion;
    fail('StateIncompatible', {
      dir,
      version: String(version),
      writtenBy: writer ? `dpf ${String(writer)}` : 'an unknown dpf version',
      current: `dpf ${DPF_VERSION}`,
      readable: READABLE_MANIFEST_VERSIONS.join(', '),
    });
  }
  const manifest = upgraded;
  let resultsDamaged: string | undefined;
  const results = readResults(dir, (detail) => (resultsDamaged = detail));
  return { dir, manifest, results, resultsDamaged };
}

/** Status by unique id from dir/run_results.json; undefined when it is missing or damaged. */
export function readResults(dir: string, onDamaged: (detail: string) => void): Record<string, string> | undefined {
  const doc = readJsonArtifact<{ results?: { uniqueId: string; status: string }[] }>(join(dir, 'run_results.json'), onDamaged);
  if (!doc) return undefined;
  return Object.fromEntries((Array.isArray(doc.results) ? doc.results : []).map((r) => [r.uniqueId, r.status]));
}
