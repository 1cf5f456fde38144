/** `dpf history [node]`: the target's recent runs, or one node's recent runs, from dpf_meta. */
import type { Command } from 'commander';
import { fail } from '../../errors/dpf-error.js';
import { history, nodeHistory } from '../../api/show-history.js';
import { addProjectOptions, projectOptionsOf, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../command-context.js';
import { formatTable } from '../format-table.js';

interface HistoryFlags extends Omit<CommonFlags, 'select'> {
  limit?: string;
  output?: string;
}

export function registerHistoryCommand(program: Command, ctx: CommandContext): void {
  const cmd = program.command('history').argument('[node]', 'a model, seed, snapshot, test or source (name or unique id): its runs').description("print the target's recent runs, or one node's runs, recorded in dpf_meta");
  addProjectOptions(cmd)
    .option('--limit <n>', 'runs to show, newest first', '20')
    .option('-o, --output <format>', 'text or json (one object per line)', 'text')
    .addHelpText('after', '\nExamples:\n  $ dpf history\n  $ dpf history fct_orders --limit 5\n  $ dpf history --output json')
    .action(async (node: string | undefined, flags: HistoryFlags) => {
      const output = flags.output ?? 'text';
      if (!['text', 'json'].includes(output)) fail('UsageError', { detail: `--output must be text or json, got "${flags.output}".` });
      const limit = Number(flags.limit ?? 20);
      if (!Number.isInteger(limit) || limit < 1) fail('UsageError', { detail: `--limit must be a whole number above 0, got "${flags.limit}".` });
      const options = { ...projectOptionsOf({ ...flags, select: undefined }, ctx), limit };
      if (node) {
        const runs = await nodeHistory(node, options);
        if (output === 'json') return runs.forEach((r) => ctx.output.outJson(r));
        if (runs.length === 0) return ctx.output.out(`No runs of "${node}" recorded yet (names and unique ids are matched exactly; \`dpf ls\` lists them).`);
        ctx.output.out(
          formatTable({
            columns: ['run', 'ended', 'status', 'duration', 'rows', 'queued', 'reason'].map((name) => ({ name, type: 'text' })),
            rows: runs.map((r) => [r.runId.slice(0, 8), shortTime(r.endedAt), r.status, seconds(r.executionSeconds), r.rowsAffected ?? '', r.queuedMs == null ? '' : `${r.queuedMs} ms`, r.errorMessage ?? r.reason ?? '']),
          }, 60),
        );
        return;
      }
      const runs = await history(options);
      if (output === 'json') return runs.forEach((r) => ctx.output.outJson(r));
      if (runs.length === 0) return ctx.output.out('No runs recorded yet: every dpf build, run, seed, snapshot, test and source freshness records one.');
      ctx.output.out(
        formatTable({
          columns: ['run', 'command', 'started', 'duration', 'status', 'counts'].map((name) => ({ name, type: 'text' })),
          rows: runs.map((r) => [r.runId.slice(0, 8), r.command, shortTime(r.startedAt), seconds(r.elapsedSeconds), r.status, countsText(r.counts)]),
        }, 80),
      );
    });
}

const shortTime = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');
const seconds = (s: number | null) => (s == null ? '' : `${s.toFixed(2)}s`);
const countsText = (counts: Readonly<Record<string, number>>) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ') || 'nothing';
