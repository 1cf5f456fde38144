/** A worker thread of compute-column-lineage.ts: parses batches of models' SQL for column lineage. */
import { parentPort } from 'node:worker_threads';
import { lineageOf, type LineageJob } from './compute-column-lineage.js';

parentPort!.on('message', (msg: { start: number; jobs: LineageJob[] }) => {
  parentPort!.postMessage({ start: msg.start, results: msg.jobs.map(lineageOf) });
});
