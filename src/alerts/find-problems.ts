/**
 * What is alert-worthy in a node's result, as plain data: a failure (a node errored, a test
 * failed), a warning (a test or freshness check warned) or an anomaly (a monitor step warned or
 * failed; monitors are steps whose result has resourceType 'monitor' and a `monitor` object,
 * produced by src/monitors). A late start comes from the scheduler, not from a result:
 * `lateStartProblem` is its entry, and arrives with the scheduler. Pure functions, no I/O.
 */
import type { MonitorFacts } from '../monitors/monitor-findings.js';
import type { NodeResult } from '../runner/run-results.js';
import type { ProblemKind } from './alert-config.js';

export type { MonitorFacts };

/** The part of a NodeResult alerts read; a monitor step's result carries `monitor`. */
export type AlertableResult = Pick<NodeResult, 'uniqueId' | 'name' | 'status' | 'message'> & Partial<Pick<NodeResult, 'tolerated'>> & {
  readonly resourceType: string;
  readonly error?: { readonly code: string; readonly message: string };
  readonly monitor?: MonitorFacts;
};

export interface Problem {
  /** What dedup keys on: the node and the kind of problem. */
  readonly key: string;
  readonly kind: ProblemKind;
  readonly uniqueId: string;
  readonly name: string;
  readonly resourceType: string;
  readonly status: string;
  /** One line: what went wrong. */
  readonly summary: string;
  readonly monitor?: MonitorFacts;
}

export const problemKey = (uniqueId: string, kind: ProblemKind) => `${uniqueId}:${kind}`;

/** The problem a finished step shows, if any; skipped steps show none (their cause does). */
export function problemOf(result: AlertableResult): Problem | undefined {
  const kind = kindOf(result);
  if (!kind) return undefined;
  const summary = result.monitor ? monitorSummary(result.monitor, result.message) : result.error ? `${result.error.code} ${result.error.message}` : result.message;
  return { key: problemKey(result.uniqueId, kind), kind, uniqueId: result.uniqueId, name: result.name, resourceType: result.resourceType, status: result.status, summary, monitor: result.monitor };
}

function kindOf(result: AlertableResult): ProblemKind | undefined {
  if (result.resourceType === 'monitor') {
    if (result.status === 'warn' || result.status === 'fail') return 'anomaly';
    return result.status === 'error' ? 'failure' : undefined;
  }
  // A failure its on_error tolerates (skip_downstream, continue) is reported as the run shows it: a warning.
  if (result.status === 'error' && result.tolerated) return 'warning';
  if (result.status === 'error' || result.status === 'fail') return 'failure';
  return result.status === 'warn' ? 'warning' : undefined;
}

/**
 * The node ran and nothing was wrong: its open problems recover. A reused monitor measured
 * nothing (its node was reused), so it says nothing about an anomaly it found before.
 */
export const ranClean = (result: AlertableResult) =>
  result.resourceType === 'monitor' ? result.status === 'pass' : ['success', 'reused', 'pass'].includes(result.status);

function monitorSummary(m: MonitorFacts, message: string): string {
  const what = [m.monitor, m.metric, m.column && `column ${m.column}`].filter(Boolean).join(' · ');
  const value = m.value !== undefined ? ` = ${m.value}` : '';
  const band = m.expected ? ` (expected ${m.expected.low} to ${m.expected.high})` : '';
  return `${what}${value}${band}${m.detail ? `: ${m.detail}` : message ? `: ${message}` : ''}`;
}

/**
 * A scheduled run that started late, as a problem (arrives with the scheduler, which calls it
 * for each tick and hands the problem to sendAlerts with the run's others). Undefined when it
 * started within the tolerance.
 */
export function lateStartProblem(pipeline: string, scheduledAt: Date, startedAt: Date, toleranceSeconds: number): Problem | undefined {
  const lateSeconds = Math.round((startedAt.getTime() - scheduledAt.getTime()) / 1000);
  if (lateSeconds <= toleranceSeconds) return undefined;
  const uniqueId = `pipeline.${pipeline}`;
  return {
    key: problemKey(uniqueId, 'late_start'),
    kind: 'late_start',
    uniqueId,
    name: pipeline,
    resourceType: 'pipeline',
    status: 'late',
    summary: `scheduled for ${scheduledAt.toISOString()}, started ${lateSeconds} s later (tolerance ${toleranceSeconds} s)`,
  };
}
