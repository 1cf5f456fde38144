/**
 * seed: a typed table from the CSV, built aside and swapped in like a table. Where the engine
 * reads the file itself (the dialect's renderCsvRead), the staging table is made in one
 * statement; elsewhere it is filled through the adapter's bulk path (appendRows: batched
 * INSERTs on Trino, each its own commit), so a killed or failed load leaves a partial staging
 * table: never published, because leftover recovery drops every `__dpf_tmp`
 * (existing-relations.ts). Either way the seed's name answers with the old rows or
 * all the new ones, never part of them. In a `masking: true` target its classified columns
 * are masked as it loads (ctx.seedMasks): the file's values never reach the seed's table.
 */
import { join, resolve } from 'node:path';
import { readSeedCsv } from '../../adapters/read-seed-csv.js';
import type { MaskMethod } from '../../adapters/adapter.js';
import type { Relation, SeedNode } from '../../compiler/manifest.js';
import type { MaterializationContext, Strategy } from './materialization.js';
import { swapIntoPlace, tempRelation } from './materialization.js';
import { forKinds } from '../../compiler/node-kinds.js';

/** Rows handed to appendRows at a time: the CSV's text fields become values one batch at a time. */
const BATCH_ROWS = 1000;

export const seedStrategy: Strategy = forKinds(['seed'], async (node, ctx) => {
  const tmp = tempRelation(node.relation);
  const tmpName = ctx.dialect.renderRelation(tmp);
  const masks = ctx.seedMasks?.get(node.uniqueId);
  const masked = masks && node.seedColumns.some((c) => masks.has(c.name.toLowerCase())) ? masks : undefined;
  const rowsAffected = ctx.dialect.renderCsvRead
    ? await loadInOneStatement(node, ctx, tmpName, masked)
    : masked
      ? await loadMaskedInBatches(node, ctx, tmp, tmpName, masked)
      : await loadInBatches(node, ctx, tmp, tmpName);
  await swapIntoPlace(ctx, tmp, node.relation);
  return { rowsAffected };
});

async function loadInOneStatement(node: SeedNode, ctx: MaterializationContext, tmpName: string, masks: ReadonlyMap<string, MaskMethod> | undefined): Promise<number> {
  const path = resolve(ctx.projectRoot, node.originalFilePath);
  const csv = ctx.dialect.renderCsvRead!(path, node.seedColumns, { delimiter: node.config.delimiter });
  const read = masks ? `(${maskedColumns(node, ctx, masks)}\nfrom ${csv})` : csv;
  const result = await ctx.execute(ctx.templates.render('seed_load', { relation: tmpName, read }));
  return result.rowsAffected ?? node.rowCount;
}

/** The file's rows land in a staging table of their own, and only their masked copy becomes the seed's staging table. */
async function loadMaskedInBatches(node: SeedNode, ctx: MaterializationContext, tmp: Relation, tmpName: string, masks: ReadonlyMap<string, MaskMethod>): Promise<number> {
  const raw = tempRelation({ ...node.relation, identifier: `${node.relation.identifier}__unmasked` });
  const rawName = ctx.dialect.renderRelation(raw);
  const rows = await loadInBatches(node, ctx, raw, rawName);
  await ctx.execute(ctx.templates.render('create_table_as', { relation: tmpName, sql: `${maskedColumns(node, ctx, masks)}\nfrom ${rawName}` }));
  await ctx.connection.dropRelation(raw, 'table');
  ctx.note(`drop table ${rawName}`);
  return rows;
}

function maskedColumns(node: SeedNode, ctx: MaterializationContext, masks: ReadonlyMap<string, MaskMethod>): string {
  const list = node.seedColumns.map((c) => {
    const name = ctx.dialect.quoteIdentifier(c.name);
    const method = masks.get(c.name.toLowerCase());
    return method ? `${ctx.dialect.maskExpression(method, name, c.type)} as ${name}` : name;
  });
  return `select ${list.join(', ')}`;
}

async function loadInBatches(node: SeedNode, ctx: MaterializationContext, tmp: Relation, tmpName: string): Promise<number> {
  const table = readSeedCsv(join(ctx.projectRoot, node.originalFilePath), node.originalFilePath, node.config.delimiter);
  const columns = node.seedColumns.map((c) => ({ name: ctx.dialect.quoteIdentifier(c.name), type: c.type }));
  await ctx.execute(ctx.templates.render('create_table', { relation: tmpName, columns }));
  ctx.note(`append ${table.rows.length} rows from ${node.originalFilePath} to ${tmpName}`);
  // A seed's empty field is NULL; appendRows reads the rest as the columns' types.
  function* batches() {
    for (let start = 0; start < table.rows.length; start += BATCH_ROWS) {
      yield table.rows.slice(start, start + BATCH_ROWS).map((row) => row.map((value) => (value === '' ? null : value)));
    }
  }
  const result = await ctx.connection.appendRows(tmp, node.seedColumns, batches());
  return result.rowsAffected ?? table.rows.length;
}
