/** `dpf show`: preview the rows of a model (its compiled SQL, not its relation) or an inline query. */
import type { Command } from 'commander';
import { fail } from '../../errors/dpf-error.js';
import { show } from '../../api/show-rows.js';
import { addProjectOptions, logFormatOf, projectOptionsOf, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../command-context.js';
import { formatTable } from '../format-table.js';

interface ShowFlags extends Omit<CommonFlags, 'select'> {
  select?: string;
  inline?: string;
  limit?: string;
}

export function registerShowCommand(program: Command, ctx: CommandContext): void {
  const cmd = program.command('show').description('preview the rows a model or an inline query returns');
  addProjectOptions(cmd)
    .option('-s, --select <model>', 'model (or seed) to preview')
    .option('--inline <sql>', 'a query to run; may use {{ref "..."}} and {{source "..." "..."}}')
    .option('--limit <n>', 'rows to show', '10')
    .addHelpText('after', '\nExamples:\n  $ dpf show --select fct_orders --limit 5\n  $ dpf show --inline \'select count(*) from {{ref "stg_orders"}}\'')
    .action(async (flags: ShowFlags) => {
      const format = logFormatOf({ ...flags, select: undefined });
      const limit = Number(flags.limit ?? 10);
      if (!Number.isInteger(limit) || limit < 0) fail('UsageError', { detail: `--limit must be a whole number, got "${flags.limit}".` });
      const result = await show({ ...projectOptionsOf({ ...flags, select: undefined }, ctx), select: flags.select, inline: flags.inline, limit });
      if (format === 'json') {
        ctx.output.outJson({ event: 'show', node: result.label, columns: result.columns, rows: result.rows });
        return;
      }
      ctx.output.out(`Previewing ${result.label} (${result.rows.length} row${result.rows.length === 1 ? '' : 's'}, limit ${limit}):`);
      ctx.output.out(formatTable(result));
    });
}
