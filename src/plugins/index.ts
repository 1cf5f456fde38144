/** src/plugins' entry: the plugin API (defineSource, defineTransform and their types) and the loaders. */
export { defineSource, RESERVED_EXTRACT_KEYS, type ExtractContext, type PluginColumn, type RowBatch, type SourcePlugin } from './define-plugin.js';
export { defineTransform, type InputRow, type TransformContext, type TransformPlugin, type TransformRef } from './define-plugin.js';
export { findPlugins, loadSourcePlugin, type PluginFile } from './load-plugin.js';
export { importedFiles, inputName, placeOfRef, loadTransform } from './load-transform.js';
export { transformFailed, transformLocation, transformRows, withTransformTimeout, type TransformInputs, type TransformTarget } from './run-transform.js';
