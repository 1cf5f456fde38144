/** `dpf compile`: render every model, write target/manifest.json and target/compiled/. */
import { isSqlNode } from '../../compiler/node-kinds.js';
import { relative } from 'node:path';
import type { Command } from 'commander';
import { compile } from '../../api/inspect-project.js';
import { addProjectOptions, addSelectionOptions, logFormatOf, projectOptionsOf, projectDirOf, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../command-context.js';
import { printWarnings, summarizeProject } from '../project-summary.js';

export function registerCompileCommand(program: Command, ctx: CommandContext): void {
  const cmd = program.command('compile').description('render every model to SQL and write target/manifest.json (with --select: print the SQL)');
  addSelectionOptions(addProjectOptions(cmd))
    .addHelpText('after', '\nExample:\n  $ dpf compile --select fct_orders')
    .action(async (flags: CommonFlags) => {
      const format = logFormatOf(flags);
      const projectDir = projectDirOf(flags, ctx.io.cwd);
      const outcome = await compile({
        ...projectOptionsOf(flags, ctx),
        select: flags.select,
        exclude: flags.exclude,
        state: flags.state,
        onEvent: (event) => {
          if (event.type === 'warning') printWarnings(ctx, [event.diagnostic], projectDir, format);
        },
      });
      ctx.output.addSecrets(outcome.compiled.target.secrets);
      const targetDir = relative(ctx.io.cwd, outcome.compiled.targetPath) || '.';
      if (outcome.selected) {
        for (const id of outcome.selected) {
          const node = outcome.manifest.nodes[id];
          if (!isSqlNode(node)) continue;
          if (format === 'json') ctx.output.outJson({ event: 'compiled', unique_id: id, compiled_code: node.compiledCode });
          else ctx.output.out(`-- ${node.name} (${node.originalFilePath})\n${node.compiledCode}`);
        }
        return;
      }
      const seconds = outcome.seconds.toFixed(2);
      if (format === 'json') {
        ctx.output.outJson({ event: 'compiled', nodes: Object.keys(outcome.manifest.nodes).length, seconds: Number(seconds) });
      } else {
        ctx.output.out(summarizeProject(outcome.compiled));
        const reused = outcome.reused ? ' (nothing changed since the last compile: reused it)' : '';
        ctx.output.out(`Compiled in ${seconds}s${reused}; wrote ${targetDir}/manifest.json and ${targetDir}/compiled/`);
        if (ctx.io.env.DPF_TIMING) {
          ctx.output.out(Object.entries(outcome.timings).map(([stage, s]) => `${stage} ${s.toFixed(2)}s`).join(', '));
        }
      }
    });
}
