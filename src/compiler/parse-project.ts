/**
 * Step 2: parse. Turns loaded files into manifest nodes, one parser per kind: models and
 * snapshots (parse-models.ts), seeds (parse-seeds.ts), sources (parse-sources.ts), data tests
 * (parse-data-tests.ts) and unit tests (parse-unit-tests.ts). Here: what they share (YAML
 * patches by name, macros analyzed once, docs blocks, names and relations claimed once), then
 * every ref and source resolved to a unique id, the dependency maps, and the checks across
 * kinds (two nodes writing one relation, YAML that describes nothing, unused folder config).
 * Collects all diagnostics and reports them together.
 */
import type { ProjectPlugins } from './load-named-plugins.js';
import type { ProjectTransforms } from './load-ts-models.js';
import { randomUUID } from 'node:crypto';
import { DiagnosticBag, diagnostic, type SourceLocation } from '../errors/dpf-error.js';
import type { Dialect } from '../adapters/adapter.js';
import { analyzeTemplate } from './analyze-template.js';
import { findJinjaHabits } from './jinja-habits.js';
import { closestMatch } from './closest-match.js';
import type { ProjectFile, ProjectFiles } from './load-project.js';
import { MANIFEST_SCHEMA_VERSION, type ColumnInfo, type ExecutableNode, type Manifest } from './manifest.js';
import { isEphemeral } from './node-kinds.js';
import { DPF_VERSION } from './package-paths.js';
import { loadGenericTests, type GenericTestDefinition } from './generic-tests.js';
import { parseDataTests } from './parse-data-tests.js';
import { parseSqlNodes, yamlSnapshots } from './parse-models.js';
import { parseTsModels } from './parse-ts-models.js';
import { sha256, type NodeParseScope, type PatchEntry, type SqlNodeRefs } from './parse-scope.js';
import { parseSeeds } from './parse-seeds.js';
import { parseSources } from './parse-sources.js';
import { parseUnitTests } from './parse-unit-tests.js';
import { parseExports } from './parse-exports.js';
import { parseAnalyses } from './parse-analyses.js';
import { parseConditions } from './parse-conditions.js';
import { monitorNodes } from './parse-monitors.js';
import { dbtProjectKeyDiagnostics } from './dbt-project-keys.js';
import { poolDiagnostics } from './check-pools.js';
import { collectDocsBlocks, docsResolver, type Describe } from './resolve-docs.js';
import { configPaths, resolveSchema, toTags } from './resolve-config.js';
import { expandDeferredForEach, type ForEachAnswer, type ForEachQuery } from './expand-for-each.js';
import { resolveUnionRefs } from './union-refs.js';
import type { YamlFile } from './read-yaml-file.js';

export interface ParseContext {
  readonly targetName: string;
  readonly targetSchema: string;
  readonly targetDatabase?: string;
  readonly adapterType: string;
  readonly dialect: Dialect;
  /** --vars, merged over the project's vars. */
  readonly cliVars?: Record<string, unknown>;
  readonly invocationId?: string;
  /** The plugins the YAML names (load-named-plugins.ts); absent: none loaded. */
  readonly plugins?: ProjectPlugins;
  /** The TypeScript models, loaded (load-ts-models.ts); absent: none loaded. */
  readonly transforms?: ProjectTransforms;
  /**
   * The rows of a for_each query (for-each-queries.ts: cached, or 'pending' until compileFromDisk
   * has run it); absent: this command compiles without the warehouse, and such a for_each is an error.
   */
  readonly forEachRows?: (query: ForEachQuery) => ForEachAnswer;
}

/** The project's vars: dpf_project.yml's, with --vars over them. */
export function projectVars(files: Pick<ProjectFiles, 'config'>, cliVars?: Record<string, unknown>): Record<string, unknown> {
  return { ...(files.config.vars ?? {}), ...(cliVars ?? {}) };
}


export interface ParsedProject {
  readonly root: string;
  readonly targetPath: string;
  readonly manifest: Manifest;
  /** Parsed model templates by unique id; rendered by compileProject. */
  readonly templates: ReadonlyMap<string, hbs.AST.Program>;
  /** Macro (partial) sources by name. */
  readonly partials: ReadonlyMap<string, string>;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly genericTests: ReadonlyMap<string, GenericTestDefinition>;
  readonly warnings: ReturnType<DiagnosticBag['warnings']['slice']>;
}

export function parseProject(files: ProjectFiles, ctx: ParseContext): ParsedProject {
  const bag = new DiagnosticBag();
  const project = files.config;
  const projectName = project.name;
  const vars = projectVars(files, ctx.cliVars);
  const strategy = project.schema_strategy ?? 'target_prefix';
  const usedConfigPaths = new Set<string>();
  dbtProjectKeyDiagnostics(files.configFile).forEach((d) => bag.add(d));
  poolDiagnostics(files).forEach((d) => bag.add(d));
  const describe = docsResolver(collectDocsBlocks(files.docs, bag), bag);
  const columns = (raw: unknown, file: YamlFile | undefined, path: (string | number)[]) => columnsOf(raw, describe, file && { file, path });

  const relationFor = (name: string, config: { schema?: string; alias?: string; database?: string }) => {
    const relation = {
      database: config.database ?? ctx.targetDatabase,
      schema: resolveSchema(ctx.targetSchema, config.schema, strategy),
      identifier: config.alias ?? name,
    };
    return { relation, relationName: ctx.dialect.renderRelation(relation) };
  };

  // ---- YAML patches (descriptions, columns, config), indexed by name
  const patches = { models: new Map<string, PatchEntry>(), seeds: new Map<string, PatchEntry>(), snapshots: new Map<string, PatchEntry>() };
  for (const file of files.properties) {
    for (const kind of ['models', 'seeds', 'snapshots'] as const) {
      (file.data[kind] ?? []).forEach((entry, index) => {
        const previous = patches[kind].get(entry.name);
        if (previous) {
          bag.add(
            diagnostic(
              'DuplicateName',
              { kind: `YAML entry for ${kind.slice(0, -1)}`, name: entry.name, other: `in ${previous.file.path}` },
              file.locate([kind, index, 'name']),
            ),
          );
        } else patches[kind].set(entry.name, { entry, file, index });
      });
    }
  }

  // ---- macros
  const partials = new Map(files.macros.map((m) => [m.name, m.text]));
  const macroRecords = Object.fromEntries(
    files.macros.map((m) => [`macro.${projectName}.${m.name}`, { name: m.name, originalFilePath: m.path, checksum: sha256(m.text) }]),
  );

  // Partials are analyzed once; a model inherits the refs, sources and vars of those it calls.
  const partialNames = new Set(partials.keys());
  const macroAnalyses = new Map(
    files.macros.map((m) => {
      const analysis = analyzeTemplate(m.text, { file: m.path, partials: partialNames, lookupVar: (name) => vars[name], isPartial: true });
      analysis.diagnostics.forEach((d) => bag.add(d));
      return [m.name, analysis] as const;
    }),
  );
  const partialClosure = (direct: string[]): string[] => {
    const seen: string[] = [];
    const visit = (name: string) => {
      if (seen.includes(name)) return;
      seen.push(name);
      for (const inner of macroAnalyses.get(name)?.partials ?? []) visit(inner);
    };
    direct.forEach(visit);
    return seen;
  };

  // ---- the nodes that build relations, one parser per kind (parse-models.ts, parse-seeds.ts)
  const nodes: Record<string, ExecutableNode> = {};
  const templates = new Map<string, hbs.AST.Program>();
  const byName = new Map<string, { uniqueId: string; path: string }>();
  const claimName = (name: string, uniqueId: string, path: string, kind: string): boolean => {
    const other = byName.get(name);
    if (other) {
      bag.add(diagnostic('DuplicateName', { kind, name, other: other.path }, { file: path, line: 1, column: 1 }));
      return false;
    }
    byName.set(name, { uniqueId, path });
    return true;
  };
  const modelRefs: SqlNodeRefs[] = [];
  const scope: NodeParseScope = {
    bag, ctx, project, projectName, vars, describe, columns, relationFor, patches, usedConfigPaths, partialNames, partialClosure, macroAnalyses, nodes, templates, claimName, modelRefs,
    deferredForEach: [], generated: new Map(), unionCalls: [],
  };
  parseSqlNodes(scope, 'model', files.models);
  parseTsModels(scope, files.tsModels);
  parseSqlNodes(scope, 'snapshot', [...files.snapshots, ...yamlSnapshots(patches.snapshots, new Set(files.snapshots.map((f) => f.name)), bag)]);
  parseSeeds(scope, files.seeds);
  // Sources before the for_each queries, which may read them.
  const sources = parseSources(files, { projectName, dialect: ctx.dialect, targetDatabase: ctx.targetDatabase, targetSchema: ctx.targetSchema, schemaStrategy: strategy, describe, plugins: ctx.plugins }, columns, bag);
  expandDeferredForEach(scope, sources, partials);

  // ---- two nodes must never write the same relation
  const byRelation = new Map<string, ExecutableNode>();
  for (const node of Object.values(nodes)) {
    if (isEphemeral(node)) continue;
    const key = node.relationName.toLowerCase();
    const other = byRelation.get(key);
    if (other) {
      bag.add(
        diagnostic('RelationCollision', { relation: node.relationName, name: node.name, other: other.name }, { file: node.originalFilePath, line: 1, column: 1 }),
      );
    } else byRelation.set(key, node);
  }

  // ---- YAML entries that describe nothing
  for (const kind of ['models', 'seeds', 'snapshots'] as const) {
    const candidates = Object.values(nodes)
      .filter((n) => n.uniqueId.startsWith(`${kind.slice(0, -1)}.`))
      .map((n) => n.name);
    for (const [name, patch] of patches[kind]) {
      bag.add(
        diagnostic(
          'PatchWithoutNode',
          { kind: kind.slice(0, -1), name, suggestion: closestMatch(name, candidates) },
          patch.file.locate([kind, patch.index, 'name']),
        ),
      );
    }
  }

  // ---- resolve refs, sources and vars
  const refable = [...byName.keys()];
  const sourceKeys = Object.values(sources).map((s) => `${s.sourceName}.${s.tableName}`);
  for (const { node, vars: varCalls } of modelRefs) {
    const deps: string[] = [];
    for (const ref of node.refs) {
      const target = byName.get(ref.name);
      // A TypeScript model names its refs in its refs: list, not in {{ref}}.
      const call = node.kind === 'model' && node.language === 'typescript' ? { call: `The ref '${ref.name}'` } : {};
      if (!target) bag.add(diagnostic('RefNotFound', { name: ref.name, suggestion: closestMatch(ref.name, refable), ...call }, ref.location));
      else if (!deps.includes(target.uniqueId)) deps.push(target.uniqueId);
    }
    for (const call of node.sources) {
      const uniqueId = `source.${projectName}.${call.source}.${call.table}`;
      if (!sources[uniqueId]) {
        const suggestion = closestMatch(`${call.source}.${call.table}`, sourceKeys);
        const typescript = node.kind === 'model' && node.language === 'typescript';
        const named = typescript ? { call: `The ref { source: ['${call.source}', '${call.table}'] }` } : {};
        bag.add(diagnostic('SourceNotFound', { source: call.source, table: call.table, suggestion: typescript ? suggestion : suggestion?.replace('.', '" "'), ...named }, call.location));
      } else if (!deps.includes(uniqueId)) deps.push(uniqueId);
    }
    for (const call of varCalls) {
      if (!call.hasDefault && !(call.name in vars)) {
        bag.add(diagnostic('VarMissing', { name: call.name, suggestion: closestMatch(call.name, Object.keys(vars)) }, call.location));
      }
    }
    (node as { dependsOn: string[] }).dependsOn = deps;
  }
  // ---- union_refs: selectors over the nodes, once their own refs are known
  resolveUnionRefs(scope.unionCalls, { ...nodes, ...sources }, bag);

  // ---- data tests and unit tests
  // Custom generic tests render later without the model analyzer, so Jinja in them is found here.
  for (const file of files.genericTests) findJinjaHabits(file.text, file.path).forEach((d) => bag.add(d));
  const genericTests = loadGenericTests(ctx.adapterType, files.genericTests);
  const tests = parseDataTests({
    files,
    generated: scope.generated,
    projectName,
    nodes,
    sources,
    byName,
    definitions: genericTests,
    dialect: ctx.dialect,
    auditSchema: `${ctx.targetSchema}_dpf_audit`,
    targetDatabase: ctx.targetDatabase,
    partials: partialNames,
    lookupVar: (name) => vars[name],
    usedConfigPaths,
    bag,
  });
  const unitTests = parseUnitTests({ files, projectName, nodes, sources, byName, bag });
  const exports = parseExports({ files, projectName, nodes, plugins: ctx.plugins, bag });
  parseConditions({ files, projectName, nodes, sources, exports, byName, partials: partialNames, vars, plugins: ctx.plugins, bag });
  const analyses = parseAnalyses(files.analyses ?? [], files.dbtAnalyses ?? [], { projectName, byName, sources, partials: partialNames, vars, bag });

  // ---- folder configs that match nothing (a typo in a folder name silently does nothing otherwise)
  for (const tree of ['models', 'seeds', 'data_tests'] as const) {
    for (const path of configPaths(project[tree])) {
      if (!usedConfigPaths.has(path)) {
        bag.add(diagnostic('UnusedConfigPath', { path: `${tree}.${path}` }, files.configFile.locateKey([tree, ...path.split('.')]), 'warning'));
      }
    }
  }

  bag.throwIfErrors();

  const monitors = monitorNodes(projectName, [...Object.values(nodes), ...Object.values(sources)], project.monitors);

  const parentMap: Record<string, string[]> = {};
  const childMap: Record<string, string[]> = {};
  for (const id of [...Object.keys(nodes), ...Object.keys(sources), ...Object.keys(tests), ...Object.keys(unitTests), ...Object.keys(monitors), ...Object.keys(exports), ...Object.keys(analyses)]) {
    parentMap[id] = [];
    childMap[id] = [];
  }
  for (const node of [...Object.values(nodes), ...Object.values(tests), ...Object.values(unitTests), ...Object.values(monitors), ...Object.values(exports), ...Object.values(analyses)]) {
    for (const dep of node.dependsOn) {
      parentMap[node.uniqueId]!.push(dep);
      childMap[dep]!.push(node.uniqueId);
    }
  }

  const manifest: Manifest = {
    metadata: {
      dpfSchemaVersion: MANIFEST_SCHEMA_VERSION,
      dpfVersion: DPF_VERSION,
      generatedAt: new Date().toISOString(),
      invocationId: ctx.invocationId ?? randomUUID(),
      projectName,
      adapterType: ctx.adapterType,
      targetName: ctx.targetName,
    },
    // One map for every kind, in this order: what builds relations, then sources, data tests, unit tests, monitors, exports, analyses.
    nodes: { ...nodes, ...sources, ...tests, ...unitTests, ...monitors, ...exports, ...analyses },
    macros: macroRecords,
    parentMap,
    childMap,
  };
  return { root: files.root, targetPath: files.targetPath, manifest, templates, partials, vars, genericTests, warnings: bag.warnings };
}






/** Columns of a YAML entry; at is where its columns: list is, for the doc calls in descriptions. */
function columnsOf(raw: unknown, describe: Describe, at: { file: YamlFile; path: (string | number)[] } | undefined): Record<string, ColumnInfo> {
  const out: Record<string, ColumnInfo> = {};
  ((raw as Array<Record<string, unknown>> | undefined) ?? []).forEach((c, i) => {
    const name = String(c.name);
    out[name] = {
      name,
      description: describe(c.description, at && { file: at.file, path: [...at.path, i, 'description'] }),
      dataType: c.data_type === undefined ? undefined : String(c.data_type),
      meta: {
        ...((c.meta as Record<string, unknown>) ?? {}),
        ...(c.classification !== undefined ? { classification: c.classification } : {}),
        ...(c.pii !== undefined ? { pii: c.pii } : {}),
      },
      tags: toTags(c.tags),
      ...classifiedAt(c, i, at),
    };
  });
  return out;
}

/** Where a column's classification is written: its classification:/pii: key, or its meta:. */
function classifiedAt(c: Record<string, unknown>, i: number, at: { file: YamlFile; path: (string | number)[] } | undefined): { classifiedAt?: SourceLocation } {
  if (!at) return {};
  const meta = c.meta as Record<string, unknown> | undefined;
  const key = c.classification !== undefined ? ['classification'] : c.pii !== undefined ? ['pii'] : meta?.classification !== undefined ? ['meta', 'classification'] : meta?.pii !== undefined ? ['meta', 'pii'] : undefined;
  return key ? { classifiedAt: at.file.locate([...at.path, i, ...key]) } : {};
}

export type { SourceLocation, ProjectFile };

