/**
 * `dpf status`: flags in, the pipelines module's `status` out as text (the scheduler, running
 * now, last runs, next runs, failures with their retry commands) or one JSON object
 * (schemas/status.schema.json). Exit 0; 1 with --fail-on-failed when a pipeline's latest run failed.
 */
import type { Command } from 'commander';
import { fail } from '../../errors/dpf-error.js';
import { DEFAULT_STATUS_RUNS, status, type StatusReport, type StatusRun } from '../../pipelines/index.js';
import { nowOf, userTimezone } from '../clock-options.js';
import type { CommandContext } from '../command-context.js';
import { formatTable } from '../format-table.js';

interface StatusFlags {
  projectDir?: string;
  pipeline?: string;
  limit?: string;
  timezone?: string;
  output?: string;
  failOnFailed?: boolean;
}

/** Text lines stay within this many columns where dpf chooses the width (tables follow their cells). */
const WIDTH = 100;

export function registerStatusCommand(program: Command, ctx: CommandContext): void {
  program
    .command('status')
    .description("the pipelines' scheduler: who leads, what runs now, the last runs, what runs next, and how to retry a failure")
    .option('--project-dir <dir>', 'folder holding dpf_project.yml', '.')
    .option('--pipeline <name>', 'only this pipeline')
    .option('--limit <n>', 'runs shown per pipeline', String(DEFAULT_STATUS_RUNS))
    .option('--timezone <zone>', "IANA time zone to show times in (default: TZ, else this machine's)")
    .option('-o, --output <format>', 'text or json (one object, schemas/status.schema.json)', 'text')
    .option('--fail-on-failed', "exit 1 when a pipeline's latest run failed or was lost (for monitoring)")
    .addHelpText('after', '\nTimes are computed from now, or from DPF_NOW (an ISO-8601 time) when it is set.\n\nExamples:\n  $ dpf status\n  $ dpf status --pipeline marts --limit 20 --timezone Europe/Berlin\n  $ dpf status --output json --fail-on-failed')
    .action(async (flags: StatusFlags) => {
      const output = flags.output ?? 'text';
      if (!['text', 'json'].includes(output)) fail('UsageError', { detail: `--output must be text or json, got "${flags.output}".` });
      const limit = Number(flags.limit ?? DEFAULT_STATUS_RUNS);
      if (!Number.isInteger(limit) || limit < 1) fail('UsageError', { detail: `--limit must be a whole number above 0, got "${flags.limit}".` });
      const report = await status({
        projectDir: flags.projectDir,
        cwd: ctx.io.cwd,
        env: ctx.io.env,
        pipeline: flags.pipeline,
        limit,
        now: nowOf(ctx.io.env),
        timezone: flags.timezone ?? userTimezone(ctx.io.env),
      });
      if (output === 'json') ctx.output.outJson(report);
      else ctx.output.out(formatStatus(report, limit));
      if (flags.failOnFailed && report.failures.length > 0) ctx.setExitCode(1);
    });
}

/** The report as text, section by section. */
export function formatStatus(report: StatusReport, limit: number): string {
  const now = Date.parse(report.now);
  const ago = (iso: string) => `${durationText(Math.max(0, now - Date.parse(iso)))} ago`;
  const table = (columns: string[], rows: string[][]) => formatTable({ columns: columns.map((name) => ({ name, type: 'text' })), rows }, 60);
  const sections: string[] = [];

  const s = report.scheduler;
  const where = `  state kept in the ${report.store}`;
  if (s.state === 'never') sections.push(`Scheduler: no scheduler has run (start one with \`dpf schedule\`)\n${where}`);
  else {
    const who = `${s.host ?? s.holder}${s.pid !== null ? ` (pid ${s.pid})` : ''}`;
    sections.push(
      s.state === 'alive'
        ? `Scheduler: ${who} leads (lease renewed ${s.renewedAt ? ago(s.renewedAt.at) : 'never'}, valid until ${s.expiresAt.local})\n${where}`
        : `Scheduler: none is running; the lease of ${who} expired ${ago(s.expiresAt.at)} (${s.expiresAt.local})\n${where}`,
    );
  }

  if (report.running.length === 0) sections.push('Running now: nothing.');
  else {
    sections.push(
      `Running now\n${table(
        ['pipeline', 'run', 'attempt', 'nodes', 'elapsed', 'heartbeat'],
        report.running.map((r) => [r.pipeline, r.runId, String(r.attempt), r.nodesTotal !== null ? `${r.nodesDone ?? 0}/${r.nodesTotal}` : '', durationText(r.durationMs), `${ago(r.heartbeatAt.at)}${r.orphaned ? ' (orphaned: its scheduler is gone)' : ''}`]),
      )}`,
    );
  }

  if (report.pipelines.length === 0) sections.push('No pipelines: add one as pipelines/<name>.yml (docs/scheduling.md).');
  else {
    const rows = report.pipelines.flatMap((p) => (p.runs.length === 0 ? [[p.name, 'no runs yet', '', '', '', '']] : p.runs.map((r, i) => [i === 0 ? p.name : '', r.state, r.startedAt.local, durationText(r.durationMs), String(r.attempt), lateText(r)])));
    const skipped = report.pipelines.flatMap((p) => (p.skipped ? [`  ${p.name}: ${p.skipped.count} skipped while no scheduler ran (${p.skipped.first.local}${p.skipped.count > 1 ? ` to ${p.skipped.last.local}` : ''})`] : []));
    sections.push([`Last runs (up to ${limit} per pipeline, times in ${report.timezone})`, table(['pipeline', 'state', 'started', 'duration', 'attempt', 'late by'], rows), ...skipped].join('\n'));
  }

  const next = [`Next runs (${report.timezone})`];
  if (report.next.length > 0) next.push(table(['when', 'pipeline'], report.next.map((n) => [n.local, n.pipeline])));
  else if (report.afterOnly.length === 0) next.push('  none: no pipeline has a schedule.');
  for (const a of report.afterOnly) next.push(`  ${a.pipeline}: after ${a.after.join(', ')} (${a.trigger})`);
  sections.push(next.join('\n'));

  if (report.failures.length > 0) {
    const lines = [`Failed (${report.failures.length})`];
    for (const f of report.failures) {
      lines.push(`  ${f.pipeline}: ${f.state === 'lost' ? LOST : 'failed'}${f.endedAt ? ` at ${f.endedAt.local}` : ''}`);
      lines.push(`    run:   ${f.runId}${f.dpfRunId ? ` (dpf_meta run ${f.dpfRunId})` : ''}`);
      if (f.failedNode) lines.push(`    node:  ${f.failedNode}`);
      if (f.error && !(f.state === 'lost' && f.error === LOST)) lines.push(...wrap(f.error, WIDTH - 11, 3).map((line, i) => `    ${i === 0 ? 'error: ' : '       '}${line}`));
      if (f.retryAt) lines.push(`    next attempt at ${f.retryAt.local} (a retry, per the pipeline's retries)`);
      lines.push(...f.retry.map((command, i) => `    ${i === 0 ? 'retry: ' : '       '}${command}`));
    }
    sections.push(lines.join('\n'));
  }
  return sections.join('\n\n');
}

/** How a lost run reads (the scheduler records the same words as its error). */
const LOST = 'failed: scheduler lost';

const lateText = (r: StatusRun) => (r.late && r.lateMs !== null ? durationText(r.lateMs) : '');

/** 850 ms, 12.5s, 4m 05s, 2h 07m, 3d 04h. */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)}s`;
  const whole = Math.round(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${two(whole % 60)}s`;
  if (whole < 86_400) return `${Math.floor(whole / 3600)}h ${two(Math.floor((whole % 3600) / 60))}m`;
  return `${Math.floor(whole / 86_400)}d ${two(Math.floor((whole % 86_400) / 3600))}h`;
}

/** Words into lines of at most `width` characters, at most `max` lines (the last ends in … when cut). */
function wrap(text: string, width: number, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    const piece = word.length > width ? `${word.slice(0, width - 1)}…` : word;
    if (line && line.length + 1 + piece.length > width) {
      lines.push(line);
      line = piece;
    } else line = line ? `${line} ${piece}` : piece;
  }
  if (line) lines.push(line);
  if (lines.length <= max) return lines;
  const kept = lines.slice(0, max);
  kept[max - 1] = `${kept[max - 1]!.slice(0, width - 1)}…`;
  return kept;
}
