/**
 * Step 1b: the plugins the project's YAML names (`extract: {plugin: name}`), loaded before
 * parsing so that parse-sources.ts can check each block against its plugin's config schema.
 * Only named plugins are loaded: a project without extracts never loads jiti, and a plugin
 * being drafted does not break builds that do not use it.
 */
import { DpfError, diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import { builtinPlugins, findPlugins, loadSourcePlugin, type PluginFile, type SourcePlugin } from '../plugins/index.js';
import type { ProjectFiles } from './load-project.js';

export interface LoadedPlugin {
  readonly path: string;
  readonly plugin: SourcePlugin;
}

/** What parsing knows of the plugins: every name found, and each named one, loaded or its error. */
export interface ProjectPlugins {
  readonly found: readonly string[];
  readonly loaded: ReadonlyMap<string, LoadedPlugin | Diagnostic>;
}

export const NO_PLUGINS: ProjectPlugins = { found: [], loaded: new Map() };

export async function loadNamedPlugins(files: Pick<ProjectFiles, 'root' | 'properties'>): Promise<ProjectPlugins> {
  const names = new Set<string>();
  for (const file of files.properties) {
    for (const source of file.data.sources ?? []) {
      for (const table of source.tables ?? []) {
        const plugin = (table.extract as { plugin?: unknown } | undefined)?.plugin;
        if (typeof plugin === 'string') names.add(plugin);
      }
    }
  }
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
      await loadSourcePlugin(files.root, file).then(
        (plugin) => ({ path: file.path, plugin }),
        (err: unknown) => (err instanceof DpfError ? err.first : diagnostic('PluginLoadFailed', { plugin: name, detail: String((err as Error)?.message ?? err) }, { file: file.path })),
      ),
    );
  }
  return { found: [...found.keys()].sort(), loaded };
}
