/** src/plugins' entry: the plugin API (defineSource, defineSink and their types), the loader, and what limits a plugin's pace. */
export {
  defineSink,
  defineSource,
  RESERVED_EXPORT_KEYS,
  RESERVED_EXTRACT_KEYS,
  type ColumnsContext,
  type ExtractContext,
  type PluginColumn,
  type RowBatch,
  type SinkContext,
  type SinkPlugin,
  type SinkResult,
  type SourcePlugin,
} from './define-plugin.js';
export { BUILTIN_PREFIX, builtinPlugins, findPlugins, kindProblem, loadPlugins, loadSinkPlugin, loadSourcePlugin, pluginOfKind, type Plugin, type PluginFile } from './load-plugin.js';
export { limitedFetch, type FetchLimits, type LimitedFetch } from './limited-fetch.js';
export { throttleRows } from './throttle-rows.js';
