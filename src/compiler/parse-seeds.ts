/** The parser of seeds (seeds/*.csv): config precedence, the CSV's header and inferred types (overridden by column_types), YAML descriptions and columns. */
import { diagnostic } from '../errors/dpf-error.js';
import type { Dialect } from '../adapters/adapter.js';
import { scanSeedCsv } from '../adapters/read-seed-csv.js';
import type { ProjectFile } from './load-project.js';
import type { SeedConfig, SeedNode } from './manifest.js';
import { grantsConfig, isEnabled, sha256, yamlKeyLocation, type NodeParseScope } from './parse-scope.js';
import { folderConfig, mergeConfigs, toTags, type RawConfig } from './resolve-config.js';
import { runPolicyOf } from './resolve-run-policy.js';

/** Parses every seed file into scope.nodes. */
export function parseSeeds(scope: NodeParseScope, files: readonly ProjectFile[]): void {
  const { bag, ctx, project, projectName, describe, columns, relationFor, patches, usedConfigPaths, nodes, claimName } = scope;
  for (const file of files) {
    const fqn = [projectName, ...file.folders, file.name];
    const patch = patches.seeds.get(file.name);
    patches.seeds.delete(file.name);
    const yamlLevel: RawConfig = { ...((patch?.entry.config as RawConfig) ?? {}) };
    if (patch?.entry.tags) yamlLevel.tags = [...toTags(yamlLevel.tags), ...toTags(patch.entry.tags)];
    const merged = mergeConfigs([...folderConfig(project.seeds, fqn, usedConfigPaths), yamlLevel]);
    if (!isEnabled(scope, merged.enabled, () => yamlKeyLocation(patch, 'enabled') ?? { file: file.path, line: 1, column: 1 })) continue;
    const config: SeedConfig = {
      materialized: 'seed',
      schema: merged.schema as string | undefined,
      database: merged.database as string | undefined,
      alias: merged.alias as string | undefined,
      tags: merged.tags as string[],
      enabled: true,
      meta: { ...(merged.meta as Record<string, unknown>), ...((patch?.entry.meta as Record<string, unknown>) ?? {}) },
      docs: { show: true, ...((merged.docs as object) ?? {}) },
      column_types: (merged.column_types as Record<string, string>) ?? {},
      ...grantsConfig(merged),
      delimiter: (merged.delimiter as string) ?? ',',
      ...(merged.monitors !== undefined ? { monitors: merged.monitors as SeedConfig['monitors'] } : {}),
      ...runPolicyOf(merged),
    };
    const table = bag.collect(() => scanSeedCsv(file.text, file.path, config.delimiter));
    if (!table) continue;
    for (const column of Object.keys(config.column_types)) {
      if (!table.header.includes(column)) {
        const where = patch ? patch.file.locate(['seeds', patch.index, 'config', 'column_types']) : { file: 'dpf_project.yml' };
        bag.add(
          diagnostic(
            'InvalidConfig',
            { key: `column_types.${column}`, detail: `names a column that ${file.path} does not have (it has: ${table.header.join(', ')})` },
            where,
          ),
        );
      }
    }
    const uniqueId = `seed.${projectName}.${file.name}`;
    if (!claimName(file.name, uniqueId, file.path, 'seed')) continue;
    const seedColumns = table.header.map((name, i) => ({
      name,
      type: normalizeType(ctx.dialect, config.column_types[name]) ?? ctx.dialect.typeName(table.types[i]!),
    }));
    const node: SeedNode = {
      kind: 'seed',
      uniqueId,
      name: file.name,
      packageName: projectName,
      originalFilePath: file.path,
      fqn,
      description: describe(patch?.entry.description, patch && { file: patch.file, path: ['seeds', patch.index, 'description'] }),
      columns: columns(patch?.entry.columns, patch?.file, ['seeds', patch?.index ?? 0, 'columns']),
      meta: config.meta,
      tags: config.tags,
      patchPath: patch?.file.path,
      ...relationFor(file.name, config),
      config,
      checksum: sha256(file.text),
      seedColumns,
      rowCount: table.rowCount,
      dependsOn: [],
    };
    nodes[uniqueId] = node;
  }
}

function normalizeType(dialect: Dialect, typeName: string | undefined): string | undefined {
  return typeName === undefined || !dialect.normalizeType ? typeName : dialect.normalizeType(typeName);
}
