/**
 * `dpf clean`: delete generated artifacts (clean-targets, default target/). Database files
 * (*.duckdb) in them are kept: the default warehouse lives in target/, and losing it to a
 * cleanup would surprise anyone. `--all` removes them too.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadProjectConfig } from '../../compiler/load-project.js';
import type { CommandContext } from '../command-context.js';

const DATABASE_FILE = /\.duckdb(\.wal)?$/;

export function registerCleanCommand(program: Command, ctx: CommandContext): void {
  program
    .command('clean')
    .description('delete generated artifacts (target/ by default), keeping database files')
    .option('--project-dir <dir>', 'folder holding dpf_project.yml', '.')
    .option('--all', 'also delete database files (*.duckdb) in the clean targets')
    .addHelpText('after', '\nExample:\n  $ dpf clean')
    .action((flags: { projectDir?: string; all?: boolean }) => {
      const root = resolve(ctx.io.cwd, flags.projectDir ?? '.');
      const config = loadProjectConfig(root).data;
      const targets = config['clean-targets'] ?? [config['target-path'] ?? 'target'];
      for (const t of targets) {
        const dir = resolve(root, t);
        if (!dir.startsWith(root + '/') || !existsSync(dir)) continue;
        let kept = 0;
        for (const entry of readdirSync(dir)) {
          if (!flags.all && DATABASE_FILE.test(entry)) {
            kept++;
            continue;
          }
          rmSync(join(dir, entry), { recursive: true, force: true });
        }
        if (kept === 0) rmSync(dir, { recursive: true, force: true });
        ctx.output.out(`Cleaned ${relative(ctx.io.cwd, dir) || dir}${kept ? ` (kept ${kept} database file${kept === 1 ? '' : 's'}; --all removes them)` : ''}`);
      }
    });
}
