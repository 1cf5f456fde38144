/**
 * `dpf init <name>`: a new project, copied from project-template/, that builds at once, with
 * the team's GitHub files (PR and issue templates, CODEOWNERS) and editor support: every YAML
 * file it writes starts with a yaml-language-server comment naming its JSON Schema.
 */
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
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
      // Likewise github/: a .github folder inside dpf's own repository would be GitHub's business.
      if (existsSync(join(dir, 'github'))) renameSync(join(dir, 'github'), join(dir, '.github'));
      rename(join(dir, 'dpf_project.yml'), name);
      rename(join(dir, 'profiles.yml'), name);
      for (const file of yamlFiles(dir)) addSchemaComment(dir, file);
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

/** The JSON Schema of each YAML file dpf reads, by its place in the project. */
function schemaOf(rel: string): string | undefined {
  if (rel === 'dpf_project.yml') return 'dpf_project';
  if (rel === 'profiles.yml') return 'profiles';
  if (rel === 'classifications.yml') return 'classifications';
  if (rel === 'roles.yml') return 'roles';
  if (rel.startsWith('pipelines/')) return 'pipeline';
  if (rel.startsWith('analyses/')) return 'analysis';
  if (/^(models|seeds|snapshots|tests)\//.test(rel)) return 'properties';
  return undefined; // e.g. the CI workflow: GitHub's own format
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => p.split('\\').join('/'))
    .filter((p) => /\.ya?ml$/.test(p) && !p.startsWith('target/'));
}

/**
 * `# yaml-language-server: $schema=...` on the first line, for editors with the YAML language
 * server (VS Code's YAML extension, Neovim, JetBrains): autocomplete and checks as you type. The
 * path is relative to the file and points into node_modules/dpf/schemas, so it resolves offline
 * once dpf is installed in the project (npm install --save-dev dpf); docs/lint.md#editor-support.
 */
function addSchemaComment(dir: string, rel: string): void {
  const schema = schemaOf(rel);
  if (!schema) return;
  const file = join(dir, rel);
  const target = relative(dirname(file), join(dir, 'node_modules', 'dpf', 'schemas', `${schema}.schema.json`)).split('\\').join('/');
  const text = readFileSync(file, 'utf8');
  if (text.startsWith('# yaml-language-server:')) return;
  writeFileSync(file, `# yaml-language-server: $schema=${target}\n${text}`);
}
