/** `dpf ls`: list the nodes a selection matches, as names, paths or JSON. */
import type { Command } from 'commander';
import { fail } from '../../errors/dpf-error.js';
import { compileFromDisk } from '../../compiler/compile-pipeline.js';
import { allNodes } from '../../compiler/manifest.js';
import { selectNodes } from '../../compiler/select-nodes.js';
import { addProjectOptions, addSelectionOptions, compileOptions, selectionInput, type CommonFlags } from '../common-options.js';
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
      const options = compileOptions(flags, ctx.io.cwd, ctx.io.env);
      const compiled = await compileFromDisk({ ...options, writeArtifacts: false });
      const ids = selectNodes(compiled.manifest, compiled.graph, selectionInput(flags, compiled.targetPath, ctx.io.cwd));
      const types = flags.resourceType;
      const nodes = allNodes(compiled.manifest)
        .filter((n) => ids.has(n.uniqueId) && (!types || types.includes(n.uniqueId.split('.')[0]!)))
        .sort((a, b) => a.uniqueId.localeCompare(b.uniqueId));
      for (const n of nodes) {
        switch (flags.output ?? 'name') {
          case 'path':
            ctx.output.out(n.originalFilePath);
            break;
          case 'json':
            ctx.output.out(
              JSON.stringify({
                unique_id: n.uniqueId,
                name: n.name,
                resource_type: n.uniqueId.split('.')[0],
                original_file_path: n.originalFilePath,
                relation_name: 'relationName' in n ? n.relationName : undefined,
                materialized: n.kind === 'model' || n.kind === 'seed' ? n.config.materialized : undefined,
                test_type: n.kind === 'test' ? n.testType : n.kind === 'unit_test' ? 'unit' : undefined,
                tags: n.tags,
                depends_on: n.dependsOn,
              }),
            );
            break;
          default:
            ctx.output.out(n.kind === 'source' ? `source:${n.sourceName}.${n.tableName}` : n.name);
        }
      }
    });
}
