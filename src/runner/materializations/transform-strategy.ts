/**
 * transform: a TypeScript model (models/<name>.ts, docs/typescript-models.md). Each input is
 * read with the adapter's streaming read (queryStream, on a connection of its own, one batch
 * in memory at a time) as the transform pulls it; its batches land through the adapter's bulk
 * path (appendRows) into `<name>__dpf_tmp`, which is swapped in as a table is. A transform that
 * throws (DPF822), runs past `timeout_seconds` (DPF823) or yields rows of the wrong shape
 * (DPF824) leaves the previous table, and its children are skipped.
 */
import type { ColumnDescription, Connection } from '../../adapters/adapter.js';
import type { ModelNode, ModelTransform } from '../../compiler/manifest.js';
import { forKinds, isEphemeral, relationNode } from '../../compiler/node-kinds.js';
import { transformInputs } from '../../compiler/parse-ts-models.js';
import { loadTransform, transformFailed, transformRows, withTransformTimeout, type InputRow, type TransformInputs } from '../../plugins/index.js';
import { swapIntoPlace, tempRelation, type MaterializationContext, type Strategy } from './materialization.js';

type TypescriptModel = ModelNode & { readonly transform: ModelTransform };

export const transformStrategy: Strategy = forKinds(['model'], async (model, ctx) => {
  const node = model as TypescriptModel;
  const plugin = await loadTransform(ctx.projectRoot, node.originalFilePath, node.name);
  const columns: ColumnDescription[] = node.transform.columns.map((c) => ({ name: c.name, type: ctx.dialect.typeName(c.type) }));
  const tmp = tempRelation(node.relation);
  const tmpName = ctx.dialect.renderRelation(tmp);
  await ctx.execute(ctx.templates.render('create_table', { relation: tmpName, columns: columns.map((c) => ({ name: ctx.dialect.quoteIdentifier(c.name), type: c.type })) }));
  const leases = new Set<() => void>();
  try {
    const result = await withTransformTimeout(node, async (signal) => {
      const inputs = streamedInputs(node, ctx, signal, leases);
      ctx.note(`append the rows of ${node.originalFilePath} to ${tmpName}`);
      return ctx.connection.appendRows(tmp, columns, transformRows(plugin, node, inputs, { signal, projectDir: ctx.projectRoot }));
    });
    await swapIntoPlace(ctx, tmp, node.relation);
    return { rowsAffected: result.rowsAffected };
  } catch (err) {
    await ctx.connection.dropRelation(tmp, 'table').catch(() => undefined);
    throw transformFailed(err, node);
  } finally {
    for (const release of leases) release();
  }
});

/** Each input as batches of rows by column name, read from the engine whenever it is iterated. */
function streamedInputs(node: TypescriptModel, ctx: MaterializationContext, signal: AbortSignal, leases: Set<() => void>): TransformInputs {
  const inputs: Record<string, AsyncIterable<readonly InputRow[]>> = {};
  for (const input of transformInputs(node, ctx.manifest)) {
    const from = relationNode(ctx.manifest, input.uniqueId);
    // An ephemeral model has no relation: its SQL is read in place.
    const sql = isEphemeral(from) ? `select * from (\n${from.compiledCode ?? ''}\n) as dpf_input` : `select * from ${from?.relationName ?? input.uniqueId}`;
    ctx.note(`read ${input.name} as the transform pulls it: ${sql.split('\n').join(' ')}`);
    inputs[input.name] = {
      async *[Symbol.asyncIterator]() {
        const lease = await lend(ctx);
        leases.add(lease.release);
        try {
          for await (const batch of lease.connection.queryStream(sql, { signal })) {
            if (batch.rows.length === 0) continue;
            const names = batch.columns.map((c) => c.name);
            yield batch.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])));
          }
        } finally {
          leases.delete(lease.release);
          lease.release();
        }
      },
    };
  }
  return Object.freeze(inputs);
}

/** A connection of the run's adapter, held until `release` is called. */
function lend(ctx: MaterializationContext): Promise<{ connection: Connection; release: () => void }> {
  return new Promise((resolve, reject) => {
    ctx.withConnection((connection) => new Promise<void>((release) => resolve({ connection, release: () => release() }))).catch(reject);
  });
}
