/** seed: a typed table from the CSV, filled in batches, built aside and swapped in like a table. */
import { join } from 'node:path';
import { readSeedCsv, logicalTypeOf } from '../../compiler/read-seed-csv.js';
import type { Strategy } from './materialization.js';
import { swapIntoPlace, tempRelation } from './materialization.js';

const BATCH_ROWS = 500;

export const seedStrategy: Strategy = async (node, ctx) => {
  if (node.kind !== 'seed') throw new Error(`seed strategy needs a seed: ${node.uniqueId}`);
  const table = readSeedCsv(join(ctx.projectRoot, node.originalFilePath), node.originalFilePath, node.config.delimiter);
  const tmp = tempRelation(node.relation);
  const tmpName = ctx.dialect.renderRelation(tmp);
  const columns = node.seedColumns.map((c) => ({ name: ctx.dialect.quoteIdentifier(c.name), type: c.type }));
  const logical = node.seedColumns.map((c) => logicalTypeOf(c.type));
  await ctx.execute(ctx.templates.render('create_table', { relation: tmpName, columns }));
  for (let start = 0; start < table.rows.length; start += BATCH_ROWS) {
    const rows = table.rows
      .slice(start, start + BATCH_ROWS)
      .map((row) => row.map((value, i) => ctx.dialect.literal(value === '' ? null : value, logical[i]!)).join(', '));
    await ctx.execute(ctx.templates.render('insert_values', { relation: tmpName, columns, rows }));
  }
  await swapIntoPlace(ctx, tmp, node.relation);
  return { rowsAffected: table.rows.length };
};
