/**
 * The parser of TypeScript models (models/<name>.ts, loaded by load-ts-models.ts): each becomes
 * a ModelNode with `language: 'typescript'`, materialized as a table, whose refs and sources are
 * the file's `refs` (resolved by parse-project.ts with every other model's, so an unknown one is
 * DPF203/DPF204 with the closest name, at the line of the file that names it) and whose columns
 * are the ones it declares, described by YAML as a SQL model's are. YAML config, tags, tests and
 * unit tests apply as to SQL models; a materialized other than table is an error.
 */
import { diagnostic } from '../errors/dpf-error.js';
import { inputName, placeOfRef, type TransformRef } from '../plugins/index.js';
import type { ProjectFile } from './load-project.js';
import type { ColumnInfo, Manifest, ModelConfig, ModelNode, RefCall, SourceCall } from './manifest.js';
import { NODE_KINDS, nodesOfKind } from './node-kinds.js';
import { grantsConfig, sha256, type NodeParseScope } from './parse-scope.js';
import { folderConfig, mergeConfigs, toTags, type RawConfig } from './resolve-config.js';
import { runPolicyOf } from './resolve-run-policy.js';

export const DEFAULT_TRANSFORM_TIMEOUT_SECONDS = 3600;

export function parseTsModels(scope: NodeParseScope, files: readonly ProjectFile[]): void {
  const { bag, ctx, project, projectName, describe, columns, relationFor, patches, usedConfigPaths, nodes, claimName, modelRefs } = scope;
  for (const file of files) {
    const loaded = ctx.transforms?.get(file.path);
    if (!loaded) continue;
    const { plugin, imports } = loaded;
    const fqn = [projectName, ...file.folders, file.name];
    const patch = patches.models.get(file.name);
    patches.models.delete(file.name);
    const yamlLevel: RawConfig = { ...((patch?.entry.config as RawConfig) ?? {}) };
    if (patch?.entry.tags) yamlLevel.tags = [...toTags(yamlLevel.tags), ...toTags(patch.entry.tags)];
    if (patch?.entry.docs) yamlLevel.docs = patch.entry.docs;
    // Folder defaults apply but for materialized: a folder of views may hold a TypeScript model.
    const folders = folderConfig(project.models, fqn, usedConfigPaths).map(({ materialized: _m, ...rest }) => rest);
    const merged = mergeConfigs([...folders, yamlLevel]);
    if (merged.materialized !== undefined && merged.materialized !== 'table') {
      bag.add(
        diagnostic(
          'TransformInvalid',
          { model: file.name, problem: `it is configured as materialized: ${String(merged.materialized)}, and a TypeScript model is always a table (remove the key)` },
          patch ? patch.file.locate(['models', patch.index, 'config', 'materialized']) : { file: file.path, line: 1 },
        ),
      );
    }
    const config: ModelConfig = {
      materialized: 'table',
      schema: merged.schema as string | undefined,
      database: merged.database as string | undefined,
      alias: merged.alias as string | undefined,
      tags: merged.tags as string[],
      enabled: merged.enabled !== false,
      meta: { ...(merged.meta as Record<string, unknown>), ...((patch?.entry.meta as Record<string, unknown>) ?? {}) },
      docs: { show: true, ...((merged.docs as object) ?? {}) },
      ...grantsConfig(merged),
      ...(merged.monitors !== undefined ? { monitors: merged.monitors as ModelConfig['monitors'] } : {}),
      timeout_seconds: Number(merged.timeout_seconds ?? DEFAULT_TRANSFORM_TIMEOUT_SECONDS),
      // pool, retries, on_error, run_if and trigger, as for a SQL model.
      ...runPolicyOf(merged),
    };
    if (!config.enabled) continue;
    const uniqueId = `${NODE_KINDS.model.idPrefix}.${projectName}.${file.name}`;
    if (!claimName(file.name, uniqueId, file.path, 'model')) continue;
    const at = (ref: TransformRef) => ({ file: file.path, ...placeOfRef(file.text, ref) });
    const refs: RefCall[] = [];
    const sources: SourceCall[] = [];
    for (const ref of plugin.refs) {
      if (typeof ref === 'string') refs.push({ name: ref, location: at(ref) });
      else sources.push({ source: ref.source[0], table: ref.source[1], location: at(ref) });
    }
    const node: ModelNode = {
      kind: 'model',
      language: 'typescript',
      uniqueId,
      name: file.name,
      packageName: projectName,
      originalFilePath: file.path,
      fqn,
      description: describe(patch?.entry.description ?? plugin.description, patch && { file: patch.file, path: ['models', patch.index, 'description'] }),
      columns: declaredColumns(plugin.columns, columns(patch?.entry.columns, patch?.file, ['models', patch?.index ?? 0, 'columns']), (t) => ctx.dialect.typeName(t)),
      meta: config.meta,
      tags: config.tags,
      patchPath: patch?.file.path,
      ...relationFor(file.name, config),
      config,
      rawCode: file.text,
      checksum: sha256(file.text),
      refs,
      sources,
      macros: [],
      dependsOn: [],
      transform: { columns: plugin.columns.map((c) => ({ name: c.name, type: c.type })), imports },
    };
    nodes[uniqueId] = node;
    modelRefs.push({ node, vars: [] });
  }
}

/** The declared columns, in their order, with what YAML says of them; YAML's other columns after. */
function declaredColumns(
  declared: readonly { name: string; type: Parameters<NodeParseScope['ctx']['dialect']['typeName']>[0] }[],
  described: Record<string, ColumnInfo>,
  typeName: (type: (typeof declared)[number]['type']) => string,
): Record<string, ColumnInfo> {
  const out: Record<string, ColumnInfo> = {};
  for (const c of declared) {
    const yaml = Object.values(described).find((d) => d.name.toLowerCase() === c.name.toLowerCase());
    out[c.name] = { name: c.name, description: yaml?.description ?? '', dataType: yaml?.dataType ?? typeName(c.type), meta: yaml?.meta ?? {}, tags: yaml?.tags ?? [] };
  }
  for (const [name, info] of Object.entries(described)) if (!Object.keys(out).some((k) => k.toLowerCase() === name.toLowerCase())) out[name] = info;
  return out;
}

/** Each input of a TypeScript model: the name its rows have in `inputs`, and the node it reads. */
export function transformInputs(node: ModelNode, manifest: Manifest): { name: string; uniqueId: string }[] {
  const byName = new Map(nodesOfKind(manifest, 'model', 'seed', 'snapshot').map((n) => [n.name, n.uniqueId]));
  return [
    ...node.refs.map((r) => ({ name: inputName(r.name), uniqueId: byName.get(r.name)! })),
    ...node.sources.map((s) => ({ name: inputName({ source: [s.source, s.table] }), uniqueId: `source.${node.packageName}.${s.source}.${s.table}` })),
  ];
}
