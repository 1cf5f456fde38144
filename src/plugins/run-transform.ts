/**
 * Running a TypeScript model's transform: its rows as dpf lands them (docs/typescript-models.md): its transform called
 * on its inputs, its batches read in the declared columns' order and checked for shape (DPF824),
 * stopped when the signal aborts even if the transform never yields; a throw is DPF822 with the
 * message and no stack. Values are checked by the engine as they land (DPF609). Used by the
 * build (src/runner/materializations/transform-strategy.ts) and by unit tests
 * (src/tests/unit-test-transform.ts); it knows the model by the few facts below, not the manifest.
 */
import { DpfError, diagnostic, type SourceLocation } from '../errors/dpf-error.js';
import type { InputRow, PluginColumn, RowBatch, TransformPlugin } from './define-plugin.js';
import { nextUntilAborted } from './next-until-aborted.js';

/** What running a TypeScript model needs to know of its node. */
export interface TransformTarget {
  readonly name: string;
  readonly originalFilePath: string;
  readonly relationName: string;
  readonly config: { readonly timeout_seconds?: number };
  readonly transform: { readonly columns: readonly PluginColumn[] };
}

export type TransformInputs = Readonly<Record<string, AsyncIterable<readonly InputRow[]>>>;

/** Where a TypeScript model's errors point: its file. */
export const transformLocation = (node: TransformTarget): SourceLocation => ({ file: node.originalFilePath, line: 1 });

/** An error the transform threw: DPF822 with its first line, at the model's file. */
export function transformFailed(err: unknown, node: TransformTarget): DpfError {
  if (err instanceof DpfError) return err.first.location ? err : new DpfError([{ ...err.first, location: transformLocation(node) }, ...err.diagnostics.slice(1)]);
  const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  // The line of the model's file that threw, where its stack names it (the stack itself is not shown).
  const file = node.originalFilePath.split('/').pop()!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const line = String((err as { stack?: unknown })?.stack ?? '').match(new RegExp(`${file}:(\\d+)`))?.[1];
  return new DpfError([diagnostic('TransformFailed', { model: node.name, detail }, line ? { file: node.originalFilePath, line: Number(line) } : transformLocation(node))]);
}

/** The transform's rows as lists of values in the declared columns' order, checked, until `signal` aborts. */
export async function* transformRows(
  plugin: TransformPlugin,
  node: TransformTarget,
  inputs: TransformInputs,
  context: { readonly signal: AbortSignal; readonly projectDir: string },
): AsyncGenerator<unknown[][]> {
  const names = node.transform.columns.map((c) => c.name);
  const bad = (detail: string) => new DpfError([diagnostic('TransformBadRows', { model: node.name, detail }, transformLocation(node))]);
  const { signal } = context;
  let batches: AsyncIterable<RowBatch> | Iterable<RowBatch>;
  try {
    batches = plugin.transform(inputs, { signal, model: { name: node.name, relation: node.relationName }, projectDir: context.projectDir });
  } catch (err) {
    throw transformFailed(err, node);
  }
  if (batches === null || typeof batches !== 'object' || !(Symbol.asyncIterator in batches || Symbol.iterator in batches)) {
    throw bad('transform returned no batches (write it as async *transform(inputs, ctx) { yield [...] })');
  }
  const iterator = Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : (batches as Iterable<RowBatch>)[Symbol.iterator]();
  let index = 0;
  try {
    for (;;) {
      let next: IteratorResult<RowBatch>;
      try {
        next = await nextUntilAborted(iterator, signal);
      } catch (err) {
        throw transformFailed(err, node);
      }
      if (next.done) return;
      index++;
      const batch = next.value as unknown;
      if (!Array.isArray(batch)) throw bad(`batch ${index} is not a list of rows`);
      yield batch.map((row: unknown, r) => {
        const where = `row ${r + 1} of batch ${index}`;
        if (Array.isArray(row)) {
          if (row.length !== names.length) throw bad(`${where} has ${row.length} values for ${names.length} columns (${names.join(', ')})`);
          return row;
        }
        if (typeof row !== 'object' || row === null) throw bad(`${where} is neither a list nor an object`);
        const unknown = Object.keys(row).find((k) => !names.includes(k));
        if (unknown !== undefined) throw bad(`${where} has the key "${unknown}", which is no declared column (${names.join(', ')})`);
        return names.map((n) => (row as Record<string, unknown>)[n] ?? null);
      });
    }
  } finally {
    // A transform stopped early (an error, the timeout) is told to finish, without waiting for it.
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

/**
 * Runs `fn` with a signal that aborts after the model's timeout_seconds (DPF823) or when
 * `outer` aborts; the timer is cleared when fn settles.
 */
export async function withTransformTimeout<T>(node: TransformTarget, fn: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
  const seconds = node.config.timeout_seconds ?? 3600;
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(new DpfError([diagnostic('TransformTimedOut', { model: node.name, seconds }, transformLocation(node))])), seconds * 1000);
  const onOuter = () => stop.abort(outer?.reason);
  outer?.addEventListener('abort', onOuter, { once: true });
  try {
    return await fn(stop.signal);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
    stop.abort();
  }
}
