/**
 * The artifacts of another run (--state <dir>): its manifest, to compare with (state:new,
 * state:modified) and to defer to, and its run results (result:error). Read-only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../errors/dpf-error.js';
import { MANIFEST_SCHEMA_VERSION, type Manifest } from './manifest.js';

export interface RunState {
  readonly dir: string;
  readonly manifest: Manifest;
  /** Status of each node in the state's run_results.json, if it has one. */
  readonly results?: Record<string, string>;
}

export function readState(dir: string, need: string): RunState {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) fail('StateMissing', { dir, need });
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  const version = manifest.metadata?.dpfSchemaVersion;
  if (version !== MANIFEST_SCHEMA_VERSION) fail('StateIncompatible', { dir, version: String(version) });
  return { dir, manifest, results: readResults(dir) };
}

export function readResults(dir: string): Record<string, string> | undefined {
  const file = join(dir, 'run_results.json');
  if (!existsSync(file)) return undefined;
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { results?: { uniqueId: string; status: string }[] };
  return Object.fromEntries((doc.results ?? []).map((r) => [r.uniqueId, r.status]));
}
