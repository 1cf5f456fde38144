/** Strategies by name; the planner picks the name, the runner calls the strategy. */
import type { StrategyName } from '../plan-run.js';
import type { Strategy } from './materialization.js';
import { incrementalStrategy } from './incremental-strategy.js';
import { seedStrategy } from './seed-strategy.js';
import { snapshotStrategy } from './snapshot-strategy.js';
import { tableStrategy } from './table-strategy.js';
import { testStrategy } from '../../tests/test-strategy.js';
import { unitTestStrategy } from '../../tests/unit-test-strategy.js';
import { viewStrategy } from './view-strategy.js';

export const STRATEGIES: Record<StrategyName, Strategy> = {
  table: tableStrategy,
  view: viewStrategy,
  incremental: incrementalStrategy,
  snapshot: snapshotStrategy,
  seed: seedStrategy,
  test: testStrategy,
  unit_test: unitTestStrategy,
};
