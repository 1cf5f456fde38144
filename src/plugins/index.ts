/** src/plugins' entry: the plugin API (defineSource, defineSink, defineTransform and their types), the loaders, and what limits a plugin's pace. */
export {
  defineCondition,
  defineSink,
  defineSource,
  RESERVED_CONDITION_KEYS,
  RESERVED_EXPORT_KEYS,
  RESERVED_EXTRACT_KEYS,
  type ColumnsContext,
  type ConditionContext,
  type ConditionPlugin,
  type HandlerNode,
  type HandlerRun,
  type NodeErrorContext,
  type NodeErrorDecision,
  type NodeSuccessContext,
  type RunEndContext,
  type CopyToOptions,
  type ExtractContext,
  type PluginColumn,
  type RowBatch,
  type SinkContext,
  type SinkPlugin,
  type SinkResult,
  type SourcePlugin,
} from './define-plugin.js';
export { BUILTIN_PREFIX, builtinPlugins, findPlugins, kindProblem, loadPlugins, loadSinkPlugin, loadSourcePlugin, pluginOfKind, type Plugin, type PluginFile } from './load-plugin.js';
export { HANDLER_EXPORTS, loadHandlers, type HandlerName, type LoadedHandler, type LoadedHandlers } from './load-handlers.js';
export { limitedFetch, type FetchLimits, type LimitedFetch } from './limited-fetch.js';
export { throttleRows } from './throttle-rows.js';
export { nextUntilAborted } from './next-until-aborted.js';
/** src/plugins' entry: the plugin API (defineSource, defineTransform and their types) and the loaders. */
export { defineTransform, type InputRow, type TransformContext, type TransformPlugin, type TransformRef } from './define-plugin.js';
export { importedFiles, inputName, placeOfRef, loadTransform } from './load-transform.js';
export { transformFailed, transformLocation, transformRows, withTransformTimeout, type TransformInputs, type TransformTarget } from './run-transform.js';
