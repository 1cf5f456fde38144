/**
 * --defer: which relations this run reads from another environment. A model or seed that the
 * run will not build, that does not exist in this target, but that the state's manifest has,
 * is read from the state's relation (dbt's --defer).
 */
import type { Adapter } from '../adapters/adapter.js';
import type { Manifest } from '../compiler/manifest.js';
import { existingRelations } from '../adapters/existing-relations.js';
import { relationKey } from '../adapters/relation.js';

export async function deferredRelations(adapter: Adapter, manifest: Manifest, state: Manifest, planned: ReadonlySet<string>): Promise<Map<string, string>> {
  // What the planned nodes read (looking through ephemeral models, which are inlined).
  const read = new Set<string>();
  const visit = (id: string) => {
    for (const parent of manifest.parentMap[id] ?? []) {
      const node = manifest.nodes[parent];
      if (!node || planned.has(parent) || read.has(parent)) continue;
      read.add(parent);
      if (node.kind === 'model' && node.config.materialized === 'ephemeral') visit(parent);
    }
  };
  planned.forEach(visit);
  const candidates = [...read]
    .map((id) => manifest.nodes[id]!)
    .filter((n) => !(n.kind === 'model' && n.config.materialized === 'ephemeral') && state.nodes[n.uniqueId]);
  const existing = await adapter.withConnection((c) => existingRelations(c, candidates.map((n) => n.relation)));
  return new Map(candidates.filter((n) => !existing.has(relationKey(n.relation))).map((n) => [n.uniqueId, state.nodes[n.uniqueId]!.relationName]));
}
