/**
 * export: a model's rows delivered by a sink plugin (`exports:` in the model's YAML,
 * docs/plugins.md), after the model and, in dpf build, its tests. The sink reads the rows as it
 * iterates them (batches of objects, streamed from the warehouse), or has the warehouse write
 * files itself (`ctx.copyTo`, DuckDB's COPY … TO). A sink that throws or runs past
 * `timeout_seconds` fails the step with the sink's message at the `exports:` entry, and
 * `dpf build -s export:<name>` delivers it again alone.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { logicalTypeOf } from '../../adapters/logical-type.js';
import type { ExportNode } from '../../compiler/manifest.js';
import { forKinds } from '../../compiler/node-kinds.js';
import { DpfError, diagnostic } from '../../errors/dpf-error.js';
import { loadSinkPlugin, type CopyToOptions, type PluginColumn } from '../../plugins/index.js';
import type { MaterializationContext, Strategy } from './materialization.js';

const STREAM_BATCH_ROWS = 10_000;

export const exportStrategy: Strategy = forKinds(['export'], async (node, ctx) => {
  const plugin = await ctx.shared(`plugin:${node.pluginPath}`, () => loadSinkPlugin(ctx.projectRoot, { name: node.plugin, path: node.pluginPath }));
  const model = ctx.manifest.nodes[node.attachedNode]!;
  const columns: PluginColumn[] = (await ctx.connection.getColumns(node.relation)).map((c) => ({ name: c.name, type: logicalTypeOf(c.type) }));
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(new DpfError([diagnostic('ExportTimedOut', { plugin: node.plugin, export: node.name, seconds: node.timeoutSeconds }, node.location)])), node.timeoutSeconds * 1000);
  const stopped = new Promise<never>((_, reject) => stop.signal.addEventListener('abort', () => reject(stop.signal.reason), { once: true }));
  stopped.catch(() => undefined);
  let streamed = 0;
  ctx.note(`deliver the rows of ${node.relationName} through plugin ${node.plugin} (${node.pluginPath})`);
  try {
    const rows = streamRows(ctx, node, columns, stop.signal, (n) => (streamed += n));
    const written = plugin.write(rows, node.config, {
      signal: stop.signal,
      projectDir: ctx.projectRoot,
      export: node.name,
      env: ctx.env ?? process.env,
      model: { name: model.name, relation: node.relationName, columns },
      runId: ctx.runId,
      fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ?? stop.signal }),
      ...(ctx.capabilities.writesFiles ? { copyTo: (path: string, options: CopyToOptions) => copyTo(ctx, node, path, options) } : {}),
    });
    const result = (await Promise.race([written, stopped])) ?? {};
    const count = result.rows ?? streamed;
    return { rowsAffected: count, message: `${count.toLocaleString('en-US')} rows${result.location ? ` to ${result.location}` : ''}` };
  } catch (err) {
    if (err instanceof DpfError) throw err.first.location ? err : new DpfError([{ ...err.first, location: node.location }, ...err.diagnostics.slice(1)]);
    const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
    throw Object.assign(new DpfError([diagnostic('ExportFailed', { plugin: node.plugin, export: node.name, detail }, node.location)]), { cause: err });
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
});

/** The model's rows as batches of objects, read from the warehouse as the sink asks for them. */
async function* streamRows(ctx: MaterializationContext, node: ExportNode, columns: readonly PluginColumn[], signal: AbortSignal, count: (n: number) => void): AsyncGenerator<Record<string, unknown>[]> {
  const sql = ctx.templates.render('select_rows', { relation: node.relationName, columns: columns.map((c) => ctx.dialect.quoteIdentifier(c.name)) });
  for await (const batch of ctx.connection.queryStream(sql, { batchRows: STREAM_BATCH_ROWS, signal })) {
    const names = batch.columns.map((c) => c.name);
    count(batch.rows.length);
    yield batch.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])));
  }
}

/** The warehouse writes the model's rows to `path` (relative to the project) in one statement; the rows it wrote. */
async function copyTo(ctx: MaterializationContext, node: ExportNode, path: string, options: CopyToOptions): Promise<{ rows?: number }> {
  if (options.format !== 'parquet' && options.format !== 'csv') throw new Error(`copyTo: format must be parquet or csv, not ${JSON.stringify(options.format)}`);
  mkdirSync(options.partitionBy?.length ? path : dirname(path), { recursive: true });
  const result = await ctx.execute(
    ctx.templates.render('copy_to_files', {
      relation: node.relationName,
      path: ctx.dialect.stringLiteral(path),
      format: options.format,
      partition_by: (options.partitionBy ?? []).map((c) => ctx.dialect.quoteIdentifier(c)).join(', '),
      compression: options.compression ? ctx.dialect.stringLiteral(options.compression) : '',
    }),
  );
  return result.rowsAffected !== undefined ? { rows: result.rowsAffected } : {};
}
