/**
 * extract: a source table landed by its plugin (docs/plugins.md). The plugin's batches go
 * through the adapter's bulk path (appendRows: DuckDB's appender; batched INSERTs on Trino)
 * into `<table>__dpf_tmp`, which is swapped in as a table is: a plugin that throws, hangs past
 * `timeout_seconds` or gives rows of the wrong shape leaves the table as its last extract left
 * it, and a killed run's staging table is dropped by the next (existing-relations.ts). The
 * step reports the table's data version after the swap, so that what reads it is recorded
 * against what it read (BuildBook.landed).
 */
import type { ColumnDescription } from '../../adapters/adapter.js';
import type { SourceExtract, SourceNode } from '../../compiler/manifest.js';
import { forKinds } from '../../compiler/node-kinds.js';
import { DpfError, diagnostic } from '../../errors/dpf-error.js';
import { loadSourcePlugin, type RowBatch } from '../../plugins/index.js';
import { swapIntoPlace, tempRelation, type Strategy } from './materialization.js';

export const extractStrategy: Strategy = forKinds(['source'], async (node, ctx) => {
  const extract = node.extract!;
  const plugin = await ctx.shared(`plugin:${extract.pluginPath}`, () => loadSourcePlugin(ctx.projectRoot, { name: extract.plugin, path: extract.pluginPath }));
  const columns: ColumnDescription[] = (extract.columns ?? []).map((c) => ({ name: c.name, type: ctx.dialect.typeName(c.type) }));
  const tmp = tempRelation(node.relation);
  const tmpName = ctx.dialect.renderRelation(tmp);
  await ctx.execute(ctx.templates.render('create_table', { relation: tmpName, columns: columns.map((c) => ({ name: ctx.dialect.quoteIdentifier(c.name), type: c.type })) }));
  ctx.note(`append the rows of plugin ${extract.plugin} (${extract.pluginPath}) to ${tmpName}`);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(new DpfError([diagnostic('ExtractTimedOut', { plugin: extract.plugin, source: label(node), seconds: extract.timeoutSeconds }, extract.location)])), extract.timeoutSeconds * 1000);
  try {
    let batches: AsyncIterable<RowBatch> | Iterable<RowBatch>;
    try {
      batches = plugin.extract(extract.config, { signal: stop.signal, source: { name: node.sourceName, table: node.tableName }, projectDir: ctx.projectRoot, fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ?? stop.signal }) });
    } catch (err) {
      throw failed(err, node, extract);
    }
    const result = await ctx.connection.appendRows(tmp, columns, rowsOf(batches, node, extract, stop.signal), extract.batchRows ? { batchRows: extract.batchRows } : undefined);
    await swapIntoPlace(ctx, tmp, node.relation);
    const sourceVersion = await ctx.connection.dataVersion(node.relation).catch(() => undefined);
    return { rowsAffected: result.rowsAffected, sourceVersion };
  } catch (err) {
    await ctx.connection.dropRelation(tmp, 'table').catch(() => undefined);
    throw err instanceof DpfError ? located(err, extract) : failed(err, node, extract);
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
});

/** The plugin's batches as rows of values in the columns' order, checked, stopping when `signal` aborts. */
async function* rowsOf(batches: AsyncIterable<RowBatch> | Iterable<RowBatch>, node: SourceNode, extract: SourceExtract, signal: AbortSignal): AsyncGenerator<unknown[][]> {
  const names = (extract.columns ?? []).map((c) => c.name);
  const bad = (detail: string) => new DpfError([diagnostic('ExtractBadRows', { plugin: extract.plugin, detail }, extract.location)]);
  const iterator = Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : (batches as Iterable<RowBatch>)[Symbol.iterator]();
  const stopped = new Promise<never>((_, reject) => {
    const abort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('stopped'));
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
  stopped.catch(() => undefined);
  let index = 0;
  try {
    for (;;) {
      let next: IteratorResult<RowBatch>;
      try {
        next = await Promise.race([Promise.resolve(iterator.next()), stopped]);
      } catch (err) {
        throw err instanceof DpfError ? err : failed(err, node, extract);
      }
      if (next.done) return;
      index++;
      const batch = next.value as unknown;
      if (!Array.isArray(batch)) throw bad(`batch ${index} is not a list of rows`);
      yield batch.map((row: unknown, r) => {
        if (Array.isArray(row)) {
          if (row.length !== names.length) throw bad(`row ${r + 1} of batch ${index} has ${row.length} values for ${names.length} columns (${names.join(', ')})`);
          return row;
        }
        if (typeof row !== 'object' || row === null) throw bad(`row ${r + 1} of batch ${index} is neither a list nor an object`);
        const unknown = Object.keys(row).find((k) => !names.includes(k));
        if (unknown !== undefined) throw bad(`row ${r + 1} of batch ${index} has the key "${unknown}", which is no column (${names.join(', ')})`);
        return names.map((n) => (row as Record<string, unknown>)[n] ?? null);
      });
    }
  } finally {
    // A plugin stopped early (an error, the timeout) is told to finish, without waiting for it.
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

const label = (node: SourceNode) => `${node.sourceName}.${node.tableName}`;

/** An error the plugin threw: DPF803 with its message, at the extract's YAML, without its stack. */
function failed(err: unknown, node: SourceNode, extract: SourceExtract): DpfError {
  const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  // The plugin's error stays the cause: retries read its status (run-policy.ts).
  return Object.assign(new DpfError([diagnostic('ExtractFailed', { plugin: extract.plugin, source: label(node), detail }, extract.location)]), { cause: err });
}

/** A dpf error without a place (a value its column cannot hold) is the extract's. */
function located(err: DpfError, extract: SourceExtract): DpfError {
  return err.first.location ? err : new DpfError([{ ...err.first, location: extract.location }, ...err.diagnostics.slice(1)]);
}
