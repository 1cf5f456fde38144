/**
 * Finds and loads the project's plugins: the top-level `.ts`, `.mts`, `.js` and `.mjs` files of
 * its plugin folders (default `plugins/`; subfolders hold a plugin's helpers), each named by
 * its file. A plugin is loaded with jiti, which compiles TypeScript on the fly without a native
 * binary and without writing a cache into the project, and is checked by its shape, not its
 * class, so that a plugin importing another copy of dpf is as valid as one importing this one.
 * `import { defineSource } from 'dpf'` resolves to define-plugin.ts even where the project has
 * no dpf in node_modules.
 *
 * Built-in plugins (builtin/, docs/plugins.md) are found by listing that folder beside this
 * file, so the same code finds builtin/*.ts under vitest and dist/plugins/builtin/*.js in the
 * package; they are part of dpf and load with a plain import, not jiti. A project's file of the
 * same name shadows a built-in (load-named-plugins.ts merges them in that order).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DpfError, diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import { RESERVED_CONDITION_KEYS, RESERVED_EXPORT_KEYS, RESERVED_EXTRACT_KEYS, type ConditionPlugin, type SinkPlugin, type SourcePlugin } from './define-plugin.js';

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

/** A plugin of any kind: a source, a sink, a run_if condition. */
export type Plugin = SourcePlugin | SinkPlugin | ConditionPlugin;
/** How the manifest names a built-in plugin's file: `dpf:http`. */
export const BUILTIN_PREFIX = 'dpf:';

/** dpf's built-in plugins, by name (their path is `dpf:<name>`). */
export function builtinPlugins(): Map<string, PluginFile> {
  const found = new Map<string, PluginFile>();
  if (!existsSync(BUILTIN_DIR)) return found;
  for (const entry of readdirSync(BUILTIN_DIR, { withFileTypes: true })) {
    // .ts beside .ts, .js beside .js: never a test, a declaration file or the README.
    if (!entry.isFile() || extname(entry.name) !== extname(SELF) || /\.(test|d)\.[jt]s$/.test(entry.name)) continue;
    const name = basename(entry.name, extname(SELF));
    found.set(name, { name, path: `${BUILTIN_PREFIX}${name}` });
  }
  return found;
}

/**
 * Loads a plugin file's plugins: its default export, and a second plugin of the other kind as
 * the named export `source` or `sink` (a built-in such as `files` reads and writes). DPF801 when
 * the module cannot be loaded (a syntax error, a missing import, top-level code that throws),
 * DPF802 when its default export is not a plugin.
 */
export async function loadPlugins(projectRoot: string, file: PluginFile): Promise<Plugin[]> {
  const mod = await importModule(projectRoot, file.path, (detail, line) => diagnostic('PluginLoadFailed', { plugin: file.name, detail }, { file: file.path, line }));
  const main = mod?.default ?? mod;
  const plugins = [main, mod?.source, mod?.sink].filter((p, i, all) => p !== undefined && all.indexOf(p) === i);
  for (const plugin of plugins) {
    const problem = shapeProblem(plugin);
    if (problem) throw new DpfError([diagnostic('PluginInvalid', { plugin: file.name, problem, ...((plugin as { kind?: unknown })?.kind === 'condition' ? { kind: 'condition' as const } : {}) }, { file: file.path })]);
  }
  return plugins as Plugin[];
}

/**
 * A file's default export (or the module), loaded with jiti; a module that does not load is
 * the error `failed` makes of its first line and the line of the file it names.
 */
export async function importDefault(projectRoot: string, path: string, failed: (detail: string, line: number | undefined) => Diagnostic): Promise<unknown> {
  const mod = await importModule(projectRoot, path, failed);
  return mod?.default ?? mod;
}

/** A file's module: a built-in (`dpf:<name>`) by a plain import, a project's file with jiti. */
export async function importModule(projectRoot: string, path: string, failed: (detail: string, line: number | undefined) => Diagnostic): Promise<Record<string, unknown> | undefined> {
  try {
    if (path.startsWith(BUILTIN_PREFIX)) {
      return (await import(pathToFileURL(join(BUILTIN_DIR, `${path.slice(BUILTIN_PREFIX.length)}${extname(SELF)}`)).href)) as Record<string, unknown>;
    }
    const { createJiti } = await import('jiti');
    const jiti = createJiti(import.meta.url, { fsCache: false, moduleCache: false, interopDefault: false, alias: { dpf: DEFINE_PLUGIN } });
    return (await jiti.import(join(projectRoot, path))) as Record<string, unknown> | undefined;
  } catch (err) {
    const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.replace(projectRoot + '/', '');
    throw new DpfError([failed(detail, lineOf(err, path))]);
  }
}

/** Loads a plugin that must be a source (the extract step's). */
export async function loadSourcePlugin(projectRoot: string, file: PluginFile): Promise<SourcePlugin> {
  return pluginOfKind(await loadPlugins(projectRoot, file), 'source', file);
}

/** Loads a plugin that must be a sink (the export step's). */
export async function loadSinkPlugin(projectRoot: string, file: PluginFile): Promise<SinkPlugin> {
  return pluginOfKind(await loadPlugins(projectRoot, file), 'sink', file);
}

/** The file's plugin of the kind; DPF802 saying what the file has otherwise. */
export function pluginOfKind<K extends Plugin['kind']>(plugins: readonly Plugin[], kind: K, file: PluginFile): Extract<Plugin, { kind: K }> {
  const plugin = plugins.find((p) => p.kind === kind);
  if (plugin) return plugin as Extract<Plugin, { kind: K }>;
  throw new DpfError([diagnostic('PluginInvalid', { plugin: file.name, problem: kindProblem(plugins, kind) }, { file: file.path })]);
}

/** Why a file's plugins do not serve a block of the kind. */
export function kindProblem(plugins: readonly Plugin[], kind: Plugin['kind']): string {
  const uses =
    kind === 'source' ? 'extract: needs a source plugin (defineSource)' : kind === 'sink' ? 'exports: need a sink plugin (defineSink)' : 'run_if: needs a condition plugin (defineCondition)';
  return `it is a ${plugins.map((p) => p.kind).join(' and ')} plugin, and ${uses}`;
}

const SELF = fileURLToPath(import.meta.url);
/** define-plugin's file beside this one: .ts under vitest, .js in dist/. */
const DEFINE_PLUGIN = join(dirname(SELF), `define-plugin${extname(SELF)}`);
const BUILTIN_DIR = join(dirname(SELF), 'builtin');

/** What is wrong with a would-be plugin; undefined when it is one. */
function shapeProblem(plugin: unknown): string | undefined {
  if (typeof plugin !== 'object' || plugin === null) return 'it has no default export of defineSource({...}) or defineSink({...})';
  const p = plugin as Partial<Record<keyof SourcePlugin | keyof SinkPlugin, unknown>>;
  if (p.kind === 'condition') return conditionProblem(plugin as Partial<ConditionPlugin>);
  if (p.kind !== 'source' && p.kind !== 'sink') return `its default export is not a plugin (kind ${JSON.stringify(p.kind)}): export default defineSource({...}) or defineSink({...})`;
  if (p.kind === 'source' && typeof p.extract !== 'function') return 'it has no extract(config, ctx) function';
  if (p.kind === 'sink' && typeof p.write !== 'function') return 'it has no write(rows, config, ctx) function';
  const config = p.config as { type?: unknown; properties?: unknown } | undefined;
  if (typeof config !== 'object' || config === null || Array.isArray(config) || (config.type !== undefined && config.type !== 'object')) {
    return 'its config is not a JSON Schema of an object ({type: "object", properties: {...}})';
  }
  const keys = p.kind === 'source' ? RESERVED_EXTRACT_KEYS : RESERVED_EXPORT_KEYS;
  const reserved = Object.keys((config.properties as object | undefined) ?? {}).filter((k) => keys.includes(k));
  if (reserved.length > 0) return `its config names ${reserved.join(', ')}, which ${p.kind === 'source' ? 'extract:' : 'exports:'} keeps for dpf (${keys.join(', ')})`;
  if (p.columns !== undefined && typeof p.columns !== 'function') {
    if (!Array.isArray(p.columns)) return 'its columns are neither a list nor a function of its config';
    const bad = (p.columns as { name?: unknown; type?: unknown }[]).find((c) => typeof c?.name !== 'string' || !LOGICAL_TYPES.includes(String(c?.type)));
    if (bad) return `its column ${JSON.stringify(bad?.name ?? bad)} needs a name and a type of ${LOGICAL_TYPES.join(', ')}`;
  }
  return undefined;
}

/** What is wrong with a would-be condition (defineCondition); undefined when it is one. */
function conditionProblem(p: Partial<ConditionPlugin>): string | undefined {
  if (typeof p.check !== 'function') return 'it has no check(config, ctx) function';
  const config = p.config as { type?: unknown; properties?: unknown } | undefined;
  if (typeof config !== 'object' || config === null || Array.isArray(config) || (config.type !== undefined && config.type !== 'object')) {
    return 'its config is not a JSON Schema of an object ({type: "object", properties: {...}})';
  }
  const reserved = Object.keys((config.properties as object | undefined) ?? {}).filter((k) => RESERVED_CONDITION_KEYS.includes(k));
  return reserved.length > 0 ? `its config names ${reserved.join(', ')}, which run_if: keeps for dpf` : undefined;
}

/** The line of the plugin file an error names (a syntax error's position), if any. */
function lineOf(err: unknown, file: string): number | undefined {
  const text = String((err as { stack?: unknown })?.stack ?? err);
  const at = text.match(new RegExp(`${basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)`)) ?? text.match(/\((\d+):\d+\)/);
  return at ? Number(at[1]) : undefined;
}
