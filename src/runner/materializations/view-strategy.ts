/** view: `create or replace`, which keeps the old view if the new SQL fails; replaces a table of the same name. */
import type { Strategy } from './materialization.js';
import { tempRelation } from './materialization.js';
import { forKinds } from '../../compiler/node-kinds.js';

export const viewStrategy: Strategy = forKinds(['model'], async (node, ctx) => {
  const sql = ctx.templates.render('create_view', { relation: node.relationName, sql: node.compiledCode.trimEnd() });
  if (ctx.existing(node.relation) === 'table' && ctx.capabilities.supportsTransactionalDdl) {
    await ctx.connection.transaction(async () => {
      ctx.note(`drop table ${node.relationName}`);
      await ctx.connection.dropRelation(node.relation, 'table');
      await ctx.execute(sql);
    });
  } else if (ctx.existing(node.relation) === 'table') {
    // Without transactional DDL, the view is made aside first, so that SQL that fails leaves the
    // table; only then is the table replaced (a run killed in between leaves <name>__dpf_tmp,
    // which the next run puts in place).
    const tmp = tempRelation(node.relation);
    await ctx.execute(ctx.templates.render('create_view', { relation: ctx.dialect.renderRelation(tmp), sql: node.compiledCode.trimEnd() }));
    ctx.note(`drop table ${node.relationName}`);
    await ctx.connection.dropRelation(node.relation, 'table');
    await ctx.execute(sql);
    await ctx.connection.dropRelation(tmp, 'view');
  } else {
    await ctx.execute(sql);
  }
  return {};
});
