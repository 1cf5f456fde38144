/**
 * Conditions (docs/pipelines.md): every node's `run_if` and `trigger`, resolved once every node
 * is known. `run_if` comes from a model's, snapshot's or seed's config (folder `+run_if`, YAML
 * `config:`, `{{config run_if=...}}`; the closest wins, as for any config), an `extract:` block
 * or an `exports:` entry. A query is read like a model's SQL: its refs and sources resolved
 * (a broken one is an error at the run_if), its vars checked, its first keyword that of a
 * read-only query; the nodes it reads become its `dependsOn`, so the step runs after them
 * (build-graph.ts adds the edges; they are not the node's inputs: no lineage, no unit-test
 * fixture, no reuse input). A `{plugin: name}` is checked against the condition plugin's config
 * schema like any plugin block. Rendering the query is compile-conditions.ts's.
 */
import { diagnostic, type DiagnosticBag, type SourceLocation } from '../errors/dpf-error.js';
import { RESERVED_CONDITION_KEYS } from '../plugins/index.js';
import { secondStatementStart, withoutTrailingTerminators } from '../adapters/statement-boundaries.js';
import { analyzeTemplate } from './analyze-template.js';
import { checkPluginBlock } from './check-plugin-config.js';
import { closestMatch } from './closest-match.js';
import type { ProjectPlugins } from './load-named-plugins.js';
import type { ProjectFiles } from './load-project.js';
import { TRIGGER_RULES, type ExecutableNode, type ExportNode, type NodeCondition, type RunIf, type SourceNode, type TriggerRule } from './manifest.js';
import { isSqlNode } from './node-kinds.js';
import type { YamlFile } from './read-yaml-file.js';

export interface ConditionParseContext {
  readonly files: Pick<ProjectFiles, 'config' | 'configFile' | 'properties'>;
  readonly projectName: string;
  readonly nodes: Readonly<Record<string, ExecutableNode>>;
  readonly sources: Readonly<Record<string, SourceNode>>;
  readonly exports: Readonly<Record<string, ExportNode>>;
  /** Names refs may take (models, seeds, snapshots) -> unique id. */
  readonly byName: ReadonlyMap<string, { readonly uniqueId: string }>;
  readonly partials: ReadonlySet<string>;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly plugins?: ProjectPlugins;
  readonly bag: DiagnosticBag;
}

/** Where a raw run_if is written: its value's location, and how to locate keys inside a mapping. */
interface Site {
  readonly at: SourceLocation;
  readonly locate: (path: (string | number)[]) => SourceLocation;
}

/** Sets `condition` on every node that has a run_if or a trigger rule. */
export function parseConditions(ctx: ConditionParseContext): void {
  const set = (node: { condition?: NodeCondition }, condition: NodeCondition) => {
    if (condition.runIf || condition.trigger) (node as { condition?: NodeCondition }).condition = condition;
  };
  for (const node of Object.values(ctx.nodes)) {
    const raw = node.config.run_if;
    const runIf = raw === undefined ? undefined : resolveRunIf(raw, node.uniqueId, `${node.kind} ${node.name}`, configSite(ctx, node), ctx);
    set(node, { ...(runIf ? { runIf } : {}), ...(node.config.trigger ? { trigger: node.config.trigger } : {}) });
  }
  for (const file of ctx.files.properties) {
    (file.data.sources ?? []).forEach((source, si) =>
      (source.tables ?? []).forEach((table, ti) => {
        const block = table.extract as Record<string, unknown> | undefined;
        const node = ctx.sources[`source.${ctx.projectName}.${source.name}.${table.name}`];
        if (!block || !node?.extract) return;
        set(node, blockCondition(block, node.uniqueId, `the extract of source ${source.name}.${table.name}`, file, ['sources', si, 'tables', ti, 'extract'], ctx));
      }),
    );
    (file.data.models ?? []).forEach((model, mi) => {
      const entries = (model as { exports?: unknown }).exports;
      (Array.isArray(entries) ? entries : []).forEach((item: Record<string, unknown>, ei) => {
        const name = typeof item.name === 'string' ? item.name : `${model.name}_${String(item.plugin)}`;
        const node = ctx.exports[`export.${ctx.projectName}.${name}`];
        if (!node || node.location.file !== file.path) return;
        set(node, blockCondition(item, node.uniqueId, `export ${name}`, file, ['models', mi, 'exports', ei], ctx));
      });
    });
  }
}

/** run_if and trigger of an extract block or an exports entry. */
function blockCondition(block: Record<string, unknown>, uniqueId: string, what: string, file: YamlFile, path: (string | number)[], ctx: ConditionParseContext): NodeCondition {
  const trigger = TRIGGER_RULES.includes(block.trigger as TriggerRule) && block.trigger !== 'all_success' ? (block.trigger as TriggerRule) : undefined;
  const site: Site = { at: file.locate([...path, 'run_if']), locate: (p) => file.locate([...path, 'run_if', ...p]) };
  const runIf = block.run_if === undefined ? undefined : resolveRunIf(block.run_if as string | Record<string, unknown>, uniqueId, what, site, ctx);
  return { ...(runIf ? { runIf } : {}), ...(trigger ? { trigger } : {}) };
}

function resolveRunIf(raw: string | Readonly<Record<string, unknown>>, uniqueId: string, what: string, site: Site, ctx: ConditionParseContext): RunIf | undefined {
  if (typeof raw !== 'string') {
    const block = checkPluginBlock({ ...raw }, 'condition', RESERVED_CONDITION_KEYS, `run_if of ${what}`, ctx.plugins, site.locate, (d) => ctx.bag.add(d));
    return block && { kind: 'plugin', plugin: block.name, pluginPath: block.path, config: block.config, location: site.at };
  }
  const sql = raw;
  const problem = readOnlyProblem(sql);
  if (problem) {
    ctx.bag.add(diagnostic('RunIfInvalid', { node: what, detail: problem }, site.at));
    return undefined;
  }
  // Positions inside the query are shifted onto the line where it is written.
  const shift = (l: SourceLocation): SourceLocation => ({
    file: site.at.file,
    line: (site.at.line ?? 1) + (l.line ?? 1) - 1,
    column: (l.line ?? 1) === 1 && site.at.column !== undefined && l.column !== undefined ? site.at.column + l.column - 1 : l.column,
  });
  const analysis = analyzeTemplate(sql, { file: site.at.file, partials: ctx.partials, lookupVar: (name) => ctx.vars[name] });
  analysis.diagnostics.forEach((d) => ctx.bag.add({ ...d, location: d.location && shift(d.location) }));
  const dependsOn: string[] = [];
  const refable = [...ctx.byName.keys()];
  for (const ref of analysis.refs) {
    const target = ctx.byName.get(ref.name);
    if (!target) ctx.bag.add(diagnostic('RefNotFound', { name: ref.name, suggestion: closestMatch(ref.name, refable) }, shift(ref.location)));
    // Its own relation is read as {{this}} is: what it holds from before this run.
    else if (target.uniqueId !== uniqueId && !dependsOn.includes(target.uniqueId)) dependsOn.push(target.uniqueId);
  }
  const sourceKeys = Object.values(ctx.sources).map((s) => `${s.sourceName}.${s.tableName}`);
  for (const call of analysis.sources) {
    const id = `source.${ctx.projectName}.${call.source}.${call.table}`;
    if (!ctx.sources[id]) ctx.bag.add(diagnostic('SourceNotFound', { source: call.source, table: call.table, suggestion: closestMatch(`${call.source}.${call.table}`, sourceKeys)?.replace('.', '" "') }, shift(call.location)));
    else if (id !== uniqueId && !dependsOn.includes(id)) dependsOn.push(id);
  }
  for (const call of analysis.vars) {
    if (!call.hasDefault && !(call.name in ctx.vars)) ctx.bag.add(diagnostic('VarMissing', { name: call.name, suggestion: closestMatch(call.name, Object.keys(ctx.vars)) }, shift(call.location)));
  }
  return {
    kind: 'sql',
    sql,
    refs: analysis.refs.map((r) => ({ ...r, location: shift(r.location) })),
    sources: analysis.sources.map((s) => ({ ...s, location: shift(s.location) })),
    dependsOn: dependsOn.sort(),
    location: site.at,
  };
}

/**
 * Why a query is not one read-only query, judged by its first keyword (the engine's parser
 * decides the rest when it runs: a query cannot write).
 */
export function readOnlyProblem(sql: string): string | undefined {
  const text = withoutTrailingTerminators(sql);
  if (secondStatementStart(text) !== undefined) return 'it holds more than one statement';
  const first = text.replace(/^(\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)+/, '').match(/^[(\w]+/)?.[0]?.toLowerCase();
  if (!first || !['select', 'with', 'values', 'from', '('].includes(first.startsWith('(') ? '(' : first)) {
    return `it starts with ${first ? `"${first}"` : 'nothing'}, and must be a query (select, with, values, from)`;
  }
  return undefined;
}

/** Where a model's, snapshot's or seed's run_if is written: inline, else its YAML, else the closest folder config. */
function configSite(ctx: ConditionParseContext, node: ExecutableNode): Site {
  if (isSqlNode(node)) {
    const inline = /\{\{~?\s*config\b[^}]*?\brun_if\s*=/.exec(node.rawCode);
    if (inline) {
      const offset = inline.index + inline[0].length;
      const before = node.rawCode.slice(0, offset);
      const line = before.split('\n').length;
      const at = { file: node.originalFilePath, line, column: offset - before.lastIndexOf('\n') };
      return { at, locate: () => at };
    }
  }
  const kind = node.kind === 'model' ? 'models' : node.kind === 'snapshot' ? 'snapshots' : 'seeds';
  const file = ctx.files.properties.find((f) => f.path === node.patchPath);
  const index = (file?.data[kind] ?? []).findIndex((e) => e.name === node.name);
  const entry = index >= 0 ? file!.data[kind]![index] : undefined;
  if (file && (entry?.config as { run_if?: unknown } | undefined)?.run_if !== undefined) {
    const path = [kind, index, 'config', 'run_if'];
    return { at: file.locate(path), locate: (p) => file.locate([...path, ...p]) };
  }
  // Folder config: the deepest folder on the node's path that sets it.
  const tree = node.kind === 'seed' ? 'seeds' : 'models';
  let level: unknown = ctx.files.config[tree];
  let found: (string | number)[] | undefined;
  const path: string[] = [tree];
  const at = (p: string[]) => {
    const here = level as Record<string, unknown> | undefined;
    if (here?.['+run_if'] !== undefined) found = [...p, '+run_if'];
    else if (typeof here?.run_if === 'string') found = [...p, 'run_if'];
  };
  at(path);
  for (const part of node.fqn.slice(0, -1)) {
    const next = (level as Record<string, unknown> | undefined)?.[part];
    if (!next || typeof next !== 'object') break;
    level = next;
    path.push(part);
    at(path);
  }
  const configFile = ctx.files.configFile;
  if (found) {
    const foundPath = found;
    return { at: configFile.locate(foundPath), locate: (p) => configFile.locate([...foundPath, ...p]) };
  }
  const fallback = { file: node.originalFilePath, line: 1, column: 1 };
  return { at: fallback, locate: () => fallback };
}

/** The condition plugins the project names (`run_if: {plugin: name}`), to load before parsing. */
export function conditionPluginNames(files: Pick<ProjectFiles, 'properties'> & Partial<Pick<ProjectFiles, 'config'>>): string[] {
  const names = new Set<string>();
  const add = (runIf: unknown) => {
    const plugin = (runIf as { plugin?: unknown } | undefined)?.plugin;
    if (runIf && typeof runIf === 'object' && typeof plugin === 'string') names.add(plugin);
  };
  const walk = (tree: unknown) => {
    if (!tree || typeof tree !== 'object' || Array.isArray(tree)) return;
    for (const [key, value] of Object.entries(tree)) {
      if (key === '+run_if') add(value);
      else if (!key.startsWith('+')) walk(value);
    }
  };
  walk(files.config?.models);
  walk(files.config?.seeds);
  for (const file of files.properties) {
    for (const kind of ['models', 'seeds', 'snapshots'] as const) for (const entry of file.data[kind] ?? []) add((entry.config as { run_if?: unknown } | undefined)?.run_if);
    for (const source of file.data.sources ?? []) for (const table of source.tables ?? []) add((table.extract as { run_if?: unknown } | undefined)?.run_if);
    for (const model of file.data.models ?? []) {
      const entries = (model as { exports?: unknown }).exports;
      for (const entry of Array.isArray(entries) ? entries : []) add((entry as { run_if?: unknown } | undefined)?.run_if);
    }
  }
  return [...names];
}
