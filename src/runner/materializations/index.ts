/** Strategies by name; the planner picks the name, the runner calls the strategy. */
import { MultipleStatementsError } from '../../adapters/multiple-statements-error.js';
import type { SourceLocation } from '../../errors/dpf-error.js';
import type { ManifestNode } from '../../compiler/manifest.js';
import { isSqlNode } from '../../compiler/node-kinds.js';
import type { StrategyName } from '../plan-run.js';
import { rawLineOf } from '../source-line.js';
import type { BatchStrategy, Strategy } from './materialization.js';
import { incrementalStrategy } from './incremental-strategy.js';
import { seedStrategy } from './seed-strategy.js';
import { snapshotStrategy } from './snapshot-strategy.js';
import { tableStrategy } from './table-strategy.js';
import { freshnessStrategy } from '../../tests/freshness-strategy.js';
import { testStrategy } from '../../tests/test-strategy.js';
import { unitTestStrategy } from '../../tests/unit-test-strategy.js';
import { viewStrategy } from './view-strategy.js';
import { monitorStrategy } from '../../monitors/monitor-strategy.js';
import { extractStrategy } from './extract-strategy.js';
import { exportStrategy } from './export-strategy.js';
import { transformStrategy } from './transform-strategy.js';

export const STRATEGIES: Record<StrategyName, Strategy | BatchStrategy> = {
  table: locatingRefusals(tableStrategy),
  view: locatingRefusals(viewStrategy),
  incremental: locatingRefusals(incrementalStrategy),
  snapshot: locatingRefusals(snapshotStrategy),
  seed: locatingRefusals(seedStrategy),
  test: locatingRefusals(testStrategy),
  unit_test: locatingRefusals(unitTestStrategy),
  freshness: freshnessStrategy,
  monitor: monitorStrategy,
  extract: extractStrategy,
  export: exportStrategy,
  transform: transformStrategy,
};

/**
 * An engine's refusal of a multi-statement text knows the text, not the model: report it at
 * the line of the model's file where the second statement begins.
 */
function locatingRefusals(strategy: Strategy): Strategy {
  return async (node, ctx) => {
    try {
      return await strategy(node, ctx);
    } catch (err) {
      if (err instanceof MultipleStatementsError && !err.first.location) throw err.at(locationOf(node, err));
      throw err;
    }
  };
}

function locationOf(node: ManifestNode, err: MultipleStatementsError): SourceLocation {
  if (isSqlNode(node) || (node.kind === 'test' && node.testType === 'singular')) {
    const line = err.line === undefined ? undefined : rawLineOf(err.statement, err.line, node.rawCode);
    return { file: node.originalFilePath, line: line ?? 1 };
  }
  if (node.kind === 'test' || node.kind === 'unit_test') return node.location;
  return { file: node.originalFilePath };
}
