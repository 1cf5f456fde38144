/**
 * `{{env 'NAME'}}` in the string values of an `extract:` block (a header's token, a password):
 * the manifest keeps the text as written, and the extract step renders it just before it hands
 * the config to its plugin, so a secret never reaches manifest.json, run_results.json or
 * target/run. The same helper and spelling as profiles.yml (renderEnv).
 */
import type { SourceLocation } from '../errors/dpf-error.js';
import { renderEnv } from './load-profile.js';
import type { Manifest } from './manifest.js';

/** A copy of `value` with `{{env ...}}` rendered in every string; a variable not set is DPF303 at `location`. */
export function renderEnvValues<T>(value: T, env: NodeJS.ProcessEnv, location: SourceLocation, used: string[] = []): T {
  if (typeof value === 'string') return (value.includes('{{') ? renderEnv(value, env, location, used) : value) as T;
  if (Array.isArray(value)) return value.map((v) => renderEnvValues(v, env, location, used)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderEnvValues(v, env, location, used)])) as T;
  return value;
}

/** The values of the variables the project's extract blocks read: secrets of the run, redacted wherever it reports. */
export function extractSecrets(manifest: Manifest, env: NodeJS.ProcessEnv): string[] {
  const used: string[] = [];
  for (const node of Object.values(manifest.nodes)) {
    if (node.kind !== 'source' || !node.extract) continue;
    try {
      renderEnvValues(node.extract.config, env, node.extract.location, used);
    } catch {
      // A variable not set is the extract's error when it runs; the others read so far still count.
    }
  }
  return [...new Set(used)].map((name) => env[name] ?? '').filter((s) => s.length >= 4);
}
