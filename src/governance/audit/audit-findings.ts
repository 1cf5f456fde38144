/** What `dpf audit` reports (schemas/audit.schema.json): findings as plain data, and the threshold test. */
import type { Diagnostic } from '../../errors/dpf-error.js';
import { SEVERITIES, type Severity } from './secret-rules.js';

export type { Severity };

export type FindingKind = 'secret' | 'sql_injection' | 'pii_unclassified' | 'pii_exposure' | 'grants_drift' | 'classified_access';

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
  /** With --warehouse on an engine with a query log (Trino): who queried classified relations since the last report. */
  readonly access?: ClassifiedAccess;
}

/** Queries over classified relations per engine user; ids, users, relations and times, never a query's text. */
export interface ClassifiedAccess {
  readonly engine: string;
  /** Where the engine keeps its queries (system.runtime.queries). */
  readonly source: string;
  /** Queries created after this, the previous report's end; null: everything the engine keeps. */
  readonly since: string | null;
  /** ... up to this, the engine's time when the log was read (the next report starts here). */
  readonly until: string;
  /** Queries in the window, classified relations or not. */
  readonly queries: number;
  readonly users: readonly UserAccess[];
}

export interface UserAccess {
  readonly user: string;
  /** Their roles in roles.yml (by the engine user names a role lists). */
  readonly roles: readonly string[];
  /** info: a role of theirs may read every relation; high: one it may not was read; medium: such reads were all refused. */
  readonly severity: 'info' | 'medium' | 'high';
  /** Queries naming a classified relation, and how many of them failed. */
  readonly queries: number;
  readonly failed: number;
  /** The classified relations those queries named, and those of them no role of theirs may read. */
  readonly relations: readonly string[];
  readonly notAllowed: readonly string[];
  /** When the first and last of those queries were created (UTC). */
  readonly first: string;
  readonly last: string;
  readonly queryIds: readonly string[];
}

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

/** Findings ordered for reading: worst first, then by file and line. */
export function sortFindings(findings: readonly AuditFinding[]): AuditFinding[] {
  return [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
}
