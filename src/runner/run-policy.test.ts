import { describe, expect, it } from 'vitest';
import { DpfError, diagnostic } from '../errors/dpf-error.js';
import { DuckDBAdapter } from '../adapters/duckdb/duckdb-adapter.js';
import { TrinoAdapter } from '../adapters/trino/trino-adapter.js';
import { TrinoHttpError, TrinoQueryError } from '../adapters/trino/trino-statement.js';
import type { TargetConfig } from '../adapters/adapter.js';
import { retryPolicyOf } from '../compiler/resolve-run-policy.js';
import { isTransientError, retryDelaySeconds, shortError } from './run-policy.js';

const target = (type: string): TargetConfig => ({ profileName: 'p', targetName: 'dev', type, schema: 'main', threads: 1, settings: {}, secrets: [] });
const duckdb = new DuckDBAdapter(target('duckdb'), '/tmp');
const trino = new TrinoAdapter(target('trino'));
/** A DpfError around an error, as the extract step wraps what a plugin throws. */
const wrapped = (cause: unknown) => Object.assign(new DpfError([diagnostic('ExtractFailed', { plugin: 'p', source: 'raw.a', detail: String(cause) }, { file: 'x.yml' })]), { cause });

describe('transient errors', () => {
  it('a plugin error says so itself: HTTP 429 and 5xx, or retryable, through a DpfError around it', () => {
    for (const status of [429, 500, 502, 503, 504]) expect(isTransientError(wrapped(Object.assign(new Error(String(status)), { status })), duckdb)).toBe(true);
    for (const status of [400, 401, 404, 501]) expect(isTransientError(wrapped(Object.assign(new Error(String(status)), { status })), duckdb)).toBe(false);
    expect(isTransientError(wrapped(Object.assign(new Error('flaky'), { retryable: true })), duckdb)).toBe(true);
    expect(isTransientError(wrapped(Object.assign(new Error('busy'), { retryable: false, status: 503 })), duckdb)).toBe(false);
    expect(isTransientError(wrapped(Object.assign(new Error('x'), { response: { status: 502 } })), duckdb)).toBe(true);
    expect(isTransientError(wrapped(new Error('the API answered 503')), duckdb)).toBe(false);
  });

  it('DuckDB: lock and write conflicts, and lost connections; not SQL errors', () => {
    expect(duckdb.isTransient(new Error('IO Error: Could not set lock on file "x.duckdb": Conflicting lock is held'))).toBe(true);
    expect(duckdb.isTransient(new Error('TransactionContext Error: Conflict on tuple deletion!'))).toBe(true);
    expect(duckdb.isTransient(Object.assign(new Error('read failed'), { code: 'ECONNRESET' }))).toBe(true);
    expect(duckdb.isTransient(new Error('Catalog Error: Table with name x does not exist!'))).toBe(false);
  });

  it('Trino: a full queue, a lost worker, a server error or no answer; not a syntax error or a refused login', () => {
    expect(trino.isTransient(new TrinoQueryError('QUERY_QUEUE_FULL', 'Too many queued queries'))).toBe(true);
    expect(trino.isTransient(new TrinoQueryError('REMOTE_TASK_ERROR', 'worker gone'))).toBe(true);
    expect(trino.isTransient(new TrinoQueryError('SYNTAX_ERROR', 'mismatched input'))).toBe(false);
    expect(trino.isTransient(wrapped(new TrinoHttpError('HTTP 503 Service Unavailable', 503)))).toBe(true);
    expect(trino.isTransient(wrapped(new TrinoHttpError('ECONNREFUSED: connect ECONNREFUSED')))).toBe(true);
    expect(trino.isTransient(wrapped(new TrinoHttpError('HTTP 401 Unauthorized', 401)))).toBe(false);
  });
});

describe('retry policy', () => {
  it('a bare count takes the defaults; zero means none', () => {
    expect(retryPolicyOf(2)).toEqual({ count: 2, backoff: 'exponential', initial: 1, max: 60, jitter: 0 });
    expect(retryPolicyOf({ count: 1, backoff: 'fixed', initial: 0.05 })).toEqual({ count: 1, backoff: 'fixed', initial: 0.05, max: 60, jitter: 0 });
    expect(retryPolicyOf(0)).toBeUndefined();
    expect(retryPolicyOf(undefined)).toBeUndefined();
  });

  it('waits: fixed, or doubling up to max, scaled by jitter within its bounds', () => {
    const exponential = retryPolicyOf({ count: 5, initial: 1, max: 5 })!;
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(exponential, n))).toEqual([1, 2, 4, 5]);
    const fixed = retryPolicyOf({ count: 5, backoff: 'fixed', initial: 0.5 })!;
    expect([1, 2, 3].map((n) => retryDelaySeconds(fixed, n))).toEqual([0.5, 0.5, 0.5]);
    const jittered = retryPolicyOf({ count: 5, backoff: 'fixed', initial: 2, jitter: 0.5 })!;
    expect(retryDelaySeconds(jittered, 1, () => 0)).toBe(1);
    expect(retryDelaySeconds(jittered, 1, () => 1)).toBe(3);
  });

  it('keeps an attempt error short', () => {
    expect(shortError('first line\n  at stack')).toBe('first line');
    expect(shortError('x'.repeat(500))).toHaveLength(200);
  });
});
