/** `dpf debug`: show which project, profile and target would be used, and test the connection. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { adapterFactory } from '../../adapters/index.js';
import { DpfError } from '../../errors/dpf-error.js';
import { resolveTarget } from '../../compiler/compile-pipeline.js';
import { findProfilesFile } from '../../compiler/load-profile.js';
import { loadProject } from '../../compiler/load-project.js';
import { DPF_VERSION } from '../../compiler/package-paths.js';
import { addProjectOptions, compileOptions, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../command-context.js';
import { formatDiagnostic } from '../format-diagnostic.js';

export function registerDebugCommand(program: Command, ctx: CommandContext): void {
  const cmd = program.command('debug').description('check the project, the profile and the connection');
  addProjectOptions(cmd)
    .addHelpText('after', '\nExample:\n  $ dpf debug --target dev')
    .action(async (flags: CommonFlags) => {
      const options = compileOptions(flags, ctx.io.cwd, ctx.io.env);
      const out = (label: string, value: string) => ctx.output.out(`  ${label.padEnd(16)} ${value}`);
      ctx.output.out(`dpf ${DPF_VERSION} (node ${process.version})`);
      let ok = true;
      const check = <T>(label: string, fn: () => T): T | undefined => {
        try {
          const value = fn();
          out(label, 'OK');
          return value;
        } catch (err) {
          if (!(err instanceof DpfError)) throw err;
          ok = false;
          out(label, 'ERROR');
          for (const d of err.diagnostics) ctx.output.out(formatDiagnostic(d, options.projectDir));
          return undefined;
        }
      };
      out('project dir', options.projectDir);
      const project = check('dpf_project.yml', () => loadProject(options.projectDir));
      const profilesFile = check('profiles.yml', () => findProfilesFile({ ...options }));
      if (profilesFile) out('profiles file', profilesFile);
      const target = project && profilesFile ? check('profile/target', () => resolveTarget(options)) : undefined;
      if (target) {
        ctx.output.addSecrets(target.secrets);
        out('profile', target.profileName);
        out('target', `${target.targetName} (${target.type})`);
        out('schema', target.schema);
        out('threads', String(target.threads));
        const adapter = adapterFactory(target.type).create(target, options.projectDir);
        for (const [k, v] of Object.entries(adapter.describe())) if (k !== 'type' && k !== 'schema') out(k, v);
        try {
          await adapter.open();
          await adapter.withConnection((c) => c.query('select 1'));
          out('connection', 'OK');
        } catch (err) {
          ok = false;
          out('connection', 'ERROR');
          if (err instanceof DpfError) for (const d of err.diagnostics) ctx.output.out(formatDiagnostic(d, options.projectDir));
          else ctx.output.out(`  ${(err as Error).message}`);
        } finally {
          await adapter.close();
        }
      }
      ctx.output.out(ok ? '\nAll checks passed.' : `\nSome checks failed; see above. Project files: ${join(options.projectDir, 'dpf_project.yml')}`);
      if (!ok) ctx.setExitCode(1);
    });
}
