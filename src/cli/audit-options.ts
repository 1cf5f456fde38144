/** What `recordAudit` needs from a CLI command that writes the warehouse outside the executor (clone, ci's clean-up). */
import type { CompiledProject } from '../compiler/compile-pipeline.js';
import { redactStrings, secretRedactor } from '../compiler/redact-secrets.js';
import { diagnostic } from '../errors/dpf-error.js';
import type { AuditChange, RecordAuditOptions } from '../history/index.js';
import type { CommandContext } from './command-context.js';
import { formatDiagnostic } from './format-diagnostic.js';

export function auditOptions(ctx: CommandContext, compiled: CompiledProject, projectDir: string, command: string, selector: string | null, startedAt: Date, changes: readonly AuditChange[]): RecordAuditOptions {
  const secrets = compiled.target.secrets.filter((s) => s.length > 0);
  const redact = secretRedactor(secrets);
  return {
    command,
    selector,
    targetName: compiled.target.targetName,
    database: compiled.target.database,
    projectDir,
    startedAt,
    changes,
    env: ctx.io.env,
    clean: <T>(value: T): T => (secrets.length === 0 ? value : redactStrings(value, redact)),
    warn: (where, detail) => ctx.output.err(formatDiagnostic(diagnostic('HistoryWriteFailed', { where, detail }, undefined, 'warning'), projectDir)),
  };
}

/** The selection as given, as dpf_meta records it; null when everything is selected. */
export function selectorOf(flags: { readonly select?: readonly string[]; readonly exclude?: readonly string[] }): string | null {
  const parts = [...(flags.select?.length ? ['--select', ...flags.select] : []), ...(flags.exclude?.length ? ['--exclude', ...flags.exclude] : [])];
  return parts.length > 0 ? parts.join(' ') : null;
}
