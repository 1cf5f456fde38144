/**
 * dpf clone: cheap copies of another environment's relations in this target, as views over
 * them (the copy every engine can make; both environments share one warehouse). Relations that
 * already exist here are kept unless `replace`.
 */
import type { Adapter } from '../adapters/adapter.js';
import type { ExecutableNode, Manifest } from '../compiler/manifest.js';
import { existingRelations, relationKey } from './existing-relations.js';
import { SqlTemplates } from './sql-templates.js';

export interface CloneResult {
  readonly cloned: { readonly relation: string; readonly from: string }[];
  readonly kept: number;
}

export async function cloneRelations(adapter: Adapter, nodes: readonly ExecutableNode[], state: Manifest, replace: boolean): Promise<CloneResult> {
  const templates = new SqlTemplates(adapter.name);
  const cloned: CloneResult['cloned'] = [];
  let kept = 0;
  await adapter.withConnection(async (c) => {
    const existing = await existingRelations(c, nodes.map((n) => n.relation), { createSchemas: true });
    for (const node of nodes) {
      const from = state.nodes[node.uniqueId]!.relationName;
      if (from === node.relationName) continue; // the same relation: nothing to copy
      const type = existing.get(relationKey(node.relation));
      if (type && !replace) {
        kept++;
        continue;
      }
      if (type === 'table') await c.dropRelation(node.relation, 'table');
      await c.execute(templates.render('create_view', { relation: node.relationName, sql: `select * from ${from}` }));
      cloned.push({ relation: node.relationName, from });
    }
  });
  return { cloned, kept };
}
