/**
 * Analyses (analyses/<name>.yml, docs/analyses.md): a query with refs and a chart, kept in the
 * project. Each file is validated against schemas/analysis.schema.json (an unknown mark or
 * aggregate is an error there, at its line), its SQL analysed once like a model's (refs,
 * sources, vars, each at its line in the YAML file), and must be one read-only query. An
 * analysis is a leaf: nothing refs it, and it is never built; compile-project.ts renders its
 * SQL after the models, and `dpf docs generate` runs it for the catalog's snapshot.
 */
import { diagnostic, type DiagnosticBag, type SourceLocation } from '../errors/dpf-error.js';
import { analyzeTemplate } from './analyze-template.js';
import { closestMatch } from './closest-match.js';
import type { ProjectFile } from './load-project.js';
import type { AnalysisNode, ChartSpec, SourceNode } from './manifest.js';
import { readOnlyProblem } from './parse-conditions.js';
import { parseYaml, type YamlFile } from './read-yaml-file.js';
import { toTags } from './resolve-config.js';
import { schemaValidator } from './schema-validators.js';
import { sha256 } from './parse-scope.js';

/** An analysis file as written (schemas/analysis.schema.json). */
export interface AnalysisFile {
  readonly title?: string;
  readonly description?: string;
  readonly owner?: string;
  readonly tags?: string | string[];
  readonly meta?: Record<string, unknown>;
  readonly sql: string;
  readonly chart?: ChartSpec;
  readonly snapshot_rows?: number;
}

export interface AnalysisParseContext {
  readonly projectName: string;
  /** Refable names (models, snapshots, seeds) -> their unique ids. */
  readonly byName: ReadonlyMap<string, { uniqueId: string; path: string }>;
  readonly sources: Readonly<Record<string, SourceNode>>;
  readonly partials: ReadonlySet<string>;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly bag: DiagnosticBag;
}

/** How many rows of an analysis's result the catalog keeps, unless it says otherwise. */
export const DEFAULT_SNAPSHOT_ROWS = 5000;

export function parseAnalyses(files: readonly ProjectFile[], dbtAnalyses: readonly string[], ctx: AnalysisParseContext): Record<string, AnalysisNode> {
  const out: Record<string, AnalysisNode> = {};
  for (const path of dbtAnalyses) ctx.bag.add(diagnostic('DbtAnalysisFile', { path }, { file: path, line: 1, column: 1 }, 'warning'));
  for (const file of files) {
    const yaml = ctx.bag.collect(() => parseYaml<AnalysisFile>(file.text, file.path, schemaValidator('analysis')));
    if (!yaml) continue;
    const uniqueId = `analysis.${ctx.projectName}.${file.name}`;
    const other = out[uniqueId];
    if (other) {
      ctx.bag.add(diagnostic('DuplicateName', { kind: 'analysis', name: file.name, other: other.originalFilePath }, { file: file.path, line: 1, column: 1 }));
      continue;
    }
    const node = parseAnalysis(file, yaml, uniqueId, ctx);
    if (node) out[uniqueId] = node;
  }
  return out;
}

function parseAnalysis(file: ProjectFile, yaml: YamlFile<AnalysisFile>, uniqueId: string, ctx: AnalysisParseContext): AnalysisNode | undefined {
  const data = yaml.data;
  const at = sqlStart(file.text, yaml.locate(['sql']));
  const problem = readOnlyProblem(data.sql);
  if (problem) {
    ctx.bag.add(diagnostic('AnalysisNotAQuery', { name: file.name, detail: problem }, at));
    return undefined;
  }
  const chart = data.chart;
  if (chart && chart.y === undefined && chart.aggregate !== 'count') {
    ctx.bag.add(diagnostic('ChartNeedsY', { name: file.name, mark: chart.mark, aggregate: chart.aggregate ?? 'none' }, yaml.locate(['chart'])));
  }
  // Positions inside the query are shifted onto the lines of the YAML file where it is written.
  const shift = (l: SourceLocation): SourceLocation => ({
    file: file.path,
    line: (at.line ?? 1) + (l.line ?? 1) - 1,
    column: at.column !== undefined && l.column !== undefined ? at.column + l.column - 1 : l.column,
  });
  const analysis = analyzeTemplate(data.sql, { file: file.path, partials: ctx.partials, lookupVar: (name) => ctx.vars[name] });
  analysis.diagnostics.forEach((d) => ctx.bag.add({ ...d, location: d.location && shift(d.location) }));
  const dependsOn: string[] = [];
  const refable = [...ctx.byName.keys()];
  for (const ref of analysis.refs) {
    const target = ctx.byName.get(ref.name);
    if (!target) ctx.bag.add(diagnostic('RefNotFound', { name: ref.name, suggestion: closestMatch(ref.name, refable) }, shift(ref.location)));
    else if (!dependsOn.includes(target.uniqueId)) dependsOn.push(target.uniqueId);
  }
  const sourceKeys = Object.values(ctx.sources).map((s) => `${s.sourceName}.${s.tableName}`);
  for (const call of analysis.sources) {
    const id = `source.${ctx.projectName}.${call.source}.${call.table}`;
    if (!ctx.sources[id]) ctx.bag.add(diagnostic('SourceNotFound', { source: call.source, table: call.table, suggestion: closestMatch(`${call.source}.${call.table}`, sourceKeys)?.replace('.', '" "') }, shift(call.location)));
    else if (!dependsOn.includes(id)) dependsOn.push(id);
  }
  for (const call of analysis.vars) {
    if (!call.hasDefault && !(call.name in ctx.vars)) ctx.bag.add(diagnostic('VarMissing', { name: call.name, suggestion: closestMatch(call.name, Object.keys(ctx.vars)) }, shift(call.location)));
  }
  const meta = { ...(data.meta ?? {}), ...(data.snapshot_rows !== undefined ? { snapshot_rows: data.snapshot_rows } : {}) };
  return {
    kind: 'analysis',
    uniqueId,
    name: file.name,
    packageName: ctx.projectName,
    originalFilePath: file.path,
    fqn: [ctx.projectName, 'analyses', ...file.folders, file.name],
    title: data.title ?? file.name,
    description: data.description ?? '',
    ...(data.owner !== undefined ? { owner: data.owner } : {}),
    tags: toTags(data.tags),
    meta,
    rawCode: data.sql,
    checksum: sha256(file.text),
    refs: analysis.refs.map((r) => ({ ...r, location: shift(r.location) })),
    sources: analysis.sources.map((s) => ({ ...s, location: shift(s.location) })),
    dependsOn: dependsOn.sort(),
    ...(chart ? { chart: { mark: chart.mark, x: chart.x, ...(chart.y !== undefined ? { y: chart.y } : {}), ...(chart.color !== undefined ? { color: chart.color } : {}), aggregate: chart.aggregate ?? 'none' } } : {}),
    location: at,
  };
}

/**
 * Where line 1 of the query is: for a block scalar (`sql: |`), the line after the indicator at
 * its indentation; for a quoted one, after the quote; else the value itself.
 */
function sqlStart(text: string, value: SourceLocation): SourceLocation {
  const lines = text.split('\n');
  const line = lines[(value.line ?? 1) - 1] ?? '';
  const first = line.charAt((value.column ?? 1) - 1);
  if (first === '|' || first === '>') {
    let next = value.line ?? 1;
    while (next < lines.length && lines[next]!.trim() === '') next++;
    const indent = (lines[next] ?? '').length - (lines[next] ?? '').trimStart().length;
    return { file: value.file, line: next + 1, column: indent + 1 };
  }
  if (first === '"' || first === "'") return { ...value, column: (value.column ?? 1) + 1 };
  return value;
}

/** How many rows of the analysis the catalog keeps. */
export function snapshotRowsOf(node: AnalysisNode): number {
  const n = node.meta.snapshot_rows;
  return typeof n === 'number' ? n : DEFAULT_SNAPSHOT_ROWS;
}
