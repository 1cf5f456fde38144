/**
 * `dpf pipeline ls` and `dpf pipeline run NAME`: flags in, the pipelines module's listPipelines
 * and runPipeline, a table or the run reporter out, the exit code set (as dpf build's).
 */
import type { Command } from 'commander';
import { fail } from '../../errors/dpf-error.js';
import { listPipelines, runPipeline, selectionText, type ListedPipeline } from '../../pipelines/index.js';
import { addProjectOptions, logFormatOf, projectDirOf, projectOptionsOf, type CommonFlags } from '../common-options.js';
import { nowOf, userTimezone } from '../clock-options.js';
import type { CommandContext } from '../command-context.js';
import { formatDiagnostic } from '../format-diagnostic.js';
import { formatTable } from '../format-table.js';
import { createRunReporter } from '../run-reporter.js';

interface PipelineLsFlags extends CommonFlags {
  output?: string;
  timezone?: string;
}

interface PipelineRunFlags extends CommonFlags {
  failFast?: boolean;
  fullRefresh?: boolean;
}

export function registerPipelineCommand(program: Command, ctx: CommandContext): void {
  const pipeline = program
    .command('pipeline')
    .description('pipelines/*.yml: list them with their next runs, or run one now')
    .addHelpText('after', '\nExamples:\n  $ dpf pipeline ls\n  $ dpf pipeline run marts');
  addProjectOptions(pipeline.command('ls').description('list the pipelines: selection, schedule, next run, after/trigger and owner'))
    .option('-o, --output <format>', 'text or json (one object per pipeline per line)', 'text')
    .option('--timezone <zone>', "IANA time zone to show next runs in (default: this machine's)")
    .addHelpText('after', '\nNext runs are computed from now, or from DPF_NOW (an ISO-8601 time) when it is set.\n\nExamples:\n  $ dpf pipeline ls\n  $ dpf pipeline ls --timezone Europe/Berlin --output json')
    .action(async (flags: PipelineLsFlags) => {
      const output = flags.output ?? 'text';
      if (!['text', 'json'].includes(output)) fail('UsageError', { detail: `--output must be text or json, got "${flags.output}".` });
      const projectDir = projectDirOf(flags, ctx.io.cwd);
      const list = await listPipelines({
        ...projectOptionsOf(flags, ctx),
        now: nowOf(ctx.io.env),
        timezone: flags.timezone ?? userTimezone(ctx.io.env),
        onEvent: (event) => {
          if (event.type === 'warning') ctx.output.err(formatDiagnostic(event.diagnostic, projectDir));
        },
      });
      if (output === 'json') return list.pipelines.forEach((p) => ctx.output.outJson({ ...p, timezone: list.timezone }));
      if (list.pipelines.length === 0) return ctx.output.out('No pipelines: add one as pipelines/<name>.yml (docs/scheduling.md).');
      ctx.output.out(
        formatTable({
          columns: ['pipeline', 'selection', 'schedule', `next run (${list.timezone})`, 'after', 'owner'].map((name) => ({ name, type: 'text' })),
          rows: list.pipelines.map((p) => [p.name, selectionText(p), scheduleText(p), p.nextRunLocal ?? '', afterText(p), p.owner ?? '']),
        }, 60),
      );
    });
  addProjectOptions(pipeline.command('run').argument('<name>', 'the pipeline (its name in pipelines/*.yml)').description("build one pipeline's selection now, as dpf build does (recorded in dpf_meta.runs.pipeline)"))
    .option('--threads <n>', "parallel workers (default: the target's threads)")
    .option('--fail-fast', 'stop starting new nodes after the first failure')
    .option('--full-refresh', 'rebuild incremental models from scratch')
    .addHelpText('after', "\nThe pipeline's vars are merged under --vars; --target wins over the pipeline's target.\n\nExample:\n  $ dpf pipeline run marts --target prod")
    .action(async (name: string, flags: PipelineRunFlags) => {
      const format = logFormatOf(flags);
      const outcome = await runPipeline(name, {
        ...projectOptionsOf(flags, ctx),
        failFast: flags.failFast,
        fullRefresh: flags.fullRefresh,
        onEvent: createRunReporter(ctx.output, format, projectDirOf(flags, ctx.io.cwd)),
      });
      if (outcome.exitCode !== 0) ctx.setExitCode(outcome.exitCode);
    });
}

const scheduleText = (p: ListedPipeline) => (p.schedule ? `${p.schedule.cron} (${p.schedule.timezone})` : '');
const afterText = (p: ListedPipeline) => (p.after.length > 0 ? `${p.after.join(', ')} (${p.trigger})` : '');
