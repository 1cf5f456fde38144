/** table: build into <name>__dpf_tmp, count its rows, then swap it in. A failure leaves the old table. */
import type { Strategy } from './materialization.js';
import { swapIntoPlace, tempRelation } from './materialization.js';

export const tableStrategy: Strategy = async (node, ctx) => {
  if (node.kind !== 'model' || node.compiledCode === undefined) throw new Error(`table strategy needs a compiled model: ${node.uniqueId}`);
  const tmp = tempRelation(node.relation);
  const tmpName = ctx.dialect.renderRelation(tmp);
  await ctx.connection.dropRelation(tmp, 'table'); // left over by a killed run
  await ctx.execute(ctx.templates.render('create_table_as', { relation: tmpName, sql: node.compiledCode.trimEnd() }));
  const rows = Number(await ctx.queryValue(ctx.templates.render('count_rows', { relation: tmpName })));
  await swapIntoPlace(ctx, tmp, node.relation);
  return { rowsAffected: rows };
};
