/**
 * Sources: tables that exist before the build (landed by an extract-load tool), files read
 * in place (`external_location`), or tables a plugin lands (`extract:`, checked here against
 * the plugin's config schema: load-named-plugins.ts). dpf creates only the last. Freshness settings are inherited
 * from the source by its tables; `freshness: null` on a table opts it out.
 */
import { isAbsolute, resolve } from 'node:path';
import type { ErrorObject } from 'ajv';
import { diagnostic, type Diagnostic, type DiagnosticBag, type SourceLocation } from '../errors/dpf-error.js';
import { RESERVED_EXTRACT_KEYS } from '../plugins/index.js';
import { closestMatch } from './closest-match.js';
import type { LoadedPlugin, ProjectPlugins } from './load-named-plugins.js';
import { compileSchema } from './schema-validators.js';
import type { Dialect } from '../adapters/adapter.js';
import type { ProjectFiles } from './load-project.js';
import type { ColumnInfo, FreshnessRule, SourceExtract, SourceFreshness, SourceNode } from './manifest.js';
import { toTags } from './resolve-config.js';
import { extractPolicyOf } from './resolve-run-policy.js';
import type { YamlFile } from './read-yaml-file.js';
import type { Describe } from './resolve-docs.js';

const FORMATS: [RegExp, 'csv' | 'parquet' | 'json'][] = [
  [/\.(csv|tsv)(\.gz)?$/i, 'csv'],
  [/\.parquet$/i, 'parquet'],
  [/\.(json|jsonl|ndjson)(\.gz)?$/i, 'json'],
];

type Raw = Record<string, unknown>;

export function parseSources(
  files: ProjectFiles,
  ctx: { projectName: string; dialect: Dialect; targetDatabase?: string; describe: Describe; plugins?: ProjectPlugins },
  columnsOf: (raw: unknown, file: YamlFile, path: (string | number)[]) => Record<string, ColumnInfo>,
  bag: DiagnosticBag,
): Record<string, SourceNode> {
  const sources: Record<string, SourceNode> = {};
  const reported = new Set<string>();
  for (const file of files.properties) {
    (file.data.sources ?? []).forEach((source, si) => {
      const sourceDescription = ctx.describe(source.description, { file, path: ['sources', si, 'description'] });
      source.tables.forEach((table, ti) => {
        const uniqueId = `source.${ctx.projectName}.${source.name}.${table.name}`;
        const at = file.locate(['sources', si, 'tables', ti, 'name']);
        if (sources[uniqueId]) {
          bag.add(diagnostic('DuplicateName', { kind: 'source table', name: `${source.name}.${table.name}`, other: `in ${sources[uniqueId]!.patchPath}` }, at));
          return;
        }
        const relation = {
          database: (source.database as string | undefined) ?? ctx.targetDatabase,
          schema: (source.schema as string | undefined) ?? source.name,
          identifier: (table.identifier as string | undefined) ?? table.name,
        };
        let relationName = ctx.dialect.renderRelation(relation);
        let externalLocation: string | undefined;
        if (typeof table.external_location === 'string') {
          externalLocation = isAbsolute(table.external_location) ? table.external_location : resolve(files.root, table.external_location);
          const format = (table.format as 'csv' | 'parquet' | 'json' | undefined) ?? FORMATS.find(([re]) => re.test(externalLocation!))?.[1];
          const where = file.locate(['sources', si, 'tables', ti, 'external_location']);
          if (!format) {
            bag.add(diagnostic('InvalidConfig', { key: 'external_location', detail: `has no .csv, .parquet or .json extension; add format: csv|parquet|json` }, where));
            return;
          }
          if (!ctx.dialect.renderExternal) {
            bag.add(diagnostic('InvalidConfig', { key: 'external_location', detail: 'is not supported by this adapter; load the files into a table first' }, where));
            return;
          }
          try {
            relationName = ctx.dialect.renderExternal(externalLocation, format);
          } catch (err) {
            bag.add(diagnostic('InvalidConfig', { key: 'external_location', detail: (err as Error).message }, where));
            return;
          }
        }
        let extract: SourceExtract | undefined;
        if (table.extract !== undefined) {
          const path = ['sources', si, 'tables', ti, 'extract'];
          if (externalLocation) {
            bag.add(diagnostic('InvalidConfig', { key: 'extract', detail: 'cannot go with external_location: a source table is either files read in place or a table a plugin lands' }, file.locate(path)));
            return;
          }
          extract = extractOf(table.extract as Raw, `${source.name}.${table.name}`, ctx.plugins, (p) => file.locate([...path, ...p]), (d) => {
            // A plugin that does not load is one error, however many tables use it.
            if (!reported.has(`${d.code}:${d.message}`)) bag.add(d);
            reported.add(`${d.code}:${d.message}`);
          });
          if (!extract) return;
        }
        const freshness = freshnessOf(source, table);
        const dataVersion = (table.data_version ?? source.data_version) as SourceNode['dataVersion'] | 'auto' | undefined;
        const loadedAtField = (table.loaded_at_field ?? source.loaded_at_field) as string | undefined;
        if (dataVersion === 'append_only' && !loadedAtField) {
          bag.add(diagnostic('InvalidConfig', { key: 'data_version', detail: 'append_only needs loaded_at_field: the column holding when each row was loaded' }, file.locate(['sources', si, 'tables', ti, 'name'])));
          return;
        }
        if (freshness && !freshness.loadedAtField && !freshness.loadedAtQuery) {
          bag.add(diagnostic('FreshnessWithoutField', { source: `${source.name}.${table.name}` }, at));
          return;
        }
        sources[uniqueId] = {
          kind: 'source',
          uniqueId,
          name: table.name,
          packageName: ctx.projectName,
          originalFilePath: file.path,
          fqn: [ctx.projectName, source.name, table.name],
          description: ctx.describe(table.description, { file, path: ['sources', si, 'tables', ti, 'description'] }),
          sourceDescription,
          columns: columnsOf(table.columns, file, ['sources', si, 'tables', ti, 'columns']),
          meta: { ...((source.meta as object) ?? {}), ...((table.meta as object) ?? {}) },
          tags: [...new Set([...toTags(source.tags), ...toTags(table.tags)])],
          patchPath: file.path,
          relation,
          relationName,
          externalLocation,
          sourceName: source.name,
          tableName: table.name,
          freshness,
          ...(dataVersion === 'append_only' || dataVersion === 'trust_code' ? { dataVersion } : {}),
          ...(loadedAtField ? { loadedAtField } : {}),
          ...(extract ? { extract } : {}),
          location: at,
          dependsOn: [],
        };
      });
    });
  }
  return sources;
}

/**
 * A table's `extract:` block against its plugin: the plugin is known and loads, its keys are
 * valid against the plugin's config schema (keys the schema does not list are errors), and its
 * columns are read. Undefined when something is wrong (reported).
 */
function extractOf(
  raw: Raw,
  table: string,
  plugins: ProjectPlugins | undefined,
  locate: (path: (string | number)[]) => SourceLocation,
  report: (d: Diagnostic) => void,
): SourceExtract | undefined {
  const name = String(raw.plugin);
  const entry = plugins?.loaded.get(name);
  if (!entry) {
    report(diagnostic('PluginNotFound', { plugin: name, suggestion: closestMatch(name, plugins?.found ?? []), found: [...(plugins?.found ?? [])] }, locate(['plugin'])));
    return undefined;
  }
  if (!('plugin' in entry)) {
    report(entry);
    return undefined;
  }
  const { plugin, path } = entry as LoadedPlugin;
  const config = Object.fromEntries(Object.entries(raw).filter(([key]) => !RESERVED_EXTRACT_KEYS.includes(key)));
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
    for (const e of (validate.errors ?? []) as ErrorObject[]) report(configDiagnostic(e, table, allowed, locate));
    return undefined;
  }
  let columns: SourceExtract['columns'];
  try {
    columns = typeof plugin.columns === 'function' ? plugin.columns(config) : plugin.columns;
  } catch (err) {
    report(diagnostic('PluginInvalid', { plugin: name, problem: `its columns(config) threw: ${(err as Error).message}` }, { file: path }));
    return undefined;
  }
  if (!columns || columns.length === 0) {
    report(diagnostic('PluginInvalid', { plugin: name, problem: 'it declares no columns: give defineSource a columns list (or a function of its config giving one)' }, { file: path }));
    return undefined;
  }
  return {
    plugin: name,
    pluginPath: path,
    config,
    write: 'replace',
    timeoutSeconds: typeof raw.timeout_seconds === 'number' ? raw.timeout_seconds : 3600,
    ...(typeof raw.batch_size === 'number' ? { batchRows: raw.batch_size } : {}),
    ...(columns ? { columns: columns.map((c) => ({ name: c.name, type: c.type })) } : {}),
    location: locate([]),
    ...extractPolicyOf(raw),
  };
}

/** An error of the plugin's config schema, at the key or value in the YAML. */
function configDiagnostic(e: ErrorObject, table: string, allowed: string[], locate: (path: (string | number)[]) => SourceLocation): Diagnostic {
  const path = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const where = `extract: of source ${table}${path.length > 0 ? ` (${path.join('.')})` : ''}`;
  if (e.keyword === 'additionalProperties') {
    const key = String((e.params as { additionalProperty: string }).additionalProperty);
    const keys = path.length === 0 ? [...allowed, ...RESERVED_EXTRACT_KEYS] : Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
    return diagnostic('UnknownKey', { key, where, suggestion: closestMatch(key, keys), allowed: keys }, locate([...path, key]));
  }
  if (e.keyword === 'required') {
    const key = String((e.params as { missingProperty: string }).missingProperty);
    return diagnostic('InvalidValue', { where, detail: `needs ${key}` }, locate(path));
  }
  const detail =
    e.keyword === 'enum' ? `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}` : (e.message ?? 'is invalid');
  return diagnostic('InvalidValue', { where, detail }, locate(path));
}

/** The table's own settings win over the source's; `freshness: null` switches the check off. */
function freshnessOf(source: Raw, table: Raw): SourceFreshness | undefined {
  const pick = <T>(key: string): T | undefined => (key in table ? (table[key] as T) : (source[key] as T | undefined));
  const freshness = pick<Raw | null>('freshness');
  if (freshness === null || freshness === undefined) return undefined;
  const loadedAtField = pick<string>('loaded_at_field');
  const loadedAtQuery = pick<string>('loaded_at_query');
  const rule = (r: unknown): FreshnessRule | undefined => (r ? { count: (r as Raw).count as number, period: (r as Raw).period as FreshnessRule['period'] } : undefined);
  return {
    warnAfter: rule(freshness.warn_after),
    errorAfter: rule(freshness.error_after),
    filter: (freshness.filter as string | undefined) ?? pick<string>('filter'),
    loadedAtField,
    loadedAtQuery,
  };
}
