/**
 * snapshot: a slowly changing dimension (type 2). Every row version is kept with dpf_valid_from
 * and dpf_valid_to (null while current), dpf_updated_at and dpf_scd_id. A run stages the
 * query's rows, closes the current versions that changed (timestamp: a newer updated_at;
 * check: a check column differs) and, with invalidate_hard_deletes, those whose key vanished,
 * then inserts new versions, all in one transaction.
 */
import type { Strategy } from './materialization.js';
import { swapIntoPlace, tempRelation } from './materialization.js';
import { forKinds } from '../../compiler/node-kinds.js';

export const snapshotStrategy: Strategy = forKinds(['snapshot'], async (node, ctx) => {
  const { dialect, connection, templates } = ctx;
  const q = (c: string) => dialect.quoteIdentifier(c);
  const config = node.config;
  const keys = (config.unique_key ?? []).map(q);
  const now = `cast(current_timestamp as ${dialect.typeName('timestamp')})`;
  const updatedAt = config.strategy === 'timestamp' ? `cast(dpf_source.${q(config.updated_at!)} as ${dialect.typeName('timestamp')})` : now;
  const stageSql = templates.render('snapshot_stage', { sql: node.compiledCode.trimEnd(), unique_key: keys, updated_at: updatedAt });
  const stage = tempRelation(node.relation);
  const stageName = dialect.renderRelation(stage);

  if (!ctx.existing(node.relation)) {
    // The first load: every row is current.
    const result = await ctx.execute(templates.render('create_table_as', { relation: stageName, sql: stageSql }));
    await swapIntoPlace(ctx, stage, node.relation);
    return { rowsAffected: result.rowsAffected, message: `${result.rowsAffected ?? 0} rows captured` };
  }
  await ctx.execute(templates.render('create_table_as', { relation: stageName, sql: stageSql }));
  try {
    const stageColumns = await connection.getColumns(stage);
    const targetColumns = new Set((await connection.getColumns(node.relation)).map((c) => c.name.toLowerCase()));
    const columns = stageColumns.filter((c) => targetColumns.has(c.name.toLowerCase())).map((c) => c.name);
    const checkCols =
      config.check_cols === 'all' || config.check_cols === undefined
        ? columns.filter((c) => !c.startsWith('dpf_') && !(config.unique_key ?? []).includes(c))
        : config.check_cols;
    const changed =
      config.strategy === 'timestamp'
        ? `dpf_stage.dpf_updated_at > ${node.relationName}.dpf_updated_at`
        : checkCols.map((c) => `dpf_stage.${q(c)} is distinct from ${node.relationName}.${q(c)}`).join(' or ') || 'false';
    let inserted: number | undefined;
    await connection.transaction(async () => {
      await ctx.execute(templates.render('snapshot_close', { target: node.relationName, stage: stageName, unique_key: keys, changed }));
      if (config.invalidate_hard_deletes) {
        await ctx.execute(templates.render('snapshot_invalidate_deleted', { target: node.relationName, stage: stageName, unique_key: keys, now }));
      }
      inserted = (await ctx.execute(templates.render('snapshot_insert', { target: node.relationName, stage: stageName, unique_key: keys, columns: columns.map(q).join(', ') }))).rowsAffected;
    });
    return { rowsAffected: inserted ?? 0, message: `${inserted ?? 0} new versions` };
  } finally {
    await connection.dropRelation(stage, 'table');
  }
});
