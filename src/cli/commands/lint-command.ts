/** `dpf lint` and `dpf codeowners`: the project's conventions and the CODEOWNERS derived from its owners (docs/lint.md). */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { codeowners, lint, type LintReport } from '../../api/lint-project.js';
import { fail } from '../../errors/dpf-error.js';
import type { CommandContext } from '../command-context.js';
import { formatDiagnostic } from '../format-diagnostic.js';

interface ProjectFlags {
  projectDir?: string;
  profilesDir?: string;
  target?: string;
}

const projectFlags = (cmd: Command) =>
  cmd
    .option('--project-dir <dir>', 'folder holding dpf_project.yml', '.')
    .option('--profiles-dir <dir>', 'folder holding profiles.yml (default: the project, then ~/.dpf)')
    .option('-t, --target <name>', "target in profiles.yml (default: the profile's target)");

export function registerLintCommand(program: Command, ctx: CommandContext): void {
  projectFlags(program.command('lint'))
    .description("check the project's conventions (naming by folder, documented, tested, owned; lint: in dpf_project.yml); exit 1 on an error finding")
    .option('-o, --output <format>', 'text or json (the whole report as one object)', 'text')
    .addHelpText('after', '\nExamples:\n  $ dpf lint\n  $ dpf lint --output json > lint.json')
    .action(async (flags: ProjectFlags & { output?: string }) => {
      const format = flags.output ?? 'text';
      if (!['text', 'json'].includes(format)) fail('UsageError', { detail: `--output must be text or json, got "${format}".` });
      const report = await lint({ projectDir: flags.projectDir, profilesDir: flags.profilesDir, target: flags.target, cwd: ctx.io.cwd, env: ctx.io.env });
      if (format === 'json') ctx.output.outJson(report);
      else ctx.output.out(formatLintReport(report));
      if (report.failed) ctx.setExitCode(1);
    });

  projectFlags(program.command('codeowners'))
    .description('write .github/CODEOWNERS from the owners of models, seeds and sources (meta.owner, codeowners: in dpf_project.yml)')
    .option('--check', 'write nothing; exit 1 when .github/CODEOWNERS is not what the owners give (for CI)')
    .addHelpText('after', '\nExamples:\n  $ dpf codeowners\n  $ dpf codeowners --check')
    .action(async (flags: ProjectFlags & { check?: boolean }) => {
      const outcome = await codeowners({ projectDir: flags.projectDir, profilesDir: flags.profilesDir, target: flags.target, cwd: ctx.io.cwd, env: ctx.io.env, check: flags.check });
      const projectDir = resolve(ctx.io.cwd, flags.projectDir ?? '.');
      for (const warning of outcome.warnings) ctx.output.err(formatDiagnostic(warning, projectDir));
      if (flags.check) {
        if (outcome.stale) ctx.setExitCode(1);
        else ctx.output.out(`${outcome.file} is up to date.`);
      } else {
        ctx.output.out(outcome.written ? `Wrote ${outcome.file}.` : `${outcome.file} is up to date.`);
      }
    });
}

export function formatLintReport(report: LintReport): string {
  const lines = [`dpf lint: ${report.models} models checked`];
  if (report.findings.length === 0) return [...lines, '', 'No findings.'].join('\n');
  lines.push('');
  for (const f of report.findings) {
    lines.push(`${f.severity.toUpperCase().padEnd(5)} ${f.file}:${f.line}:${f.column}  ${f.rule}: ${f.message}`);
    lines.push(`      ${f.hint}`);
  }
  const { error, warn } = report.counts;
  lines.push('', `${report.findings.length} finding${report.findings.length === 1 ? '' : 's'}: ${error} error${error === 1 ? '' : 's'}, ${warn} warning${warn === 1 ? '' : 's'}.${report.failed ? ' Failing: fix the errors, or set the rule to warn or off under lint: in dpf_project.yml.' : ''}`);
  return lines.join('\n');
}
