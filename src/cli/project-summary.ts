/** One-line project summaries and warning output shared by commands. */
import type { Diagnostic } from '../errors/dpf-error.js';
import type { CompiledProject } from '../compiler/compile-pipeline.js';
import type { NodeKind } from '../compiler/manifest.js';
import { NODE_KINDS } from '../compiler/node-kinds.js';
import { projectSummary, type ProjectSummary } from '../api/project-summary.js';
import type { CommandContext } from './command-context.js';
import { formatDiagnostic } from './format-diagnostic.js';
import type { LogFormat } from './run-reporter.js';

export function summarizeProject(compiled: CompiledProject): string {
  return formatProjectSummary(projectSummary(compiled));
}

export function formatProjectSummary(p: ProjectSummary): string {
  const count = (n: number, kind: NodeKind) => `${n} ${n === 1 ? NODE_KINDS[kind].label : NODE_KINDS[kind].plural}`;
  const testsPart = p.dataTests + p.unitTests > 0 ? `, ${count(p.dataTests, 'test')}, ${count(p.unitTests, 'unit_test')}` : '';
  return [
    `dpf ${p.dpfVersion} · project ${p.projectName} · target ${p.targetName} (${p.adapterType})`,
    `Found ${count(p.models, 'model')}, ${count(p.seeds, 'seed')}, ${count(p.sources, 'source')}${p.snapshots ? `, ${count(p.snapshots, 'snapshot')}` : ''}${testsPart}`,
  ].join('\n');
}

export function printWarnings(ctx: CommandContext, warnings: Diagnostic[], projectDir: string, format: LogFormat): void {
  for (const w of warnings) {
    if (format === 'json') ctx.output.errJson({ ts: new Date().toISOString(), event: 'warning', ...w });
    else ctx.output.err(formatDiagnostic(w, projectDir));
  }
}
