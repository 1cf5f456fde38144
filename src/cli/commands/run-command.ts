/**
 * `dpf run`, `seed`, `build`, `snapshot`, `test` and `retry`: flags in, the public API's
 * runNodes, events out to the terminal reporter, the exit code set. No logic of their own.
 */
import type { Command } from 'commander';
import { join, relative } from 'node:path';
import { targetPathOf } from '../../compiler/load-project.js';
import type { RunCommand } from '../../runner/plan-run.js';
import { readLastRun } from '../../runner/read-last-run.js';
import { explain, runNodes, type RunOutcome } from '../../api/run-nodes.js';
import type { RunOptions } from '../../api/options.js';
import { addProjectOptions, addSelectionOptions, logFormatOf, projectOptionsOf, projectDirOf, type CommonFlags } from '../common-options.js';
import { createRunReporter, printExplanation } from '../run-reporter.js';
import type { CommandContext } from '../command-context.js';
import { DEFAULT_SAMPLE_ROWS } from '../../api/scan-pii.js';
import { formatPiiSummary, piiScanSummary } from './scan-command.js';

export interface RunFlags extends CommonFlags {
  failFast?: boolean;
  fullRefresh?: boolean;
  rebuildAll?: boolean;
  defer?: boolean;
  explain?: boolean;
  eventTimeStart?: string;
  eventTimeEnd?: string;
  scanPii?: boolean;
}

/** dpf source freshness is a run command too, with a command of its own (source-freshness-command.ts). */
type RunSubcommand = Exclude<RunCommand, 'freshness'>;

const DESCRIPTIONS: Record<RunSubcommand, { summary: string; example: string }> = {
  run: { summary: 'build the selected models (views and tables) in DAG order', example: 'dpf run --select +fct_orders' },
  seed: { summary: 'load the CSV files in seeds/ as tables', example: 'dpf seed --select raw_orders' },
  build: {
    summary: 'seeds, unit tests, models and data tests, in DAG order; a failed test skips what is downstream',
    example: 'dpf build --select tag:finance+ --threads 4',
  },
  snapshot: { summary: 'capture snapshots/*.sql: keep every version of changing rows', example: 'dpf snapshot --select customers_history' },
  test: { summary: 'run data tests and unit tests of the selected nodes', example: 'dpf test --select fct_orders test_type:unit' },
  monitor: {
    summary: "measure the selected tables, seeds, snapshots and sources and judge them against their history (volume, schema changes, column drift, durations, freshness); builds nothing",
    example: 'dpf monitor --select fct_orders+',
  },
};

export function registerRunCommand(program: Command, name: RunSubcommand, ctx: CommandContext): void {
  const cmd = program.command(name).description(DESCRIPTIONS[name].summary);
  if (name === 'build') {
    cmd.option('--scan-pii', `after the build, sample what it built with the PII scanner (${DEFAULT_SAMPLE_ROWS} rows a relation) and record the findings under the run's id`);
  }
  addRunOptions(addSelectionOptions(addProjectOptions(cmd)))
    .addHelpText('after', `\nExample:\n  $ ${DESCRIPTIONS[name].example}`)
    .action(async (flags: RunFlags) => {
      await executeRun(name, flags, ctx);
    });
}

/** `dpf retry`: the last run's command again, for the nodes that failed or were skipped. */
export function registerRetryCommand(program: Command, ctx: CommandContext): void {
  const cmd = program.command('retry').description('run the last run, seed, build or test again for the nodes that failed or were skipped');
  addRunOptions(addProjectOptions(cmd))
    .addHelpText('after', '\nExample:\n  $ dpf build && dpf retry')
    .action(async (flags: RunFlags) => {
      const targetPath = targetPathOf(projectDirOf(flags, ctx.io.cwd));
      const file = join(targetPath, 'run_results.json');
      const last = readLastRun(file, relative(ctx.io.cwd, file) || file);
      const again = last.again.map((id) => `unique_id:${id}`);
      if (again.length === 0) {
        ctx.output.out(`Nothing to retry: the last dpf ${last.command} had no failed or skipped nodes.`);
        return;
      }
      ctx.output.out(`Retrying ${again.length} node${again.length === 1 ? '' : 's'} of the last dpf ${last.command}`);
      await executeRun(last.command, { ...flags, select: again, exclude: undefined }, ctx);
    });
}

export function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--threads <n>', "parallel workers (default: the target's threads)")
    .option('--fail-fast', 'stop starting new nodes after the first failure')
    .option('--full-refresh', 'rebuild incremental models from scratch')
    .option('--rebuild-all', 'build models and seeds even when their code and inputs are unchanged since their last build')
    .option('--explain', 'print what would be built or reused, and why, without running anything')
    .option('--defer', 'refs to unselected nodes missing in this target read the --state environment instead')
    .option('--event-time-start <date>', 'microbatch models: build batches from this date or time (UTC)')
    .option('--event-time-end <date>', 'microbatch models: build batches up to this date or time (UTC, exclusive)');
}

/** The run flags as options of the public API. */
export function runOptionsOf(flags: RunFlags, ctx: CommandContext, overrides: { schema?: string } = {}): RunOptions {
  return {
    ...projectOptionsOf(flags, ctx),
    select: flags.select,
    exclude: flags.exclude,
    state: flags.state,
    failFast: flags.failFast,
    fullRefresh: flags.fullRefresh,
    rebuildAll: flags.rebuildAll,
    defer: flags.defer,
    eventTimeStart: flags.eventTimeStart,
    eventTimeEnd: flags.eventTimeEnd,
    scanPii: flags.scanPii,
    ...overrides,
  };
}

export async function executeRun(name: RunCommand, flags: RunFlags, ctx: CommandContext, overrides: { schema?: string } = {}): Promise<RunOutcome | undefined> {
  const format = logFormatOf(flags);
  const options = runOptionsOf(flags, ctx, overrides);
  const onEvent = createRunReporter(ctx.output, format, projectDirOf(flags, ctx.io.cwd));
  if (flags.explain) {
    const { plan, decisions } = await explain(name, { ...options, onEvent });
    printExplanation(ctx.output, format, plan, decisions);
    return undefined;
  }
  const outcome = await runNodes(name, { ...options, onEvent });
  if (outcome.piiScan) {
    if (format === 'json') ctx.output.outJson({ ts: new Date().toISOString(), event: 'pii_scan', ...piiScanSummary(outcome.piiScan) });
    else ctx.output.out(['', ...formatPiiSummary(outcome.piiScan)].join('\n'));
  }
  if (outcome.exitCode !== 0) ctx.setExitCode(outcome.exitCode);
  return outcome;
}
