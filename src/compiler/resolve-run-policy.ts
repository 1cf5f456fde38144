/**
 * How a node's step runs, besides what it builds (docs/configuration.md): `pool`, `retries`,
 * `on_error`, `run_if` and `trigger` (docs/pipelines.md), read from a node's merged config (folder, YAML, inline) or an extract block.
 * The shapes are checked by the JSON Schemas (and parse-models.ts inline); this only fills
 * defaults, so that the plan carries a complete policy. Pool names are checked against
 * `pools:` by check-pools.ts.
 */
import { TRIGGER_RULES, type OnError, type RetryPolicy, type RunPolicyConfig, type SourceExtract, type TriggerRule } from './manifest.js';
import type { RawConfig } from './resolve-config.js';

/** Retry defaults, in seconds: a first wait of 1 s, doubling, at most a minute, no jitter. */
export const RETRY_DEFAULTS: Omit<RetryPolicy, 'count'> = { backoff: 'exponential', initial: 1, max: 60, jitter: 0 };

/** `retries: 2` or `retries: {count: 2, ...}`; undefined for no retries (absent, 0). */
export function retryPolicyOf(raw: unknown): RetryPolicy | undefined {
  if (raw === undefined || raw === null) return undefined;
  const given = typeof raw === 'number' ? { count: raw } : (raw as Partial<RetryPolicy>);
  const count = Number(given.count ?? 0);
  if (!Number.isInteger(count) || count <= 0) return undefined;
  return {
    count,
    backoff: given.backoff ?? RETRY_DEFAULTS.backoff,
    initial: given.initial ?? RETRY_DEFAULTS.initial,
    max: given.max ?? Math.max(RETRY_DEFAULTS.max, given.initial ?? 0),
    jitter: given.jitter ?? RETRY_DEFAULTS.jitter,
  };
}

/** The run policy of a node's merged config, with only the keys it sets. */
export function runPolicyOf(merged: RawConfig): RunPolicyConfig {
  const retries = retryPolicyOf(merged.retries);
  return {
    ...(typeof merged.pool === 'string' ? { pool: merged.pool } : {}),
    ...(retries ? { retries } : {}),
    ...(typeof merged.on_error === 'string' && merged.on_error !== 'fail' ? { on_error: merged.on_error as OnError } : {}),
    // Resolved into the node's condition by parse-conditions.ts, which finds where it is written.
    ...(typeof merged.run_if === 'string' || (typeof merged.run_if === 'object' && merged.run_if !== null) ? { run_if: merged.run_if as RunPolicyConfig['run_if'] } : {}),
    ...(TRIGGER_RULES.includes(merged.trigger as TriggerRule) && merged.trigger !== 'all_success' ? { trigger: merged.trigger as TriggerRule } : {}),
  };
}

/** The same keys in an extract block (`extract: {plugin: x, pool: api, retries: 2}`). */
export function extractPolicyOf(raw: RawConfig): Pick<SourceExtract, 'pool' | 'retries' | 'onError'> {
  const { pool, retries, on_error } = runPolicyOf(raw);
  return { ...(pool ? { pool } : {}), ...(retries ? { retries } : {}), ...(on_error ? { onError: on_error } : {}) };
}
