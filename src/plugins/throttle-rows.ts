/**
 * `max_rows_per_second`: the rows dpf takes from a plugin, paced so that no second holds more
 * than the limit. A batch larger than the limit is split, so the cap holds whatever batch size
 * the plugin chose; a slow plugin is never hurried. A chunk counts from when dpf asks for the
 * next one (it has taken the chunk before it by then), so the pace is measured where the rows
 * land, not where they were made.
 */
import type { RowBatch } from './define-plugin.js';
import { SlidingWindow } from './limited-fetch.js';

export async function* throttleRows(batches: AsyncIterable<RowBatch> | Iterable<RowBatch>, rowsPerSecond: number, signal?: AbortSignal): AsyncGenerator<RowBatch> {
  const window = new SlidingWindow(rowsPerSecond, 1000);
  const chunk = Math.max(1, Math.floor(rowsPerSecond));
  for await (const batch of batches) {
    if (!Array.isArray(batch)) {
      yield batch; // not a batch: the extract step says so
      continue;
    }
    for (let start = 0; start < batch.length; start += chunk) {
      const rows = batch.slice(start, start + chunk) as RowBatch;
      const done = await window.take(signal, rows.length);
      yield rows;
      done();
    }
  }
}
