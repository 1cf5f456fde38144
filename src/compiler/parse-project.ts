/**
 * Step 2: parse. Turns loaded files into manifest nodes: analyzes every model template (refs,
 * sources, inline config, helpers), applies config precedence, attaches YAML descriptions and
 * columns, reads seeds, declares sources, resolves every ref and source to a unique id, and
 * names each node's relation. Collects all diagnostics and reports them together.
 */
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DiagnosticBag, diagnostic, type SourceLocation } from '../errors/dpf-error.js';
import type { Dialect } from '../adapters/adapter.js';
import { analyzeTemplate } from './analyze-template.js';
import { findJinjaHabits } from './jinja-habits.js';
import { closestMatch } from './closest-match.js';
import type { ProjectFile, ProjectFiles, PropertiesFile } from './load-project.js';
import { MANIFEST_SCHEMA_VERSION, type ColumnInfo, type ExecutableNode, type Manifest, type ModelConfig, type SqlNode, type SeedConfig, type SeedNode, type SourceNode } from './manifest.js';
import { isEphemeral } from './node-kinds.js';
import { DPF_VERSION } from './package-paths.js';
import { scanSeedCsv } from '../adapters/read-seed-csv.js';
import { loadGenericTests, type GenericTestDefinition } from './generic-tests.js';
import { parseDataTests, parseRelationArg } from './parse-data-tests.js';
import { parseSources } from './parse-sources.js';
import { parseUnitTests } from './parse-unit-tests.js';
import { monitorNodes } from './parse-monitors.js';
import { dbtProjectKeyDiagnostics } from './dbt-project-keys.js';
import { collectDocsBlocks, docsResolver, type Describe } from './resolve-docs.js';
import { configPaths, folderConfig, mergeConfigs, resolveSchema, toTags, type RawConfig } from './resolve-config.js';
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

const INLINE_CONFIG_KEYS: Record<string, (v: unknown) => string | undefined> = {
  materialized: (v) =>
    ['view', 'table', 'ephemeral', 'incremental'].includes(String(v)) ? undefined : 'must be one of view, table, ephemeral, incremental',
  incremental_strategy: (v) =>
    ['append', 'merge', 'delete+insert', 'microbatch'].includes(String(v)) ? undefined : 'must be one of append, merge, delete+insert, microbatch',
  event_time: (v) => (typeof v === 'string' ? undefined : 'must be a column name'),
  reuse: (v) => (['auto', 'trust_code'].includes(String(v)) ? undefined : 'must be auto or trust_code'),
  batch_size: (v) => (['hour', 'day', 'month'].includes(String(v)) ? undefined : 'must be hour, day or month'),
  begin: (v) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? undefined : 'must be a date such as "2024-01-01"'),
  lookback: (v) => (Number.isInteger(v) && Number(v) >= 0 ? undefined : 'must be a whole number of batches'),
  unique_key: (v) => (typeof v === 'string' ? undefined : 'must be a string (comma-separated for several columns)'),
  on_schema_change: (v) =>
    ['ignore', 'fail', 'append_new_columns', 'sync_all_columns'].includes(String(v)) ? undefined : 'must be one of ignore, fail, append_new_columns, sync_all_columns',
  merge_update_columns: (v) => (typeof v === 'string' ? undefined : 'must be a string (comma-separated)'),
  merge_exclude_columns: (v) => (typeof v === 'string' ? undefined : 'must be a string (comma-separated)'),
  strategy: (v) => (['timestamp', 'check'].includes(String(v)) ? undefined : 'must be timestamp or check'),
  updated_at: (v) => (typeof v === 'string' ? undefined : 'must be a column name'),
  check_cols: (v) => (typeof v === 'string' ? undefined : 'must be "all" or column names, comma-separated'),
  invalidate_hard_deletes: (v) => (typeof v === 'boolean' ? undefined : 'must be true or false'),
  schema: (v) => (typeof v === 'string' ? undefined : 'must be a string'),
  database: (v) => (typeof v === 'string' ? undefined : 'must be a string'),
  alias: (v) => (typeof v === 'string' ? undefined : 'must be a string'),
  tags: (v) => (typeof v === 'string' ? undefined : 'must be a string (comma-separated for several tags)'),
  enabled: (v) => (typeof v === 'boolean' ? undefined : 'must be true or false'),
  // Settings are a mapping, written in YAML; inline, a monitor can only be turned off.
  monitors: (v) => (v === 'off' ? undefined : 'must be "off" inline (set monitor settings under config: monitors: in YAML)'),
};

interface PatchEntry {
  readonly entry: Record<string, unknown> & { name: string };
  readonly file: YamlFile<PropertiesFile>;
  readonly index: number;
}

const sha256 = (text: string) => ({ name: 'sha256' as const, checksum: createHash('sha256').update(text).digest('hex') });

export function parseProject(files: ProjectFiles, ctx: ParseContext): ParsedProject {
  const bag = new DiagnosticBag();
  const project = files.config;
  const projectName = project.name;
  const vars = projectVars(files, ctx.cliVars);
  const strategy = project.schema_strategy ?? 'target_prefix';
  const usedConfigPaths = new Set<string>();
  dbtProjectKeyDiagnostics(files.configFile).forEach((d) => bag.add(d));
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

  // ---- models
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

  const modelRefs: { node: SqlNode; vars: ReturnType<typeof analyzeTemplate>['vars'] }[] = [];
  const sqlFiles = [
    ...files.models.map((file) => ({ file, snapshot: false })),
    ...files.snapshots.map((file) => ({ file, snapshot: true })),
    ...yamlSnapshots(patches.snapshots, new Set(files.snapshots.map((f) => f.name)), bag).map((file) => ({ file, snapshot: true })),
  ];
  for (const { file, snapshot } of sqlFiles) {
    const analysis = analyzeTemplate(file.text, {
      file: file.path,
      partials: partialNames,
      lookupVar: (name) => vars[name],
    });
    const usedPartials = partialClosure(analysis.partials);
    const fromPartials = usedPartials.map((p) => macroAnalyses.get(p)!);
    analysis.diagnostics.forEach((d) => bag.add(d));
    for (const [key, { value, location }] of Object.entries(analysis.config)) {
      const check = INLINE_CONFIG_KEYS[key];
      if (!check) {
        bag.add(
          diagnostic(
            'UnknownKey',
            { key, where: '{{config}}', suggestion: closestMatch(key, Object.keys(INLINE_CONFIG_KEYS)), allowed: Object.keys(INLINE_CONFIG_KEYS) },
            location,
          ),
        );
      } else {
        const problem = check(value);
        if (problem) bag.add(diagnostic('InvalidConfig', { key, detail: problem }, location));
      }
    }
    const fqn = [projectName, ...file.folders, file.name];
    const patchKind = snapshot ? 'snapshots' : 'models';
    const patch = patches[patchKind].get(file.name);
    patches[patchKind].delete(file.name);
    const inline = Object.fromEntries(Object.entries(analysis.config).map(([k, v]) => [k, v.value]));
    const yamlLevel: RawConfig = { ...((patch?.entry.config as RawConfig) ?? {}) };
    if (patch?.entry.tags) yamlLevel.tags = [...toTags(yamlLevel.tags), ...toTags(patch.entry.tags)];
    if (patch?.entry.docs) yamlLevel.docs = patch.entry.docs;
    const merged = snapshot
      ? mergeConfigs([yamlLevel, inline, { materialized: 'snapshot' }])
      : mergeConfigs([{ materialized: 'view' }, ...folderConfig(project.models, fqn, usedConfigPaths), yamlLevel, inline]);
    const config: ModelConfig = {
      materialized: merged.materialized as ModelConfig['materialized'],
      schema: merged.schema as string | undefined,
      database: merged.database as string | undefined,
      alias: merged.alias as string | undefined,
      tags: merged.tags as string[],
      enabled: merged.enabled !== false,
      meta: { ...(merged.meta as Record<string, unknown>), ...((patch?.entry.meta as Record<string, unknown>) ?? {}) },
      docs: { show: true, ...((merged.docs as object) ?? {}) },
      ...grantsConfig(merged),
      ...incrementalConfig(merged),
      ...snapshotConfig(merged),
      ...(merged.reuse === 'trust_code' ? { reuse: 'trust_code' as const } : {}),
      ...(merged.monitors !== undefined ? { monitors: merged.monitors as ModelConfig['monitors'] } : {}),
    };
    if (!config.enabled) continue;
    // Config written in Jinja is reported as such; "unique_key is missing" on top would mislead.
    const jinja = analysis.diagnostics.some((d) => d.name === 'JinjaSyntax');
    if (snapshot && !jinja) checkSnapshotConfig(config, file.path, analysis, bag);
    if (config.incremental_strategy === 'microbatch') {
      for (const key of ['event_time', 'batch_size', 'begin'] as const) {
        if (!config[key]) {
          bag.add(
            diagnostic(
              'InvalidConfig',
              { key, detail: 'is needed by the microbatch strategy (event_time: the time column, batch_size: hour|day|month, begin: the first date)' },
              analysis.config.incremental_strategy?.location ?? { file: file.path, line: 1, column: 1 },
            ),
          );
        }
      }
    } else if (config.materialized === 'incremental' && config.incremental_strategy !== 'append' && !config.unique_key?.length) {
      bag.add(
        diagnostic(
          'InvalidConfig',
          { key: 'unique_key', detail: `is needed by the ${config.incremental_strategy} strategy; set unique_key, or use incremental_strategy="append"` },
          analysis.config.incremental_strategy?.location ?? analysis.config.materialized?.location ?? { file: file.path, line: 1, column: 1 },
        ),
      );
    }
    const uniqueId = `${snapshot ? 'snapshot' : 'model'}.${projectName}.${file.name}`;
    if (!claimName(file.name, uniqueId, file.path, snapshot ? 'snapshot' : 'model')) continue;
    const node: SqlNode = {
      kind: snapshot ? 'snapshot' : 'model',
      uniqueId,
      name: file.name,
      packageName: projectName,
      originalFilePath: file.path,
      fqn,
      description: describe(patch?.entry.description, patch && { file: patch.file, path: [patchKind, patch.index, 'description'] }),
      columns: columns(patch?.entry.columns, patch?.file, [patchKind, patch?.index ?? 0, 'columns']),
      meta: config.meta,
      tags: config.tags,
      patchPath: patch?.file.path,
      ...relationFor(file.name, config),
      config,
      rawCode: file.text,
      checksum: sha256(file.text),
      refs: [...analysis.refs, ...fromPartials.flatMap((a) => a.refs)],
      sources: [...analysis.sources, ...fromPartials.flatMap((a) => a.sources)],
      macros: usedPartials.map((p) => `macro.${projectName}.${p}`),
      dependsOn: [],
    };
    nodes[uniqueId] = node;
    if (analysis.ast) templates.set(uniqueId, analysis.ast);
    modelRefs.push({ node, vars: [...analysis.vars, ...fromPartials.flatMap((a) => a.vars)] });
  }

  // ---- seeds
  for (const file of files.seeds) {
    const fqn = [projectName, ...file.folders, file.name];
    const patch = patches.seeds.get(file.name);
    patches.seeds.delete(file.name);
    const yamlLevel: RawConfig = { ...((patch?.entry.config as RawConfig) ?? {}) };
    if (patch?.entry.tags) yamlLevel.tags = [...toTags(yamlLevel.tags), ...toTags(patch.entry.tags)];
    const merged = mergeConfigs([...folderConfig(project.seeds, fqn, usedConfigPaths), yamlLevel]);
    if (merged.enabled === false) continue;
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

  // ---- sources
  const sources = parseSources(files, { projectName, dialect: ctx.dialect, targetDatabase: ctx.targetDatabase, describe }, columns, bag);

  // ---- resolve refs, sources and vars
  const refable = [...byName.keys()];
  const sourceKeys = Object.values(sources).map((s) => `${s.sourceName}.${s.tableName}`);
  for (const { node, vars: varCalls } of modelRefs) {
    const deps: string[] = [];
    for (const ref of node.refs) {
      const target = byName.get(ref.name);
      if (!target) bag.add(diagnostic('RefNotFound', { name: ref.name, suggestion: closestMatch(ref.name, refable) }, ref.location));
      else if (!deps.includes(target.uniqueId)) deps.push(target.uniqueId);
    }
    for (const call of node.sources) {
      const uniqueId = `source.${projectName}.${call.source}.${call.table}`;
      if (!sources[uniqueId]) {
        const suggestion = closestMatch(`${call.source}.${call.table}`, sourceKeys);
        bag.add(diagnostic('SourceNotFound', { source: call.source, table: call.table, suggestion: suggestion?.replace('.', '" "') }, call.location));
      } else if (!deps.includes(uniqueId)) deps.push(uniqueId);
    }
    for (const call of varCalls) {
      if (!call.hasDefault && !(call.name in vars)) {
        bag.add(diagnostic('VarMissing', { name: call.name, suggestion: closestMatch(call.name, Object.keys(vars)) }, call.location));
      }
    }
    (node as { dependsOn: string[] }).dependsOn = deps;
  }

  // ---- data tests and unit tests
  // Custom generic tests render later without the model analyzer, so Jinja in them is found here.
  for (const file of files.genericTests) findJinjaHabits(file.text, file.path).forEach((d) => bag.add(d));
  const genericTests = loadGenericTests(ctx.adapterType, files.genericTests);
  const tests = parseDataTests({
    files,
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
  for (const id of [...Object.keys(nodes), ...Object.keys(sources), ...Object.keys(tests), ...Object.keys(unitTests), ...Object.keys(monitors)]) {
    parentMap[id] = [];
    childMap[id] = [];
  }
  for (const node of [...Object.values(nodes), ...Object.values(tests), ...Object.values(unitTests), ...Object.values(monitors)]) {
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
    // One map for every kind, in this order: what builds relations, then sources, data tests, unit tests, monitors.
    nodes: { ...nodes, ...sources, ...tests, ...unitTests, ...monitors },
    macros: macroRecords,
    parentMap,
    childMap,
  };
  return { root: files.root, targetPath: files.targetPath, manifest, templates, partials, vars, genericTests, warnings: bag.warnings };
}

/**
 * Snapshots defined in YAML alone (`relation: source('crm', 'customers')` and a config), as
 * dbt allows: each becomes a one-line snapshot query, located at its YAML entry.
 */
function yamlSnapshots(entries: ReadonlyMap<string, PatchEntry>, sqlNames: ReadonlySet<string>, bag: DiagnosticBag): ProjectFile[] {
  const out: ProjectFile[] = [];
  for (const [name, { entry, file, index }] of entries) {
    if (sqlNames.has(name) || entry.relation === undefined) continue;
    const parsed = parseRelationArg(String(entry.relation));
    if (!parsed) {
      bag.add(diagnostic('InvalidConfig', { key: 'relation', detail: "must be ref('model') or source('source', 'table')" }, file.locate(['snapshots', index, 'relation'])));
      continue;
    }
    const from = 'ref' in parsed ? `{{ref "${parsed.ref}"}}` : `{{source "${parsed.source}" "${parsed.table}"}}`;
    out.push({ path: file.path, folders: [], name, text: `select * from ${from}\n` });
  }
  return out;
}

/** Snapshot config: which rows are the same entity (unique_key) and how a change is seen. */
function snapshotConfig(merged: RawConfig): Partial<ModelConfig> {
  if (merged.materialized !== 'snapshot') return {};
  const checkCols = merged.check_cols === undefined ? undefined : merged.check_cols === 'all' ? 'all' : toTags(merged.check_cols);
  return {
    unique_key: merged.unique_key === undefined ? undefined : toTags(merged.unique_key),
    strategy: merged.strategy as ModelConfig['strategy'],
    updated_at: merged.updated_at as string | undefined,
    check_cols: checkCols as ModelConfig['check_cols'],
    invalidate_hard_deletes: merged.invalidate_hard_deletes === true,
  };
}

function checkSnapshotConfig(config: ModelConfig, file: string, analysis: ReturnType<typeof analyzeTemplate>, bag: DiagnosticBag): void {
  const at = (key: string) => analysis.config[key]?.location ?? { file, line: 1, column: 1 };
  const problem = (key: string, detail: string) => bag.add(diagnostic('InvalidConfig', { key, detail }, at(key)));
  if (!config.unique_key?.length) problem('unique_key', 'is needed by a snapshot: the column(s) that identify a row across loads');
  if (config.strategy === 'timestamp' && !config.updated_at) problem('updated_at', 'is needed by the timestamp strategy: the column holding when a row last changed');
  else if (config.strategy === 'check' && !config.check_cols) problem('check_cols', 'is needed by the check strategy: "all" or the columns to compare');
  else if (!config.strategy) problem('strategy', 'is needed by a snapshot: timestamp (with updated_at) or check (with check_cols)');
}

/** grants: {privilege: grantee or [grantees]}; privileges lower-cased, grantees as written. */
function grantsConfig(merged: RawConfig): { grants?: Record<string, string[]> } {
  const raw = merged.grants as Record<string, unknown> | undefined;
  if (!raw || Object.keys(raw).length === 0) return {};
  return { grants: Object.fromEntries(Object.entries(raw).map(([privilege, who]) => [privilege.toLowerCase(), toTags(who)])) };
}

/** Incremental config, lists accepted as YAML lists or comma-separated strings. */
function incrementalConfig(merged: RawConfig): Partial<ModelConfig> {
  const eventTime = merged.event_time === undefined ? {} : { event_time: String(merged.event_time) };
  if (merged.materialized !== 'incremental') return eventTime;
  const list = (v: unknown) => (v === undefined ? undefined : toTags(v));
  const uniqueKey = list(merged.unique_key);
  return {
    incremental_strategy: (merged.incremental_strategy as ModelConfig['incremental_strategy']) ?? (uniqueKey?.length ? 'merge' : 'append'),
    unique_key: uniqueKey,
    merge_update_columns: list(merged.merge_update_columns),
    merge_exclude_columns: list(merged.merge_exclude_columns),
    on_schema_change: (merged.on_schema_change as ModelConfig['on_schema_change']) ?? 'ignore',
    ...eventTime,
    ...(merged.incremental_strategy === 'microbatch'
      ? { batch_size: merged.batch_size as ModelConfig['batch_size'], begin: merged.begin as string | undefined, lookback: Number(merged.lookback ?? 1) }
      : {}),
  };
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
      meta: (c.meta as Record<string, unknown>) ?? {},
      tags: toTags(c.tags),
    };
  });
  return out;
}

export type { SourceLocation, ProjectFile };

function normalizeType(dialect: Dialect, typeName: string | undefined): string | undefined {
  return typeName === undefined || !dialect.normalizeType ? typeName : dialect.normalizeType(typeName);
}
