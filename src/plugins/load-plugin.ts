/**
 * Finds and loads the project's plugins: the top-level `.ts`, `.mts`, `.js` and `.mjs` files of
 * its plugin folders (default `plugins/`; subfolders hold a plugin's helpers), each named by
 * its file. A plugin is loaded with jiti, which compiles TypeScript on the fly without a native
 * binary and without writing a cache into the project, and is checked by its shape, not its
 * class, so that a plugin importing another copy of dpf is as valid as one importing this one.
 * `import { defineSource } from 'dpf'` resolves to define-plugin.ts even where the project has
 * no dpf in node_modules.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DpfError, diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import { RESERVED_EXTRACT_KEYS, type SourcePlugin } from './define-plugin.js';

const PLUGIN_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];
export const LOGICAL_TYPES = ['boolean', 'integer', 'bigint', 'double', 'date', 'timestamp', 'text'];

/** A plugin file of the project: its name (the file's stem) and its path from the project root. */
export interface PluginFile {
  readonly name: string;
  readonly path: string;
}

/** The plugin files in the project's plugin folders, by name; two files of one name are an error. */
export function findPlugins(projectRoot: string, pluginPaths: readonly string[] = ['plugins']): Map<string, PluginFile> {
  const found = new Map<string, PluginFile>();
  for (const folder of pluginPaths) {
    const dir = join(projectRoot, folder);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const ext = extname(entry.name);
      if (!entry.isFile() || !PLUGIN_EXTENSIONS.includes(ext) || entry.name.endsWith('.d.ts')) continue;
      const name = basename(entry.name, ext);
      const path = relative(projectRoot, join(dir, entry.name));
      const other = found.get(name);
      if (other) throw new DpfError([diagnostic('DuplicateName', { kind: 'plugin', name, other: other.path }, { file: path })]);
      found.set(name, { name, path });
    }
  }
  return found;
}

/**
 * Loads a source plugin: DPF801 when its module cannot be loaded (a syntax error, a missing
 * import, top-level code that throws), DPF802 when it does not export a source plugin.
 */
export async function loadSourcePlugin(projectRoot: string, file: PluginFile): Promise<SourcePlugin> {
  const plugin = await importDefault(projectRoot, file.path, (detail, line) =>
    diagnostic('PluginLoadFailed', { plugin: file.name, detail }, { file: file.path, line }),
  );
  const problem = shapeProblem(plugin);
  if (problem) throw new DpfError([diagnostic('PluginInvalid', { plugin: file.name, problem }, { file: file.path })]);
  return plugin as SourcePlugin;
}

/**
 * A file's default export (or the module), loaded with jiti; a module that does not load is
 * the error `failed` makes of its first line and the line of the file it names.
 */
export async function importDefault(projectRoot: string, path: string, failed: (detail: string, line: number | undefined) => Diagnostic): Promise<unknown> {
  const { createJiti } = await import('jiti');
  const jiti = createJiti(import.meta.url, { fsCache: false, moduleCache: false, interopDefault: true, alias: { dpf: DEFINE_PLUGIN } });
  let mod: unknown;
  try {
    mod = await jiti.import(join(projectRoot, path));
  } catch (err) {
    const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.replace(projectRoot + '/', '');
    throw new DpfError([failed(detail, lineOf(err, path))]);
  }
  return (mod as { default?: unknown } | undefined)?.default ?? mod;
}

/** define-plugin's file beside this one: .ts under vitest, .js in dist/. */
const DEFINE_PLUGIN = join(dirname(fileURLToPath(import.meta.url)), `define-plugin${extname(fileURLToPath(import.meta.url))}`);

/** What is wrong with a would-be source plugin; undefined when it is one. */
function shapeProblem(plugin: unknown): string | undefined {
  if (typeof plugin !== 'object' || plugin === null) return 'it has no default export of defineSource({...})';
  const p = plugin as Partial<Record<keyof SourcePlugin, unknown>>;
  if (p.kind !== 'source') return `its default export is not a source plugin (kind ${JSON.stringify(p.kind)}): export default defineSource({...})`;
  if (typeof p.extract !== 'function') return 'it has no extract(config, ctx) function';
  const config = p.config as { type?: unknown; properties?: unknown } | undefined;
  if (typeof config !== 'object' || config === null || Array.isArray(config) || (config.type !== undefined && config.type !== 'object')) {
    return 'its config is not a JSON Schema of an object ({type: "object", properties: {...}})';
  }
  const reserved = Object.keys((config.properties as object | undefined) ?? {}).filter((k) => RESERVED_EXTRACT_KEYS.includes(k));
  if (reserved.length > 0) return `its config names ${reserved.join(', ')}, which extract: keeps for dpf (${RESERVED_EXTRACT_KEYS.join(', ')})`;
  if (p.columns !== undefined && typeof p.columns !== 'function') {
    if (!Array.isArray(p.columns)) return 'its columns are neither a list nor a function of its config';
    const bad = (p.columns as { name?: unknown; type?: unknown }[]).find((c) => typeof c?.name !== 'string' || !LOGICAL_TYPES.includes(String(c?.type)));
    if (bad) return `its column ${JSON.stringify(bad?.name ?? bad)} needs a name and a type of ${LOGICAL_TYPES.join(', ')}`;
  }
  return undefined;
}

/** The line of the plugin file an error names (a syntax error's position), if any. */
function lineOf(err: unknown, file: string): number | undefined {
  const text = String((err as { stack?: unknown })?.stack ?? err);
  const at = text.match(new RegExp(`${basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)`)) ?? text.match(/\((\d+):\d+\)/);
  return at ? Number(at[1]) : undefined;
}
