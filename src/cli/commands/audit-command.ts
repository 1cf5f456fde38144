/** `dpf audit`: the security report (src/governance/audit), as text or JSON; exit 1 at --fail-on. */
import type { Command } from 'commander';
import { fail } from '../../errors/dpf-error.js';
import { audit, type AuditReport } from '../../governance/audit/index.js';
import type { CommandContext } from '../command-context.js';
import { formatDiagnostic } from '../format-diagnostic.js';

interface AuditFlags {
  projectDir?: string;
  profilesDir?: string;
  output?: string;
  failOn?: string;
  warehouse?: boolean;
  target?: string;
}

export function registerAuditCommand(program: Command, ctx: CommandContext): void {
  program
    .command('audit')
    .description('print a security report: secrets in the repository and in target/, SQL injection hazards, unclassified PII; exit 1 at --fail-on')
    .option('--project-dir <dir>', 'folder holding dpf_project.yml', '.')
    .option('--profiles-dir <dir>', 'a folder holding profiles.yml outside the project, scanned too')
    .option('--fail-on <severity>', 'exit 1 when a finding is at or above low, medium or high', 'high')
    .option('-t, --target <name>', 'the profiles.yml target to check (default: the profile\'s)')
    .option('--warehouse', "also check the target's engine: grants drift against roles.yml (as dpf grants check) and, on Trino, who queried classified relations since the last report")
    .option('-o, --output <format>', 'text or json (the whole report as one object, schemas/audit.schema.json)', 'text')
    .addHelpText('after', '\nExamples:\n  $ dpf audit\n  $ dpf audit --fail-on medium --output json > audit.json\n  $ dpf audit --warehouse --target prod')
    .action(async (flags: AuditFlags) => {
      const output = flags.output ?? 'text';
      if (!['text', 'json'].includes(output)) fail('AuditOutputUnknown', { value: output });
      const report = await audit({ projectDir: flags.projectDir, profilesDir: flags.profilesDir, failOn: flags.failOn, cwd: ctx.io.cwd, env: ctx.io.env, warehouse: flags.warehouse, target: flags.target });
      for (const warning of report.warnings) ctx.output.err(formatDiagnostic(warning, report.projectDir));
      if (output === 'json') ctx.output.outJson(report);
      else ctx.output.out(formatAuditReport(report));
      if (report.failed) ctx.setExitCode(1);
    });
}

const KIND_LABELS: Record<AuditReport['findings'][number]['kind'], string> = {
  secret: 'secret',
  sql_injection: 'SQL injection',
  pii_unclassified: 'unclassified PII',
  pii_exposure: 'exposed PII',
  grants_drift: 'grants drift',
  classified_access: 'classified data read',
};

/** Who queried classified relations: one line per engine user, with counts and times, never a query. */
function formatAccess(access: AuditReport['access']): string[] {
  if (!access) return [];
  const window = `${access.since ? `since the last report (${access.since})` : 'all the engine keeps'} up to ${access.until}`;
  const head = `Queries over classified relations in ${access.source}, ${window}: ${access.users.length === 0 ? 'none' : `${access.users.length} user${access.users.length === 1 ? '' : 's'}`} (of ${access.queries} queries).`;
  return [
    '',
    head,
    ...access.users.map(
      (u) =>
        `  ${u.severity.toUpperCase().padEnd(6)} ${u.user} (${u.roles.length > 0 ? u.roles.join(', ') : 'no role'}): ${u.queries} quer${u.queries === 1 ? 'y' : 'ies'}${u.failed > 0 ? ` (${u.failed} failed)` : ''} over ${u.relations.join(', ')}, ${u.first === u.last ? u.first : `${u.first} to ${u.last}`}`,
    ),
  ];
}

export function formatAuditReport(report: AuditReport): string {
  const { counts, scanned } = report;
  const lines = [`dpf audit: ${scanned.files} files, ${scanned.artifacts} artifacts, ${scanned.templates} templates${scanned.piiFindings ? ', the PII scan' : ''}${scanned.warehouse ? ', the engine' : ''}`];
  lines.push(...formatAccess(report.access));
  if (report.findings.length === 0) {
    lines.push('', 'No findings.');
    return lines.join('\n');
  }
  lines.push('');
  for (const f of report.findings) {
    lines.push(`${f.severity.toUpperCase().padEnd(6)} ${f.file}:${f.line}:${f.column}  ${KIND_LABELS[f.kind]} (${f.rule})${f.masked ? `: ${f.masked}` : ''}`);
    lines.push(`       ${f.message}`);
  }
  const total = report.findings.length;
  lines.push('', `${total} finding${total === 1 ? '' : 's'}: ${counts.high} high, ${counts.medium} medium, ${counts.low} low.${report.failed ? ` Failing: at or above --fail-on ${report.failOn}.` : ` None at or above --fail-on ${report.failOn}.`}`);
  return lines.join('\n');
}
