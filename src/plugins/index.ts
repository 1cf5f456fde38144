/** src/plugins' entry: the plugin API (defineSource and its types) and the loader. */
export { defineSource, RESERVED_EXTRACT_KEYS, type ExtractContext, type PluginColumn, type RowBatch, type SourcePlugin } from './define-plugin.js';
export { findPlugins, loadSourcePlugin, type PluginFile } from './load-plugin.js';
