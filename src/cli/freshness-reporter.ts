/**
 * The terminal's view of a `dpf source freshness` run: the run reporter's events with a line
 * format of their own (each source table's age against its rules, and why a stale one is
 * stale), and in JSON one freshness_checked object per table. The run is an ordinary plan run;
 * only the words differ.
 */
import type { DpfEvent } from '../api/events.js';
import type { NodeResult } from '../runner/run-results.js';
import { freshnessResultOf, ruleSeconds, type FreshnessResult } from '../tests/check-freshness.js';
import { formatDiagnostic } from './format-diagnostic.js';
import type { Output } from './output.js';
import { formatSeconds, printAroundRun, progressLine, type LogFormat } from './run-reporter.js';

const NO_FRESHNESS = 'No selected source has a freshness block (freshness: {warn_after: ..., error_after: ...} with loaded_at_field).';

export function createFreshnessReporter(output: Output, format: LogFormat, projectDir: string): (event: DpfEvent) => void {
  if (format === 'json') {
    return (event) => {
      if (printAroundRun(output, format, projectDir, event, NO_FRESHNESS)) return;
      if (event.type === 'node_finished') {
        const result = freshnessResultOf(event.result);
        if (result) output.outJson({ ts: new Date().toISOString(), event: 'freshness_checked', index: event.index, total: event.total, ...result });
      }
    };
  }
  return (event) => {
    if (printAroundRun(output, format, projectDir, event, NO_FRESHNESS)) return;
    switch (event.type) {
      case 'run_started':
        output.out(`Checking the freshness of ${event.total} source table${event.total === 1 ? '' : 's'}\n`);
        return;
      case 'node_finished': {
        const result = freshnessResultOf(event.result);
        output.out(result ? freshnessLine(result, event.index, event.total) : progressLine(event.index, event.total, event.result));
        const why = result && staleness(result);
        if (why) output.out(`    ${why}`);
        if (event.result.error) output.out(formatDiagnostic(event.result.error, projectDir).replace(/^/gm, '    '));
        return;
      }
      case 'run_finished': {
        const { counts } = event.summary;
        const errors = counts.fail + counts.error;
        output.out(`\nFinished: ${counts.pass} fresh, ${counts.warn} warning${counts.warn === 1 ? '' : 's'}, ${errors} error${errors === 1 ? '' : 's'}${skippedNote(event.summary.results)}`);
        return;
      }
      default:
        return;
    }
  };
}

/** Checks a cancelled or --fail-fast run never started. */
function skippedNote(results: readonly NodeResult[]): string {
  const skipped = results.filter((r) => r.status === 'skipped').length;
  return skipped ? `, ${skipped} skipped` : '';
}

export function formatAge(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return h ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m ? `${h}h ${m}m` : `${h}h`;
  return `${m}m ${Math.floor(seconds % 60)}s`;
}

/**
 * Why a table is stale, in words: when its newest row was loaded, how long ago, and the rule
 * that age broke, so that a warning explains itself without the YAML at hand.
 */
export function staleness(r: FreshnessResult): string | undefined {
  if ((r.status !== 'warn' && r.status !== 'error') || r.maxLoadedAtTimeAgoInS === undefined || !r.maxLoadedAt) return undefined;
  const rule = r.status === 'error' ? r.criteria.errorAfter : r.criteria.warnAfter;
  if (!rule) return undefined;
  const key = r.status === 'error' ? 'error_after' : 'warn_after';
  const loaded = r.maxLoadedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  return `newest row loaded at ${loaded}, ${formatAge(r.maxLoadedAtTimeAgoInS)} ago: older than ${key} (${rule.count} ${rule.period}${rule.count === 1 ? '' : 's'})`;
}

export function freshnessLine(r: FreshnessResult, index: number, total: number): string {
  const width = String(total).length;
  const label = { pass: 'PASS', warn: 'WARN', error: 'ERROR', 'runtime error': 'ERROR' }[r.status];
  const head = `${String(index).padStart(width)} of ${total} ${label.padEnd(5)} freshness  ${r.sourceName}.${r.tableName} `;
  const limits = [r.criteria.warnAfter && `warn after ${formatAge(ruleSeconds(r.criteria.warnAfter))}`, r.criteria.errorAfter && `error after ${formatAge(ruleSeconds(r.criteria.errorAfter))}`]
    .filter(Boolean)
    .join(', ');
  const tail =
    r.maxLoadedAtTimeAgoInS !== undefined
      ? `[age ${formatAge(r.maxLoadedAtTimeAgoInS)}${limits ? `; ${limits}` : ''} in ${formatSeconds(r.executionTime)}]`
      : `[error in ${formatSeconds(r.executionTime)}]`;
  return `${head}${'.'.repeat(Math.max(3, 63 - head.length))} ${tail}`;
}
