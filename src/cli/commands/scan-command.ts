/**
 * `dpf scan pii`: flags in, the public API's scanPii, a table of findings out (or the report as
 * one JSON object, schemas/pii_findings.schema.json). Warnings (DPF941–945) go to stderr.
 * Exit 0; 1 with --strict when a column holds unclassified or mis-classified PII.
 */
import type { Command } from 'commander';
import { relative } from 'node:path';
import { DEFAULT_SAMPLE_ROWS, scanPii, type PiiReport } from '../../api/scan-pii.js';
import { fail } from '../../errors/dpf-error.js';
import { addProjectOptions, addSelectionOptions, logFormatOf, projectDirOf, projectOptionsOf, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../command-context.js';
import { formatTable } from '../format-table.js';
import { printWarnings } from '../project-summary.js';

interface ScanPiiFlags extends CommonFlags {
  sample?: string;
  output?: string;
  strict?: boolean;
  phoneRegion?: string;
  history?: boolean;
}

export function registerScanCommand(program: Command, ctx: CommandContext): void {
  const scan = program.command('scan').description('scan the warehouse for data to govern').addHelpText('after', '\nExample:\n  $ dpf scan pii --select tag:customers');
  addSelectionOptions(addProjectOptions(scan.command('pii').description("sample the selected relations and report columns that hold PII, compared with the columns' meta: {pii: …}")))
    .option('--sample <rows>', 'rows read per relation', String(DEFAULT_SAMPLE_ROWS))
    .option('-o, --output <format>', 'text or json (the report, schemas/pii_findings.schema.json)', 'text')
    .option('--strict', 'unclassified or mis-classified PII is an error (exit 1), for CI')
    .option('--phone-region <code>', 'region of phone numbers written without +country code (ISO 3166)', 'US')
    .option('--no-history', 'do not record the findings in dpf_meta.pii_findings (nor compare with the previous scan)')
    .addHelpText(
      'after',
      '\nFindings name columns, categories and counts, never a value; they are written to target/pii_findings.json and dpf_meta.pii_findings,\nwith what is new and what is gone since each relation\'s previous scan.\n\nExamples:\n  $ dpf scan pii\n  $ dpf scan pii --select marts --sample 5000 --strict\n  $ dpf scan pii --output json --phone-region GB',
    )
    .action(async (flags: ScanPiiFlags) => {
      const output = flags.output ?? 'text';
      if (!['text', 'json'].includes(output)) fail('UsageError', { detail: `--output must be text or json, got "${flags.output}".` });
      const format = logFormatOf(flags);
      const sampleText = flags.sample ?? String(DEFAULT_SAMPLE_ROWS);
      const sample = /^\d+$/.test(sampleText.trim()) ? Number(sampleText) : NaN;
      if (!(sample >= 1)) fail('PiiSampleInvalid', { value: sampleText });
      const projectDir = projectDirOf(flags, ctx.io.cwd);
      const outcome = await scanPii({
        ...projectOptionsOf(flags, ctx),
        select: flags.select,
        exclude: flags.exclude,
        state: flags.state,
        sample,
        strict: flags.strict,
        phoneRegion: flags.phoneRegion,
        history: flags.history,
        onEvent: (event) => {
          if (event.type === 'warning') printWarnings(ctx, [event.diagnostic], projectDir, format);
        },
      });
      printWarnings(ctx, [...outcome.diagnostics], projectDir, format);
      if (output === 'json') ctx.output.outJson(outcome.report);
      else ctx.output.out(formatPiiReport(outcome.report, relative(ctx.io.cwd, outcome.path) || outcome.path));
      if (outcome.diagnostics.some((d) => d.severity === 'error')) ctx.setExitCode(1);
    });
}

/** The report's first lines: what was scanned and the counts; with history, what changed (`dpf build --scan-pii` prints these alone). */
export function formatPiiSummary(report: PiiReport): string[] {
  const c = report.counts;
  const found = c.new + c.classified + c.mismatch + c.dismissed;
  const changes = report.changes;
  return [
    `Scanned ${report.relations} relation${report.relations === 1 ? '' : 's'}, ${report.columns} columns (up to ${report.sampleRows} rows each) in target ${report.target}` +
      (report.skipped.length > 0 ? `; ${report.skipped.length} not scanned (warnings above).` : '.'),
    `PII found in ${found} column${found === 1 ? '' : 's'}: ${c.new} new, ${c.classified} classified, ${c.mismatch} mismatched, ${c.dismissed} dismissed (pii: false); ${c.not_found} classified column${c.not_found === 1 ? '' : 's'} not found in the sample.`,
    ...(changes && changes.compared > 0 ? [`Since the previous scan (${changes.previousScanAt ?? 'earlier'}): ${changes.new.length} newly found, ${changes.resolved.length} gone.`] : []),
  ];
}

/** The counts of a scan as one JSON log line holds them: no finding, no value. */
export function piiScanSummary(report: PiiReport): Record<string, unknown> {
  return {
    target: report.target,
    sample_rows: report.sampleRows,
    relations: report.relations,
    columns: report.columns,
    skipped: report.skipped.length,
    counts: report.counts,
    ...(report.changes ? { newly_found: report.changes.new.length, gone: report.changes.resolved.length } : {}),
  };
}

/** The report as text: what was scanned, the counts, and one row per finding. */
export function formatPiiReport(report: PiiReport, path: string): string {
  const lines = formatPiiSummary(report).slice(0, 2);
  if (report.findings.length > 0) {
    const text = (name: string) => ({ name, type: 'text' });
    const rows = report.findings.map((f) => [
      f.relation,
      f.column,
      f.category ?? '',
      f.classifiedAs ?? '',
      f.confidence === null ? '' : f.confidence.toFixed(2),
      f.category === null ? `${f.sampled} sampled` : `${f.matched} of ${f.sampled}`,
      f.status.replace('_', ' '),
    ]);
    lines.push('', formatTable({ columns: ['relation', 'column', 'found', 'classified as', 'confidence', 'values matched', 'status'].map(text), rows }, 60));
  }
  const changes = report.changes;
  if (changes) {
    const refs = (list: readonly { relation: string; column: string; category: string; classified: boolean }[]) =>
      list.map((f) => `  ${f.relation}.${f.column}: ${f.category}${f.classified ? '' : ', not classified'}`);
    lines.push(
      '',
      changes.compared === 0
        ? 'First scan of these relations: every finding is new.'
        : `Since the previous scan (${changes.previousScanAt ?? 'earlier'}): ${changes.new.length} newly found, ${changes.resolved.length} gone.`,
    );
    if (changes.compared > 0 && changes.new.length > 0) lines.push('Newly found:', ...refs(changes.new));
    if (changes.resolved.length > 0) lines.push('Gone (resolved):', ...refs(changes.resolved));
  }
  lines.push('', `Findings (no values) written to ${path}${changes ? ' and dpf_meta.pii_findings' : ''}.`);
  return lines.join('\n');
}
