/**
 * The PII scanner's findings (target/pii_findings.json, written by `dpf scan pii`), read for the
 * security report: every finding on a column that no classification covers. Absent file:
 * nothing, silently (the scanner has not run). A file that is not the scanner's JSON: one
 * DPF952 warning, and the report goes on. Only names are read (node, column, category): the
 * file holds no sampled values, and none would be copied if it did.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnostic, type Diagnostic } from '../../errors/dpf-error.js';
import type { AuditFinding } from './audit-findings.js';

export const PII_FINDINGS_FILE = 'pii_findings.json';

interface RawFinding {
  readonly unique_id?: unknown;
  readonly node?: unknown;
  readonly model?: unknown;
  readonly relation?: unknown;
  readonly column?: unknown;
  readonly category?: unknown;
  readonly confidence?: unknown;
  readonly classified?: unknown;
  readonly classification?: unknown;
  readonly file?: unknown;
  readonly line?: unknown;
}

export interface PiiRead {
  readonly present: boolean;
  readonly findings: AuditFinding[];
  readonly warnings: Diagnostic[];
}

export function readPiiFindings(targetPath: string, shownFile: string): PiiRead {
  const file = join(targetPath, PII_FINDINGS_FILE);
  if (!existsSync(file)) return { present: false, findings: [], warnings: [] };
  let items: RawFinding[];
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    const list = Array.isArray(parsed) ? parsed : (parsed as { findings?: unknown })?.findings;
    if (!Array.isArray(list)) throw new Error('no "findings" list');
    items = list.filter((f): f is RawFinding => typeof f === 'object' && f !== null);
  } catch (err) {
    return { present: true, findings: [], warnings: [diagnostic('PiiFindingsUnreadable', { detail: (err as Error).message }, { file: shownFile }, 'warning')] };
  }
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const findings = items
    .filter((f) => f.classified === false || (f.classified === undefined && !text(f.classification)))
    .map((f): AuditFinding => {
      const where = text(f.node) ?? text(f.model) ?? text(f.unique_id) ?? text(f.relation) ?? 'a relation';
      const column = text(f.column) ?? '?';
      const category = text(f.category) ?? 'pii';
      const confidence = typeof f.confidence === 'number' ? `, confidence ${f.confidence}` : '';
      const line = typeof f.line === 'number' && f.line > 0 ? f.line : 1;
      return {
        kind: 'pii_unclassified',
        rule: `pii-${category}`,
        severity: 'medium',
        file: text(f.file) ?? shownFile,
        line,
        column: 1,
        message: `Column ${column} of ${where} looks like PII (${category}${confidence}) and no classification covers it: classify it (meta: {pii: ${category}}) so that access rules and masking apply, or mark it as not PII.`,
      };
    });
  return { present: true, findings, warnings: [] };
}
