/** Row counts of the models a run built, here and in another environment (dpf ci's summary). */
import type { Adapter } from '../adapters/adapter.js';
import type { Manifest } from '../compiler/manifest.js';
import { isSqlNode, relationNode } from '../compiler/node-kinds.js';
import type { NodeResult } from './run-results.js';
import { SqlTemplates } from '../adapters/sql-templates.js';

export interface RowCount {
  readonly name: string;
  readonly here: number;
  /** Absent when the other environment has no such relation. */
  readonly there?: number;
}

export async function compareRowCounts(adapter: Adapter, manifest: Manifest, other: Manifest, results: readonly NodeResult[]): Promise<RowCount[]> {
  const templates = new SqlTemplates(adapter.name);
  const out: RowCount[] = [];
  await adapter.withConnection(async (c) => {
    const count = async (relation: string) => Number((await c.query(templates.render('count_rows', { relation }))).rows[0]?.[0]);
    for (const r of results) {
      const node = manifest.nodes[r.uniqueId];
      if (!isSqlNode(node) || r.status !== 'success') continue;
      const otherRelation = relationNode(other, r.uniqueId)?.relationName;
      out.push({ name: node.name, here: await count(node.relationName), there: otherRelation ? await count(otherRelation).catch(() => undefined) : undefined });
    }
  });
  return out;
}
