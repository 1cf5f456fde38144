/**
 * A freshness step: one source table's check (check-freshness.ts) as a step of the run, so
 * `dpf source freshness` goes through the runner like every other command. The check's
 * verdict becomes the step's status (error_after broken: a data failure, as a failing test;
 * a query the engine rejects: an error) and its facts ride on the result for sources.json.
 */
import { checkSourceFreshness, type FreshnessStatus } from './check-freshness.js';
import type { TestStrategy } from './test-context.js';
import { forKinds } from '../compiler/node-kinds.js';

const STATUS: Record<Exclude<FreshnessStatus, 'runtime error'>, 'pass' | 'warn' | 'fail'> = { pass: 'pass', warn: 'warn', error: 'fail' };

export const freshnessStrategy: TestStrategy = forKinds(['source'], async (node, ctx) => {
  if (!node.freshness) throw new Error(`the freshness strategy was given a source without a freshness rule: ${node.uniqueId}`);
  const { facts, error } = await checkSourceFreshness(node, ctx);
  if (error) return { freshness: facts, error };
  return { status: STATUS[facts.status as keyof typeof STATUS], freshness: facts, message: `newest row ${Math.round(facts.maxLoadedAtTimeAgoInS ?? 0)}s old` };
});
