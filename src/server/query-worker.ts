/**
 * The worker thread that runs the Explore page's queries (query-runner.ts starts it): the
 * engine's work and the conversion of rows to JSON happen here, off the thread that answers
 * HTTP, so a heavy result never stalls the site. It runs the public API's read-only `query`
 * and `queryToFile`, and nothing else.
 */
import { parentPort } from 'node:worker_threads';
import { query, queryToFile } from '../api/query-read-only.js';
import { runQueryJob, type QueryJob, type WorkerMessage } from './query-job.js';

const port = parentPort!;
// Loaded and run once now, while the page is read, not when the first query waits for it: the
// engine's first instance pays for its own set-up (an in-memory one touches no file).
void import('@duckdb/node-api')
  .then(async ({ DuckDBInstance }) => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run('select 1');
    connection.closeSync();
    instance.closeSync();
  })
  .catch(() => undefined);
void import('../api/read-only-statement.js').then((m) => m.readOnlyStatement('select 1')).catch(() => undefined);
const running = new Map<string, AbortController>();

port.on('message', (message: WorkerMessage) => {
  if (message.kind === 'cancel') {
    running.get(message.id)?.abort();
    return;
  }
  const job: QueryJob = message;
  const controller = new AbortController();
  running.set(job.id, controller);
  void runQueryJob(job, controller.signal, { query, queryToFile }).then((reply) => {
    running.delete(job.id);
    port.postMessage(reply);
  });
});
