/** Results of a run: plain data, written to target/run_results.json and shown by reporters. */
import type { QueryResult } from '../adapters/adapter.js';
import type { Diagnostic } from '../errors/dpf-error.js';
import type { StepOutcome } from './materializations/materialization.js';
import type { FreshnessFacts } from '../tests/check-freshness.js';
import type { MonitorFacts, MonitorFinding, TableStats } from '../monitors/monitor-findings.js';
import type { PlanStep } from './plan-run.js';
import type { NodeResources } from './step-resources.js';
import type { AttemptError, DecidedBy, PolicyDecision } from './run-policy.js';

export type { NodeResources };

/** Models and seeds succeed; tests and freshness checks pass, warn or fail; any step may error or be skipped. */
export type NodeStatus = 'success' | 'reused' | 'pass' | 'warn' | 'fail' | 'error' | 'skipped';

/** Statuses that stop the nodes downstream. */
export const BLOCKING: ReadonlySet<NodeStatus> = new Set(['fail', 'error']);

export interface NodeResult {
  readonly uniqueId: string;
  readonly name: string;
  readonly resourceType: PlanStep['resourceType'];
  readonly strategy: PlanStep['strategy'];
  readonly relationName: string;
  readonly status: NodeStatus;
  readonly startedAt?: string;
  readonly completedAt?: string;
  /** Seconds. */
  readonly executionTime: number;
  readonly rowsAffected?: number;
  /** Data tests: failing rows; unit tests: differing rows. */
  readonly failures?: number;
  readonly sample?: QueryResult;
  readonly diff?: StepOutcome['diff'];
  /** Freshness steps: what the check found (target/sources.json is written from these). */
  readonly freshness?: FreshnessFacts;
  /**
   * Monitor steps (resourceType 'monitor'): the headline finding (the worst, first), as the
   * alerts read it; every finding (dpf_meta.monitor_results); the stats measured (table_stats).
   */
  readonly monitor?: MonitorFacts;
  readonly monitorFindings?: readonly MonitorFinding[];
  readonly tableStats?: TableStats;
  /** Tests: where their compiled SQL is, and where they are declared, for the failure report. */
  readonly compiledPath?: string;
  readonly declaredAt?: string;
  readonly message: string;
  /** Models, seeds and snapshots: why the node was built or reused ("upstream stg_orders runs", "inputs unchanged"); a skipped step: why ("run_if was false: ..."). */
  readonly reason?: string;
  readonly error?: Diagnostic;
  /** For skipped nodes: the failed node that caused it. */
  readonly skippedBecause?: string;
  /** target/run/... file holding the executed statements. */
  readonly runPath?: string;
  readonly thread: number;
  /** What the engine measured for its statements, and its table's size (docs/cost.md); absent when nothing was measured. */
  readonly resources?: NodeResources;
  /** Milliseconds the step waited, once ready, for a thread and the resources it holds (a pool slot, a warehouse connection). */
  readonly queuedMs?: number;
  /** What it waited for the longest: "a thread", "a warehouse connection", "pool partner_api". */
  readonly queuedFor?: string;
  /** Attempts made, for steps with `retries:` (the last one's outcome is the result). */
  readonly attempts?: number;
  /** The failed attempts' errors, short, oldest first. */
  readonly attemptErrors?: readonly AttemptError[];
  /** What was decided after each failed attempt, and by whom (retries, on_error, later a plugin's handler). */
  readonly decisions?: readonly PolicyDecision[];
  /** Who decided the outcome: the last decision's maker; for a step that read a failed node's previous version, that node's on_error. */
  readonly decidedBy?: DecidedBy;
  /** Its error does not fail the run: its on_error is skip_downstream or continue (reported as a warning). */
  readonly tolerated?: boolean;
  /** on_error: continue upstream: the nodes whose build failed and whose previous version this step read (directly or through others). */
  readonly readPrevious?: readonly string[];
  /** Problems around the step that did not change its outcome (a handler that threw or timed out: DPF833). */
  readonly warnings?: readonly Diagnostic[];
}

export interface RunSummary {
  readonly command: string;
  readonly invocationId: string;
  readonly startedAt: string;
  readonly elapsed: number;
  readonly results: NodeResult[];
  readonly counts: Record<NodeStatus, number>;
  /** The run was cancelled (an AbortSignal): steps not started are skipped. */
  readonly cancelled?: boolean;
  /** Active workers of the engine when the run started and ended (Adapter.activeWorkers); absent on DuckDB. */
  readonly workers?: { readonly start?: number; readonly end?: number };
  /** Errors (counted in counts.error) that do not fail the run: their node's on_error is skip_downstream or continue. */
  readonly tolerated?: number;
  /** Problems of the run that changed no outcome: a handler that did not load, an onRunEnd that failed. */
  readonly warnings?: readonly Diagnostic[];
}

/** Errors and failed tests that fail the run: all but the tolerated errors. */
export function failuresOf(summary: Pick<RunSummary, 'counts' | 'tolerated'>): number {
  return summary.counts.error + summary.counts.fail - (summary.tolerated ?? 0);
}

export type RunEvent =
  | { readonly type: 'run_started'; readonly total: number; readonly threads: number }
  /** Every step it waited for succeeded: it waits for a thread and its resources. */
  | { readonly type: 'node_queued'; readonly step: PlanStep }
  | { readonly type: 'node_started'; readonly index: number; readonly total: number; readonly step: PlanStep }
  /** An attempt failed with a transient error: the step runs again after waitSeconds (`retries:`). */
  | { readonly type: 'node_retrying'; readonly step: PlanStep; readonly attempt: number; readonly waitSeconds: number; readonly error: string }
  | { readonly type: 'node_finished'; readonly index: number; readonly total: number; readonly result: NodeResult }
  | { readonly type: 'run_finished'; readonly summary: RunSummary };
