/** max_rows_per_second: the rows taken from a plugin, counted by the taker's clock. */
import { describe, expect, it } from 'vitest';
import { throttleRows } from './throttle-rows.js';

describe('throttleRows', () => {
  it('gives no more than the limit in any second, splitting batches larger than it, and keeps every row in order', async () => {
    async function* plugin() {
      for (let b = 0; b < 4; b++) yield Array.from({ length: 7 }, (_, i) => [b * 7 + i]);
    }
    const taken: { at: number; rows: number }[] = [];
    const values: number[] = [];
    for await (const batch of throttleRows(plugin(), 10)) {
      taken.push({ at: Date.now(), rows: batch.length });
      for (const row of batch as number[][]) values.push(row[0]!);
    }
    expect(values).toEqual(Array.from({ length: 28 }, (_, i) => i));
    expect(Math.max(...taken.map((t) => t.rows))).toBeLessThanOrEqual(10);
    for (const t of taken) {
      const inSecond = taken.filter((o) => o.at >= t.at && o.at < t.at + 1000).reduce((sum, o) => sum + o.rows, 0);
      expect(inSecond, `rows taken in the second from ${t.at}`).toBeLessThanOrEqual(10);
    }
  });

  it('stops when the signal aborts while it waits', async () => {
    const stop = new AbortController();
    const rows = throttleRows([[[1], [2]], [[3], [4]]], 2, stop.signal);
    expect((await rows.next()).value).toEqual([[1], [2]]);
    const next = rows.next();
    setTimeout(() => stop.abort(new Error('timed out')), 50);
    await expect(next).rejects.toThrow('timed out');
  });
});
