import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { nextUntilAborted } from './next-until-aborted.js';

describe('nextUntilAborted', () => {
  it('gives each batch of a sync or async iterator, and leaves no listener on the signal behind', async () => {
    const signal = new AbortController().signal;
    async function* batches() {
      for (let i = 0; i < 100; i++) yield [[i]];
    }
    for (const iterator of [batches(), [[[0]], [[1]]][Symbol.iterator]()]) {
      const seen: unknown[] = [];
      for (let next = await nextUntilAborted(iterator, signal); !next.done; next = await nextUntilAborted(iterator, signal)) seen.push(next.value);
      expect(seen.length).toBeGreaterThan(1);
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    }
  });

  it('rejects with the signal\'s reason when it aborts before a plugin that never yields, and at once when already aborted', async () => {
    const stop = new AbortController();
    const never: AsyncIterator<number> = { next: () => new Promise(() => undefined) };
    const pending = nextUntilAborted(never, stop.signal);
    stop.abort(new Error('timed out'));
    await expect(pending).rejects.toThrow('timed out');
    await expect(nextUntilAborted(never, stop.signal)).rejects.toThrow('timed out');
  });

  it('passes on what the iterator throws, synchronously or not', async () => {
    const signal = new AbortController().signal;
    const throwing: Iterator<number> = {
      next: () => {
        throw new Error('the API answered 500');
      },
    };
    await expect(nextUntilAborted(throwing, signal)).rejects.toThrow('the API answered 500');
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});
