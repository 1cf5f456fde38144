/**
 * `dpf source freshness`: flags in, the public API's sourceFreshness (a run whose steps are
 * freshness checks; it writes target/sources.json), events out to the freshness reporter, the
 * exit code set. No logic of its own.
 */
import type { Command } from 'commander';
import { sourceFreshness } from '../../api/run-nodes.js';
import { addProjectOptions, addSelectionOptions, logFormatOf, projectOptionsOf, projectDirOf, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../command-context.js';
import { createFreshnessReporter } from '../freshness-reporter.js';

interface FreshnessFlags extends CommonFlags {
  output?: string;
}

export function registerSourceCommand(program: Command, ctx: CommandContext): void {
  const source = program.command('source').description('commands about sources');
  const cmd = source.command('freshness').description('check how recently each source got data, against its warn_after and error_after');
  addSelectionOptions(addProjectOptions(cmd))
    .option('-o, --output <file>', 'where to write the results (default: target/sources.json)')
    .addHelpText('after', '\nExample:\n  $ dpf source freshness --select source:shop')
    .action(async (flags: FreshnessFlags) => {
      const onEvent = createFreshnessReporter(ctx.output, logFormatOf(flags), projectDirOf(flags, ctx.io.cwd));
      const outcome = await sourceFreshness({
        ...projectOptionsOf(flags, ctx),
        select: flags.select,
        exclude: flags.exclude,
        state: flags.state,
        output: flags.output,
        onEvent,
      });
      if (outcome.exitCode !== 0) ctx.setExitCode(outcome.exitCode);
    });
}
