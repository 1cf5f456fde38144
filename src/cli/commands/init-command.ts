/** `dpf init <name>`: a new project, copied from project-template/, that builds at once. */
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { fail } from '../../errors/dpf-error.js';
import { PROJECT_TEMPLATE_DIR } from '../../compiler/package-paths.js';
import type { CommandContext } from '../command-context.js';

const TEMPLATE_NAME = 'shop';

export function registerInitCommand(program: Command, ctx: CommandContext): void {
  program
    .command('init')
    .argument('<name>', 'project name: letters, digits and underscores; also the folder created')
    .description('create a new project from the demo template')
    .addHelpText('after', '\nExample:\n  $ dpf init my_project && cd my_project && dpf build')
    .action((name: string) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        fail('UsageError', { detail: `"${name}" is not a valid project name: use letters, digits and underscores, starting with a letter (e.g. ${name.replace(/[^A-Za-z0-9_]/g, '_')}).` });
      }
      const dir = resolve(ctx.io.cwd, name);
      if (existsSync(dir) && readdirSync(dir).length > 0) fail('InitTargetExists', { dir });
      cpSync(PROJECT_TEMPLATE_DIR, dir, {
        recursive: true,
        filter: (src) => {
          const rel = relative(PROJECT_TEMPLATE_DIR, src);
          return rel !== 'target' && !rel.startsWith('target/') && !/\.duckdb(\.wal)?$/.test(rel);
        },
      });
      // npm drops .gitignore from published packages, so the template ships it as gitignore.
      if (existsSync(join(dir, 'gitignore'))) renameSync(join(dir, 'gitignore'), join(dir, '.gitignore'));
      rename(join(dir, 'dpf_project.yml'), name);
      rename(join(dir, 'profiles.yml'), name);
      ctx.output.out(`Created ${relative(ctx.io.cwd, dir) || dir}. Next:\n  cd ${name}\n  dpf build\n  dpf show --select fct_orders`);
    });
}

/** Replaces the template's project name where it is a YAML key or value (name:, profile:, models: shop:). */
function rename(file: string, name: string): void {
  const text = readFileSync(file, 'utf8')
    .replace(new RegExp(`^(\\s*)${TEMPLATE_NAME}:`, 'gm'), `$1${name}:`)
    .replace(new RegExp(`^(name|profile): ${TEMPLATE_NAME}\\b`, 'gm'), `$1: ${name}`);
  writeFileSync(file, text);
}
