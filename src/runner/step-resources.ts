/**
 * What a step cost the engine: the stats its statements reported (StatementStats), summed into
 * the step's NodeResult.resources (docs/cost.md). Table sizes are not read here: a metadata
 * query per table per build cost more than the profiler itself (docs/cost.md); `dpf cost` reads
 * the current sizes when asked. Times, rows and bytes add up; peak memory is
 * the highest of the statements'; query ids are kept in order. A figure no statement reported
 * stays absent (unknown), never zero.
 */
import type { StatementStats } from '../adapters/adapter.js';

/**
 * A step's figures: its statements' StatementStats summed (CPU, wall time, rows, bytes), the
 * highest peak memory, every query id, and how many statements reported.
 */
export interface NodeResources extends Omit<StatementStats, 'queryId'> {
  /** The engine's ids of its statements, where the engine gives them (Trino). */
  readonly queryIds: readonly string[];
  /** Statements that reported stats. */
  readonly statements: number;
}

type Summed = 'cpuMs' | 'wallMs' | 'rowsScanned' | 'bytesScanned' | 'bytesWritten';
const SUMMED: readonly Summed[] = ['cpuMs', 'wallMs', 'rowsScanned', 'bytesScanned', 'bytesWritten'];

/** Collects the stats of one step's statements as they run. */
export class ResourceTally {
  private readonly sums: Partial<Record<Summed, number>> = {};
  private peak?: number;
  private readonly queryIds: string[] = [];
  private statements = 0;

  add(stats: StatementStats | undefined): void {
    if (!stats) return;
    this.statements++;
    for (const key of SUMMED) {
      const value = stats[key];
      if (value !== undefined) this.sums[key] = (this.sums[key] ?? 0) + value;
    }
    if (stats.peakMemoryBytes !== undefined) this.peak = Math.max(this.peak ?? 0, stats.peakMemoryBytes);
    if (stats.queryId) this.queryIds.push(stats.queryId);
  }

  /** The step's resources; undefined when nothing was measured. */
  result(): NodeResources | undefined {
    if (this.statements === 0) return undefined;
    return {
      ...this.sums,
      ...(this.peak === undefined ? {} : { peakMemoryBytes: this.peak }),
      queryIds: [...this.queryIds],
      statements: this.statements,
    };
  }
}

/**
 * One step's share of a batch's figures (steps run together, as monitors are): times, rows and
 * bytes divided evenly (rows and bytes rounded), so that a run's totals stay about the engine's; peak memory and query ids
 * are the batch's.
 */
export function shareOf(resources: NodeResources | undefined, steps: number): NodeResources | undefined {
  if (!resources || steps <= 1) return resources;
  const shared: Partial<Record<Summed, number>> = {};
  for (const key of SUMMED) {
    const value = resources[key];
    // Rows and bytes stay whole numbers (history stores them as integers); times do not.
    if (value !== undefined) shared[key] = key === 'cpuMs' || key === 'wallMs' ? value / steps : Math.round(value / steps);
  }
  return { ...resources, ...shared };
}
