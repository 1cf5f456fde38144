/**
 * Runs one statement on Trino through trino-client and drains it: Trino answers a POST with
 * the first page and a nextUri, and a query is only complete (and its error known) once every
 * page is read. The client returns query errors in the page instead of throwing; they become
 * TrinoQueryError here. JSON numbers are parsed losslessly: a BIGINT beyond 2^53 stays exact
 * (as a string) instead of being rounded by JSON.parse.
 */
import { isInteger, isSafeNumber, parse as parseLossless } from 'lossless-json';
import type { QueryResult as TrinoPage, QueryStats, Trino } from 'trino-client';
import type { StatementStats } from '../adapter.js';

export interface StatementResult {
  readonly columns: { name: string; type: string }[];
  readonly rows: unknown[][];
  /** Rows written by INSERT, CTAS, UPDATE, DELETE or MERGE. */
  readonly updateCount?: number;
  /** The query id and the stats of the page (final once the last page is read). */
  readonly stats?: StatementStats;
}

/** Trino rejected the statement: its message, error name (SYNTAX_ERROR, TABLE_NOT_FOUND, ...) and position. */
export class TrinoQueryError extends Error {
  constructor(
    readonly errorName: string,
    readonly trinoMessage: string,
  ) {
    super(`${errorName}: ${trinoMessage}`);
    this.name = 'TrinoQueryError';
  }
}

/** The page as Trino sends it; trino-client's type leaves out the update fields. */
type Page = TrinoPage & { updateCount?: number; updateType?: string };

/**
 * The statement's figures as the server reports them with a page (the last page's are final):
 * CPU and wall time, peak memory, rows and bytes read (physicalInputBytes: what storage
 * delivered, the figure per-TB pricing uses) and, where the server sends it, bytes written.
 */
export function statsOfPage(queryId: string | undefined, stats: (Partial<QueryStats> & { physicalWrittenBytes?: number }) | undefined): StatementStats | undefined {
  if (!queryId && !stats) return undefined;
  const num = (value: unknown): number | undefined => (value === undefined || value === null || !Number.isFinite(Number(value)) ? undefined : Number(value));
  return {
    queryId,
    cpuMs: num(stats?.cpuTimeMillis),
    wallMs: num(stats?.elapsedTimeMillis ?? stats?.wallTimeMillis),
    peakMemoryBytes: num(stats?.peakMemoryBytes),
    rowsScanned: num(stats?.processedRows),
    bytesScanned: num(stats?.physicalInputBytes),
    bytesWritten: num(stats?.physicalWrittenBytes),
  };
}

/** Statements running on the server, so that an interrupted dpf can cancel them there. */
export class InFlightQueries {
  private readonly cancels = new Set<() => Promise<unknown>>();

  track(cancel: () => Promise<unknown>): () => void {
    this.cancels.add(cancel);
    return () => this.cancels.delete(cancel);
  }

  async cancelAll(): Promise<void> {
    await Promise.allSettled([...this.cancels].map((cancel) => cancel()));
    this.cancels.clear();
  }
}

export async function runStatement(client: Trino, sql: string, limit?: number, inFlight?: InFlightQueries): Promise<StatementResult> {
  let columns: { name: string; type: string }[] = [];
  const rows: unknown[][] = [];
  let updateCount: number | undefined;
  let stats: StatementStats | undefined;
  for await (const page of streamStatement(client, sql, inFlight)) {
    columns = page.columns;
    if (limit === undefined || rows.length < limit) rows.push(...page.rows);
    if (page.updateCount !== undefined) updateCount = page.updateCount;
    stats = page.stats ?? stats;
  }
  return { columns, rows: limit === undefined ? rows : rows.slice(0, limit), updateCount, stats };
}

/**
 * The statement's pages as Trino sends them, each read once (queryStream yields them as they
 * come; runStatement collects them). A reader that stops early (return, break) cancels the
 * statement on the server: unread, it would run on and hold the server's memory.
 */
export async function* streamStatement(client: Trino, sql: string, inFlight?: InFlightQueries, signal?: AbortSignal): AsyncGenerator<StatementResult> {
  let queryId: string | undefined;
  let settled = false;
  const release = inFlight?.track(async () => (queryId ? client.cancel(queryId) : undefined));
  // Aborted: cancelled on the server at once, so that it stops computing while dpf waits for a page.
  const cancel = () => void (queryId && !settled ? client.cancel(queryId).catch(() => undefined) : undefined);
  signal?.addEventListener('abort', cancel);
  try {
    const pages = await withRetry(() => client.query(stripTerminator(sql)));
    queryId = submittedQueryId(pages);
    // Aborted while the statement was being submitted: no page may come for a long while.
    if (signal?.aborted) signal.throwIfAborted();
    let columns: { name: string; type: string }[] = [];
    const seen = new Set<Page>();
    // The iterator's last step (done) hands back the final page, which is the first one when
    // the server answered in a single page: read every page exactly once. A failed request
    // leaves the iterator where it was, so asking again retries the same page.
    for (;;) {
      const step = await withRetry(() => pages.next());
      const page = step.value as Page | undefined;
      if (page && !seen.has(page)) {
        seen.add(page);
        queryId ??= page.id;
        if (page.error) throw new TrinoQueryError(page.error.errorName, page.error.message);
        if (page.columns) columns = page.columns.map((c) => ({ name: c.name, type: c.type }));
        if (step.done) settled = true;
        yield {
          columns,
          rows: page.data ?? [],
          updateCount: page.updateCount === undefined ? undefined : Number(page.updateCount),
          stats: statsOfPage(queryId ?? page.id, page.stats),
        };
      }
      if (step.done) break;
    }
    settled = true;
  } catch (err) {
    settled = true;
    if (signal?.aborted) {
      if (queryId) await client.cancel(queryId).catch(() => undefined);
      throw signal.reason;
    }
    if (err instanceof TrinoQueryError) throw err;
    // dpf stops reading: tell the server, or the statement runs on (and may still commit).
    if (queryId) await client.cancel(queryId).catch(() => undefined);
    throw httpError(err);
  } finally {
    // Left before the last page (the reader returned early): the rest is not wanted.
    if (!settled && queryId) await client.cancel(queryId).catch(() => undefined);
    signal?.removeEventListener('abort', cancel);
    release?.();
  }
}

/**
 * The id Trino gave the statement when it accepted it. trino-client yields no page until one
 * has rows or the query ends, so the id is read from the accepted page it keeps (pinned
 * trino-client 0.2.9); without it, an interrupted statement cannot be cancelled.
 */
function submittedQueryId(pages: unknown): string | undefined {
  const accepted = (pages as { iter?: { queryResult?: { id?: unknown } } })?.iter?.queryResult;
  return typeof accepted?.id === 'string' ? accepted.id : undefined;
}

/** The server answered with an HTTP error (not a query error), or could not be reached. */
export class TrinoHttpError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'TrinoHttpError';
  }
}

interface HttpFailure {
  message?: string;
  code?: string;
  response?: { status?: number; statusText?: string; data?: unknown };
}

function httpError(err: unknown): Error {
  const failure = err as HttpFailure;
  const status = failure?.response?.status;
  if (status === undefined) return new TrinoHttpError(failure?.code ? `${failure.code}: ${failure.message ?? ''}`.trim() : String(failure?.message ?? err));
  const body = typeof failure.response?.data === 'string' ? failure.response.data.trim().split('\n')[0]!.slice(0, 200) : '';
  return new TrinoHttpError(`HTTP ${status}${failure.response?.statusText ? ` ${failure.response.statusText}` : ''}${body ? `: ${body}` : ''}`, status);
}

/** Trino's protocol: a 502, 503 or 504 means "try again shortly". */
const RETRY_STATUSES = new Set([502, 503, 504]);
const RETRIES = 5;

async function withRetry<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      const status = (err as HttpFailure)?.response?.status;
      if (attempt >= RETRIES || status === undefined || !RETRY_STATUSES.has(status)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

/** Trino takes one statement without a trailing semicolon. */
function stripTerminator(sql: string): string {
  return sql.trimEnd().replace(/;+$/, '');
}

/** JSON.parse, except that integers JavaScript cannot hold exactly stay strings. */
export function parseTrinoJson(text: unknown): unknown {
  if (typeof text !== 'string' || text === '') return text;
  try {
    return parseLossless(text, undefined, (value: string) => (isInteger(value) && !isSafeNumber(value) ? value : Number(value)));
  } catch {
    return text; // an error page (401, 502 ...) in HTML or plain text: kept for the message
  }
}
