/**
 * Makes compile output comparable across machines and runs, for the golden tests. It replaces
 * only what differs between two compiles of the same files: the project folder (file sources
 * compile to absolute paths), the invocation id, the time, the dpf version, and the
 * stateChecksums that hash the project folder. Everything else (nodes, configs, dependencies,
 * checksums, compiled SQL) is kept, so a change in real output still fails the comparison.
 */
import { realpathSync } from 'node:fs';

export const PROJECT = '<project>';
export const VARIES_WITH_FOLDER = '<depends on the project folder>';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Replaces the project folder (as given and as the OS resolves it) by <project>. */
export function normalizeText(text: string, projectDir: string): string {
  const forms = [...new Set([projectDir, realpathSync(projectDir)])].sort((a, b) => b.length - a.length);
  let out = text;
  for (const dir of forms) out = out.replaceAll(dir, PROJECT);
  // Windows paths: the same files give the same expected output on every OS.
  return out.replace(/<project>[^'"\s]*/g, (path) => path.replaceAll('\\', '/'));
}

export function normalizeManifest(manifest: JsonObject, projectDir: string): JsonObject {
  const variesWithFolder = foldersDependents(manifest, projectDir);
  const out = mapStrings(manifest, (s) => normalizeText(s, projectDir)) as JsonObject;
  out.metadata = {
    ...(out.metadata as JsonObject),
    generatedAt: '<generated at>',
    invocationId: '<invocation id>',
    // A release bump is not a change in what dpf compiles.
    dpfVersion: '<dpf version>',
  };
  const nodes = out.nodes as Record<string, JsonObject>;
  for (const id of variesWithFolder) if (nodes[id]?.stateChecksum) nodes[id] = { ...nodes[id], stateChecksum: VARIES_WITH_FOLDER };
  return out;
}

/**
 * The nodes whose stateChecksum hashes the project folder: those whose own output names it (a
 * file source's path), and everything downstream of one, since a checksum covers its parents'.
 */
function foldersDependents(manifest: JsonObject, projectDir: string): Set<string> {
  const entries = manifest.nodes as Record<string, JsonObject>;
  const memo = new Map<string, boolean>();
  const depends = (id: string): boolean => {
    if (!memo.has(id)) {
      const entry = entries[id];
      memo.set(id, false); // no cycles in a compiled DAG, but never loop on a broken one
      const own = !!entry && JSON.stringify(mapStrings(entry, (s) => normalizeText(s, projectDir))) !== JSON.stringify(entry);
      const parents = ((entry?.dependsOn ?? []) as string[]).some(depends);
      memo.set(id, own || parents);
    }
    return memo.get(id)!;
  };
  return new Set(Object.keys(entries).filter(depends));
}

function mapStrings(value: Json, f: (s: string) => string): Json {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)]));
  return value;
}
