/**
 * What `dpf import dbt` did: the problems (each construct with no dpf form, file:line), the notes
 * (what it changed that the user should know), and the files set aside. Written as
 * DIR/import_report.md for people and DIR/import_report.json for programs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from './convert-jinja.js';
import type { Note } from './convert-yaml.js';

export interface ImportReport {
  /** The dbt project and the new dpf project, absolute. */
  readonly source: string;
  readonly out: string;
  /** True when nothing was left out: the exit code of `dpf import dbt` is 0, else 1. */
  readonly complete: boolean;
  readonly problems: readonly Problem[];
  readonly notes: readonly Note[];
  /** Files written to unconverted/ as they were in the dbt project (relative to out). */
  readonly unconverted: readonly string[];
  /** Number of files written into the dpf project. */
  readonly converted: number;
}

export const REPORT_FILES = { markdown: 'import_report.md', json: 'import_report.json' } as const;

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}: ${p.construct}: ${p.detail}`;
}

export function writeImportReport(report: ImportReport): void {
  writeFileSync(join(report.out, REPORT_FILES.json), `${JSON.stringify({ version: 1, ...report }, null, 2)}\n`);
  const lines = [
    '# dpf import dbt',
    '',
    `From \`${report.source}\`: ${report.converted} files written; the conversion is ${report.complete ? '**complete**' : '**incomplete**'}.`,
    '',
    '## Not converted',
    '',
    ...(report.problems.length === 0 ? ['Nothing: every construct has its dpf form.'] : report.problems.map((p) => `- \`${p.file}:${p.line}\` ${p.construct}: ${p.detail}`)),
    '',
    '## Set aside in unconverted/',
    '',
    ...(report.unconverted.length === 0 ? ['Nothing.'] : report.unconverted.map((f) => `- \`${f}\``)),
    '',
    '## Notes',
    '',
    ...(report.notes.length === 0 ? ['None.'] : report.notes.map((n) => `- \`${n.file}:${n.line}\` ${n.detail}`)),
    '',
  ];
  writeFileSync(join(report.out, REPORT_FILES.markdown), lines.join('\n'));
}
