/**
 * The parsers of models (models/*.sql) and snapshots (snapshots/*.sql, or YAML alone): each
 * template analyzed once (refs, sources, inline config, helpers, vars), config precedence
 * applied (folder config, YAML, inline), YAML descriptions and columns attached, and the node
 * named with its relation. Refs are resolved by parse-project.ts once every node is known.
 */
import { diagnostic, type Diagnostic, type DiagnosticBag } from '../errors/dpf-error.js';
import { forEachInstances, forEachSettingOf, type ForEachInstance } from './expand-for-each.js';
import { analyzeTemplate } from './analyze-template.js';
import { closestMatch } from './closest-match.js';
import { poolNames, unknownPool } from './check-pools.js';
import type { ProjectFile } from './load-project.js';
import type { ModelConfig, SqlNode } from './manifest.js';
import { NODE_KINDS } from './node-kinds.js';
import { parseRelationArg } from './parse-data-tests.js';
import { grantsConfig, isEnabled, sha256, yamlKeyLocation, type NodeParseScope, type PatchEntry } from './parse-scope.js';
import { folderConfig, mergeConfigs, toTags, type RawConfig } from './resolve-config.js';
import { runPolicyOf } from './resolve-run-policy.js';

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
  enabled: (v) => (typeof v === 'boolean' || typeof v === 'string' ? undefined : 'must be true, false or an expression such as "target.name == \'prod\'"'),
  pool: (v) => (typeof v === 'string' ? undefined : 'must be the name of a pool of dpf_project.yml'),
  // A retry policy is a mapping, written in YAML; inline, the count alone (the defaults for the rest).
  retries: (v) => (Number.isInteger(v) && Number(v) >= 0 ? undefined : 'must be a whole number of retries inline (set the backoff under config: retries: in YAML)'),
  on_error: (v) => (['fail', 'skip_downstream', 'continue'].includes(String(v)) ? undefined : 'must be one of fail, skip_downstream, continue'),
  // A condition plugin is a mapping, written in YAML; inline, a query (docs/pipelines.md#run_if).
  run_if: (v) => (typeof v === 'string' && v.trim() !== '' ? undefined : 'must be a query returning one boolean inline (name a condition plugin under config: run_if: in YAML)'),
  trigger: (v) => (['all_success', 'all_done', 'any_success', 'none_failed'].includes(String(v)) ? undefined : 'must be one of all_success, all_done, any_success, none_failed'),
  // Settings are a mapping, written in YAML; inline, a monitor can only be turned off.
  monitors: (v) => (v === 'off' ? undefined : 'must be "off" inline (set monitor settings under config: monitors: in YAML)'),
};

/** Parses the SQL files of one kind (model or snapshot) into scope.nodes. */
export function parseSqlNodes(scope: NodeParseScope, kind: SqlNode['kind'], files: readonly ProjectFile[]): void {
  const { bag, project, vars, partialNames, partialClosure, macroAnalyses, patches } = scope;
  for (const file of files) {
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
        const allowed = [...Object.keys(INLINE_CONFIG_KEYS), 'for_each'];
        bag.add(diagnostic('UnknownKey', { key, where: '{{config}}', suggestion: closestMatch(key, allowed), allowed }, location));
      } else {
        const problem = check(value);
        if (problem) bag.add(diagnostic('InvalidConfig', { key, detail: problem }, location));
        else if (key === 'pool') {
          const unknown = unknownPool(String(value), poolNames(project), location);
          if (unknown) bag.add(unknown);
        }
      }
    }
    const patchKind = kind === 'snapshot' ? 'snapshots' : 'models';
    const patch = patches[patchKind].get(file.name);
    patches[patchKind].delete(file.name);
    const file_: PreparedFile = { kind, file, analysis, usedPartials, fromPartials, patch, patchKind };
    const problems: Diagnostic[] = [];
    const forEach = forEachSettingOf(analysis.forEach, patch, problems);
    problems.forEach((d) => bag.add(d));
    if (forEach && kind === 'snapshot') {
      bag.add(diagnostic('InvalidConfig', { key: 'for_each', detail: 'fans out models only, not snapshots' }, forEach.location));
      continue;
    }
    if (!forEach) {
      for (const at of analysis.eachCalls) bag.add(diagnostic('EachValueOutsideForEach', {}, at));
      emitSqlNode(scope, file_, undefined, new Set());
      continue;
    }
    const emit = (values: readonly unknown[]) => {
      const found: Diagnostic[] = [];
      const instances = forEachInstances(file.name, values, forEach, found);
      found.forEach((d) => bag.add(d));
      if (instances.length === 0 && found.length === 0) bag.add(diagnostic('ForEachEmpty', { file: file.name }, forEach.location, 'warning'));
      scope.generated.set(file.name, instances.map((i) => i.name));
      // Config problems are the file's: reported once, not once per generated model.
      const reported = new Set<string>();
      for (const instance of instances) emitSqlNode(scope, file_, instance, reported);
    };
    const spec = forEach.spec;
    if (spec.kind === 'query') {
      scope.generated.set(file.name, []);
      scope.deferredForEach.push({ fileName: file.name, path: file.path, emit, query: spec.text, location: forEach.location });
    } else if (spec.kind === 'values') {
      emit(spec.values);
    } else if (!(spec.name in vars)) {
      // No model is generated, so the usual check of its {{var}} calls never sees this one.
      scope.generated.set(file.name, []);
      bag.add(diagnostic('VarMissing', { name: spec.name, suggestion: closestMatch(spec.name, Object.keys(vars)) }, forEach.location));
    } else if (!Array.isArray(vars[spec.name])) {
      scope.generated.set(file.name, []);
      bag.add(diagnostic('InvalidConfig', { key: 'for_each', detail: `needs a list, but the variable "${spec.name}" is ${JSON.stringify(vars[spec.name])}` }, forEach.location));
    } else {
      emit(vars[spec.name] as unknown[]);
    }
  }
}

interface PreparedFile {
  readonly kind: SqlNode['kind'];
  readonly file: ProjectFile;
  readonly analysis: ReturnType<typeof analyzeTemplate>;
  readonly usedPartials: string[];
  readonly fromPartials: ReturnType<typeof analyzeTemplate>[];
  readonly patch: PatchEntry | undefined;
  readonly patchKind: 'models' | 'snapshots';
}

/**
 * One node of a file: the file's own, or one a for_each generates. A generated model takes the
 * YAML entry named after the file (every one of them) with the entry named after itself over it.
 */
function emitSqlNode(scope: NodeParseScope, prepared: PreparedFile, instance: ForEachInstance | undefined, reported: Set<string>): void {
  const { project, projectName, describe, columns, relationFor, patches, usedConfigPaths, nodes, templates, claimName, modelRefs } = scope;
  const { kind, file, analysis, usedPartials, fromPartials, patch, patchKind } = prepared;
  const bag = { add: (d: Diagnostic) => {
    const key = `${d.code}\u0000${d.message}\u0000${d.location?.file}:${d.location?.line}:${d.location?.column}`;
    if (!reported.has(key)) scope.bag.add(d);
    reported.add(key);
  } };
  const name = instance?.name ?? file.name;
  const own = instance ? patches.models.get(instance.name) : undefined;
  if (instance) patches.models.delete(instance.name);
  const fqn = [projectName, ...file.folders, file.name];
  const inline = Object.fromEntries(Object.entries(analysis.config).map(([k, v]) => [k, v.value]));
  const yamlLevel: RawConfig = {};
  for (const p of [patch, own]) {
    if (!p) continue;
    const { for_each: _forEach, ...config } = (p.entry.config as RawConfig) ?? {};
    Object.assign(yamlLevel, config, { tags: [...toTags(yamlLevel.tags), ...toTags(config.tags), ...toTags(p.entry.tags)] });
    if (p.entry.docs) yamlLevel.docs = p.entry.docs;
  }
  const merged = kind === 'snapshot'
    ? mergeConfigs([yamlLevel, inline, { materialized: 'snapshot' }])
    : mergeConfigs([{ materialized: 'view' }, ...folderConfig(project.models, fqn, usedConfigPaths), yamlLevel, inline]);
  const meta = { ...((patch?.entry.meta as Record<string, unknown>) ?? {}), ...((own?.entry.meta as Record<string, unknown>) ?? {}) };
  const config: ModelConfig = {
    materialized: merged.materialized as ModelConfig['materialized'],
    schema: merged.schema as string | undefined,
    database: merged.database as string | undefined,
    alias: merged.alias as string | undefined,
    tags: merged.tags as string[],
    enabled: isEnabled(scope, merged.enabled, () => analysis.config.enabled?.location ?? yamlKeyLocation(patch ?? own, 'enabled') ?? { file: file.path, line: 1, column: 1 }),
    meta: { ...(merged.meta as Record<string, unknown>), ...meta },
    docs: { show: true, ...((merged.docs as object) ?? {}) },
    ...grantsConfig(merged),
    ...incrementalConfig(merged),
    ...snapshotConfig(merged),
    ...(merged.reuse === 'trust_code' ? { reuse: 'trust_code' as const } : {}),
    ...(merged.monitors !== undefined ? { monitors: merged.monitors as ModelConfig['monitors'] } : {}),
    ...runPolicyOf(merged),
  };
  if (!config.enabled) return;
  // Config written in Jinja is reported as such; "unique_key is missing" on top would mislead.
  const jinja = analysis.diagnostics.some((d) => d.name === 'JinjaSyntax');
  if (kind === 'snapshot' && !jinja) checkSnapshotConfig(config, file.path, analysis, bag);
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
  const uniqueId = `${NODE_KINDS[kind].idPrefix}.${projectName}.${name}`;
  if (!claimName(name, uniqueId, file.path, kind)) return;
  const describedBy = own?.entry.description !== undefined ? own : patch;
  const columnsBy = own?.entry.columns !== undefined ? own : patch;
  const node: SqlNode = {
    kind,
    uniqueId,
    name,
    packageName: projectName,
    originalFilePath: file.path,
    fqn: [projectName, ...file.folders, name],
    description: describe(describedBy?.entry.description, describedBy && { file: describedBy.file, path: [patchKind, describedBy.index, 'description'] }),
    columns: columns(columnsBy?.entry.columns, columnsBy?.file, [patchKind, columnsBy?.index ?? 0, 'columns']),
    meta: config.meta,
    tags: config.tags,
    patchPath: (own ?? patch)?.file.path,
    ...relationFor(name, config),
    config,
    rawCode: file.text,
    // A generated model's code is the file and its value: a changed value is a changed body.
    checksum: sha256(instance ? `${file.text}\u0000${JSON.stringify(instance.value)}` : file.text),
    refs: [...analysis.refs, ...fromPartials.flatMap((a) => a.refs)],
    sources: [...analysis.sources, ...fromPartials.flatMap((a) => a.sources)],
    macros: usedPartials.map((p) => `macro.${projectName}.${p}`),
    dependsOn: [],
    ...(instance ? { forEach: { file: file.name, key: instance.key, value: instance.value } } : {}),
    ...governanceOf(own ?? patch, patchKind),
  };
  nodes[uniqueId] = node;
  if (analysis.ast) templates.set(uniqueId, analysis.ast);
  modelRefs.push({ node, vars: [...analysis.vars, ...fromPartials.flatMap((a) => a.vars)] });
  const unionCalls = [...analysis.unionRefs, ...fromPartials.flatMap((a) => a.unionRefs)];
  if (unionCalls.length > 0) scope.unionCalls.push({ node, calls: unionCalls });
}

export /**
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

function checkSnapshotConfig(config: ModelConfig, file: string, analysis: ReturnType<typeof analyzeTemplate>, bag: Pick<DiagnosticBag, 'add'>): void {
  const at = (key: string) => analysis.config[key]?.location ?? { file, line: 1, column: 1 };
  const problem = (key: string, detail: string) => bag.add(diagnostic('InvalidConfig', { key, detail }, at(key)));
  if (!config.unique_key?.length) problem('unique_key', 'is needed by a snapshot: the column(s) that identify a row across loads');
  if (config.strategy === 'timestamp' && !config.updated_at) problem('updated_at', 'is needed by the timestamp strategy: the column holding when a row last changed');
  else if (config.strategy === 'check' && !config.check_cols) problem('check_cols', 'is needed by the check strategy: "all" or the columns to compare');
  else if (!config.strategy) problem('strategy', 'is needed by a snapshot: timestamp (with updated_at) or check (with check_cols)');
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

/** The model's access: and declassify: keys (docs/governance.md), with where they are written. */
function governanceOf(described: PatchEntry | undefined, kind: string): Pick<SqlNode, 'access' | 'declassify'> {
  if (!described) return {};
  const { entry, file, index } = described;
  const access = entry.access as 'public' | 'protected' | 'private' | undefined;
  const declassify = entry.declassify as { column: string; reason: string }[] | undefined;
  return {
    ...(access ? { access: { level: access, location: file.locate([kind, index, 'access']) } } : {}),
    ...(declassify ? { declassify: declassify.map((d, i) => ({ column: d.column, reason: d.reason, location: file.locate([kind, index, 'declassify', i]) })) } : {}),
  };
}
