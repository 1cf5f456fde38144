/** src/plugins' entry: the plugin API (defineSource and its types) and the loader. */
export { defineSource, RESERVED_EXTRACT_KEYS, type ColumnsContext, type ExtractContext, type PluginColumn, type RowBatch, type SourcePlugin } from './define-plugin.js';
export { BUILTIN_PREFIX, builtinPlugins, findPlugins, loadSourcePlugin, type PluginFile } from './load-plugin.js';
export { limitedFetch, type FetchLimits, type LimitedFetch } from './limited-fetch.js';
export { throttleRows } from './throttle-rows.js';
