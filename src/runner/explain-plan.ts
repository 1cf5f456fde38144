/**
 * `--explain`: the reuse decision of every step of a plan, and why, without running anything
 * or changing the warehouse (no schema is created, no leftover dropped, no record written).
 */
import type { Adapter } from '../adapters/adapter.js';
import type { Manifest } from '../compiler/manifest.js';
import { executableNode } from '../compiler/node-kinds.js';
import { gatherFacts } from './build-records.js';
import { decideReuse, type ReuseDecision } from './decide-reuse.js';
import { existingRelations } from '../adapters/existing-relations.js';
import { relationKey } from '../adapters/relation.js';
import type { Plan } from './plan-run.js';
import { RECORDS, recordStore } from './relation-records.js';
import { SqlTemplates } from '../adapters/sql-templates.js';

export async function explainPlan(
  plan: Plan,
  ctx: { adapter: Adapter; manifest: Manifest; database?: string; rebuildAll?: string },
): Promise<Map<string, ReuseDecision>> {
  const relations = plan.steps.flatMap((s) => executableNode(ctx.manifest, s.uniqueId)?.relation ?? []);
  const recordsRelation = { ...RECORDS, database: ctx.database };
  const existing = await ctx.adapter.withConnection((c) => existingRelations(c, [...relations, recordsRelation]));
  const store = recordStore((fn) => ctx.adapter.withConnection(fn), ctx.adapter.dialect, new SqlTemplates(ctx.adapter.name), ctx.database);
  const facts = existing.has(relationKey(recordsRelation))
    ? await gatherFacts((fn) => ctx.adapter.withConnection(fn), store, plan, ctx.manifest, new Set(existing.keys()))
    : { records: new Map(), existing: new Set(existing.keys()), sourceVersions: new Map() };
  return decideReuse(plan, ctx.manifest, facts, { rebuildAll: ctx.rebuildAll });
}
