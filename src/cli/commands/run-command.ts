/** `dpf run`, `dpf seed`, `dpf build`: compile, select, plan, execute, report. */
import type { Command } from 'commander';
import { adapterFactory } from '../../adapters/index.js';
import { join, relative, resolve } from 'node:path';
import { deferredRelations } from '../../runner/defer-relations.js';
import { diagnostic, fail } from '../../errors/dpf-error.js';
import { compileFromDisk, recompileDeferred, type CompiledProject } from '../../compiler/compile-pipeline.js';
import type { RunSummary } from '../../runner/run-results.js';
import { targetPathOf } from '../../compiler/load-project.js';
import type { Manifest } from '../../compiler/manifest.js';
import { readState } from '../../compiler/read-state.js';
import { selectNodes } from '../../compiler/select-nodes.js';
import { planRun, type RunCommand } from '../../runner/plan-run.js';
import { runFromLedger, runPlan } from '../../runner/run-plan.js';
import { explainPlan } from '../../runner/explain-plan.js';
import { forgetLedger, writeLedger, type ReuseState } from '../../runner/reuse-ledger.js';
import { writeRunResults } from '../../runner/write-run-results.js';
import { readLastRun } from '../../runner/read-last-run.js';
import { addProjectOptions, addSelectionOptions, compileOptions, logFormatOf, selectionInput, type CommonFlags } from '../common-options.js';
import { createRunReporter, printExplanation } from '../run-reporter.js';
import type { CommandContext } from '../command-context.js';
import { printWarnings, summarizeProject } from '../project-summary.js';

export interface RunFlags extends CommonFlags {
  failFast?: boolean;
  fullRefresh?: boolean;
  rebuildAll?: boolean;
  defer?: boolean;
  explain?: boolean;
  eventTimeStart?: string;
  eventTimeEnd?: string;
}

const DESCRIPTIONS: Record<RunCommand, { summary: string; example: string }> = {
  run: { summary: 'build the selected models (views and tables) in DAG order', example: 'dpf run --select +fct_orders' },
  seed: { summary: 'load the CSV files in seeds/ as tables', example: 'dpf seed --select raw_orders' },
  build: {
    summary: 'seeds, unit tests, models and data tests, in DAG order; a failed test skips what is downstream',
    example: 'dpf build --select tag:finance+ --threads 4',
  },
  snapshot: { summary: 'capture snapshots/*.sql: keep every version of changing rows', example: 'dpf snapshot --select customers_history' },
  test: { summary: 'run data tests and unit tests of the selected nodes', example: 'dpf test --select fct_orders test_type:unit' },
};

export function registerRunCommand(program: Command, name: RunCommand, ctx: CommandContext): void {
  const cmd = program.command(name).description(DESCRIPTIONS[name].summary);
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
      const targetPath = targetPathOf(compileOptions(flags, ctx.io.cwd, ctx.io.env).projectDir);
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

export interface RunOutcome {
  readonly compiled: CompiledProject;
  readonly manifest: Manifest;
  readonly summary?: RunSummary;
  readonly selected: ReadonlySet<string>;
}

export async function executeRun(name: RunCommand, flags: RunFlags, ctx: CommandContext, overrides: { schema?: string } = {}): Promise<RunOutcome> {
  const format = logFormatOf(flags);
  // --defer renders SQL again with other relations, which needs the parsed project.
  const options = { ...compileOptions(flags, ctx.io.cwd, ctx.io.env), ...overrides, reuseCompiled: !flags.defer };
  const compiled = await compileFromDisk(options);
  ctx.output.addSecrets(compiled.target.secrets);
  printWarnings(ctx, compiled.warnings, options.projectDir, format);
  if (format === 'text') ctx.output.out(summarizeProject(compiled));
  const selected = selectNodes(compiled.manifest, compiled.graph, selectionInput(flags, compiled.targetPath, ctx.io.cwd));
  for (const [flag, value] of [['--event-time-start', flags.eventTimeStart], ['--event-time-end', flags.eventTimeEnd]] as const) {
    if (value !== undefined && Number.isNaN(Date.parse(value))) fail('UsageError', { detail: `${flag} must be a date or time such as 2024-01-31 or 2024-01-31T06:00, got "${value}".` });
  }
  const eventTimeRange = flags.eventTimeStart || flags.eventTimeEnd ? { start: flags.eventTimeStart, end: flags.eventTimeEnd } : undefined;
  const plan = planRun(compiled.manifest, compiled.graph, selected, { command: name, fullRefresh: flags.fullRefresh, eventTimeRange });
  if (plan.steps.length === 0) {
    ctx.output.out('Nothing to do: the selection matched no nodes to run. Check --select (`dpf ls --select ...` shows what it matches).');
    return { compiled, manifest: compiled.manifest, selected };
  }
  const factory = adapterFactory(compiled.target.type);
  const rebuildAll = flags.rebuildAll ? '--rebuild-all' : flags.fullRefresh ? '--full-refresh' : undefined;
  // dpf test replaces no relation; every other command records what it replaces.
  const records = name === 'test' ? undefined : { database: compiled.target.database, rebuildAll };
  const onEvent = createRunReporter(ctx.output, format, options.projectDir);
  const warnDamaged = (file: string, detail: string) =>
    printWarnings(ctx, [diagnostic('ArtifactIgnored', { detail, instead: 'starts it again from this run' }, { file: relative(options.projectDir, file) }, 'warning')], options.projectDir, format);
  const stampWarehouse = (writtenBefore?: number) =>
    records && !flags.defer ? factory.warehouseStamp?.(compiled.target, options.projectDir, { writtenBefore }) : undefined;
  if (flags.explain) {
    if (flags.defer) fail('UsageError', { detail: '--explain cannot be combined with --defer yet; run it without --defer.' });
    const adapter = factory.create(compiled.target, options.projectDir);
    await adapter.open();
    try {
      const decisions = await explainPlan(plan, { adapter, manifest: compiled.manifest, database: compiled.target.database, rebuildAll: records ? rebuildAll : 'dpf test builds nothing' });
      printExplanation(ctx.output, format, plan, decisions);
    } finally {
      await adapter.close();
    }
    return { compiled, manifest: compiled.manifest, selected };
  }
  const ledgerRun = !rebuildAll && runFromLedger(plan, {
    manifest: compiled.manifest,
    invocationId: compiled.invocationId,
    onEvent,
    threads: compiled.target.threads,
    targetPath: compiled.targetPath,
    targetName: compiled.target.targetName,
    stamp: stampWarehouse(),
  });
  if (ledgerRun) {
    writeRunResults(compiled.targetPath, ledgerRun, ctx.output.redact, compiled.target.targetName, warnDamaged);
    return { compiled, manifest: compiled.manifest, summary: ledgerRun, selected };
  }
  forgetLedger(compiled.targetPath);
  const adapter = factory.create(compiled.target, options.projectDir);
  await adapter.open();
  let reuseState: ReuseState | undefined;
  let outcome: RunOutcome;
  try {
    let manifest = compiled.manifest;
    let deferred: ReadonlyMap<string, string> | undefined;
    if (flags.defer) {
      if (!flags.state) fail('UsageError', { detail: '--defer needs --state <folder> with the manifest.json of the environment to defer to.' });
      const state = readState(resolve(ctx.io.cwd, flags.state), '--defer');
      deferred = await deferredRelations(adapter, compiled.manifest, state.manifest, new Set(plan.steps.map((s) => s.uniqueId)));
      if (deferred.size > 0) {
        manifest = recompileDeferred(compiled, deferred);
        if (format === 'text') {
          const names = [...deferred.keys()].map((id) => manifest.nodes[id]!.name);
          ctx.output.out(`Deferring ${names.length} unselected node${names.length === 1 ? '' : 's'} missing here to ${flags.state}: ${names.join(', ')}`);
        }
      }
    }
    const summary = await runPlan(plan, {
      adapter,
      manifest,
      projectRoot: options.projectDir,
      targetPath: compiled.targetPath,
      threads: compiled.target.threads,
      failFast: flags.failFast === true,
      invocationId: compiled.invocationId,
      onEvent,
      records: records && { ...records, deferred },
    });
    reuseState = summary.reuseState;
    writeRunResults(compiled.targetPath, summary, ctx.output.redact, compiled.target.targetName, warnDamaged);
    if (summary.counts.error + summary.counts.fail > 0) ctx.setExitCode(1);
    outcome = { compiled, manifest, summary, selected };
  } finally {
    await adapter.close();
  }
  // Stamped after closing (closing checkpoints the file), unless someone wrote to it since.
  const closedAt = Date.now();
  const after = reuseState && !flags.defer ? stampWarehouse(closedAt) : undefined;
  if (after && reuseState) writeLedger(compiled.targetPath, compiled.target.targetName, after, reuseState);
  return outcome;
}
