/**
 * The governance pass's last answer, kept in <target>/governance_cache.json and used again
 * when nothing it reads has changed: the classified kinds of nodes as the manifest has them
 * (SQL, columns, relations, access, declassify), classifications.yml, roles.yml and the engine.
 * Tracing every model's SQL again took 1.7 s a compile on a 1,000-model project. Only a pass
 * that found no problem is kept, so a hit needs no checks. Unreadable or stale: recomputed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest, ManifestGovernance } from '../../compiler/manifest.js';
import { writeFileAtomic } from '../../compiler/write-file-atomic.js';

const CACHE_FILE = 'governance_cache.json';
const KINDS = new Set(['model', 'snapshot', 'seed', 'source']);

export function governanceKey(manifest: Manifest, projectDir: string, engine: string): string {
  const hash = createHash('sha256').update(`${engine}\u0000`);
  for (const name of ['classifications.yml', 'roles.yml']) {
    const file = join(projectDir, name);
    hash.update(`${name}\u0000${existsSync(file) ? readFileSync(file, 'utf8') : ''}\u0000`);
  }
  for (const id of Object.keys(manifest.nodes).sort()) {
    const node = manifest.nodes[id]!;
    if (KINDS.has(node.kind)) hash.update(`${JSON.stringify(node)}\u0000`);
  }
  return hash.digest('hex');
}

export function cachedGovernance(targetPath: string, key: string): ManifestGovernance | undefined {
  try {
    const cached = JSON.parse(readFileSync(join(targetPath, CACHE_FILE), 'utf8')) as { key?: string; governance?: ManifestGovernance };
    return cached.key === key ? cached.governance : undefined;
  } catch {
    return undefined;
  }
}

export function saveGovernance(targetPath: string, key: string, governance: ManifestGovernance): void {
  try {
    writeFileAtomic(join(targetPath, CACHE_FILE), JSON.stringify({ key, governance }));
  } catch {
    // A cache that cannot be written costs the next compile the pass again, nothing more.
  }
}
