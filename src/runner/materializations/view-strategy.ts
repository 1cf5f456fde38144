/** view: `create or replace`, which keeps the old view if the new SQL fails; replaces a table of the same name. */
import type { Strategy } from './materialization.js';

export const viewStrategy: Strategy = async (node, ctx) => {
  if (node.kind !== 'model' || node.compiledCode === undefined) throw new Error(`view strategy needs a compiled model: ${node.uniqueId}`);
  const sql = ctx.templates.render('create_view', { relation: node.relationName, sql: node.compiledCode.trimEnd() });
  if (ctx.existing(node.relation) === 'table' && ctx.capabilities.supportsTransactionalDdl) {
    await ctx.connection.transaction(async () => {
      ctx.note(`drop table ${node.relationName}`);
      await ctx.connection.dropRelation(node.relation, 'table');
      await ctx.execute(sql);
    });
  } else {
    if (ctx.existing(node.relation) === 'table') await ctx.connection.dropRelation(node.relation, 'table');
    await ctx.execute(sql);
  }
  return {};
};
