/**
 * table: replace the relation so that a failure leaves yesterday's table untouched.
 * Where the engine replaces atomically (capabilities.supportsAtomicReplace), that is one
 * `create or replace table ... as`; elsewhere the table is built as <name>__dpf_tmp and
 * swapped in. A view of the same name is dropped in the same transaction.
 */
import type { Strategy } from './materialization.js';
import { swapIntoPlace, tempRelation } from './materialization.js';
import { forKinds } from '../../compiler/node-kinds.js';

export const tableStrategy: Strategy = forKinds(['model'], async (node, ctx) => {
  const sql = node.compiledCode.trimEnd();
  const existing = ctx.existing(node.relation);
  const rowsOf = async (result: { rowsAffected?: number }, relationName: string) =>
    result.rowsAffected ?? Number(await ctx.queryValue(ctx.templates.render('count_rows', { relation: relationName })));

  if (ctx.capabilities.supportsAtomicReplace && existing !== 'view') {
    const result = await ctx.execute(ctx.templates.render('create_or_replace_table_as', { relation: node.relationName, sql }));
    return { rowsAffected: await rowsOf(result, node.relationName) };
  }
  const tmp = tempRelation(node.relation);
  const tmpName = ctx.dialect.renderRelation(tmp);
  const result = await ctx.execute(ctx.templates.render('create_table_as', { relation: tmpName, sql }));
  const rows = await rowsOf(result, tmpName);
  await swapIntoPlace(ctx, tmp, node.relation);
  return { rowsAffected: rows };
});
