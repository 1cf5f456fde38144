/**
 * What happens around a failed step (docs/configuration.md#retries, #on_error): whether its
 * error is transient, how long to wait before the next attempt, and the record of who decided
 * what. run-plan.ts applies them; this module decides nothing on its own and knows no engine
 * (adapters classify their own errors: Adapter.isTransient).
 */
import type { Adapter } from '../adapters/adapter.js';
import { declaredTransient } from '../adapters/transient-errors.js';
import type { RetryPolicy } from '../compiler/manifest.js';

/**
 * Who decided a step's outcome: its retry policy, its on_error, or a plugin's onNodeError
 * handler as `plugin <name>`. Recorded in run_results.json as `decidedBy`.
 */
export type DecidedBy = 'retries' | 'on_error: fail' | 'on_error: skip_downstream' | 'on_error: continue' | `plugin ${string}`;

/** One decision after an attempt failed: run it again, or what the failure does to the run. */
export interface PolicyDecision {
  readonly attempt: number;
  /** skip: a plugin's onNodeError skipped the node (docs/pipelines.md#handlers). */
  readonly action: 'retry' | 'fail' | 'skip' | 'skip_downstream' | 'continue';
  readonly decidedBy: DecidedBy;
  /** Why, in a few words: "transient: HTTP 503", "not transient", "3 retries used", "no previous version". */
  readonly reason: string;
  /** Seconds waited before the next attempt (retries). */
  readonly waitSeconds?: number;
}

/** A failed attempt's error, short (its first line), and whether it was judged transient. */
export interface AttemptError {
  readonly attempt: number;
  readonly message: string;
  readonly transient: boolean;
}

/**
 * Transient: the error says so of itself (a plugin's `retryable`, an HTTP status of 429/5xx on
 * it or its causes), or else the adapter recognises it (a lost connection, a busy server, a lock).
 */
export function isTransientError(err: unknown, adapter: Pick<Adapter, 'isTransient'>): boolean {
  return declaredTransient(err) ?? adapter.isTransient(err);
}

/** Seconds to wait before retry number `retry` (1 = the first retry). */
export function retryDelaySeconds(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const base = policy.backoff === 'fixed' ? policy.initial : policy.initial * 2 ** (retry - 1);
  const capped = Math.min(base, policy.max);
  const scale = policy.jitter > 0 ? 1 + policy.jitter * (2 * random() - 1) : 1;
  return Math.max(0, capped * scale);
}

/** An error message as attempts record it: its first line, at most 200 characters. */
export function shortError(message: string): string {
  const line = message.split('\n')[0]!.trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** Waits `seconds`, or less if the signal aborts (a cancelled run does not sit out a backoff). */
export function backoff(seconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, seconds * 1000);
    signal?.addEventListener('abort', done, { once: true });
  });
}
