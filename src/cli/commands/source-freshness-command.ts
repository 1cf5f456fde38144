/** `dpf source freshness`: how recently each source got data; writes target/sources.json. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { adapterFactory } from '../../adapters/index.js';
import { compileFromDisk } from '../../compiler/compile-pipeline.js';
import { selectNodes } from '../../compiler/select-nodes.js';
import { checkFreshness, ruleSeconds, type FreshnessResult } from '../../tests/check-freshness.js';
import { writeSourcesJson } from '../../tests/write-sources-json.js';
import { addProjectOptions, addSelectionOptions, compileOptions, logFormatOf, selectionInput, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../command-context.js';
import { formatDiagnostic } from '../format-diagnostic.js';
import { printWarnings, summarizeProject } from '../project-summary.js';
import { formatSeconds } from '../run-reporter.js';

interface FreshnessFlags extends CommonFlags {
  output?: string;
}

export function registerSourceCommand(program: Command, ctx: CommandContext): void {
  const source = program.command('source').description('commands about sources');
  const cmd = source.command('freshness').description('check how recently each source got data, against its warn_after and error_after');
  addSelectionOptions(addProjectOptions(cmd))
    .option('-o, --output <file>', 'where to write the results (default: target/sources.json)')
    .addHelpText('after', '\nExample:\n  $ dpf source freshness --select source:shop')
    .action(async (flags: FreshnessFlags) => {
      const format = logFormatOf(flags);
      const options = compileOptions(flags, ctx.io.cwd, ctx.io.env);
      const compiled = await compileFromDisk(options);
      ctx.output.addSecrets(compiled.target.secrets);
      printWarnings(ctx, compiled.warnings, options.projectDir, format);
      const selected = selectNodes(compiled.manifest, compiled.graph, selectionInput(flags, compiled.targetPath, ctx.io.cwd));
      const sources = Object.values(compiled.manifest.sources).filter((s) => selected.has(s.uniqueId) && s.freshness);
      if (format === 'text') ctx.output.out(summarizeProject(compiled));
      if (sources.length === 0) {
        ctx.output.out('No selected source has a freshness block (freshness: {warn_after: ..., error_after: ...} with loaded_at_field).');
        return;
      }
      if (format === 'text') ctx.output.out(`Checking the freshness of ${sources.length} source table${sources.length === 1 ? '' : 's'}\n`);
      const adapter = adapterFactory(compiled.target.type).create(compiled.target, options.projectDir);
      await adapter.open();
      const t0 = Date.now();
      let results: FreshnessResult[];
      try {
        results = await checkFreshness(sources, adapter, (result, index, total) => {
          if (format === 'json') ctx.output.outJson({ ts: new Date().toISOString(), event: 'freshness_checked', index, total, ...result });
          else {
            ctx.output.out(freshnessLine(result, index, total));
            const why = staleness(result);
            if (why) ctx.output.out(`    ${why}`);
            if (result.error) ctx.output.out(formatDiagnostic(result.error, options.projectDir).replace(/^/gm, '    '));
          }
        });
      } finally {
        await adapter.close();
      }
      const file = flags.output ? resolve(ctx.io.cwd, flags.output) : `${compiled.targetPath}/sources.json`;
      writeSourcesJson(file, results, compiled.invocationId, (Date.now() - t0) / 1000);
      const count = (s: string) => results.filter((r) => r.status === s).length;
      const errors = count('error') + count('runtime error');
      if (format === 'text') ctx.output.out(`\nFinished: ${count('pass')} fresh, ${count('warn')} warning${count('warn') === 1 ? '' : 's'}, ${errors} error${errors === 1 ? '' : 's'}`);
      if (errors > 0) ctx.setExitCode(1);
    });
}

export function formatAge(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return h ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m ? `${h}h ${m}m` : `${h}h`;
  return `${m}m ${Math.floor(seconds % 60)}s`;
}

/**
 * Why a table is stale, in words: when its newest row was loaded, how long ago, and the rule
 * that age broke, so that a warning explains itself without the YAML at hand.
 */
export function staleness(r: FreshnessResult): string | undefined {
  if ((r.status !== 'warn' && r.status !== 'error') || r.maxLoadedAtTimeAgoInS === undefined || !r.maxLoadedAt) return undefined;
  const rule = r.status === 'error' ? r.criteria.errorAfter : r.criteria.warnAfter;
  if (!rule) return undefined;
  const key = r.status === 'error' ? 'error_after' : 'warn_after';
  const loaded = r.maxLoadedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  return `newest row loaded at ${loaded}, ${formatAge(r.maxLoadedAtTimeAgoInS)} ago: older than ${key} (${rule.count} ${rule.period}${rule.count === 1 ? '' : 's'})`;
}

function freshnessLine(r: FreshnessResult, index: number, total: number): string {
  const width = String(total).length;
  const label = { pass: 'PASS', warn: 'WARN', error: 'ERROR', 'runtime error': 'ERROR' }[r.status];
  const head = `${String(index).padStart(width)} of ${total} ${label.padEnd(5)} freshness  ${r.sourceName}.${r.tableName} `;
  const limits = [r.criteria.warnAfter && `warn after ${formatAge(ruleSeconds(r.criteria.warnAfter))}`, r.criteria.errorAfter && `error after ${formatAge(ruleSeconds(r.criteria.errorAfter))}`]
    .filter(Boolean)
    .join(', ');
  const tail =
    r.maxLoadedAtTimeAgoInS !== undefined
      ? `[age ${formatAge(r.maxLoadedAtTimeAgoInS)}${limits ? `; ${limits}` : ''} in ${formatSeconds(r.executionTime)}]`
      : `[error in ${formatSeconds(r.executionTime)}]`;
  return `${head}${'.'.repeat(Math.max(3, 63 - head.length))} ${tail}`;
}
