/** What `dpf audit` reports (schemas/audit.schema.json): findings as plain data, and the threshold test. */
import type { Diagnostic } from '../../errors/dpf-error.js';
import { SEVERITIES, type Severity } from './secret-rules.js';

export type { Severity };

export type FindingKind = 'secret' | 'sql_injection' | 'pii_unclassified' | 'pii_exposure' | 'grants_drift';

export interface AuditFinding {
  readonly kind: FindingKind;
  /** The rule that found it (aws-access-key-id, unquoted-var, pii-email). */
  readonly rule: string;
  readonly severity: Severity;
  /** Relative to the project folder, with forward slashes. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** What was found and what to do; never the secret. */
  readonly message: string;
  /** Secrets: the first characters and the length ("AKIA…(20 chars)"); never more. */
  readonly masked?: string;
  /** The file is an artifact under the target folder (manifest.json, compiled SQL), not a source. */
  readonly artifact?: boolean;
}

export interface AuditReport {
  readonly version: 1;
  readonly projectDir: string;
  readonly failOn: Severity;
  /** A finding is at or above failOn: `dpf audit` exits 1. */
  readonly failed: boolean;
  readonly counts: Readonly<Record<Severity, number>>;
  readonly findings: readonly AuditFinding[];
  readonly scanned: { readonly files: number; readonly artifacts: number; readonly templates: number; readonly piiFindings: boolean; readonly warehouse?: boolean };
  /** Problems that did not stop the report (an unreadable pii_findings.json). */
  readonly warnings: readonly Diagnostic[];
}

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

/** Findings ordered for reading: worst first, then by file and line. */
export function sortFindings(findings: readonly AuditFinding[]): AuditFinding[] {
  return [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
}
