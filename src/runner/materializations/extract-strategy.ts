/**
 * extract: a source table landed by its plugin (docs/plugins.md). The plugin's batches go
 * through the adapter's bulk path (appendRows: DuckDB's appender; batched INSERTs on Trino)
 * into `<table>__dpf_tmp`; then one change publishes them: a swap (`write: replace`, a first
 * extract, `--full-refresh`), one INSERT … SELECT (`append`) or one MERGE (`merge`, the last row
 * of a key winning). A plugin that throws, hangs past `timeout_seconds` or gives rows of the
 * wrong shape leaves the table as its last extract left it, and a killed run's staging table is
 * dropped by the next (existing-relations.ts). The step reports the table's data version after
 * the change, so that what reads it is recorded against what it read (BuildBook.landed).
 *
 * The cursor of `cursor_field` is the highest value the table holds, read when the extract
 * starts: it is committed with the data by construction, so a killed extract resumes where the
 * last published one ended, without duplicates or gaps (docs/plugins.md, "Incremental extracts").
 */
import type { ColumnDescription } from '../../adapters/adapter.js';
import type { Relation } from '../../adapters/relation.js';
import type { SourceNode } from '../../compiler/manifest.js';
import { forKinds } from '../../compiler/node-kinds.js';
import { DpfError, diagnostic } from '../../errors/dpf-error.js';
import { limitedFetch, loadSourcePlugin, throttleRows, type FetchLimits, type RowBatch } from '../../plugins/index.js';
import { renderEnvValues } from '../../compiler/render-env-values.js';
import type { Manifest } from '../../compiler/manifest.js';
import { extractFailed, extractRows, type BadRow } from './extract-rows.js';
import { swapIntoPlace, tempRelation, type MaterializationContext, type Strategy } from './materialization.js';

/** The row number merge stages with each row, so that the last row of a key wins. */
const ROW_NUMBER = '_dpf_row';

export const extractStrategy: Strategy = forKinds(['source'], async (node, ctx) => {
  const extract = node.extract!;
  const plugin = await ctx.shared(`plugin:${extract.pluginPath}`, () => loadSourcePlugin(ctx.projectRoot, { name: extract.plugin, path: extract.pluginPath }));
  // {{env}} is rendered here, not at compile time: the secret stays out of manifest.json.
  const config = renderEnvValues(extract.config, ctx.env ?? process.env, extract.location);
  // One fetch per plugin in a run: its extracts share its request limits.
  const fetchFor = await ctx.shared(`fetch:${extract.plugin}`, async () => limitedFetch(fetchLimitsOf(ctx.manifest, extract.plugin)));
  const target = node.relation;
  const existing = ctx.existing(target);
  // The whole table is landed anew: replace, a first extract, --full-refresh, or a view in the way.
  const anew = extract.write === 'replace' || existing !== 'table' || ctx.fullRefresh;
  if (!anew) await checkColumns(ctx, node);
  const cursor = !anew && extract.cursorField ? await highest(ctx, target, extract.cursorField) : undefined;
  const numbered = extract.write === 'merge';
  const columns: ColumnDescription[] = [
    ...(extract.columns ?? []).map((c) => ({ name: c.name, type: ctx.dialect.typeName(c.type) })),
    ...(numbered ? [{ name: ROW_NUMBER, type: ctx.dialect.typeName('bigint') }] : []),
  ];
  const tmp = tempRelation(target);
  const tmpName = ctx.dialect.renderRelation(tmp);
  await ctx.execute(ctx.templates.render('create_table', { relation: tmpName, columns: columns.map((c) => ({ name: ctx.dialect.quoteIdentifier(c.name), type: c.type })) }));
  ctx.note(`append the rows of plugin ${extract.plugin} (${extract.pluginPath}) to ${tmpName}${cursor ? `, past ${extract.cursorField} = ${cursor.value ?? 'nothing yet'}` : ''}`);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(new DpfError([diagnostic('ExtractTimedOut', { plugin: extract.plugin, source: label(node), seconds: extract.timeoutSeconds }, extract.location)])), extract.timeoutSeconds * 1000);
  const setAside: BadRow[] = [];
  try {
    let batches: AsyncIterable<RowBatch> | Iterable<RowBatch>;
    try {
      batches = plugin.extract(config, {
        signal: stop.signal,
        source: { name: node.sourceName, table: node.tableName },
        projectDir: ctx.projectRoot,
        env: ctx.env ?? process.env,
        ...(cursor?.value !== undefined ? { cursor: { field: extract.cursorField!, value: cursor.value } } : {}),
        fetch: fetchFor(stop.signal),
      });
      if (extract.limits?.rowsPerSecond) batches = throttleRows(batches, extract.limits.rowsPerSecond, stop.signal);
    } catch (err) {
      throw extractFailed(err, node);
    }
    const rows = extractRows(batches, node, stop.signal, { numbered, setAside: (row) => setAside.push(row) });
    const staged = await ctx.connection.appendRows(tmp, columns, rows, extract.batchRows ? { batchRows: extract.batchRows } : undefined);
    let landed = staged.rowsAffected ?? 0;
    if (numbered) landed -= await keepLastOfEachKey(ctx, node, tmpName);
    // Set-aside rows are kept before the good ones land: a kill between the two lists them twice
    // (with two run ids) rather than losing them once the cursor has moved past them.
    if (extract.onBadRow === 'quarantine' && setAside.length > 0) await quarantine(ctx, node, setAside);
    await publish(ctx, node, tmp, anew);
    const after = extract.cursorField ? await highest(ctx, target, extract.cursorField) : undefined;
    const sourceVersion = await ctx.connection.dataVersion(target).catch(() => undefined);
    return { rowsAffected: landed, message: messageOf(node, anew, landed, setAside.length, cursor?.value, after?.value), sourceVersion };
  } catch (err) {
    await ctx.connection.dropRelation(tmp, 'table').catch(() => undefined);
    throw err instanceof DpfError ? located(err, node) : extractFailed(err, node);
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
});

/** Moves the staged rows into the table: a swap, or one INSERT … SELECT or MERGE from the stage. */
async function publish(ctx: MaterializationContext, node: SourceNode, tmp: Relation, anew: boolean): Promise<void> {
  const extract = node.extract!;
  if (anew) return swapIntoPlace(ctx, tmp, node.relation);
  const q = (c: string) => ctx.dialect.quoteIdentifier(c);
  const names = (extract.columns ?? []).map((c) => c.name);
  const common = { target: node.relationName, source: ctx.dialect.renderRelation(tmp), columns: names.map(q).join(', ') };
  if (extract.write === 'append') {
    await ctx.execute(ctx.templates.render('incremental_append', common));
  } else {
    const keys = extract.uniqueKey ?? [];
    const update = names.filter((n) => !keys.includes(n));
    await ctx.execute(ctx.templates.render('incremental_merge', { ...common, unique_key: keys.map(q), column_list: names.map(q), update_columns: update.map(q), null_columns: [] }));
  }
  await ctx.connection.dropRelation(tmp, 'table');
}

/** Deletes the staged rows a later row of the same key supersedes, then the row numbers; how many went. */
async function keepLastOfEachKey(ctx: MaterializationContext, node: SourceNode, tmpName: string): Promise<number> {
  const q = (c: string) => ctx.dialect.quoteIdentifier(c);
  const keys = (node.extract!.uniqueKey ?? []).map(q);
  const deleted = await ctx.execute(ctx.templates.render('delete_superseded_rows', { relation: tmpName, keys: keys.join(', '), order: q(ROW_NUMBER) }));
  await ctx.execute(ctx.templates.render('alter_drop_column', { relation: tmpName, column: q(ROW_NUMBER) }));
  return deleted.rowsAffected ?? 0;
}

/** The column's highest value in the table as the engine's text (undefined value: no rows). */
async function highest(ctx: MaterializationContext, relation: Relation, column: string): Promise<{ value?: string }> {
  const result = await ctx.query(ctx.templates.render('max_as_text', { relation: ctx.dialect.renderRelation(relation), column: ctx.dialect.quoteIdentifier(column) }));
  const value = result.rows[0]?.[0];
  return value === null || value === undefined ? {} : { value: String(value) };
}

/** append and merge add to the table as it is: its columns must be the plugin's. */
async function checkColumns(ctx: MaterializationContext, node: SourceNode): Promise<void> {
  const have = (await ctx.connection.getColumns(node.relation)).map((c) => c.name.toLowerCase());
  const want = (node.extract!.columns ?? []).map((c) => c.name);
  const added = want.filter((c) => !have.includes(c.toLowerCase()));
  const removed = have.filter((c) => !want.some((w) => w.toLowerCase() === c));
  if (added.length > 0 || removed.length > 0) {
    throw new DpfError([diagnostic('ExtractColumnsChanged', { source: label(node), write: node.extract!.write, added, removed }, node.extract!.location)]);
  }
}

/** Adds the set-aside rows to `<table>__quarantine` in one INSERT … SELECT from a stage. */
async function quarantine(ctx: MaterializationContext, node: SourceNode, rows: readonly BadRow[]): Promise<void> {
  const relation = quarantineRelation(node.relation);
  const stage = tempRelation(relation);
  const t = (type: 'text' | 'timestamp' | 'integer') => ctx.dialect.typeName(type);
  const columns: ColumnDescription[] = [
    { name: '_dpf_run_id', type: t('text') },
    { name: '_dpf_extracted_at', type: t('timestamp') },
    { name: 'batch', type: t('integer') },
    { name: 'row_number', type: t('integer') },
    { name: 'reason', type: t('text') },
    { name: 'row_json', type: t('text') },
  ];
  const rendered = columns.map((c) => ({ name: ctx.dialect.quoteIdentifier(c.name), type: c.type }));
  const name = ctx.dialect.renderRelation(relation);
  const stageName = ctx.dialect.renderRelation(stage);
  ctx.note(`keep ${rows.length} bad rows in ${name}`);
  await ctx.execute(ctx.templates.render('create_table_if_missing', { relation: name, columns: rendered }));
  await ctx.connection.dropRelation(stage, 'table');
  await ctx.execute(ctx.templates.render('create_table', { relation: stageName, columns: rendered }));
  const at = new Date();
  await ctx.connection.appendRows(stage, columns, [rows.map((r) => [ctx.runId, at, r.batch, r.row, r.reason, r.json])]);
  await ctx.execute(ctx.templates.render('incremental_append', { target: name, source: stageName, columns: rendered.map((c) => c.name).join(', ') }));
  await ctx.connection.dropRelation(stage, 'table');
}

export const quarantineRelation = (r: Relation): Relation => ({ ...r, identifier: `${r.identifier}__quarantine` });

function messageOf(node: SourceNode, anew: boolean, landed: number, setAside: number, from?: string, to?: string): string {
  const extract = node.extract!;
  const verb = anew ? 'landed' : extract.write === 'append' ? 'appended' : 'merged';
  const parts = [`${landed.toLocaleString('en-US')} rows ${verb}`];
  if (setAside > 0) parts.push(`${setAside} bad rows ${extract.onBadRow === 'quarantine' ? `quarantined in ${quarantineRelation(node.relation).identifier}` : 'skipped'}`);
  if (extract.cursorField && to !== undefined && to !== from) parts.push(`${extract.cursorField} ${from ?? '(start)'} → ${to}`);
  return parts.join(', ');
}

/** A plugin's request limits in a run: the strictest any of its extracts sets, as they share one fetch. */
function fetchLimitsOf(manifest: Manifest, plugin: string): FetchLimits {
  const limits = Object.values(manifest.nodes).flatMap((n) => (n.kind === 'source' && n.extract?.plugin === plugin && n.extract.limits ? [n.extract.limits] : []));
  const least = (values: (number | undefined)[]) => (values.some((v) => v !== undefined) ? Math.min(...values.filter((v): v is number => v !== undefined)) : undefined);
  return { requestsPerSecond: least(limits.map((l) => l.requestsPerSecond)), concurrentRequests: least(limits.map((l) => l.concurrentRequests)) };
}

const label = (node: SourceNode) => `${node.sourceName}.${node.tableName}`;

/** A dpf error without a place (a value its column cannot hold) is the extract's. */
function located(err: DpfError, node: SourceNode): DpfError {
  return err.first.location ? err : new DpfError([{ ...err.first, location: node.extract!.location }, ...err.diagnostics.slice(1)]);
}
