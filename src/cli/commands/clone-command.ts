/**
 * `dpf clone --state <prod artifacts>`: cheap copies of another environment's relations in
 * this target — a view over each selected model, seed or snapshot that the state has — so
 * development starts from production-shaped data without building it. Relations that already
 * exist here are left alone (--full-refresh replaces them). Views are the copy every engine
 * can make; both environments must share one warehouse.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { adapterFactory } from '../../adapters/index.js';
import { fail } from '../../errors/dpf-error.js';
import { compileFromDisk } from '../../compiler/compile-pipeline.js';
import { readState } from '../../compiler/read-state.js';
import { selectNodes } from '../../compiler/select-nodes.js';
import { SqlTemplates } from '../../runner/sql-templates.js';
import { addProjectOptions, addSelectionOptions, compileOptions, selectionInput, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../command-context.js';

export function registerCloneCommand(program: Command, ctx: CommandContext): void {
  const cmd = program.command('clone').description("make cheap copies (views) of another environment's relations in this target");
  addSelectionOptions(addProjectOptions(cmd))
    .option('--full-refresh', 'replace relations that already exist in this target')
    .addHelpText('after', '\nExample:\n  $ dpf clone --state prod-artifacts --target dev --select +fct_orders')
    .action(async (flags: CommonFlags & { fullRefresh?: boolean }) => {
      if (!flags.state) fail('UsageError', { detail: 'dpf clone needs --state <folder> with the manifest.json of the environment to copy.' });
      const state = readState(resolve(ctx.io.cwd, flags.state), 'dpf clone');
      const options = compileOptions(flags, ctx.io.cwd, ctx.io.env);
      const compiled = await compileFromDisk(options);
      ctx.output.addSecrets(compiled.target.secrets);
      const selected = selectNodes(compiled.manifest, compiled.graph, selectionInput(flags, compiled.targetPath, ctx.io.cwd));
      const nodes = Object.values(compiled.manifest.nodes).filter(
        (n) => selected.has(n.uniqueId) && state.manifest.nodes[n.uniqueId] && !(n.kind === 'model' && n.config.materialized === 'ephemeral'),
      );
      const adapter = adapterFactory(compiled.target.type).create(compiled.target, options.projectDir);
      await adapter.open();
      const templates = new SqlTemplates(adapter.name);
      let cloned = 0;
      let kept = 0;
      try {
        await adapter.withConnection(async (c) => {
          const existing = new Map<string, string>();
          for (const schema of new Set(nodes.map((n) => n.relation.schema))) {
            await c.createSchema(schema, compiled.target.database);
            for (const r of await c.listRelations(schema, compiled.target.database)) existing.set(`${schema}.${r.identifier}`.toLowerCase(), r.type);
          }
          for (const node of nodes) {
            const from = state.manifest.nodes[node.uniqueId]!.relationName;
            if (from === node.relationName) continue; // the same relation: nothing to copy
            const type = existing.get(`${node.relation.schema}.${node.relation.identifier}`.toLowerCase());
            if (type && !flags.fullRefresh) {
              kept++;
              continue;
            }
            if (type === 'table') await c.dropRelation(node.relation, 'table');
            await c.execute(templates.render('create_view', { relation: node.relationName, sql: `select * from ${from}` }));
            cloned++;
            ctx.output.out(`cloned ${node.relationName} -> ${from}`);
          }
        });
      } finally {
        await adapter.close();
      }
      ctx.output.out(`\nCloned ${cloned} relation${cloned === 1 ? '' : 's'} as views over ${flags.state}${kept ? `; kept ${kept} that already exist here (--full-refresh replaces them)` : ''}.`);
    });
}
