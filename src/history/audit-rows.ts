/**
 * Pure functions from a run's results to dpf_meta.audit_log rows (docs/governance.md): one
 * `command` row per run, and one row per relation a step created, replaced or updated. Every
 * row carries who, what and where, so that one row read alone answers "who changed this".
 * No I/O here; the recorder adds the rows with the run's others (redacted with them).
 */
import { failuresOf, type NodeResult, type RunSummary } from '../runner/run-results.js';
import { STEP_KINDS } from '../runner/step-kinds.js';
import type { AuditActor } from './audit-actor.js';
import type { GitState } from './git-state.js';
import { timestampText } from './history-rows.js';
import type { HistoryRow } from './history-tables.js';

export type AuditAction = 'command' | 'created' | 'replaced' | 'updated' | 'dropped';

export interface AuditFacts {
  readonly command: string;
  readonly pipeline: string | null;
  readonly selector: string | null;
  readonly target: string;
  readonly git: GitState;
  readonly actor: AuditActor;
  readonly dpfVersion: string;
}

/** Decide-reuse's reasons for a relation that was not there before the step (decide-reuse.ts). */
const NEW_REASONS = new Set(['new', 'its relation is missing']);
/** Strategies that add to what their relation holds, unless a full refresh rebuilds it. */
const ADDING = new Set(['incremental', 'snapshot', 'extract']);

/** What a step did to its relation, or undefined when it changed none (reused, failed, a test). */
export function auditAction(result: NodeResult): 'created' | 'replaced' | 'updated' | undefined {
  if (result.status !== 'success') return undefined;
  const kind = STEP_KINDS[result.strategy];
  if (!kind.writesRelation && !kind.landsSource) return undefined;
  if (result.reason && NEW_REASONS.has(result.reason)) return 'created';
  return ADDING.has(result.strategy) && result.reason !== '--full-refresh' ? 'updated' : 'replaced';
}

/** The columns every row of one command shares: who, what and where. */
export function auditCommon(runId: string, startedAt: string, facts: AuditFacts): HistoryRow {
  const { actor, git } = facts;
  return {
    run_id: runId,
    command: facts.command,
    pipeline: facts.pipeline,
    selector: facts.selector,
    target: facts.target,
    git_commit: git.commit,
    git_dirty: git.dirty,
    os_user: actor.osUser,
    host: actor.host,
    git_user_name: actor.gitUserName,
    git_user_email: actor.gitUserEmail,
    ci_actor: actor.ciActor,
    ci_system: actor.ciSystem,
    started_at: timestampText(startedAt),
    dpf_version: facts.dpfVersion,
  };
}

export function auditRows(summary: RunSummary, facts: AuditFacts, endedAt: Date): HistoryRow[] {
  const common = auditCommon(summary.invocationId, summary.startedAt, facts);
  const status = summary.cancelled ? 'cancelled' : failuresOf(summary) > 0 ? 'error' : 'success';
  const rows: HistoryRow[] = [{ ...common, action: 'command', relation: null, unique_id: null, materialized: null, ended_at: timestampText(endedAt.toISOString()), status }];
  for (const result of summary.results) {
    const action = auditAction(result);
    if (!action) continue;
    rows.push({
      ...common,
      action,
      relation: result.relationName,
      unique_id: result.uniqueId,
      materialized: result.strategy,
      ended_at: timestampText(result.completedAt ?? endedAt.toISOString()),
      status: 'success',
    });
  }
  return rows;
}
