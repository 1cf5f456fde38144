/** `dpf ls`: list the nodes a selection matches, as names, paths or JSON. */
import type { Command } from 'commander';
import { fail } from '../../errors/dpf-error.js';
import { ls } from '../../api/inspect-project.js';
import { ALL_KINDS } from '../../compiler/node-kinds.js';
import { addProjectOptions, addSelectionOptions, projectOptionsOf, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../command-context.js';

interface LsFlags extends CommonFlags {
  output?: string;
  resourceType?: string[];
}

export function registerLsCommand(program: Command, ctx: CommandContext): void {
  const cmd = program.command('ls').alias('list').description('list the models, seeds, snapshots, sources and tests matching a selection, each with its kind');
  addSelectionOptions(addProjectOptions(cmd))
    .option('-o, --output <format>', 'text (each node with its kind), name (names only, for scripts), path or json', 'text')
    .option('--resource-type <type...>', ALL_KINDS.join(', '))
    .addHelpText('after', '\nExample:\n  $ dpf ls --select tag:staging --output path')
    .action(async (flags: LsFlags) => {
      if (!['text', 'name', 'path', 'json'].includes(flags.output ?? 'text')) {
        fail('UsageError', { detail: `--output must be text, name, path or json, got "${flags.output}".` });
      }
      const nodes = await ls({ ...projectOptionsOf(flags, ctx), select: flags.select, exclude: flags.exclude, state: flags.state, resourceTypes: flags.resourceType });
      for (const n of nodes) {
        const name = n.kind === 'source' ? `source:${n.uniqueId.split('.').slice(2).join('.')}` : n.name;
        switch (flags.output ?? 'text') {
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
          case 'name':
            ctx.output.out(name);
            break;
          default:
            // Models, seeds, snapshots, sources and tests in one list: each says what it is.
            ctx.output.out(`${n.kind.padEnd(9)} ${name}`);
        }
      }
    });
}
