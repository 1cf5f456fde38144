/**
 * A YAML block that names a plugin (`extract:` of a source table, an entry of a model's
 * `exports:`), checked against the plugin: the plugin exists, loads and is of the kind the
 * block needs, and the block's own keys are valid against the plugin's config schema (keys the
 * schema does not list are errors: DPF102, wrong values DPF103, each at its line).
 */
import type { ErrorObject } from 'ajv';
import { diagnostic, type Diagnostic, type SourceLocation } from '../errors/dpf-error.js';
import { kindProblem, type Plugin } from '../plugins/index.js';
import { closestMatch } from './closest-match.js';
import type { LoadedPlugin, ProjectPlugins } from './load-named-plugins.js';
import { compileSchema } from './schema-validators.js';

export interface PluginBlock<K extends Plugin['kind']> {
  readonly name: string;
  readonly path: string;
  readonly plugin: Extract<Plugin, { kind: K }>;
  /** The block's keys that are the plugin's (all but dpf's reserved ones). */
  readonly config: Record<string, unknown>;
}

export function checkPluginBlock<K extends Plugin['kind']>(
  raw: Record<string, unknown>,
  kind: K,
  reserved: readonly string[],
  where: string,
  plugins: ProjectPlugins | undefined,
  locate: (path: (string | number)[]) => SourceLocation,
  report: (d: Diagnostic) => void,
): PluginBlock<K> | undefined {
  const name = String(raw.plugin);
  const entry = plugins?.loaded.get(name);
  if (!entry) {
    report(diagnostic('PluginNotFound', { plugin: name, suggestion: closestMatch(name, plugins?.found ?? []), found: [...(plugins?.found ?? [])] }, locate(['plugin'])));
    return undefined;
  }
  if (!('plugins' in entry)) {
    report(entry);
    return undefined;
  }
  const { plugins: all, path } = entry as LoadedPlugin;
  const plugin = all.find((p) => p.kind === kind);
  if (!plugin) {
    report(diagnostic('PluginInvalid', { plugin: name, problem: kindProblem(all, kind), ...(kind === 'condition' ? { kind: 'condition' as const } : {}) }, locate(['plugin'])));
    return undefined;
  }
  const config = Object.fromEntries(Object.entries(raw).filter(([key]) => !reserved.includes(key)));
  const schema = plugin.config as { additionalProperties?: unknown; properties?: object };
  let validate: ReturnType<typeof compileSchema>;
  try {
    validate = compileSchema({ ...schema, additionalProperties: schema.additionalProperties ?? false });
  } catch (err) {
    report(diagnostic('PluginInvalid', { plugin: name, problem: `its config is not a valid JSON Schema (${(err as Error).message})` }, { file: path }));
    return undefined;
  }
  if (!validate(config)) {
    const allowed = Object.keys(schema.properties ?? {});
    // A combinator's own error (oneOf, anyOf, not) sums up the errors of its branches: those are left out.
    const errors = ((validate.errors ?? []) as ErrorObject[]).filter((e) => !/\/(oneOf|anyOf|not)\//.test(e.schemaPath));
    for (const e of errors) report(configDiagnostic(e, where, [...allowed, ...reserved], locate));
    return undefined;
  }
  return { name, path, plugin: plugin as Extract<Plugin, { kind: K }>, config };
}

/** An error of the plugin's config schema, at the key or value in the YAML. */
function configDiagnostic(e: ErrorObject, block: string, keys: string[], locate: (path: (string | number)[]) => SourceLocation): Diagnostic {
  const path = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const where = `${block}${path.length > 0 ? ` (${path.join('.')})` : ''}`;
  if (e.keyword === 'additionalProperties') {
    const key = String((e.params as { additionalProperty: string }).additionalProperty);
    const known = path.length === 0 ? keys : Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
    return diagnostic('UnknownKey', { key, where, suggestion: closestMatch(key, known), allowed: known }, locate([...path, key]));
  }
  if (e.keyword === 'required') {
    const key = String((e.params as { missingProperty: string }).missingProperty);
    return diagnostic('InvalidValue', { where, detail: `needs ${key}` }, locate(path));
  }
  // A pattern or a combinator says little to a reader ('must match pattern "^(?!…)"'): the
  // description of the schema that failed, when it has one, says what is wanted.
  const described = (e.parentSchema as { description?: unknown } | undefined)?.description;
  const detail =
    e.keyword === 'enum'
      ? `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`
      : ['pattern', 'oneOf', 'anyOf', 'not'].includes(e.keyword) && typeof described === 'string'
        ? `must be ${described}`
        : (e.message ?? 'is invalid');
  return diagnostic('InvalidValue', { where, detail }, locate(path));
}
