/** Turns run events into progress lines (text) or one JSON object per line (json). */
import type { Diagnostic } from '../errors/dpf-error.js';
import type { NodeResult, RunEvent } from '../runner/run-results.js';
import { formatDiagnostic } from './format-diagnostic.js';
import type { Output } from './output.js';

export type LogFormat = 'text' | 'json';

/** Column where the bracketed result starts, so results line up as in dbt. */
const RESULT_COLUMN = 64;
const STATUS: Record<NodeResult['status'], string> = { success: 'OK', error: 'ERROR', skipped: 'SKIP' };

const plainRelation = (name: string) => name.replace(/"((?:[^"]|"")*)"/g, (_, inner: string) => inner.replace(/""/g, '"'));

export function formatSeconds(s: number): string {
  return `${s.toFixed(2)}s`;
}

export function progressLine(index: number, total: number, result: NodeResult): string {
  const width = String(total).length;
  const status = STATUS[result.status].padEnd(5);
  const head = `${String(index).padStart(width)} of ${total} ${status} ${result.strategy.padEnd(5)}  ${plainRelation(result.relationName)} `;
  let tail: string;
  if (result.status === 'success') {
    tail = result.rowsAffected !== undefined
      ? `[${result.rowsAffected.toLocaleString('en-US')} rows in ${formatSeconds(result.executionTime)}]`
      : `[done in ${formatSeconds(result.executionTime)}]`;
  } else if (result.status === 'error') {
    tail = `[error in ${formatSeconds(result.executionTime)}]`;
  } else {
    tail = result.skippedBecause ? `[upstream ${result.skippedBecause} failed]` : '[skipped]';
  }
  const dots = '.'.repeat(Math.max(3, RESULT_COLUMN - head.length - 1));
  return `${head}${dots} ${tail}`;
}

export function createRunReporter(output: Output, format: LogFormat, projectDir: string): (event: RunEvent) => void {
  if (format === 'json') {
    return (event) => output.out(JSON.stringify({ ts: new Date().toISOString(), ...flatten(event) }));
  }
  const errors: { result: NodeResult; error: Diagnostic }[] = [];
  return (event) => {
    switch (event.type) {
      case 'run_started':
        output.out(`Running ${event.total} node${event.total === 1 ? '' : 's'} with ${event.threads} thread${event.threads === 1 ? '' : 's'}\n`);
        return;
      case 'node_started':
        return;
      case 'node_finished':
        output.out(progressLine(event.index, event.total, event.result));
        if (event.result.error) {
          errors.push({ result: event.result, error: event.result.error });
          output.out(indent(formatDiagnostic(event.result.error, projectDir)));
        }
        return;
      case 'run_finished': {
        const { counts, elapsed } = event.summary;
        output.out('');
        output.out(`Finished in ${formatSeconds(elapsed)}: ${counts.success} ok, ${counts.error} error${counts.error === 1 ? '' : 's'}, ${counts.skipped} skipped`);
        for (const { result, error } of errors) {
          const where = error.location ? ` (${error.location.file}${error.location.line ? `:${error.location.line}` : ''})` : '';
          output.out(`  failed: ${result.name}${where}`);
        }
        return;
      }
    }
  };
}

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
    case 'node_started':
      return { event: event.type, index: event.index, total: event.total, unique_id: event.step.uniqueId, relation: event.step.relationName };
    case 'node_finished':
      return { event: event.type, index: event.index, total: event.total, ...event.result };
    case 'run_finished':
      return { event: event.type, elapsed: event.summary.elapsed, counts: event.summary.counts, invocation_id: event.summary.invocationId };
  }
}
