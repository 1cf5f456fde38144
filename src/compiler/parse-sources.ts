/**
 * Sources: tables that exist before the build (landed by an extract-load tool), files read
 * in place (`external_location`), or tables a plugin lands (`extract:`, checked here against
 * the plugin's config schema: load-named-plugins.ts). dpf creates only the last. Freshness settings are inherited
 * from the source by its tables; `freshness: null` on a table opts it out.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { diagnostic, type Diagnostic, type DiagnosticBag, type SourceLocation } from '../errors/dpf-error.js';
import { BUILTIN_PREFIX, RESERVED_EXTRACT_KEYS } from '../plugins/index.js';
import { closestMatch } from './closest-match.js';
import { columnsOf, type ProjectPlugins } from './load-named-plugins.js';
import { checkPluginBlock } from './check-plugin-config.js';
import type { Dialect } from '../adapters/adapter.js';
import type { ProjectFiles } from './load-project.js';
import type { ColumnInfo, FreshnessRule, SourceExtract, SourceFreshness, SourceNode } from './manifest.js';
import { resolveSchema, toTags } from './resolve-config.js';
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
  ctx: { projectName: string; dialect: Dialect; targetDatabase?: string; targetSchema?: string; schemaStrategy?: 'target_prefix' | 'suffix' | 'exact'; describe: Describe; plugins?: ProjectPlugins },
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
        const named = (source.schema as string | undefined) ?? source.name;
        const relation = {
          database: (source.database as string | undefined) ?? ctx.targetDatabase,
          // A table dpf lands is the target's, as a model is: a dev or CI build lands into its own
          // schema (main_raw), never into the one production reads (docs/plugins.md, "Where it lands").
          schema: table.extract !== undefined && ctx.targetSchema ? resolveSchema(ctx.targetSchema, named, ctx.schemaStrategy) : named,
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
          extract = extractOf(table.extract as Raw, `${source.name}.${table.name}`, files.root, ctx.plugins, (p) => file.locate([...path, ...p]), (d) => {
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
  root: string,
  plugins: ProjectPlugins | undefined,
  locate: (path: (string | number)[]) => SourceLocation,
  report: (d: Diagnostic) => void,
): SourceExtract | undefined {
  const block = checkPluginBlock(raw, 'source', RESERVED_EXTRACT_KEYS, `extract: of source ${table}`, plugins, locate, report);
  if (!block) return undefined;
  const { name, path, plugin, config } = block;
  let columns: SourceExtract['columns'];
  try {
    columns = columnsOf(plugins, name, plugin, config);
  } catch (err) {
    report(diagnostic('ExtractColumnsFailed', { plugin: name, source: table, detail: (err as Error).message.split('\n')[0]! }, locate([])));
    return undefined;
  }
  if (!columns || columns.length === 0) {
    report(diagnostic('PluginInvalid', { plugin: name, problem: 'it declares no columns: give defineSource a columns list (or a function of its config giving one)' }, { file: path }));
    return undefined;
  }
  const write = (raw.write as SourceExtract['write'] | undefined) ?? 'replace';
  const names = columns.map((c) => c.name);
  const uniqueKey = raw.unique_key === undefined ? undefined : ([] as string[]).concat(raw.unique_key as string | string[]);
  const cursorField = raw.cursor_field as string | undefined;
  const misfit = (key: string, detail: string) => report(diagnostic('InvalidValue', { where: `extract: of source ${table} (${key})`, detail }, locate([key])));
  const notColumn = (value: string) => {
    const near = closestMatch(value, names);
    return `"${value}" is not a column of the plugin (${names.join(', ')})${near ? `; did you mean "${near}"?` : ''}`;
  };
  if (write === 'merge' && !uniqueKey) misfit('write', 'merge needs unique_key: the column(s) naming a row');
  if (write !== 'merge' && uniqueKey) misfit('unique_key', 'is used by write: merge only');
  if (write === 'replace' && cursorField !== undefined) misfit('cursor_field', 'is used by write: append or merge only (replace fetches everything each time)');
  for (const key of uniqueKey ?? []) if (!names.includes(key)) misfit('unique_key', notColumn(key));
  if (cursorField !== undefined && !names.includes(cursorField)) misfit('cursor_field', notColumn(cursorField));
  if (names.some((n) => n.toLowerCase().startsWith('_dpf_'))) report(diagnostic('PluginInvalid', { plugin: name, problem: 'a column name starts with _dpf_, which dpf keeps for itself' }, { file: path }));
  return {
    plugin: name,
    pluginPath: path,
    ...pluginChecksumOf(root, path),
    config,
    write,
    ...(uniqueKey ? { uniqueKey } : {}),
    ...(cursorField !== undefined ? { cursorField } : {}),
    onBadRow: (raw.on_bad_row as SourceExtract['onBadRow'] | undefined) ?? 'fail',
    timeoutSeconds: typeof raw.timeout_seconds === 'number' ? raw.timeout_seconds : 3600,
    ...(typeof raw.batch_size === 'number' ? { batchRows: raw.batch_size } : {}),
    ...limitsOf(raw),
    ...(columns ? { columns: columns.map((c) => ({ name: c.name, type: c.type })) } : {}),
    location: locate([]),
    ...extractPolicyOf(raw),
  };
}

/** The extract's rate limits, when it sets any (schemas/properties.schema.json checked their values). */
function limitsOf(raw: Raw): { limits?: NonNullable<SourceExtract['limits']> } {
  const limits = Object.fromEntries(
    ([['requestsPerSecond', 'max_requests_per_second'], ['concurrentRequests', 'max_concurrent_requests'], ['rowsPerSecond', 'max_rows_per_second']] as const)
      .filter(([, key]) => typeof raw[key] === 'number')
      .map(([name, key]) => [name, raw[key] as number]),
  );
  return Object.keys(limits).length > 0 ? { limits } : {};
}

/** sha256 of a project's plugin file; nothing for a built-in (its version is dpf's). */
function pluginChecksumOf(root: string, path: string): { pluginChecksum?: string } {
  if (path.startsWith(BUILTIN_PREFIX)) return {};
  try {
    return { pluginChecksum: createHash('sha256').update(readFileSync(join(root, path))).digest('hex') };
  } catch {
    return {};
  }
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
