/** One-line project summaries and warning output shared by commands. */
import type { Diagnostic } from '../errors/dpf-error.js';
import type { CompiledProject } from '../compiler/compile-pipeline.js';
import { DPF_VERSION } from '../compiler/package-paths.js';
import type { CommandContext } from './command-context.js';
import { formatDiagnostic } from './format-diagnostic.js';
import type { LogFormat } from './run-reporter.js';

export function summarizeProject(compiled: CompiledProject): string {
  const nodes = Object.values(compiled.manifest.nodes);
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const snapshots = nodes.filter((n) => n.uniqueId.startsWith('snapshot.')).length;
  const models = nodes.filter((n) => n.kind === 'model').length - snapshots;
  const seeds = nodes.filter((n) => n.kind === 'seed').length;
  const sources = Object.keys(compiled.manifest.sources).length;
  const tests = Object.keys(compiled.manifest.tests).length;
  const unitTests = Object.keys(compiled.manifest.unitTests).length;
  const testsPart = tests + unitTests > 0 ? `, ${count(tests, 'data test')}, ${count(unitTests, 'unit test')}` : '';
  const t = compiled.target;
  return [
    `dpf ${DPF_VERSION} · project ${compiled.manifest.metadata.projectName} · target ${t.targetName} (${t.type})`,
    `Found ${count(models, 'model')}, ${count(seeds, 'seed')}, ${count(sources, 'source')}${snapshots ? `, ${count(snapshots, 'snapshot')}` : ''}${testsPart}`,
  ].join('\n');
}

export function printWarnings(ctx: CommandContext, warnings: Diagnostic[], projectDir: string, format: LogFormat): void {
  for (const w of warnings) {
    if (format === 'json') ctx.output.errJson({ ts: new Date().toISOString(), event: 'warning', ...w });
    else ctx.output.err(formatDiagnostic(w, projectDir));
  }
}
