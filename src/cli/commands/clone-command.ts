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
import { EXECUTABLE_KINDS, isEphemeral, isExecutable, nodesOfKind } from '../../compiler/node-kinds.js';
import { cloneRelations, type CloneResult } from '../../runner/clone-relations.js';
import { addProjectOptions, addSelectionOptions, compileOptions, selectionInput, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../command-context.js';
import { recordAudit } from '../../history/index.js';
import type { Connection } from '../../adapters/adapter.js';
import type { ExecutableNode } from '../../compiler/manifest.js';
import { withGovernance } from '../../governance/classification/classify-project.js';
import { maskingRun } from '../../governance/masking/masking-run.js';
import { auditOptions, selectorOf } from '../audit-options.js';

export function registerCloneCommand(program: Command, ctx: CommandContext): void {
  const cmd = program.command('clone').description("make cheap copies (views) of another environment's relations in this target");
  addSelectionOptions(addProjectOptions(cmd))
    .option('--full-refresh', 'replace relations that already exist in this target')
    .addHelpText('after', '\nExample:\n  $ dpf clone --state prod-artifacts --target dev --select +fct_orders')
    .action(async (flags: CommonFlags & { fullRefresh?: boolean }) => {
      if (!flags.state) fail('UsageError', { detail: 'dpf clone needs --state <folder> with the manifest.json of the environment to copy.' });
      const state = readState(resolve(ctx.io.cwd, flags.state), 'dpf clone');
      const options = compileOptions(flags, ctx.io.cwd, ctx.io.env);
      // A masking target (docs/governance.md#masked-copies) copies classified columns masked.
      const compiled = withGovernance(await compileFromDisk(options), options.projectDir, options.writeArtifacts !== false);
      const masking = maskingRun(compiled, options.projectDir);
      ctx.output.addSecrets(compiled.target.secrets);
      const selected = selectNodes(compiled.manifest, compiled.graph, selectionInput(flags, compiled.targetPath, ctx.io.cwd));
      const nodes = nodesOfKind(compiled.manifest, ...EXECUTABLE_KINDS).filter(
        (n) => selected.has(n.uniqueId) && isExecutable(state.manifest.nodes[n.uniqueId]) && !isEphemeral(n),
      );
      const adapter = adapterFactory(compiled.target.type).create(compiled.target, options.projectDir);
      await adapter.open();
      let result: CloneResult;
      const startedAt = new Date();
      try {
        const select = masking && ((c: Connection, node: ExecutableNode, from: string) => masking.cloneSelect(c, adapter.dialect, node.uniqueId, from));
        result = await cloneRelations(adapter, nodes, state.manifest, flags.fullRefresh === true, compiled.target.database, select || undefined);
        // The audit trail (docs/governance.md): with --full-refresh a clone may replace a relation.
        const ids = new Map(nodes.map((n) => [n.relationName, n.uniqueId]));
        const changes = result.cloned.map((c) => ({ relation: c.relation, uniqueId: ids.get(c.relation), action: flags.fullRefresh ? ('replaced' as const) : ('created' as const), materialized: 'view' }));
        if (changes.length > 0) await recordAudit(adapter, auditOptions(ctx, compiled, options.projectDir, 'clone', selectorOf(flags), startedAt, changes));
      } finally {
        await adapter.close();
      }
      for (const c of result.cloned) ctx.output.out(`cloned ${c.relation} -> ${c.from}`);
      const { kept } = result;
      const cloned = result.cloned.length;
      ctx.output.out(`\nCloned ${cloned} relation${cloned === 1 ? '' : 's'} as views over ${flags.state}${kept ? `; kept ${kept} that already exist here (--full-refresh replaces them)` : ''}.`);
    });
}
