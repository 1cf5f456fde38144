/**
 * The kinds of step a plan holds, as data: for each, the commands that run it, whether it
 * replaces a relation (and so has a reuse record), what it holds while it runs, and how
 * progress lines label it. The planner, reuse, the runner and the reporters read this table
 * instead of each keeping a list; a new kind (an extract, a TypeScript model, an export) is a
 * row here plus its strategy in materializations/index.ts, which the compiler makes exhaustive.
 */
import { WAREHOUSE, type StepResource } from './resource-slots.js';

export type StrategyName = 'view' | 'table' | 'incremental' | 'snapshot' | 'seed' | 'test' | 'unit_test' | 'freshness' | 'monitor' | 'extract' | 'export' | 'transform';
export type RunCommand = 'run' | 'seed' | 'snapshot' | 'build' | 'test' | 'freshness' | 'monitor';

export interface StepKind {
  /** Progress lines' label, at most 5 characters. */
  readonly label: string;
  /** The commands whose plans include it (build runs everything). */
  readonly commands: readonly RunCommand[];
  /** It replaces a relation: the runner records what it holds, and may reuse it. */
  readonly writesRelation: boolean;
  /** What a step of this kind holds while it runs. */
  readonly resources: readonly StepResource[];
  /** Its relation is a table that stores rows, and so costs storage (`dpf cost`, docs/cost.md). */
  readonly storesRows?: boolean;
  /**
   * It replaces a source's table (an extract): never reused (what it lands is outside dpf's
   * knowledge), and what reads the source rebuilds after it.
   */
  readonly landsSource?: boolean;
}

export const STEP_KINDS: Readonly<Record<StrategyName, StepKind>> = {
  view: { label: 'view', commands: ['run', 'build'], writesRelation: true, resources: [WAREHOUSE] },
  table: { label: 'table', commands: ['run', 'build'], writesRelation: true, resources: [WAREHOUSE], storesRows: true },
  incremental: { label: 'incr', commands: ['run', 'build'], writesRelation: true, resources: [WAREHOUSE], storesRows: true },
  snapshot: { label: 'snap', commands: ['snapshot', 'build'], writesRelation: true, resources: [WAREHOUSE], storesRows: true },
  seed: { label: 'seed', commands: ['seed', 'build'], writesRelation: true, resources: [WAREHOUSE], storesRows: true },
  test: { label: 'test', commands: ['test', 'build'], writesRelation: false, resources: [WAREHOUSE] },
  unit_test: { label: 'unit', commands: ['test', 'build'], writesRelation: false, resources: [WAREHOUSE] },
  freshness: { label: 'fresh', commands: ['freshness'], writesRelation: false, resources: [WAREHOUSE] },
  // A source landed by a plugin (docs/plugins.md), in the commands that build what reads it.
  extract: { label: 'extr', commands: ['run', 'build'], writesRelation: false, landsSource: true, resources: [WAREHOUSE], storesRows: true },
  // A TypeScript model (models/<name>.ts): its transform runs in dpf and its rows land as a table.
  transform: { label: 'ts', commands: ['run', 'build'], writesRelation: true, resources: [WAREHOUSE], storesRows: true },
  // A model's rows delivered by a sink plugin, after the model and (in build) its tests.
  export: { label: 'exp', commands: ['run', 'build'], writesRelation: false, resources: [WAREHOUSE] },
  // After the node it watches, in every command that builds it (the planner drops a monitor
  // whose node is not in the plan), and alone in dpf monitor.
  monitor: { label: 'mon', commands: ['run', 'seed', 'snapshot', 'build', 'monitor'], writesRelation: false, resources: [WAREHOUSE] },
};
