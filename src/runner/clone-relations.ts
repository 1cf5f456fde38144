/**
 * dpf clone: cheap copies of another environment's relations in this target, as views over
 * them (the copy every engine can make; both environments share one warehouse). Relations that
 * already exist here are kept unless `replace`.
 */
import type { Adapter, Connection } from '../adapters/adapter.js';
import type { ExecutableNode, Manifest } from '../compiler/manifest.js';
import { relationNode } from '../compiler/node-kinds.js';
import { existingRelations } from '../adapters/existing-relations.js';
import { relationKey } from '../adapters/relation.js';
import { SqlTemplates } from '../adapters/sql-templates.js';
import { recordStore } from './relation-records.js';

export interface CloneResult {
  readonly cloned: { readonly relation: string; readonly from: string }[];
  readonly kept: number;
}

/** What a copy's view selects from the other environment's relation (a masking target masks classified columns). */
export type CloneSelect = (connection: Connection, node: ExecutableNode, from: string) => Promise<string>;

const selectAll: CloneSelect = async (_connection, _node, from) => `select * from ${from}`;

export async function cloneRelations(adapter: Adapter, nodes: readonly ExecutableNode[], state: Manifest, replace: boolean, database?: string, select: CloneSelect = selectAll): Promise<CloneResult> {
  const templates = new SqlTemplates(adapter.name);
  const cloned: CloneResult['cloned'] = [];
  let kept = 0;
  const existing = await adapter.withConnection((c) => existingRelations(c, nodes.map((n) => n.relation), { createSchemas: true }));
  const copies = nodes.filter((node) => {
    if (relationNode(state, node.uniqueId)!.relationName === node.relationName) return false; // the same relation: nothing to copy
    if (existing.has(relationKey(node.relation)) && !replace) {
      kept++;
      return false;
    }
    return true;
  });
  // A copy holds another environment's data, which no record here describes: a build rebuilds it.
  await recordStore((fn) => adapter.withConnection(fn), adapter.dialect, templates, database).forget(copies.map((n) => n.relationName));
  await adapter.withConnection(async (c) => {
    for (const node of copies) {
      const from = relationNode(state, node.uniqueId)!.relationName;
      const type = existing.get(relationKey(node.relation));
      if (type === 'table') await c.dropRelation(node.relation, 'table');
      await c.execute(templates.render('create_view', { relation: node.relationName, sql: await select(c, node, from) }));
      cloned.push({ relation: node.relationName, from });
    }
  });
  return { cloned, kept };
}
