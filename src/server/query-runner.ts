/**
 * Runs the Explore page's queries on one worker thread (query-worker.ts), started on the first
 * query and kept: jobs are told apart by id, a cancelled signal is passed on as a message, and
 * the worker aborts the statement on the engine. Under vitest the module is TypeScript, which a
 * worker cannot load, so jobs then run on this thread through the same runQueryJob.
 */
import { Worker } from 'node:worker_threads';
import type { QueryOutcome } from '../api/query-read-only.js';
import { runQueryJob, settle, type JobReply, type QueryJob, type WorkerMessage } from './query-job.js';

export interface QueryRunner {
  /** The job's outcome (a query's rows; nothing for a file); rejects with its DpfError, or QueryCancelled. */
  run(job: QueryJob, signal: AbortSignal): Promise<QueryOutcome | undefined>;
  /** Starts the worker ahead of the first query. */
  warm(): void;
  close(): Promise<void>;
}

const MODULE_URL = import.meta.url;

export function createQueryRunner(): QueryRunner {
  return MODULE_URL.endsWith('.ts') ? inProcessRunner() : workerRunner();
}

function workerRunner(): QueryRunner {
  let worker: Worker | undefined;
  const waiting = new Map<string, (reply: JobReply) => void>();
  const started = (): Worker => {
    if (worker) return worker;
    const w = new Worker(new URL('./query-worker.js', MODULE_URL));
    w.on('message', (reply: JobReply) => {
      waiting.get(reply.id)?.(reply);
      waiting.delete(reply.id);
    });
    // A worker that dies takes its jobs with it; the next job starts a new one.
    const lost = (message: string) => {
      if (worker === w) worker = undefined;
      for (const [id, done] of waiting) done({ id, ok: false, message });
      waiting.clear();
    };
    w.on('error', (err) => lost(`the query worker failed: ${err.message}`));
    w.on('exit', (code) => lost(`the query worker stopped (exit code ${code})`));
    // The server's own lifetime decides when the process ends, not an idle worker.
    w.unref();
    worker = w;
    return w;
  };
  return {
    run(job, signal) {
      const w = started();
      return new Promise<JobReply>((resolve) => {
        waiting.set(job.id, resolve);
        const cancel = () => w.postMessage({ kind: 'cancel', id: job.id } satisfies WorkerMessage);
        if (signal.aborted) cancel();
        else signal.addEventListener('abort', cancel, { once: true });
        w.postMessage(job satisfies WorkerMessage);
      }).then(settle);
    },
    warm() {
      started();
    },
    async close() {
      await worker?.terminate();
      worker = undefined;
    },
  };
}

function inProcessRunner(): QueryRunner {
  return {
    async run(job, signal) {
      const api = await import('../api/query-read-only.js');
      return settle(await runQueryJob(job, signal, api));
    },
    warm() {},
    async close() {},
  };
}
