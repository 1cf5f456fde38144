/**
 * microbatch: an incremental model built one time slice at a time (batch_size hour, day or
 * month, by its event_time column). Each batch replaces the rows of its range in one
 * transaction, so batches are independent and retryable: a failed batch leaves the table as it
 * was for that range, the others are built, and the failure names the range to rebuild. The
 * first run (or --full-refresh) builds from `begin`; later runs rebuild the last `lookback`
 * batches and the current one; --event-time-start/--event-time-end backfill a range.
 */
import { diagnostic } from '../../errors/dpf-error.js';
import { BATCH_END, BATCH_START } from '../../compiler/compile-project.js';
import type { ModelConfig, Relation } from '../../compiler/manifest.js';
import { tempRelation, type MaterializationContext, type Strategy } from './materialization.js';
import { forKinds } from '../../compiler/node-kinds.js';

type Size = NonNullable<ModelConfig['batch_size']>;

export function floorTo(date: Date, size: Size): Date {
  const d = new Date(date);
  d.setUTCMinutes(0, 0, 0);
  if (size !== 'hour') d.setUTCHours(0);
  if (size === 'month') d.setUTCDate(1);
  return d;
}

export function addBatches(date: Date, size: Size, n: number): Date {
  const d = new Date(date);
  if (size === 'hour') d.setUTCHours(d.getUTCHours() + n);
  else if (size === 'day') d.setUTCDate(d.getUTCDate() + n);
  else d.setUTCMonth(d.getUTCMonth() + n);
  return d;
}

/** [start, end) of every batch between two instants, on batch boundaries. */
export function batchesBetween(start: Date, end: Date, size: Size): [Date, Date][] {
  const out: [Date, Date][] = [];
  for (let s = floorTo(start, size); s < end; s = addBatches(s, size, 1)) out.push([s, addBatches(s, size, 1)]);
  return out;
}

const day = (d: Date, size: Size) => (size === 'hour' ? d.toISOString().slice(0, 13) + ':00' : d.toISOString().slice(0, 10));

export const microbatchStrategy: Strategy = forKinds(['model'], async (node, ctx) => {
  if (node.compiledIncrementalCode === undefined) throw new Error(`the microbatch strategy was given a model without batch SQL: ${node.uniqueId}`);
  const { dialect, templates, connection } = ctx;
  const config = node.config;
  const size = config.batch_size!;
  const now = new Date();
  const fresh = !ctx.existing(node.relation) || ctx.fullRefresh;
  if (fresh) await ctx.execute(templates.render('create_empty_table_as', { relation: node.relationName, sql: node.compiledCode.trimEnd() }));

  const range = ctx.eventTimeRange;
  const start = range?.start ? new Date(range.start) : fresh ? new Date(config.begin!) : addBatches(floorTo(now, size), size, -(config.lookback ?? 1));
  const end = range?.end ? new Date(range.end) : addBatches(floorTo(now, size), size, 1);
  const batches = batchesBetween(start, end, size);
  const columns = (await connection.getColumns(node.relation)).map((c) => dialect.quoteIdentifier(c.name)).join(', ');
  const eventTime = dialect.quoteIdentifier(config.event_time!);
  const literal = (d: Date) => dialect.literal(d.toISOString(), 'timestamp');

  let rows = 0;
  const failed: { range: string; start: Date; end: Date; message: string }[] = [];
  for (const [s, e] of batches) {
    const bounds = { start: literal(s), end: literal(e) };
    const sql = node.compiledIncrementalCode.trimEnd().split(BATCH_START).join(bounds.start).split(BATCH_END).join(bounds.end);
    try {
      if (ctx.capabilities.supportsTransactions) {
        await connection.transaction(async () => {
          await ctx.execute(templates.render('microbatch_delete', { target: node.relationName, event_time: eventTime, ...bounds }));
          rows += (await ctx.execute(templates.render('microbatch_insert', { target: node.relationName, columns, sql, event_time: eventTime, ...bounds }))).rowsAffected ?? 0;
        });
      } else {
        rows += await replaceBatchWithoutTransaction(ctx, node.relation, { columns, sql, event_time: eventTime, ...bounds });
      }
    } catch (err) {
      failed.push({ range: `${day(s, size)} to ${day(e, size)}`, start: s, end: e, message: (err as Error).message.split('\n')[0]! });
    }
  }
  if (failed.length > 0) {
    const first = failed[0]!;
    const last = failed[failed.length - 1]!;
    return {
      error: diagnostic(
        'BatchesFailed',
        {
          failed: String(failed.length),
          total: batches.length,
          detail: failed.map((f) => `[${f.range}): ${f.message}`).join('; '),
          retry: `dpf run --select ${node.name} --event-time-start ${day(first.start, size)} --event-time-end ${day(last.end, size)}`,
        },
        { file: node.originalFilePath, line: 1, column: 1 },
      ),
    };
  }
  return { rowsAffected: rows, message: `${rows} rows in ${batches.length} batch${batches.length === 1 ? '' : 'es'}` };
});

/**
 * Without transactions the batch is built aside first, so that a query that fails does so before
 * anything is deleted; then the range is deleted and the staged rows inserted. (A run killed
 * between those two statements leaves the range empty until the batch is built again.)
 */
async function replaceBatchWithoutTransaction(
  ctx: MaterializationContext,
  target: Relation,
  batch: { columns: string; sql: string; event_time: string; start: string; end: string },
): Promise<number> {
  const { templates, dialect } = ctx;
  const stage = tempRelation(target);
  const stageName = dialect.renderRelation(stage);
  const targetName = dialect.renderRelation(target);
  await ctx.execute(templates.render('create_table_as', { relation: stageName, sql: templates.render('microbatch_select', batch) }));
  try {
    await ctx.execute(templates.render('microbatch_delete', { target: targetName, ...batch }));
    return (await ctx.execute(templates.render('incremental_append', { target: targetName, source: stageName, columns: batch.columns }))).rowsAffected ?? 0;
  } finally {
    await ctx.connection.dropRelation(stage, 'table');
  }
}
