/**
 * The dpf command line: commander wiring, error printing and exit codes only.
 * Exit codes: 0 all good; 1 a model failed, or the disk filled up; 2 the project or the command
 * is invalid.
 */
import { Command, CommanderError } from 'commander';
import { DpfError, fail } from '../errors/dpf-error.js';
import { diskFullError } from '../errors/disk-full.js';
import { DPF_VERSION } from '../compiler/package-paths.js';
import { closestMatch } from '../compiler/closest-match.js';
import { registerAlertsCommand } from './commands/alerts-command.js';
import { registerAuditCommand } from './commands/audit-command.js';
import { registerCiCommand } from './commands/ci-command.js';
import { registerCleanCommand } from './commands/clean-command.js';
import { registerCloneCommand } from './commands/clone-command.js';
import { registerCompileCommand } from './commands/compile-command.js';
import { registerDebugCommand } from './commands/debug-command.js';
import { registerDocsCommand } from './commands/docs-command.js';
import { registerExportCommand } from './commands/export-command.js';
import { registerImportCommand } from './commands/import-command.js';
import { registerGrantsCommand } from './commands/grants-command.js';
import { registerHistoryCommand } from './commands/history-command.js';
import { registerCostCommand } from './commands/cost-command.js';
import { registerInitCommand } from './commands/init-command.js';
import { registerLintCommand } from './commands/lint-command.js';
import { registerLsCommand } from './commands/ls-command.js';
import { registerPipelineCommand } from './commands/pipeline-command.js';
import { registerScanCommand } from './commands/scan-command.js';
import { registerScheduleCommand } from './commands/schedule-command.js';
import { registerRetryCommand, registerRunCommand } from './commands/run-command.js';
import { registerShowCommand } from './commands/show-command.js';
import { registerStatusCommand } from './commands/status-command.js';
import { registerSourceCommand } from './commands/source-freshness-command.js';
import type { CommandContext } from './command-context.js';
import { formatDiagnostic } from './format-diagnostic.js';
import { createOutput, type CliIO } from './output.js';

export type { CliIO } from './output.js';

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const output = createOutput(io);
  let exitCode = 0;
  const ctx: CommandContext = { io, output, setExitCode: (c) => (exitCode = Math.max(exitCode, c)) };
  const program = new Command('dpf')
    .description('dpf: SQL models with YAML metadata, compiled into a DAG and built in your warehouse')
    .version(DPF_VERSION, '-v, --version')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .addHelpText('after', '\nStart with:\n  $ dpf init my_project && cd my_project && dpf build');
  registerInitCommand(program, ctx);
  registerCompileCommand(program, ctx);
  registerRunCommand(program, 'run', ctx);
  registerRunCommand(program, 'seed', ctx);
  registerRunCommand(program, 'build', ctx);
  registerRunCommand(program, 'test', ctx);
  registerRunCommand(program, 'snapshot', ctx);
  registerRunCommand(program, 'monitor', ctx);
  registerRetryCommand(program, ctx);
  registerCiCommand(program, ctx);
  registerCloneCommand(program, ctx);
  registerLsCommand(program, ctx);
  registerSourceCommand(program, ctx);
  registerShowCommand(program, ctx);
  registerDebugCommand(program, ctx);
  registerDocsCommand(program, ctx);
  registerPipelineCommand(program, ctx);
  registerScheduleCommand(program, ctx);
  registerStatusCommand(program, ctx);
  registerExportCommand(program, ctx);
  registerImportCommand(program, ctx);
  registerHistoryCommand(program, ctx);
  registerAlertsCommand(program, ctx);
  registerCostCommand(program, ctx);
  registerScanCommand(program, ctx);
  registerAuditCommand(program, ctx);
  registerGrantsCommand(program, ctx);
  registerLintCommand(program, ctx);
  registerCleanCommand(program, ctx);
  const quiet = (cmd: Command): void => {
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
    cmd.commands.forEach(quiet);
  };
  program.commands.forEach(quiet);

  const jsonLogs = argv.includes('--log-format') && argv[argv.indexOf('--log-format') + 1] === 'json';
  try {
    checkCommandWords(program, argv);
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
    }
    // A full disk can surface anywhere (a DuckDB commit, a cache write): one error, no trace.
    const error = err instanceof DpfError ? err : diskFullError(err);
    if (error) {
      const projectDir = projectDirOf(argv, io.cwd);
      for (const d of error.diagnostics) {
        if (jsonLogs) output.errJson({ ts: new Date().toISOString(), event: 'error', ...d });
        else output.err(formatDiagnostic(d, projectDir));
      }
      if (!jsonLogs && error.diagnostics.length > 1) output.err(`\n${error.diagnostics.length} problems found.`);
      return error.first.name === 'DiskFull' ? 1 : 2;
    }
    output.err(`internal error: dpf hit a bug it cannot explain. Please report it with this trace:\n${(err as Error).stack ?? String(err)}`);
    return 2;
  }
}

/**
 * An unknown command word is a usage error (exit 2) with the closest command, before commander
 * sees it: commander would print the root help for `dpf buidl --help` and exit 0, so a script
 * with a typo would pass.
 */
function checkCommandWords(program: Command, argv: string[]): void {
  let command = program;
  let parent = 'dpf';
  for (const word of argv) {
    if (word.startsWith('-') || command.commands.length === 0) return;
    const next = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) {
      if (word === 'help') return;
      const names = command.commands.map((c) => c.name());
      fail('UnknownCommand', { command: word, suggestion: closestMatch(word, names), parent, commands: names });
    }
    command = next;
    parent = `${parent} ${word}`;
  }
}

function projectDirOf(argv: string[], cwd: string): string {
  const i = argv.indexOf('--project-dir');
  const value = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--project-dir='))?.split('=')[1];
  return value ? (value.startsWith('/') ? value : `${cwd}/${value}`) : cwd;
}
