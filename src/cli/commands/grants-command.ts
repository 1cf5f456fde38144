/** `dpf grants apply|check`: roles.yml enforced by the target's engine, and the drift from it (docs/governance.md#access-by-role). */
import type { Command } from 'commander';
import { grantsApply, grantsCheck, type GrantsApplied, type GrantsChecked } from '../../api/grants.js';
import { fail } from '../../errors/dpf-error.js';
import { addProjectOptions, projectOptionsOf, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../command-context.js';
import { formatTable } from '../format-table.js';

interface GrantsFlags extends Omit<CommonFlags, 'select'> {
  out?: string;
  output?: string;
}

export function registerGrantsCommand(program: Command, ctx: CommandContext): void {
  const grants = program.command('grants').description('enforce roles.yml on the target: Trino access rules, DuckDB masked views per role');
  const common = (cmd: Command) =>
    addProjectOptions(cmd)
      .option('--out <file>', "trino: the rules file, instead of the target's access_control_file")
      .option('-o, --output <format>', 'text or json', 'text');
  const output = (flags: GrantsFlags) => {
    const format = flags.output ?? 'text';
    if (!['text', 'json'].includes(format)) fail('UsageError', { detail: `--output must be text or json, got "${flags.output}".` });
    return format;
  };
  common(grants.command('apply').description("write what each role of roles.yml may read into the engine's access control: Trino's rules file (re-read within its security.refresh-period), DuckDB's <schema>_<role> views"))
    .addHelpText('after', '\nExamples:\n  $ dpf grants apply --target prod\n  $ dpf grants apply --target prod --out etc/rules.json')
    .action(async (flags: GrantsFlags) => {
      const format = output(flags);
      const applied = await grantsApply({ ...projectOptionsOf({ ...flags, select: undefined }, ctx), out: flags.out });
      if (format === 'json') return ctx.output.outJson(applied);
      ctx.output.out(formatApplied(applied));
    });
  common(grants.command('check').description('compare what the engine enforces with what roles.yml and the classifications declare; exit 1 on drift'))
    .addHelpText('after', '\nExamples:\n  $ dpf grants check --target prod\n  $ dpf grants check --target prod --output json')
    .action(async (flags: GrantsFlags) => {
      const format = output(flags);
      const checked = await grantsCheck({ ...projectOptionsOf({ ...flags, select: undefined }, ctx), out: flags.out });
      if (checked.drift.length > 0) ctx.setExitCode(1);
      if (format === 'json') return ctx.output.outJson(checked);
      ctx.output.out(formatChecked(checked));
    });
}

function formatApplied(applied: GrantsApplied): string {
  const text = (name: string) => ({ name, type: 'text' });
  const table = formatTable(
    {
      columns: ['role', 'reads', 'masked', 'hidden', 'filtered', 'refused (above its level)'].map(text),
      rows: applied.roles.map((r) => [r.role, r.manages ? 'all (manages)' : String(r.models), r.maskedColumns, r.hiddenColumns, r.filteredModels, r.refused.join(', ')]),
    },
    60,
  );
  return [`Wrote ${applied.wrote.join(', ') || 'nothing'} (${applied.engine})`, table].join('\n');
}

function formatChecked(checked: GrantsChecked): string {
  if (checked.drift.length === 0) return `No drift: ${checked.enforced} enforces what roles.yml declares.`;
  const lines = [`${checked.drift.length} difference${checked.drift.length === 1 ? '' : 's'} between ${checked.enforced} and roles.yml (dpf grants apply makes them agree):`];
  for (const d of checked.drift) {
    lines.push(`  ${d.change.padEnd(10)} ${d.section}: ${d.rule}`);
    if (d.change === 'changed') lines.push(`    declared: ${d.declared}`, `    enforced: ${d.enforced}`);
  }
  return lines.join('\n');
}
