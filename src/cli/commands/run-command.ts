/** `dpf run`, `dpf seed`, `dpf build`: compile, select, plan, execute, report. */
import type { Command } from 'commander';
import { adapterFactory } from '../../adapters/index.js';
import { compileFromDisk } from '../../compiler/compile-pipeline.js';
import { selectNodes } from '../../compiler/select-nodes.js';
import { planRun, type RunCommand } from '../../runner/plan-run.js';
import { runPlan } from '../../runner/run-plan.js';
import { writeRunResults } from '../../runner/write-run-results.js';
import { addProjectOptions, addSelectionOptions, compileOptions, logFormatOf, selectionInput, type CommonFlags } from '../common-options.js';
import { createRunReporter } from '../run-reporter.js';
import type { CommandContext } from '../command-context.js';
import { printWarnings, summarizeProject } from '../project-summary.js';

interface RunFlags extends CommonFlags {
  failFast?: boolean;
  fullRefresh?: boolean;
  rebuildAll?: boolean;
}

const DESCRIPTIONS: Record<RunCommand, { summary: string; example: string }> = {
  run: { summary: 'build the selected models (views and tables) in DAG order', example: 'dpf run --select +fct_orders' },
  seed: { summary: 'load the CSV files in seeds/ as tables', example: 'dpf seed --select raw_orders' },
  build: {
    summary: 'seeds, unit tests, models and data tests, in DAG order; a failed test skips what is downstream',
    example: 'dpf build --select tag:finance+ --threads 4',
  },
  test: { summary: 'run data tests and unit tests of the selected nodes', example: 'dpf test --select fct_orders test_type:unit' },
};

export function registerRunCommand(program: Command, name: RunCommand, ctx: CommandContext): void {
  const cmd = program.command(name).description(DESCRIPTIONS[name].summary);
  addSelectionOptions(addProjectOptions(cmd))
    .option('--threads <n>', 'parallel workers (default: the target\'s threads)')
    .option('--fail-fast', 'stop starting new nodes after the first failure')
    .option('--full-refresh', 'rebuild incremental models from scratch')
    .option('--rebuild-all', 'build models and seeds even when unchanged since their last build in this target')
    .addHelpText('after', `\nExample:\n  $ ${DESCRIPTIONS[name].example}`)
    .action(async (flags: RunFlags) => {
      const format = logFormatOf(flags);
      const options = compileOptions(flags, ctx.io.cwd, ctx.io.env);
      const compiled = await compileFromDisk(options);
      ctx.output.addSecrets(compiled.target.secrets);
      printWarnings(ctx, compiled.warnings, options.projectDir, format);
      if (format === 'text') ctx.output.out(summarizeProject(compiled));
      const selected = selectNodes(compiled.manifest, compiled.graph, selectionInput(flags, compiled.parsed.targetPath, ctx.io.cwd));
      const plan = planRun(compiled.manifest, compiled.graph, selected, { command: name, fullRefresh: flags.fullRefresh });
      if (plan.steps.length === 0) {
        ctx.output.out('Nothing to do: the selection matched no nodes to run. Check --select (`dpf ls --select ...` shows what it matches).');
        return;
      }
      const adapter = adapterFactory(compiled.target.type).create(compiled.target, options.projectDir);
      await adapter.open();
      try {
        const summary = await runPlan(plan, {
          adapter,
          manifest: compiled.manifest,
          projectRoot: options.projectDir,
          targetPath: compiled.parsed.targetPath,
          threads: compiled.target.threads,
          failFast: flags.failFast === true,
          invocationId: compiled.invocationId,
          onEvent: createRunReporter(ctx.output, format, options.projectDir),
          reuse: flags.rebuildAll || flags.fullRefresh || name === 'test' ? undefined : { targetName: compiled.target.targetName, database: compiled.target.database },
        });
        writeRunResults(compiled.parsed.targetPath, summary, ctx.output.redact);
        if (summary.counts.error + summary.counts.fail > 0) ctx.setExitCode(1);
      } finally {
        await adapter.close();
      }
    });
}
