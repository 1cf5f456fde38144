/** `dpf ls`: list the nodes a selection matches, as names, paths or JSON. */
import type { Command } from 'commander';
import { fail } from '../../errors/dpf-error.js';
import { ls } from '../../api/inspect-project.js';
import { addProjectOptions, addSelectionOptions, projectOptionsOf, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../command-context.js';

interface LsFlags extends CommonFlags {
  output?: string;
  resourceType?: string[];
}

export function registerLsCommand(program: Command, ctx: CommandContext): void {
  const cmd = program.command('ls').alias('list').description('list models, seeds and sources matching a selection');
  addSelectionOptions(addProjectOptions(cmd))
    .option('-o, --output <format>', 'name, path or json', 'name')
    .option('--resource-type <type...>', 'model, seed, source, test or unit_test')
    .addHelpText('after', '\nExample:\n  $ dpf ls --select tag:staging --output path')
    .action(async (flags: LsFlags) => {
      if (!['name', 'path', 'json'].includes(flags.output ?? 'name')) {
        fail('UsageError', { detail: `--output must be name, path or json, got "${flags.output}".` });
      }
      const nodes = await ls({ ...projectOptionsOf(flags, ctx), select: flags.select, exclude: flags.exclude, state: flags.state, resourceTypes: flags.resourceType });
      for (const n of nodes) {
        switch (flags.output ?? 'name') {
          case 'path':
            ctx.output.out(n.originalFilePath);
            break;
          case 'json':
            ctx.output.outJson({
              unique_id: n.uniqueId,
              name: n.name,
              kind: n.kind,
              resource_type: n.kind,
              original_file_path: n.originalFilePath,
              relation_name: n.relationName,
              materialized: n.materialized,
              test_type: n.testType,
              tags: n.tags,
              depends_on: n.dependsOn,
            });
            break;
          default:
            ctx.output.out(n.kind === 'source' ? `source:${n.uniqueId.split('.').slice(2).join('.')}` : n.name);
        }
      }
    });
}
