/**
 * Exports: a model's `exports:` entries in its YAML, each a node run by a sink plugin after the
 * model (and, in dpf build, its tests) that delivers the model's rows (docs/plugins.md). Each
 * entry is checked against its plugin's config schema like an `extract:` block; its name,
 * `<model>_<plugin>` unless given, is what `-s export:<name>` selects.
 */
import { diagnostic, type DiagnosticBag } from '../errors/dpf-error.js';
import { RESERVED_EXPORT_KEYS } from '../plugins/index.js';
import { checkPluginBlock } from './check-plugin-config.js';
import type { ProjectPlugins } from './load-named-plugins.js';
import type { ProjectFiles } from './load-project.js';
import type { ExecutableNode, ExportNode } from './manifest.js';
import { toTags } from './resolve-config.js';
import { extractPolicyOf } from './resolve-run-policy.js';

export interface ExportParseContext {
  readonly files: ProjectFiles;
  readonly projectName: string;
  readonly nodes: Readonly<Record<string, ExecutableNode>>;
  readonly plugins?: ProjectPlugins;
  readonly bag: DiagnosticBag;
}

export function parseExports(ctx: ExportParseContext): Record<string, ExportNode> {
  const out: Record<string, ExportNode> = {};
  const models = new Map(Object.values(ctx.nodes).filter((n) => n.kind === 'model').map((n) => [n.name, n]));
  for (const file of ctx.files.properties) {
    (file.data.models ?? []).forEach((entry, mi) => {
      const raw = (entry as { exports?: unknown }).exports;
      const model = models.get(entry.name);
      if (!Array.isArray(raw) || !model) return;
      raw.forEach((item: Record<string, unknown>, ei) => {
        const path = ['models', mi, 'exports', ei];
        const locate = (p: (string | number)[]) => file.locate([...path, ...p]);
        if (item.enabled === false) return;
        const name = typeof item.name === 'string' ? item.name : `${model.name}_${String(item.plugin)}`;
        const block = checkPluginBlock(item, 'sink', RESERVED_EXPORT_KEYS, `exports: of model ${model.name}`, ctx.plugins, locate, (d) => ctx.bag.add(d));
        if (!block) return;
        const uniqueId = `export.${ctx.projectName}.${name}`;
        const other = out[uniqueId];
        if (other) {
          ctx.bag.add(diagnostic('DuplicateName', { kind: 'export', name, other: `${other.location.file}:${other.location.line}` }, locate(typeof item.name === 'string' ? ['name'] : [])));
          return;
        }
        out[uniqueId] = {
          kind: 'export',
          uniqueId,
          name,
          packageName: ctx.projectName,
          originalFilePath: file.path,
          fqn: [ctx.projectName, 'exports', name],
          description: typeof item.description === 'string' ? item.description : '',
          tags: toTags(item.tags),
          meta: {},
          attachedNode: model.uniqueId,
          dependsOn: [model.uniqueId],
          relation: model.relation,
          relationName: model.relationName,
          plugin: block.name,
          pluginPath: block.path,
          config: block.config,
          timeoutSeconds: typeof item.timeout_seconds === 'number' ? item.timeout_seconds : 3600,
          ...extractPolicyOf(item),
          location: locate([]),
        };
      });
    });
  }
  return out;
}
