/**
 * incremental: the first run, a --full-refresh, or a view in the way builds the whole table
 * (as the table strategy does). Later runs build the new rows (the model's SQL with
 * is_incremental() true) into <name>__dpf_tmp, check them (unique_key present and unique,
 * columns per on_schema_change), then change the target in one transaction: append, delete
 * the matching keys then append, or merge. A failure at any point leaves the target as it was.
 * Engines without transactions get one statement per change: delete+insert runs as a MERGE.
 */
import { diagnostic, DpfError } from '../../errors/dpf-error.js';
import type { ModelNode } from '../../compiler/manifest.js';
import type { MaterializationContext, Strategy } from './materialization.js';
import { tempRelation } from './materialization.js';
import { microbatchStrategy } from './microbatch-strategy.js';
import { tableStrategy } from './table-strategy.js';
import { forKinds } from '../../compiler/node-kinds.js';

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const location = (node: ModelNode) => ({ file: node.originalFilePath, line: 1, column: 1 });

export const incrementalStrategy: Strategy = forKinds(['model'], async (node, ctx) => {
  // An incremental model is compiled both ways; without its incremental SQL it is not one.
  if (node.compiledIncrementalCode === undefined) throw new Error(`the incremental strategy was given a model without incremental SQL: ${node.uniqueId}`);
  if (node.config.incremental_strategy === 'microbatch') return microbatchStrategy(node, ctx);
  const existing = ctx.existing(node.relation);
  if (!existing || existing === 'view' || ctx.fullRefresh) return tableStrategy(node, ctx);

  const { dialect, connection, templates } = ctx;
  const config = node.config;
  const stage = tempRelation(node.relation);
  const stageName = dialect.renderRelation(stage);
  const q = (c: string) => dialect.quoteIdentifier(c);
  await ctx.execute(templates.render('create_table_as', { relation: stageName, sql: node.compiledIncrementalCode.trimEnd() }));
  try {
    const newColumns = await connection.getColumns(stage);
    const targetColumns = await connection.getColumns(node.relation);
    const keys = config.unique_key ?? [];
    for (const key of keys) {
      if (!newColumns.some((c) => same(c.name, key))) {
        throw new DpfError([diagnostic('UniqueKeyMissing', { key, columns: newColumns.map((c) => c.name) }, location(node))]);
      }
    }
    const strategy = config.incremental_strategy ?? 'append';
    if (strategy !== 'append') await checkUniqueKeys(ctx, node, stageName, keys, strategy);

    const added = newColumns.filter((c) => !targetColumns.some((t) => same(t.name, c.name)));
    const removed = targetColumns.filter((t) => !newColumns.some((c) => same(t.name, c.name)));
    const onChange = config.on_schema_change ?? 'ignore';
    if (onChange === 'fail' && (added.length > 0 || removed.length > 0)) {
      throw new DpfError([diagnostic('SchemaChanged', { added: added.map((c) => c.name), removed: removed.map((c) => c.name) }, location(node))]);
    }
    const addColumns = onChange === 'append_new_columns' || onChange === 'sync_all_columns' ? added : [];
    const dropColumns = onChange === 'sync_all_columns' ? removed : [];
    // The columns both sides will have once the target's columns are adjusted.
    const columns = newColumns
      .filter((c) => targetColumns.some((t) => same(t.name, c.name)) || addColumns.includes(c))
      .map((c) => c.name);
    const excluded = new Set([...(config.merge_exclude_columns ?? []), ...keys].map((c) => c.toLowerCase()));
    const updateColumns = config.merge_update_columns ?? columns.filter((c) => !excluded.has(c.toLowerCase()));

    let rows: number | undefined;
    await connection.transaction(async () => {
      for (const c of addColumns) await ctx.execute(templates.render('alter_add_column', { relation: node.relationName, column: q(c.name), type: c.type }));
      for (const c of dropColumns) await ctx.execute(templates.render('alter_drop_column', { relation: node.relationName, column: q(c.name) }));
      const common = { target: node.relationName, source: stageName, columns: columns.map(q).join(', '), unique_key: keys.map(q) };
      // Without transactions a delete then an insert could lose the deleted rows if the insert
      // failed; the keys are unique (checked above), so one MERGE updating every column does the same.
      const asMerge = strategy === 'delete+insert' && !ctx.capabilities.supportsTransactions;
      if (strategy === 'merge' || asMerge) {
        const update = asMerge ? columns.filter((c) => !keys.some((k) => same(k, c))) : updateColumns;
        // As delete+insert would, the replaced rows lose what the new rows do not have.
        const cleared = asMerge ? targetColumns.filter((t) => !columns.some((c) => same(c, t.name)) && !dropColumns.includes(t)).map((t) => q(t.name)) : [];
        const result = await ctx.execute(
          templates.render('incremental_merge', { ...common, column_list: columns.map(q), update_columns: update.map(q), null_columns: cleared }),
        );
        rows = result.rowsAffected;
      } else {
        if (strategy === 'delete+insert') await ctx.execute(templates.render('incremental_delete', common));
        rows = (await ctx.execute(templates.render('incremental_append', common))).rowsAffected;
      }
    });
    return { rowsAffected: rows ?? 0, message: `${rows ?? 0} rows ${strategy === 'merge' ? 'merged' : 'inserted'}` };
  } finally {
    await connection.dropRelation(stage, 'table');
  }
});

async function checkUniqueKeys(ctx: MaterializationContext, node: ModelNode, stageName: string, keys: string[], strategy: string): Promise<void> {
  const result = await ctx.query(ctx.templates.render('duplicate_keys', { source: stageName, keys: keys.map((k) => ctx.dialect.quoteIdentifier(k)).join(', ') }));
  if (result.rows.length === 0) return;
  const shown = result.rows
    .map((r) => `(${keys.map((k, i) => `${k}=${JSON.stringify(r[i])}`).join(', ')}) ×${r[keys.length]}`)
    .join('; ');
  throw new DpfError([diagnostic('DuplicateKeys', { keys: shown, strategy }, { file: node.originalFilePath, line: 1, column: 1 })]);
}
