/**
 * `dpf import dbt PATH --out DIR`: flags in, the importer's importDbt, the report on screen.
 * Exit code 0 when the conversion is complete, 1 when something was left out (the report
 * lists it), 2 for an unusable PATH or DIR. No logic of its own.
 */
import type { Command } from 'commander';
import { relative } from 'node:path';
import { formatProblem, importDbt, REPORT_FILES } from '../../importers/dbt/index.js';
import type { CommandContext } from '../command-context.js';

interface ImportDbtFlags {
  out: string;
  profilesDir?: string;
}

export function registerImportCommand(program: Command, ctx: CommandContext): void {
  const importCommand = program
    .command('import')
    .description('convert a project of another tool into a dpf project')
    .addHelpText('after', '\nExample:\n  $ dpf import dbt ../jaffle_shop --out ../jaffle_shop_dpf');
  importCommand
    .command('dbt <path>')
    .description('convert a dbt project (dbt_project.yml, profiles, YAML, Jinja models, macros, tests) into a new dpf project')
    .requiredOption('--out <dir>', 'folder for the dpf project (must not exist, or be empty)')
    .option('--profiles-dir <dir>', "where dbt's profiles.yml is, when not in the dbt project folder")
    .addHelpText(
      'after',
      `\nWhat cannot be converted is listed (file:line, the construct) on screen and in DIR/${REPORT_FILES.markdown} and DIR/${REPORT_FILES.json}.\nExit code: 0 complete, 1 incomplete (the rest was converted and builds), 2 the command could not run.\n\nExample:\n  $ dpf import dbt ../jaffle_shop --out ../jaffle_shop_dpf && cd ../jaffle_shop_dpf && dpf build`,
    )
    .action(async (path: string, flags: ImportDbtFlags) => {
      const report = await importDbt({ path, out: flags.out, profilesDir: flags.profilesDir, cwd: ctx.io.cwd });
      const shown = relative(ctx.io.cwd, report.out) || '.';
      for (const problem of report.problems) ctx.output.err(`not converted: ${formatProblem(problem)}`);
      ctx.output.out(`Wrote ${report.converted} files to ${shown}.`);
      if (report.complete) {
        ctx.output.out(`The conversion is complete: cd ${shown} && dpf build`);
      } else {
        ctx.output.out(
          `The conversion is incomplete: ${report.problems.length} construct${report.problems.length === 1 ? '' : 's'} not converted${report.unconverted.length > 0 ? `, ${report.unconverted.length} file${report.unconverted.length === 1 ? '' : 's'} set aside in ${shown}/unconverted/` : ''}; see ${shown}/${REPORT_FILES.markdown}. The rest builds: cd ${shown} && dpf build`,
        );
        ctx.setExitCode(1);
      }
    });
}
