/**
 * The `fetch` an extract's plugin gets as `ctx.fetch` (docs/plugins.md, "Rate limits"): held to
 * `max_requests_per_second` and `max_concurrent_requests`, shared by every extract of one plugin
 * in a run, and patient with a server that pushes back: a 429 is retried after its
 * `Retry-After` (seconds or an HTTP date), and a 429 or 5xx without one after an exponential
 * backoff, a bounded number of times; every wait ends when the caller's signal aborts.
 *
 * It reads each response's body before it returns it, so that a request counts as finished
 * (for the concurrency cap and the rate window) only once the server has sent all of it.
 *
 * The rate is a sliding window whose slots are freed one second after the *response* came
 * back, not after the request left: the server's own clock then never counts more than the
 * limit in any second, whatever the network's latency (a window counted from the send lets a
 * slow first request and a fast sixth land less than a second apart). p-throttle counts from
 * the send, so the window is written here; the concurrency cap is p-limit's.
 */
import pLimit, { type LimitFunction } from 'p-limit';

export interface FetchLimits {
  /** Requests that may arrive at the server in any one second (max_requests_per_second). */
  readonly requestsPerSecond?: number;
  /** Requests in flight at once (max_concurrent_requests). */
  readonly concurrentRequests?: number;
}

export interface RetryPolicy {
  /** Retries of a 429 or 5xx answer before it is returned as it is (default 4). */
  readonly retries?: number;
  /** The first backoff, doubled at each retry (default 500 ms). */
  readonly backoffMs?: number;
}

export type LimitedFetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Statuses worth retrying: the server asks to slow down, or failed in a way that may pass. */
const RETRIED = (status: number) => status === 429 || status >= 500;
/** Statuses whose Response may not have a body. */
const NO_BODY = [101, 204, 205, 304];

/**
 * A fetch held to `limits`; one instance is shared by all who must share the limits. A call's
 * signal is `init.signal`, else `signal` (the extract's: timeout or cancel).
 */
export function limitedFetch(limits: FetchLimits, policy: RetryPolicy = {}, base: typeof fetch = fetch): (signal: AbortSignal) => LimitedFetch {
  const concurrency: LimitFunction | undefined = limits.concurrentRequests ? pLimit(limits.concurrentRequests) : undefined;
  const window = limits.requestsPerSecond ? new SlidingWindow(limits.requestsPerSecond, 1000) : undefined;
  const retries = policy.retries ?? 4;
  const backoffMs = policy.backoffMs ?? 500;
  /** A 429's Retry-After holds back every caller of this fetch, not only the one it answered. */
  let pausedUntil = 0;

  const once = async (input: string | URL, init: RequestInit, signal: AbortSignal): Promise<Response> => {
    await sleep(pausedUntil - Date.now(), signal);
    const slot = window ? await window.take(signal) : undefined;
    try {
      const response = await base(input, { ...init, signal });
      const body = NO_BODY.includes(response.status) ? null : await response.arrayBuffer();
      const copy = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      Object.defineProperty(copy, 'url', { value: response.url });
      return copy;
    } finally {
      slot?.();
    }
  };
  const limited = (input: string | URL, init: RequestInit, signal: AbortSignal) =>
    concurrency ? abortable(concurrency(() => (signal.aborted ? Promise.reject(reason(signal)) : once(input, init, signal))), signal) : once(input, init, signal);

  return (extractSignal) => async (input, init = {}) => {
    const signal = init.signal ?? extractSignal;
    for (let attempt = 0; ; attempt++) {
      const response = await limited(input, init, signal);
      if (!RETRIED(response.status) || attempt >= retries) return response;
      const after = retryAfterMs(response.headers.get('retry-after'));
      if (response.status === 429 && after !== undefined) pausedUntil = Math.max(pausedUntil, Date.now() + after);
      await sleep(after ?? backoffMs * 2 ** attempt, signal);
    }
  };
}

/** Retry-After in milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * At most `limit` units taken in any `intervalMs`, each take counted until an interval after it
 * ends (the function `take` resolves to): a take still running holds its units. Takes are
 * served in call order.
 */
export class SlidingWindow {
  /** The takes that still count: their units, and when each ended (Infinity while it runs). */
  private held: { units: number; end: number }[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  /** Resolved when a running take ends, for a caller waiting on takes that all still run. */
  private ended: { promise: Promise<void>; resolve: () => void } = settle();

  constructor(
    private readonly limit: number,
    private readonly intervalMs: number,
  ) {}

  /** Waits until `units` (at most the limit) fit, and returns the function that marks the take ended. */
  take(signal?: AbortSignal, units = 1): Promise<() => void> {
    const turn = this.chain.then(() => this.wait(signal, Math.min(units, this.limit)));
    // A caller that gave up (aborted) must not hold up the ones behind it.
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  private async wait(signal: AbortSignal | undefined, units: number): Promise<() => void> {
    for (;;) {
      if (signal?.aborted) throw reason(signal);
      const now = Date.now();
      this.held = this.held.filter((h) => h.end + this.intervalMs > now);
      if (this.held.reduce((sum, h) => sum + h.units, 0) + units <= this.limit) break;
      const ended = this.held.filter((h) => Number.isFinite(h.end));
      if (ended.length > 0) await sleep(Math.min(...ended.map((h) => h.end)) + this.intervalMs - now, signal);
      else await abortable(this.ended.promise, signal);
    }
    const entry = { units, end: Infinity };
    this.held.push(entry);
    return () => {
      entry.end = Date.now();
      this.ended.resolve();
      this.ended = settle();
    };
  }
}

function settle(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Waits `ms` (nothing when ≤ 0), rejecting as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(reason(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(reason(signal!));
    };
    signal?.addEventListener('abort', stop, { once: true });
  });
}

/** A promise that rejects when `signal` aborts, whichever comes first. */
function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(reason(signal));
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(reason(signal));
    signal.addEventListener('abort', stop, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

const reason = (signal: AbortSignal): Error => (signal.reason instanceof Error ? signal.reason : new Error('aborted'));
