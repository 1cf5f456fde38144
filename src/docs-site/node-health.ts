/** One word per node for "can I trust it": from its last run, its tests and its freshness. */
import type { NodeHealth } from './site-data.js';

const FAILING = new Set(['fail', 'error']);
const OK = new Set(['success', 'reused', 'pass']);

export function nodeHealth(run: string | undefined, tests: readonly (string | undefined)[], freshness: string | undefined): NodeHealth {
  if (run === 'error' || freshness === 'runtime error') return 'error';
  if (tests.some((t) => t !== undefined && FAILING.has(t))) return 'failing';
  if (run === 'skipped') return 'skipped';
  if (freshness === 'warn' || freshness === 'error') return 'stale';
  if (tests.some((t) => t === 'warn')) return 'warn';
  if ((run && OK.has(run)) || freshness === 'pass' || tests.some((t) => t !== undefined && OK.has(t))) return 'ok';
  return 'unknown';
}
