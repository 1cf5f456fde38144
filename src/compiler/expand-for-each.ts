/**
 * Fan-out: one SQL file that generates one model per value of a list (docs/configuration.md#for_each).
 * Here: reading the `for_each` setting (inline `{{config for_each=(var "x")}}` or YAML
 * `config: for_each:`), turning values into generated names (sanitized; two values that give
 * one name are an error), and the rows of a query-driven for_each as they come back from the
 * warehouse. Running the query is the compile pipeline's (for-each-queries.ts): parsing stays
 * synchronous and asks for rows through ParseContext.forEachRows.
 */
import { diagnostic, type Diagnostic, type SourceLocation } from '../errors/dpf-error.js';
import { analyzeTemplate, type InlineForEach } from './analyze-template.js';
import { closestMatch } from './closest-match.js';
import type { ForEachValue, Manifest, SourceNode } from './manifest.js';
import { isEphemeral } from './node-kinds.js';
import type { DeferredForEach, NodeParseScope, PatchEntry } from './parse-scope.js';
import { createHandlebars, renderModelSql } from './render-model-sql.js';

/** Where a for_each takes its values from. */
export type ForEachSpec =
  | { readonly kind: 'values'; readonly values: readonly unknown[] }
  | { readonly kind: 'var'; readonly name: string }
  | { readonly kind: 'query'; readonly text: string };

export interface ForEachSetting {
  readonly spec: ForEachSpec;
  /** A template for the generated names, `{{value}}` (or `{{column}}` of a row) standing for the value. */
  readonly nameTemplate?: string;
  readonly location: SourceLocation;
}

/** One generated model: its name, the value as it appears in the name, and the value itself. */
export interface ForEachInstance {
  readonly name: string;
  readonly key: string;
  readonly value: ForEachValue;
}

/** A for_each query, rendered, as parse-project.ts hands it to ParseContext.forEachRows. */
export interface ForEachQuery {
  /** The query as written in YAML. */
  readonly text: string;
  /** The query with its refs, sources and vars rendered for this target. */
  readonly sql: string;
  /** The models, seeds and snapshots it reads, to say what to build first. */
  readonly reads: readonly string[];
  /** The model file that fans out. */
  readonly file: string;
  readonly location: SourceLocation;
}

/** The rows of a query (a mapping per row), 'pending' until it has run, or skipped with why. */
export type ForEachAnswer = readonly Readonly<Record<string, unknown>>[] | 'pending' | { readonly skipped: string };

/** Thrown by parseProject when for_each queries need to run: compileFromDisk runs them and parses again. */
export class ForEachQueriesNeeded extends Error {
  constructor(readonly queries: readonly ForEachQuery[]) {
    super(`${queries.length} for_each quer${queries.length === 1 ? 'y needs' : 'ies need'} the warehouse`);
  }
}

/**
 * The for_each of a model file: the inline one wins over the YAML one, as config does. A YAML
 * `for_each:` is a list, or a mapping with one of `var`, `values`, `query`, and an optional `name`.
 */
export function forEachSettingOf(
  inline: { spec: InlineForEach; location: SourceLocation } | undefined,
  patch: PatchEntry | undefined,
  diagnostics: Diagnostic[],
): ForEachSetting | undefined {
  const yaml = (patch?.entry.config as Record<string, unknown> | undefined)?.for_each;
  const at = (...path: (string | number)[]) => patch!.file.locate(['models', patch!.index, 'config', 'for_each', ...path]);
  const yamlName = yaml && typeof yaml === 'object' && !Array.isArray(yaml) ? (yaml as Record<string, unknown>).name : undefined;
  const nameTemplate = typeof yamlName === 'string' ? yamlName : undefined;
  if (inline) {
    const spec: ForEachSpec = 'var' in inline.spec ? { kind: 'var', name: inline.spec.var } : { kind: 'values', values: inline.spec.values };
    return { spec, nameTemplate, location: inline.location };
  }
  if (yaml === undefined) return undefined;
  if (Array.isArray(yaml)) return { spec: { kind: 'values', values: yaml }, location: at() };
  const raw = yaml as Record<string, unknown>;
  const given = (['var', 'values', 'query'] as const).filter((k) => raw[k] !== undefined);
  if (given.length !== 1) {
    diagnostics.push(
      diagnostic('InvalidConfig', { key: 'for_each', detail: `needs exactly one of var, values or query${given.length ? ` (got ${given.join(' and ')})` : ''}` }, at()),
    );
    return undefined;
  }
  const key = given[0]!;
  const spec: ForEachSpec =
    key === 'var' ? { kind: 'var', name: String(raw.var) } : key === 'values' ? { kind: 'values', values: raw.values as unknown[] } : { kind: 'query', text: String(raw.query) };
  return { spec, nameTemplate, location: at(key) };
}

/** `Home & Kitchen` -> `home_kitchen`: lower case letters, digits and single underscores. */
export function sanitizeName(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
}

const isScalar = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/**
 * Checks the values and names the models. A value is a scalar, or a mapping of scalars (a row):
 * its first column names the model unless the name template says otherwise.
 */
export function forEachInstances(
  fileName: string,
  values: readonly unknown[],
  setting: ForEachSetting,
  diagnostics: Diagnostic[],
): ForEachInstance[] {
  const out: ForEachInstance[] = [];
  const byName = new Map<string, unknown>();
  values.forEach((raw, i) => {
    const value = normalizeValue(raw);
    if (value === undefined) {
      diagnostics.push(
        diagnostic('ForEachValue', { index: i + 1, detail: `is ${describeValue(raw)}; a value is text, a number, true/false, or a mapping of those (a row)` }, setting.location),
      );
      return;
    }
    const nameValue = isScalar(value) ? value : Object.values(value)[0];
    const key = sanitizeName(String(nameValue ?? ''));
    const name = setting.nameTemplate ? sanitizeName(fillTemplate(setting.nameTemplate, value, fileName)) : key && `${fileName}_${key}`;
    if (!key || !name) {
      diagnostics.push(diagnostic('ForEachValue', { index: i + 1, detail: `(${JSON.stringify(nameValue ?? null)}) leaves nothing to name a model after` }, setting.location));
      return;
    }
    if (byName.has(name)) {
      diagnostics.push(diagnostic('ForEachNameCollision', { name, first: JSON.stringify(byName.get(name)), second: JSON.stringify(raw) }, setting.location));
      return;
    }
    byName.set(name, raw);
    out.push({ name, key, value });
  });
  return out;
}

/** `{{value}}` is the value (a row's first column), `{{file}}` the file's name, `{{col}}` a row's column. */
function fillTemplate(template: string, value: ForEachValue, fileName: string): string {
  return template.replace(/\{\{\s*([A-Za-z_][\w]*)\s*\}\}/g, (whole, key: string) => {
    if (key === 'file') return fileName;
    if (key === 'value') return String(isScalar(value) ? value : Object.values(value)[0]);
    if (!isScalar(value) && key in value) return String(value[key]);
    return whole;
  });
}

function normalizeValue(raw: unknown): ForEachValue | undefined {
  if (isScalar(raw)) return raw;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0 || !entries.every(([, v]) => v === null || isScalar(v))) return undefined;
  return Object.fromEntries(entries) as ForEachValue;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping holding more than text, numbers and true/false';
  return `a ${typeof v}`;
}

/**
 * The model files whose for_each runs a query, once every other node (and source) is known:
 * each query rendered (its refs and sources become relation names of this target), its rows
 * asked of ctx.forEachRows, and the models generated. Rows not known yet: ForEachQueriesNeeded.
 */
export function expandDeferredForEach(scope: NodeParseScope, sources: Readonly<Record<string, SourceNode>>, partials: ReadonlyMap<string, string>): void {
  const { bag, ctx } = scope;
  if (scope.deferredForEach.length === 0) return;
  const pending: ForEachQuery[] = [];
  const ready: { emit: (values: readonly unknown[]) => void; rows: readonly Readonly<Record<string, unknown>>[] }[] = [];
  for (const deferred of scope.deferredForEach) {
    const rendered = renderForEachQuery(deferred, scope, sources, partials);
    if (!rendered) continue;
    const query: ForEachQuery = { text: deferred.query, sql: rendered.sql, reads: rendered.reads, file: deferred.path, location: deferred.location };
    const answer = ctx.forEachRows?.(query);
    if (answer === undefined) {
      bag.add(diagnostic('ForEachQueryFailed', { detail: 'this command compiles without a warehouse connection', reads: rendered.reads.join(' ') }, deferred.location));
    } else if (answer === 'pending') pending.push(query);
    else if ('skipped' in answer) bag.add(diagnostic('ForEachSkipped', { file: deferred.path, detail: answer.skipped }, deferred.location, 'warning'));
    else ready.push({ emit: deferred.emit, rows: answer });
  }
  if (pending.length > 0) throw new ForEachQueriesNeeded(pending);
  // A row of one column is its value; a row of several stays a row ({{each_value "column"}}).
  for (const { emit, rows } of ready) emit(rows.map((r) => (Object.keys(r).length === 1 ? Object.values(r)[0] : r)));
}

function renderForEachQuery(
  deferred: DeferredForEach,
  scope: NodeParseScope,
  sources: Readonly<Record<string, SourceNode>>,
  partials: ReadonlyMap<string, string>,
): { sql: string; reads: string[] } | undefined {
  const { bag, ctx, vars, nodes, projectName } = scope;
  const at = deferred.location;
  const before = bag.items.length;
  // The query sits in a YAML string: its problems are reported where the string is.
  const analysis = analyzeTemplate(deferred.query, { file: at.file, partials: scope.partialNames, lookupVar: (name) => vars[name] });
  analysis.diagnostics.forEach((d) => bag.add({ ...d, location: at }));
  if (analysis.eachCalls.length > 0 || analysis.unionRefs.length > 0 || Object.keys(analysis.config).length > 0 || analysis.forEach) {
    bag.add(diagnostic('InvalidConfig', { key: 'for_each', detail: 'query may use ref, source, var and literal, not config, each_value or union_refs' }, at));
  }
  const byName = new Map(Object.values(nodes).map((n) => [n.name, n.uniqueId]));
  for (const ref of analysis.refs) {
    const id = byName.get(ref.name);
    if (!id) bag.add(diagnostic('RefNotFound', { name: ref.name, suggestion: closestMatch(ref.name, byName.keys()) }, at));
    else if (isEphemeral(nodes[id]!)) bag.add(diagnostic('InvalidConfig', { key: 'for_each', detail: `query reads "${ref.name}", an ephemeral model, which has no relation to query at compile time` }, at));
  }
  for (const s of analysis.sources) {
    if (!sources[`source.${projectName}.${s.source}.${s.table}`]) bag.add(diagnostic('SourceNotFound', { source: s.source, table: s.table }, at));
  }
  for (const v of analysis.vars) if (!v.hasDefault && !(v.name in vars)) bag.add(diagnostic('VarMissing', { name: v.name, suggestion: closestMatch(v.name, Object.keys(vars)) }, at));
  if (bag.items.length > before || !analysis.ast) return undefined;
  const manifest = { nodes: { ...nodes, ...sources } } as unknown as Manifest;
  const target = { name: ctx.targetName, schema: ctx.targetSchema, type: ctx.adapterType, profile_name: '', database: ctx.targetDatabase };
  const env = { handlebars: createHandlebars(partials), manifest, dialect: ctx.dialect, vars, target, byName };
  const rendered = bag.collect(() => renderModelSql({ packageName: projectName, originalFilePath: at.file, relationName: '' }, analysis.ast!, env));
  if (!rendered) return undefined;
  return { sql: rendered.sql.trimEnd(), reads: [...new Set(analysis.refs.map((r) => r.name))] };
}
