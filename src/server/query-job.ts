/**
 * What passes between the server and its query worker: plain data, since a DpfError does not
 * survive the thread boundary as a class (its diagnostics do).
 */
import type { QueryOptions, QueryOutcome, QueryToFileOptions } from '../api/query-read-only.js';
import { DpfError, type Diagnostic } from '../errors/dpf-error.js';

export type QueryJob =
  | { readonly kind: 'query'; readonly id: string; readonly options: QueryOptions }
  | { readonly kind: 'file'; readonly id: string; readonly options: QueryToFileOptions };

export type WorkerMessage = QueryJob | { readonly kind: 'cancel'; readonly id: string };

export type JobReply =
  | { readonly id: string; readonly ok: true; readonly outcome?: QueryOutcome }
  | { readonly id: string; readonly ok: false; readonly cancelled?: true; readonly diagnostics?: readonly Diagnostic[]; readonly message?: string };

export interface QueryApi {
  query(options: QueryOptions): Promise<QueryOutcome>;
  queryToFile(options: QueryToFileOptions): Promise<unknown>;
}

/** Runs one job and says how it ended; it never throws. */
export async function runQueryJob(job: QueryJob, signal: AbortSignal, api: QueryApi): Promise<JobReply> {
  try {
    if (job.kind === 'query') return { id: job.id, ok: true, outcome: await api.query({ ...job.options, signal }) };
    await api.queryToFile({ ...job.options, signal });
    return { id: job.id, ok: true };
  } catch (err) {
    if (signal.aborted) return { id: job.id, ok: false, cancelled: true };
    if (err instanceof DpfError) return { id: job.id, ok: false, diagnostics: err.diagnostics.map((d) => ({ ...d })) };
    return { id: job.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/** The reply as the caller's result: the outcome, or the DpfError (or Error) it ended with. */
export function settle(reply: JobReply): QueryOutcome | undefined {
  if (reply.ok) return reply.outcome;
  if (reply.cancelled) throw new QueryCancelled();
  if (reply.diagnostics) throw new DpfError(reply.diagnostics);
  throw new Error(reply.message);
}

export class QueryCancelled extends Error {
  constructor() {
    super('The query was cancelled.');
    this.name = 'QueryCancelled';
  }
}
