/** `dpf compile`: render every model, write target/manifest.json and target/compiled/. */
import { relative } from 'node:path';
import type { Command } from 'commander';
import { compileFromDisk } from '../../compiler/compile-pipeline.js';
import { selectNodes } from '../../compiler/select-nodes.js';
import { addProjectOptions, addSelectionOptions, compileOptions, logFormatOf, selectionInput, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../command-context.js';
import { printWarnings, summarizeProject } from '../project-summary.js';

export function registerCompileCommand(program: Command, ctx: CommandContext): void {
  const cmd = program.command('compile').description('render every model to SQL and write target/manifest.json (with --select: print the SQL)');
  addSelectionOptions(addProjectOptions(cmd))
    .addHelpText('after', '\nExample:\n  $ dpf compile --select fct_orders')
    .action(async (flags: CommonFlags) => {
      const format = logFormatOf(flags);
      const options = compileOptions(flags, ctx.io.cwd, ctx.io.env);
      const t0 = Date.now();
      const compiled = await compileFromDisk(options);
      ctx.output.addSecrets(compiled.target.secrets);
      printWarnings(ctx, compiled.warnings, options.projectDir, format);
      const seconds = ((Date.now() - t0) / 1000).toFixed(2);
      const targetDir = relative(ctx.io.cwd, compiled.targetPath) || '.';
      if (flags.select?.length) {
        const ids = selectNodes(compiled.manifest, compiled.graph, selectionInput(flags, compiled.targetPath, ctx.io.cwd));
        for (const id of ids) {
          const node = compiled.manifest.nodes[id];
          if (node?.kind !== 'model') continue;
          if (format === 'json') ctx.output.outJson({ event: 'compiled', unique_id: id, compiled_code: node.compiledCode });
          else ctx.output.out(`-- ${node.name} (${node.originalFilePath})\n${node.compiledCode}`);
        }
        return;
      }
      if (format === 'json') {
        ctx.output.outJson({ event: 'compiled', nodes: Object.keys(compiled.manifest.nodes).length, seconds: Number(seconds) });
      } else {
        ctx.output.out(summarizeProject(compiled));
        const reused = compiled.parsed ? '' : ' (nothing changed since the last compile: reused it)';
        ctx.output.out(`Compiled in ${seconds}s${reused}; wrote ${targetDir}/manifest.json and ${targetDir}/compiled/`);
        if (ctx.io.env.DPF_TIMING) {
          ctx.output.out(Object.entries(compiled.timings).map(([stage, s]) => `${stage} ${s.toFixed(2)}s`).join(', '));
        }
      }
    });
}
