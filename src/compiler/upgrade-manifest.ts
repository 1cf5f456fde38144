/**
 * Manifests written by earlier dpf versions, brought to the current shape on read, so
 * `--state` and `dpf ci` keep working across an upgrade. Each step takes one schema version
 * to the next; a version with no step is refused by the caller (DPF505).
 *
 * v1 -> v2: models and seeds were in `nodes`, sources, data tests and unit tests in maps of
 * their own, and a snapshot was a model with materialized snapshot. v2 has one `nodes` map
 * for every kind, and snapshots are of kind snapshot.
 */
import { MANIFEST_SCHEMA_V1, MANIFEST_SCHEMA_VERSION, type Manifest, type ManifestNode } from './manifest.js';

type Json = Record<string, unknown>;

const STEPS: Record<string, (doc: Json) => Json> = {
  [MANIFEST_SCHEMA_V1]: (doc) => {
    const { sources, tests, unitTests, ...rest } = doc as Json & { sources?: Json; tests?: Json; unitTests?: Json };
    const nodes: Json = {};
    for (const [id, node] of Object.entries((doc.nodes ?? {}) as Record<string, Json>)) {
      const snapshot = node.kind === 'model' && (node.config as Json | undefined)?.materialized === 'snapshot';
      nodes[id] = snapshot ? { ...node, kind: 'snapshot' } : node;
    }
    Object.assign(nodes, sources ?? {}, tests ?? {}, unitTests ?? {});
    return { ...rest, metadata: { ...(doc.metadata as Json), dpfSchemaVersion: MANIFEST_SCHEMA_VERSION }, nodes };
  },
};

/** Versions this dpf reads: its own and every one with an upgrade step. */
export const READABLE_MANIFEST_VERSIONS = [MANIFEST_SCHEMA_VERSION, ...Object.keys(STEPS)];

/** The manifest in the current shape, or undefined when its version is neither current nor upgradable. */
export function upgradeManifest(doc: Json): Manifest | undefined {
  let current = doc;
  for (let seen = 0; seen <= Object.keys(STEPS).length; seen++) {
    const version = (current.metadata as Json | undefined)?.dpfSchemaVersion;
    if (version === MANIFEST_SCHEMA_VERSION) return current as unknown as Manifest;
    const step = STEPS[String(version)];
    if (!step) return undefined;
    current = step(current);
  }
  return undefined;
}

export type { ManifestNode };
