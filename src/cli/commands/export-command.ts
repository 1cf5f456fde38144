/**
 * `dpf export airflow --out DIR`: flags in, the pipelines module's exportAirflow, one line per
 * DAG file written out. No logic of its own.
 */
import type { Command } from 'commander';
import { relative } from 'node:path';
import { exportAirflow } from '../../pipelines/index.js';
import { addProjectOptions, projectDirOf, projectOptionsOf, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../command-context.js';
import { formatDiagnostic } from '../format-diagnostic.js';

interface ExportAirflowFlags extends CommonFlags {
  out: string;
  groupBy?: string;
  dpfCommand?: string;
  dagProjectDir?: string;
  startDate?: string;
  pool?: string;
}

export function registerExportCommand(program: Command, ctx: CommandContext): void {
  const exportCommand = program
    .command('export')
    .description("hand the project's pipelines to another orchestrator")
    .addHelpText('after', '\nExample:\n  $ dpf export airflow --out ~/airflow/dags');
  addProjectOptions(exportCommand.command('airflow').description('write one Apache Airflow DAG file per pipeline: a task per node, each running dpf build'))
    .requiredOption('--out <dir>', "folder for the DAG files (created when missing), e.g. Airflow's dags/")
    .option('--group-by <how>', 'one task per node, per folder (path) or per first tag (tag)', 'node')
    .option('--dpf-command <command>', "how Airflow's workers start dpf, put before `build`", 'dpf')
    .option('--dag-project-dir <dir>', "the project folder as Airflow's workers see it (default: this project's absolute path)")
    .option('--pool <name>', 'one Airflow pool for every task (a pool of 1 slot for a DuckDB file: one writer at a time)')
    .option('--start-date <day>', 'first day of the schedules, YYYY-MM-DD (default: today, UTC)')
    .addHelpText(
      'after',
      '\nThe target is --target, else the pipeline\'s target:, else the profile\'s; it is written into every task.\n\nExamples:\n  $ dpf export airflow --out dags/\n  $ dpf export airflow --out /opt/airflow/dags --target prod --dag-project-dir /opt/shop --group-by path',
    )
    .action(async (flags: ExportAirflowFlags) => {
      const projectDir = projectDirOf(flags, ctx.io.cwd);
      const result = await exportAirflow({
        ...projectOptionsOf(flags, ctx),
        out: flags.out,
        groupBy: flags.groupBy,
        dpfCommand: flags.dpfCommand,
        dagProjectDir: flags.dagProjectDir,
        startDate: flags.startDate,
        pool: flags.pool,
        onEvent: (event) => {
          if (event.type === 'warning') ctx.output.err(formatDiagnostic(event.diagnostic, projectDir));
        },
      });
      const shown = (file: string) => relative(ctx.io.cwd, `${result.outDir}/${file}`) || file;
      for (const dag of result.dags) {
        ctx.output.out(`${shown(dag.file)}: DAG ${dag.dagId}, ${dag.tasks.length} task${dag.tasks.length === 1 ? '' : 's'} (pipeline ${dag.pipeline.name}, target ${dag.target})`);
      }
      for (const file of result.removed) ctx.output.out(`${shown(file)}: removed (its pipeline is gone)`);
      if (result.dags.length === 0) ctx.output.out('No pipelines: add one as pipelines/<name>.yml (docs/scheduling.md); no DAG written.');
    });
}
