/**
 * What a pipeline's sensors (`when:`) look at, as a version string that changes when the
 * watched data does: for `files:`, the matching files' paths, sizes, modification times and
 * small files' bytes (what reuse compares for files sources); for `source:`, the source's data
 * version as reuse reads it (a row fingerprint on DuckDB, an Iceberg snapshot on Trino). A
 * source is read through the target's adapter, in a worker process (run-worker.ts), so the
 * scheduler never opens the warehouse. undefined when it cannot be told (a missing table, a
 * locked DuckDB file): the sensor then waits for its next look.
 */
import { resolve } from 'node:path';
import { adapterFactory } from '../adapters/index.js';
import { compileOptionsOf, type ProjectOptions } from '../api/options.js';
import { closestMatch } from '../compiler/closest-match.js';
import { compileFromDisk } from '../compiler/compile-pipeline.js';
import { nodesOfKind } from '../compiler/node-kinds.js';
import { fail } from '../errors/dpf-error.js';
import { filesVersion, sourceVersions } from '../runner/source-versions.js';

export function filesSensorVersion(projectDir: string, glob: string): string | undefined {
  return filesVersion(resolve(projectDir, glob));
}

/** The data version of source `schema.table` in the target; DPF902-style error for an unknown source. */
export async function sourceDataVersion(source: string, options: ProjectOptions): Promise<string | undefined> {
  const compileOptions = compileOptionsOf(options);
  const compiled = await compileFromDisk({ ...compileOptions, writeArtifacts: false });
  const sources = nodesOfKind(compiled.manifest, 'source');
  const node = sources.find((s) => `${s.sourceName}.${s.tableName}` === source);
  if (!node) {
    const names = sources.map((s) => `${s.sourceName}.${s.tableName}`);
    fail('NodeNotFound', { name: source, suggestion: closestMatch(source, names) });
  }
  const adapter = adapterFactory(compiled.target.type).create(compiled.target, compileOptions.projectDir);
  await adapter.open();
  try {
    return await adapter.withConnection(async (connection) => (await sourceVersions(connection, [node])).get(node.relationName));
  } finally {
    await adapter.close();
  }
}
