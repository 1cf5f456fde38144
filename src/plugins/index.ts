/** src/plugins' entry: the plugin API (defineSource, defineSink and their types) and the loader. */
export {
  defineSink,
  defineSource,
  RESERVED_EXPORT_KEYS,
  RESERVED_EXTRACT_KEYS,
  type ExtractContext,
  type PluginColumn,
  type RowBatch,
  type SinkContext,
  type SinkPlugin,
  type SinkResult,
  type SourcePlugin,
} from './define-plugin.js';
export { findPlugins, loadPlugin, loadSinkPlugin, loadSourcePlugin, ofKind, type Plugin, type PluginFile } from './load-plugin.js';
