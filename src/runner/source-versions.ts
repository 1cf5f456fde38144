/**
 * The current data version of each source a plan reads: for files read in place, their
 * paths, sizes, modification times and (for files up to HASHED_BYTES) a hash of their bytes;
 * for tables, what the adapter's dataVersion reads (an Iceberg snapshot id, a row hash on
 * DuckDB). undefined when it cannot be told, which reuse treats as "changed".
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import type { Connection } from '../adapters/adapter.js';
import type { SourceNode } from '../compiler/manifest.js';

const HASHED_BYTES = 8 * 1024 * 1024;
/** A glob matching more files than this is not fingerprinted (it counts as changed every run). */
const MAX_FILES = 10_000;

export async function sourceVersions(connection: Connection, sources: Iterable<SourceNode>): Promise<Map<string, string | undefined>> {
  const versions = new Map<string, string | undefined>();
  for (const source of sources) {
    if (versions.has(source.relationName)) continue;
    versions.set(
      source.relationName,
      source.dataVersion === 'trust_code'
        ? 'trusted (data_version: trust_code)'
        : source.externalLocation
          ? filesVersion(source.externalLocation)
          : source.dataVersion === 'append_only'
            ? await appendedVersion(connection, source)
            : await tableVersion(connection, source),
    );
  }
  return versions;
}

async function tableVersion(connection: Connection, source: SourceNode): Promise<string | undefined> {
  try {
    return await connection.dataVersion(source.relation);
  } catch {
    return undefined; // a missing source fails the model that reads it, with the engine's own message
  }
}

/** data_version: append_only: rows only ever arrive, so their count and latest load time say it all. */
async function appendedVersion(connection: Connection, source: SourceNode): Promise<string | undefined> {
  try {
    const column = source.loadedAtField!;
    const result = await connection.query(`select count(*), cast(max(${column}) as varchar) from ${source.relationName}`);
    const [count, latest] = result.rows[0] ?? [];
    return `rows=${String(count)} latest=${String(latest)}`;
  } catch {
    return undefined;
  }
}

/** Exported for tests. */
export function filesVersion(location: string): string | undefined {
  const files = matchingFiles(location);
  if (!files) return undefined;
  const hash = createHash('sha256');
  let bytes = 0;
  for (const file of files) {
    const stat = statSync(file, { bigint: true, throwIfNoEntry: false });
    if (!stat) continue;
    hash.update(`${file}\u0000${stat.size}\u0000${stat.mtimeNs}\u0000`);
    bytes += Number(stat.size);
    if (stat.size <= BigInt(HASHED_BYTES)) hash.update(readFileSync(file));
  }
  return `files=${files.length} bytes=${bytes} hash=${hash.digest('hex')}`;
}

function matchingFiles(location: string): string[] | undefined {
  if (!/[*?[]/.test(location)) return [location];
  // The folder before the first wildcard, walked; every path is matched against the glob.
  const wild = location.search(/[*?[]/);
  const root = dirname(location.slice(0, wild + 1));
  const pattern = globPattern(location);
  const found: string[] = [];
  const walk = (dir: string): boolean => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return true;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!walk(path)) return false;
      } else if (pattern.test(path)) {
        found.push(path);
        if (found.length > MAX_FILES) return false;
      }
    }
    return true;
  };
  return walk(root) ? found.sort() : undefined;
}

function globPattern(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += `[^${sep === '/' ? '/' : '\\\\/'}]*`;
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
