/**
 * Step 1b: the plugins the project's YAML names (`extract: {plugin: name}` on source tables,
 * `exports: - plugin: name` on models), loaded before parsing so that each block is checked
 * against its plugin's config schema (check-plugin-config.ts).
 * Only named plugins are loaded: a project without extracts never loads jiti, and a plugin
 * being drafted does not break builds that do not use it.
 */
import { DpfError, diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import { builtinPlugins, findPlugins, loadPlugins, RESERVED_EXTRACT_KEYS, type Plugin, type PluginColumn, type PluginFile, type SourcePlugin } from '../plugins/index.js';
import type { ProjectFiles } from './load-project.js';
import { conditionPluginNames } from './parse-conditions.js';

export interface LoadedPlugin {
  readonly path: string;
  /** The file's plugins: its default export, and a plugin of the other kind if it has one. */
  readonly plugins: readonly Plugin[];
}

/** What parsing knows of the plugins: every name found, and each named one, loaded or its error. */
export interface ProjectPlugins {
  readonly found: readonly string[];
  readonly loaded: ReadonlyMap<string, LoadedPlugin | Diagnostic>;
  /**
   * What a plugin's columns(config) gave for each block's config (or threw), awaited here
   * because parsing is synchronous and a plugin may need to read to answer (columnsOf).
   */
  readonly columns?: ReadonlyMap<string, readonly PluginColumn[] | Error>;
}

export const NO_PLUGINS: ProjectPlugins = { found: [], loaded: new Map() };

export async function loadNamedPlugins(files: Pick<ProjectFiles, 'root' | 'properties'> & Partial<Pick<ProjectFiles, 'config'>>): Promise<ProjectPlugins> {
  const names = new Set<string>();
  const blocks: { plugin: string; config: Record<string, unknown> }[] = [];
  for (const file of files.properties) {
    for (const source of file.data.sources ?? []) {
      for (const table of source.tables ?? []) {
        const plugin = (table.extract as { plugin?: unknown } | undefined)?.plugin;
        if (typeof plugin === 'string') names.add(plugin);
        if (typeof plugin === 'string') blocks.push({ plugin, config: pluginConfig(table.extract as Record<string, unknown>) });
      }
    }
    for (const model of file.data.models ?? []) {
      const exports = (model as { exports?: unknown }).exports;
      for (const entry of Array.isArray(exports) ? exports : []) {
        const plugin = (entry as { plugin?: unknown } | undefined)?.plugin;
        if (typeof plugin === 'string') names.add(plugin);
      }
    }
  }
  for (const name of conditionPluginNames(files)) names.add(name);
  if (names.size === 0) return NO_PLUGINS;
  let found: Map<string, PluginFile>;
  try {
    // A project's plugins/http.ts shadows the built-in http.
    found = new Map([...builtinPlugins(), ...findPlugins(files.root)]);
  } catch (err) {
    if (!(err instanceof DpfError)) throw err;
    return { found: [], loaded: new Map([...names].map((name) => [name, err.first])) };
  }
  const loaded = new Map<string, LoadedPlugin | Diagnostic>();
  for (const name of names) {
    const file = found.get(name);
    if (!file) continue;
    loaded.set(
      name,
      await loadPlugins(files.root, file).then(
        (plugins) => ({ path: file.path, plugins }),
        (err: unknown) => (err instanceof DpfError ? err.first : diagnostic('PluginLoadFailed', { plugin: name, detail: String((err as Error)?.message ?? err) }, { file: file.path })),
      ),
    );
  }
  const columns = new Map<string, readonly PluginColumn[] | Error>();
  for (const { plugin: name, config } of blocks) {
    const entry = loaded.get(name);
    const key = columnsKey(name, config);
    const source = entry && 'plugins' in entry ? entry.plugins.find((p): p is SourcePlugin => p.kind === 'source') : undefined;
    if (!source || typeof source.columns !== 'function' || columns.has(key)) continue;
    try {
      columns.set(key, await source.columns(config, { projectDir: files.root }));
    } catch (err) {
      // Reported by parsing only if the config is valid: a plugin may throw on a config its schema rejects.
      columns.set(key, err instanceof Error ? err : new Error(String(err)));
    }
  }
  return { found: [...found.keys()].sort(), loaded, columns };
}

/** An extract block's keys that are its plugin's (all but dpf's reserved ones). */
export function pluginConfig(block: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(block).filter(([key]) => !RESERVED_EXTRACT_KEYS.includes(key)));
}

const columnsKey = (plugin: string, config: Record<string, unknown>) => `${plugin}\u0000${JSON.stringify(config)}`;

/** The columns a plugin's columns(config) gave when it was loaded; throws what it threw. */
export function columnsOf(plugins: ProjectPlugins | undefined, name: string, plugin: SourcePlugin, config: Record<string, unknown>): readonly PluginColumn[] | undefined {
  const known = plugins?.columns?.get(columnsKey(name, config));
  if (known instanceof Error) throw known;
  if (known) return known;
  // Plugins handed to parseProject without loadNamedPlugins (tests): a synchronous answer only.
  const columns = typeof plugin.columns === 'function' ? plugin.columns(config, { projectDir: '.' }) : plugin.columns;
  if (columns instanceof Promise) throw new Error('columns(config) is async, and the plugins were not loaded with loadNamedPlugins');
  return columns;
}
