/** Turns run events into progress lines (text) or one JSON object per line (json). */
import type { Diagnostic } from '../errors/dpf-error.js';
import { failuresOf, type NodeResult, type RunEvent } from '../runner/run-results.js';
import type { DpfEvent } from '../api/events.js';
import { STEP_KINDS } from '../runner/step-kinds.js';
import { formatProjectSummary } from './project-summary.js';

const NOTHING_TO_DO = 'Nothing to do: the selection matched no nodes to run. Check --select (`dpf ls --select ...` shows what it matches).';
import type { Plan } from '../runner/plan-run.js';
import type { ReuseDecision } from '../runner/decide-reuse.js';
import { formatDiagnostic } from './format-diagnostic.js';
import type { Output } from './output.js';
import { formatTable } from './format-table.js';
import { describeFinding, type MonitorFinding } from '../monitors/monitor-findings.js';

/** Anomalies listed under a monitor's progress line; the rest are in dpf_meta.monitor_results. */
const SHOWN_ANOMALIES = 5;

/** A monitor result's findings that are anomalies (warn or fail). */
const anomaliesOf = (result: NodeResult): readonly MonitorFinding[] => (result.monitorFindings ?? []).filter((f) => f.status !== 'pass');

export type LogFormat = 'text' | 'json';

/** Column where the bracketed result starts, so results line up as in dbt. */
const RESULT_COLUMN = 64;
const STATUS: Record<NodeResult['status'], string> = { success: 'OK', reused: 'REUSE', pass: 'PASS', warn: 'WARN', fail: 'FAIL', error: 'ERROR', skipped: 'SKIP' };
const KIND: Record<NodeResult['strategy'], string> = Object.fromEntries(Object.entries(STEP_KINDS).map(([name, kind]) => [name, kind.label])) as Record<NodeResult['strategy'], string>;

const plainRelation = (name: string) => name.replace(/"((?:[^"]|"")*)"/g, (_, inner: string) => inner.replace(/""/g, '"'));

/** Reasons to build that need no saying on a progress line (--explain still shows them). */
const UNSURPRISING = new Set(['new', '--rebuild-all', '--full-refresh']);

export function formatSeconds(s: number): string {
  return `${s.toFixed(2)}s`;
}

/**
 * A wait for a pool or a warehouse connection this long is named on the progress line; waits
 * for a thread are not (a DAG wider than --threads makes most steps wait for one), and both are
 * in run_results.json (queuedMs).
 */
const NOTICEABLE_WAIT_MS = 500;

/** What happened around the step, said after its result: attempts, a pool wait, stale inputs. */
function policyNotes(result: NodeResult): string {
  const notes: string[] = [];
  if (result.attempts !== undefined && result.attempts > 1) notes.push(`after ${result.attempts} attempts`);
  if (result.queuedFor && result.queuedFor !== 'a thread' && (result.queuedMs ?? 0) >= NOTICEABLE_WAIT_MS) notes.push(`waited ${((result.queuedMs ?? 0) / 1000).toFixed(1)} s for ${result.queuedFor}`);
  const stale = result.readPrevious ?? [];
  if (stale.length > 0) notes.push(`read the previous version of ${stale.join(', ')}, whose build${stale.length === 1 ? '' : 's'} failed`);
  if (result.tolerated) notes.push(`${result.decidedBy}: ${result.decisions?.at(-1)?.reason ?? 'the run goes on'}`);
  // A handler's retry that worked, or its fail (a skip says so in its reason).
  const byPlugin = result.decisions?.filter((d) => d.decidedBy.startsWith('plugin ')).at(-1);
  if (byPlugin && !result.tolerated && result.status !== 'skipped') notes.push(`${byPlugin.decidedBy} said ${byPlugin.action}`);
  return notes.length > 0 ? ` (${notes.join('; ')})` : '';
}

export function progressLine(index: number, total: number, result: NodeResult): string {
  const width = String(total).length;
  // A failure its on_error tolerates is a warning: it does not fail the run.
  const status = (result.tolerated ? STATUS.warn : STATUS[result.status]).padEnd(5);
  const head = `${String(index).padStart(width)} of ${total} ${status} ${KIND[result.strategy].padEnd(5)}  ${plainRelation(result.relationName)} `;
  let tail: string;
  if (result.status === 'pass') {
    tail = `[PASS in ${formatSeconds(result.executionTime)}]`;
  } else if ((result.status === 'warn' || result.status === 'fail') && result.monitorFindings) {
    const n = anomaliesOf(result).length;
    tail = `[${STATUS[result.status]} ${n} ${n === 1 ? 'anomaly' : 'anomalies'} in ${formatSeconds(result.executionTime)}]`;
  } else if (result.status === 'warn' || result.status === 'fail') {
    tail = `[${STATUS[result.status]} ${(result.failures ?? 0).toLocaleString('en-US')} in ${formatSeconds(result.executionTime)}]`;
  } else if (result.status === 'reused') {
    tail = `[${result.reason ?? 'inputs unchanged'}]`;
  } else if (result.status === 'success') {
    // Extracts and exports say what they did ("3 rows merged, version 2 → 5", "3 rows to out/x"); other steps count rows.
    const done = (result.strategy === 'extract' || result.strategy === 'export') && result.message ? result.message : result.rowsAffected !== undefined ? `${result.rowsAffected.toLocaleString('en-US')} rows` : 'done';
    tail = `[${done} in ${formatSeconds(result.executionTime)}]${result.reason && !UNSURPRISING.has(result.reason) ? ` ${result.reason}` : ''}`;
  } else if (result.status === 'error') {
    tail = `[error in ${formatSeconds(result.executionTime)}]`;
  } else {
    // Skipped by its run_if, its trigger rule or a handler: the reason says which.
    tail = result.skippedBecause ? `[upstream ${result.skippedBecause} failed]` : result.reason ? `[skipped: ${result.reason}]` : '[skipped]';
  }
  tail += policyNotes(result);
  const dots = '.'.repeat(Math.max(3, RESULT_COLUMN - head.length - 1));
  return `${head}${dots} ${tail}`;
}

/** `--explain`: one line per step, RUN or REUSE and why; tests always run. */
export function printExplanation(output: Output, format: LogFormat, plan: Plan, decisions: ReadonlyMap<string, ReuseDecision>): void {
  let reused = 0;
  for (const step of plan.steps) {
    const decision = decisions.get(step.uniqueId) ?? { reuse: false, reason: step.strategy === 'monitor' ? 'measures what its node holds now' : 'tests always run' };
    if (decision.reuse) reused++;
    if (format === 'json') {
      output.outJson({ event: 'explain', unique_id: step.uniqueId, relation: step.relationName, reuse: decision.reuse, reason: decision.reason });
      continue;
    }
    const head = `${(decision.reuse ? 'REUSE' : 'RUN').padEnd(5)} ${KIND[step.strategy].padEnd(5)}  ${plainRelation(step.relationName)} `;
    output.out(`${head}${'.'.repeat(Math.max(3, RESULT_COLUMN - head.length - 1))} [${decision.reason}]`);
  }
  if (format === 'text') output.out(`\n${plan.steps.length - reused} to run, ${reused} to reuse (nothing was run: --explain)`);
}

/**
 * The events around a run, printed the same way by every command's reporter: warnings, the
 * project summary (text only), deferral (text only) and an empty selection (`nothingToDo` says
 * what that means for the command). Returns false for the run's own events, which are the
 * caller's to print.
 */
export function printAroundRun(output: Output, format: LogFormat, projectDir: string, event: DpfEvent, nothingToDo: string): event is Exclude<DpfEvent, RunEvent> {
  switch (event.type) {
    case 'warning':
      if (format === 'json') output.errJson({ ts: new Date().toISOString(), event: 'warning', ...event.diagnostic });
      else output.err(formatDiagnostic(event.diagnostic, projectDir));
      return true;
    case 'project_compiled':
      if (format === 'text') output.out(formatProjectSummary(event.project));
      return true;
    case 'deferred':
      if (format === 'text') output.out(`Deferring ${event.nodes.length} unselected node${event.nodes.length === 1 ? '' : 's'} missing here to ${event.state}: ${event.nodes.join(', ')}`);
      return true;
    case 'nothing_to_do':
      output.out(nothingToDo);
      return true;
    default:
      return false;
  }
}

export function createRunReporter(output: Output, format: LogFormat, projectDir: string): (event: DpfEvent) => void {
  if (format === 'json') {
    return (event) => {
      if (!printAroundRun(output, format, projectDir, event, NOTHING_TO_DO)) output.outJson({ ts: new Date().toISOString(), ...flatten(event) });
    };
  }
  const errors: { result: NodeResult; error: Diagnostic }[] = [];
  const failed: NodeResult[] = [];
  const anomalies: NodeResult[] = [];
  const tolerated: NodeResult[] = [];
  return (event) => {
    if (printAroundRun(output, format, projectDir, event, NOTHING_TO_DO)) return;
    switch (event.type) {
      case 'run_started':
        output.out(`Running ${event.total} node${event.total === 1 ? '' : 's'} with ${event.threads} thread${event.threads === 1 ? '' : 's'}\n`);
        return;
      case 'node_queued':
      case 'node_started':
        return;
      case 'node_retrying':
        output.out(`        retrying ${plainRelation(event.step.relationName)} in ${event.waitSeconds} s (attempt ${event.attempt + 1}${event.step.retries ? ` of ${event.step.retries.count + 1}` : ''}): ${event.error}`);
        return;
      case 'node_finished':
        output.out(progressLine(event.index, event.total, event.result));
        if (event.result.error) {
          if (event.result.tolerated) tolerated.push(event.result);
          else errors.push({ result: event.result, error: event.result.error });
          output.out(indent(formatDiagnostic(event.result.error, projectDir)));
        }
        for (const warning of event.result.warnings ?? []) output.out(indent(formatDiagnostic(warning, projectDir)));
        if (event.result.sample || event.result.diff) output.out(indent(testDetails(event.result)));
        if (anomaliesOf(event.result).length > 0) {
          const found = anomaliesOf(event.result);
          const more = found.length > SHOWN_ANOMALIES ? [`… and ${found.length - SHOWN_ANOMALIES} more (dpf_meta.monitor_results)`] : [];
          output.out(indent([...found.slice(0, SHOWN_ANOMALIES).map(describeFinding), ...more].join('\n')));
          anomalies.push(event.result);
        } else if (event.result.status === 'fail') failed.push(event.result);
        return;
      case 'run_finished': {
        const { counts, elapsed } = event.summary;
        const bad = failuresOf(event.summary);
        const warnings = counts.warn + (event.summary.tolerated ?? 0);
        const warned = warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : '';
        output.out('');
        const reused = counts.reused ? ` (${counts.reused} unchanged, reused)` : '';
        output.out(`Finished in ${formatSeconds(elapsed)}: ${counts.success + counts.pass + counts.reused} ok${reused}${warned}, ${bad} error${bad === 1 ? '' : 's'}, ${counts.skipped} skipped`);
        for (const result of failed) output.out(`  failed: ${result.name} (${result.failures} ${result.strategy === 'unit_test' ? 'differing' : 'failing'} row${result.failures === 1 ? '' : 's'})`);
        // Monitors' anomalies, as warnings (or failures with severity: error), each with what it saw.
        for (const result of anomalies) {
          const [first, ...rest] = anomaliesOf(result);
          const more = rest.length > 0 ? ` (and ${rest.length} more)` : '';
          output.out(`  ${result.status === 'fail' ? 'failed' : 'anomaly'}: ${plainRelation(result.relationName)} ${describeFinding(first!)}${more}`);
        }
        for (const result of tolerated) output.out(`  tolerated: ${result.name} failed (${result.decidedBy})`);
        for (const warning of event.summary.warnings ?? []) output.out(indent(formatDiagnostic(warning, projectDir)));
        for (const { result, error } of errors) {
          const where = error.location ? ` (${error.location.file}${error.location.line ? `:${error.location.line}` : ''})` : '';
          output.out(`  failed: ${result.name}${where}`);
        }
        return;
      }
    }
  };
}

/** The first failing rows of a data test, or a unit test's expected/actual difference. */
export function testDetails(result: NodeResult): string {
  const lines: string[] = [];
  if (result.diff) {
    lines.push(`${result.message}${result.declaredAt ? ` (unit test at ${result.declaredAt})` : ''}:`);
    lines.push(`    ${result.diff.columns.join(' | ')}`);
    for (const row of result.diff.missing) lines.push(`  - ${row.map(cell).join(' | ')}`);
    for (const row of result.diff.extra) lines.push(`  + ${row.map(cell).join(' | ')}`);
    lines.push('  (- expected but not returned, + returned but not expected)');
  } else if (result.sample) {
    const shown = result.sample.rows.length;
    const where = [result.declaredAt && `declared at ${result.declaredAt}`, result.compiledPath && `compiled SQL: target/${result.compiledPath}`].filter(Boolean);
    lines.push(`${result.message}${where.length ? ` (${where.join('; ')})` : ''}`);
    lines.push(`first ${shown} failing row${shown === 1 ? '' : 's'}:`);
    lines.push(formatTable(result.sample));
  }
  return lines.join('\n');
}

const cell = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v));

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

function flatten(event: RunEvent): Record<string, unknown> {
  switch (event.type) {
    case 'run_started':
      return { event: event.type, total: event.total, threads: event.threads };
    case 'node_queued':
      return { event: event.type, unique_id: event.step.uniqueId, relation: event.step.relationName };
    case 'node_started':
      return { event: event.type, index: event.index, total: event.total, unique_id: event.step.uniqueId, relation: event.step.relationName };
    case 'node_retrying':
      return { event: event.type, unique_id: event.step.uniqueId, relation: event.step.relationName, attempt: event.attempt, wait_seconds: event.waitSeconds, error: event.error };
    case 'node_finished':
      return { event: event.type, index: event.index, total: event.total, ...event.result };
    case 'run_finished':
      return { event: event.type, elapsed: event.summary.elapsed, counts: event.summary.counts, invocation_id: event.summary.invocationId };
  }
}
