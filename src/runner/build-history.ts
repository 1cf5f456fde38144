/**
 * What was last built successfully in this target, kept in the warehouse itself
 * (dpf_meta.node_builds), so that a build skips a node whose stateChecksum has not changed
 * since (--rebuild-all to build everything). Written once at the end of a run: a killed run
 * records nothing, and the next run simply rebuilds.
 */
import type { Adapter } from '../adapters/adapter.js';
import type { Relation } from '../compiler/manifest.js';
import type { NodeResult } from './run-results.js';
import { SqlTemplates } from './sql-templates.js';

const HISTORY: Relation = { schema: 'dpf_meta', identifier: 'node_builds' };
const BATCH = 500;

export async function loadBuildHistory(adapter: Adapter, targetName: string, database?: string): Promise<Map<string, string>> {
  const templates = new SqlTemplates(adapter.name);
  const relation = adapter.dialect.renderRelation({ ...HISTORY, database });
  return adapter.withConnection(async (c) => {
    await c.createSchema(HISTORY.schema, database);
    await c.execute(templates.render('build_history_create', { relation }));
    const result = await c.query(templates.render('build_history_select', { relation, target_name: adapter.dialect.literal(targetName, 'text') }));
    return new Map(result.rows.map(([id, sum]) => [String(id), String(sum)]));
  });
}

export async function saveBuildHistory(
  adapter: Adapter,
  targetName: string,
  built: { result: NodeResult; stateChecksum: string }[],
  invocationId: string,
  database?: string,
): Promise<void> {
  if (built.length === 0) return;
  const templates = new SqlTemplates(adapter.name);
  const d = adapter.dialect;
  const relation = d.renderRelation({ ...HISTORY, database });
  const text = (v: string) => d.literal(v, 'text');
  const now = new Date().toISOString();
  await adapter.withConnection((c) =>
    c.transaction(async () => {
      for (let i = 0; i < built.length; i += BATCH) {
        const batch = built.slice(i, i + BATCH);
        await c.execute(templates.render('build_history_delete', { relation, target_name: text(targetName), unique_ids: batch.map((b) => text(b.result.uniqueId)).join(', ') }));
        const rows = batch.map((b) => [targetName, b.result.uniqueId, b.stateChecksum, b.result.relationName, invocationId, now].map(text).join(', '));
        await c.execute(
          templates.render('insert_values', {
            relation,
            columns: ['target_name', 'unique_id', 'state_checksum', 'relation_name', 'invocation_id', 'built_at'].map((n) => ({ name: d.quoteIdentifier(n) })),
            rows,
          }),
        );
      }
    }),
  );
}
