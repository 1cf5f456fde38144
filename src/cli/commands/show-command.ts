/** `dpf show`: preview the rows of a model (its compiled SQL, not its relation) or an inline query. */
import type { Command } from 'commander';
import { adapterFactory } from '../../adapters/index.js';
import { DpfError, diagnostic, fail } from '../../errors/dpf-error.js';
import { closestMatch } from '../../compiler/closest-match.js';
import { compileFromDisk } from '../../compiler/compile-pipeline.js';
import { compileInline, INLINE_FILE } from '../../compiler/compile-inline.js';
import type { QueryResult } from '../../adapters/adapter.js';
import { addProjectOptions, compileOptions, logFormatOf, type CommonFlags } from '../common-options.js';
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
      if (!flags.select === !flags.inline) fail('UsageError', { detail: 'Pass exactly one of --select <model> or --inline "<sql>".' });
      const options = compileOptions({ ...flags, select: undefined }, ctx.io.cwd, ctx.io.env);
      // An inline query is rendered like a model, so it needs the parsed project.
      const compiled = await compileFromDisk({ ...options, writeArtifacts: false, reuseCompiled: !flags.inline });
      ctx.output.addSecrets(compiled.target.secrets);
      const factory = adapterFactory(compiled.target.type);
      const dialect = factory.dialect(compiled.target);
      let sql: string;
      let label: string;
      if (flags.select) {
        const node = Object.values(compiled.manifest.nodes).find((n) => n.name === flags.select);
        if (!node) {
          const names = Object.values(compiled.manifest.nodes).map((n) => n.name);
          fail('NodeNotFound', { name: flags.select, suggestion: closestMatch(flags.select, names) });
        }
        sql = node.kind === 'model' ? node.compiledCode! : `select * from ${node.relationName}`;
        label = node.name;
      } else {
        const t = compiled.target;
        sql = compileInline(flags.inline!, compiled.parsed!, compiled.manifest, dialect, {
          name: t.targetName,
          schema: t.schema,
          type: t.type,
          profile_name: t.profileName,
          database: t.database,
        });
        label = 'inline query';
      }
      const adapter = factory.create(compiled.target, options.projectDir);
      await adapter.open();
      let result: QueryResult;
      try {
        // The limit lets the engine stop early (a top-N); reading stops at it too, holding one
        // batch at a time, and leaving the loop releases (on a server, cancels) the rest.
        const preview = `select * from (\n${sql.trimEnd()}\n) as dpf_preview limit ${limit}`;
        result = await adapter.withConnection(async (c) => {
          const rows: unknown[][] = [];
          let columns: QueryResult['columns'] = [];
          for await (const batch of c.queryStream(preview, { batchRows: Math.max(1, Math.min(limit, 2048)) })) {
            columns = batch.columns;
            rows.push(...batch.rows.slice(0, limit - rows.length));
            if (rows.length >= limit) break;
          }
          return { columns, rows };
        });
      } catch (err) {
        if (err instanceof DpfError) throw err;
        throw new DpfError([
          diagnostic('QueryFailed', { engine: adapter.engine, detail: (err as Error).message }, { file: flags.inline ? INLINE_FILE : label }),
        ]);
      } finally {
        await adapter.close();
      }
      if (format === 'json') {
        ctx.output.outJson({ event: 'show', node: label, columns: result.columns, rows: result.rows });
        return;
      }
      ctx.output.out(`Previewing ${label} (${result.rows.length} row${result.rows.length === 1 ? '' : 's'}, limit ${limit}):`);
      ctx.output.out(formatTable(result));
    });
}
