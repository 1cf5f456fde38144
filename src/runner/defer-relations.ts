/**
 * --defer: which relations this run reads from another environment. A model or seed that the
 * run will not build, that does not exist in this target, but that the state's manifest has,
 * is read from the state's relation (dbt's --defer).
 */
import type { Adapter } from '../adapters/adapter.js';
import type { ExecutableNode, Manifest } from '../compiler/manifest.js';
import { relationNode, isEphemeral, executableNode } from '../compiler/node-kinds.js';
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
      if (isEphemeral(node)) visit(parent);
    }
  };
  planned.forEach(visit);
  const candidates = [...read]
    .map((id) => executableNode(manifest, id))
    .filter((n): n is ExecutableNode => !!n && !isEphemeral(n) && !!relationNode(state, n.uniqueId));
  const existing = await adapter.withConnection((c) => existingRelations(c, candidates.map((n) => n.relation)));
  return new Map(candidates.filter((n) => !existing.has(relationKey(n.relation))).map((n) => [n.uniqueId, relationNode(state, n.uniqueId)!.relationName]));
}
