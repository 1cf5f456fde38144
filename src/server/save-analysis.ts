/**
 * "Save as analysis" on the Explore page (POST /api/analyses): writes analyses/<name>.yml into
 * the project from a query typed on the page and the chart made with the chart builder
 * (docs/analyses.md, docs/explore.md). The file is YAML from the `yaml` package, never text
 * pasted together, so a title or SQL holding quotes, colons or newlines stays one value.
 *
 * It must not write anywhere but the project's first analysis path: the name is an identifier
 * (no separator, no `..`, DPF186), checked before it becomes a path. It must not replace a file
 * unless asked (`overwrite: true`, else DPF187), nor save what an analysis cannot hold: one
 * read-only query (DPF180/181, as Explore runs it) and a valid chart (DPF188). Relation names
 * of the project's models, seeds, snapshots and sources become refs (relation-refs.ts), read
 * from the manifest the last build or generate wrote (target/manifest.json).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Document, Scalar } from 'yaml';
import { readOnlyStatement } from '../api/read-only-statement.js';
import { CHART_AGGREGATES, CHART_MARKS, type ChartSpec, type Manifest } from '../compiler/manifest.js';
import { forgetFingerprint } from '../compiler/compile-fingerprint.js';
import { loadProjectConfig, targetPathOf } from '../compiler/load-project.js';
import { hasRelation, isEphemeral } from '../compiler/node-kinds.js';
import { fail } from '../errors/dpf-error.js';
import { relationsToRefs, type RefTarget } from './relation-refs.js';

/** A file-safe name, which is also a valid node name: letters, digits and underscores. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

export interface SaveAnalysisRequest {
  readonly name: string;
  readonly sql: string;
  readonly chart?: ChartSpec;
  readonly title?: string;
  readonly description?: string;
  readonly owner?: string;
  readonly overwrite?: boolean;
}

export interface SavedAnalysis {
  /** The file written, relative to the project, with forward slashes. */
  readonly file: string;
  /** The SQL as saved (relation names turned into refs). */
  readonly sql: string;
  /** The ref and source calls put in for relation names. */
  readonly refs: string[];
  readonly overwritten: boolean;
}

/** Checks the request's shape (anything else is DPF186–188) and writes the file. */
export function saveAnalysis(projectDir: string, request: SaveAnalysisRequest): SavedAnalysis {
  const name = String(request.name ?? '');
  if (!NAME.test(name)) fail('AnalysisNameInvalid', { name: name.slice(0, 120) });
  const statement = readOnlyStatement(String(request.sql ?? ''));
  const chart = request.chart === undefined || request.chart === null ? undefined : checkedChart(request.chart);
  const config = loadProjectConfig(projectDir).data;
  const folders = config['analysis-paths'] ?? ['analyses'];
  const existing = folders.flatMap((folder) => ['.yml', '.yaml'].map((ext) => join(folder, `${name}${ext}`))).find((path) => existsSync(join(projectDir, path)));
  if (existing && request.overwrite !== true) fail('AnalysisExists', { file: existing.split('\\').join('/') });
  const file = existing ?? join(folders[0] ?? 'analyses', `${name}.yml`);

  const { sql, refs } = relationsToRefs(statement, refTargets(targetPathOf(projectDir, config)));
  const doc = new Document({
    ...(request.title ? { title: text(request.title) } : {}),
    ...(request.description ? { description: text(request.description) } : {}),
    ...(request.owner ? { owner: text(request.owner) } : {}),
    sql: `${sql.trim()}\n`,
    ...(chart ? { chart } : {}),
  });
  // The query as a block, as one would write it by hand; the chart as a small flow mapping.
  const sqlNode = doc.get('sql', true) as Scalar;
  sqlNode.type = Scalar.BLOCK_LITERAL;
  mkdirSync(join(projectDir, folders[0] ?? 'analyses'), { recursive: true });
  // 'wx' refuses a file made since the check above; overwriting was asked for.
  writeFileSync(join(projectDir, file), doc.toString({ lineWidth: 0 }), { flag: existing ? 'w' : 'wx' });
  // The compile cache's fingerprint does not cover the analysis folders (yet): without this, the
  // next `dpf docs generate` could reuse a manifest that lacks the file just written.
  forgetFingerprint(targetPathOf(projectDir, config));
  return { file: relative(projectDir, join(projectDir, file)).split('\\').join('/'), sql, refs, overwritten: existing !== undefined };
}

const text = (value: unknown) => String(value).slice(0, 10_000);

function checkedChart(value: unknown): ChartSpec {
  const spec = value as Record<string, unknown>;
  const problem = (detail: string): never => fail('AnalysisChartInvalid', { detail });
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) problem('chart must be an object {mark, x, y, color, aggregate}');
  const mark = spec.mark as ChartSpec['mark'];
  if (!CHART_MARKS.includes(mark)) problem(`mark must be one of ${CHART_MARKS.join(', ')}, not ${JSON.stringify(spec.mark)}`);
  const column = (key: string, required: boolean): string | undefined => {
    const v = spec[key];
    if (v === undefined || v === null || v === '') return required ? problem(`${key} must name a column`) : undefined;
    return typeof v === 'string' ? v.slice(0, 300) : problem(`${key} must be a column name`);
  };
  const x = column('x', true)!;
  const y = column('y', false);
  const color = column('color', false);
  const aggregate = (spec.aggregate ?? 'none') as NonNullable<ChartSpec['aggregate']>;
  if (!CHART_AGGREGATES.includes(aggregate)) problem(`aggregate must be one of ${CHART_AGGREGATES.join(', ')}, not ${JSON.stringify(spec.aggregate)}`);
  if (y === undefined && aggregate !== 'count') problem(`a ${mark} chart without y must count rows (aggregate: count)`);
  return { mark, x, ...(y !== undefined ? { y } : {}), ...(color !== undefined ? { color } : {}), ...(aggregate !== 'none' ? { aggregate } : {}) };
}

/** Relations of the project's manifest and the calls naming them; none without a manifest. */
function refTargets(targetPath: string): RefTarget[] {
  const file = join(targetPath, 'manifest.json');
  if (!existsSync(file)) return [];
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  const out: RefTarget[] = [];
  for (const node of Object.values(manifest.nodes)) {
    if (!hasRelation(node) || isEphemeral(node)) continue;
    const call = node.kind === 'source' ? `{{source ${JSON.stringify(node.sourceName)} ${JSON.stringify(node.tableName)}}}` : `{{ref ${JSON.stringify(node.name)}}}`;
    out.push({ ...node.relation, call });
  }
  return out;
}
