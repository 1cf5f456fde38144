/**
 * Sources: tables that exist before the build (landed by an extract-load tool) or files read
 * in place (`external_location`). dpf never creates them. Freshness settings are inherited
 * from the source by its tables; `freshness: null` on a table opts it out.
 */
import { isAbsolute, resolve } from 'node:path';
import { diagnostic, type DiagnosticBag } from '../errors/dpf-error.js';
import type { Dialect } from '../adapters/adapter.js';
import type { ProjectFiles } from './load-project.js';
import type { ColumnInfo, FreshnessRule, SourceFreshness, SourceNode } from './manifest.js';
import { toTags } from './resolve-config.js';
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
  ctx: { projectName: string; dialect: Dialect; targetDatabase?: string; describe: Describe },
  columnsOf: (raw: unknown, file: YamlFile, path: (string | number)[]) => Record<string, ColumnInfo>,
  bag: DiagnosticBag,
): Record<string, SourceNode> {
  const sources: Record<string, SourceNode> = {};
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
          location: at,
          dependsOn: [],
        };
      });
    });
  }
  return sources;
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
