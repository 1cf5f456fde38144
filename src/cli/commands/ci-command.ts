/**
 * `dpf ci --state <prod artifacts>`: a pull request's check. Builds and tests what the change
 * touches (state:modified+), deferring to production for everything else, in a schema of its
 * own named after the branch; writes a Markdown summary (what changed, what was built, test
 * results, row counts against production) to stdout and target/ci-summary.md; drops the CI
 * schemas at the end unless --keep.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../../compiler/write-file-atomic.js';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { adapterFactory } from '../../adapters/index.js';
import { fail } from '../../errors/dpf-error.js';
import { stateChanges } from '../../compiler/compare-state.js';
import { resolveTarget } from '../../compiler/compile-pipeline.js';
import type { Manifest } from '../../compiler/manifest.js';
import { allNodes, EXECUTABLE_KINDS, nodesOfKind } from '../../compiler/node-kinds.js';
import { readState } from '../../compiler/read-state.js';
import type { NodeResult } from '../../runner/run-results.js';
import { compareRowCounts, type RowCount } from '../../runner/compare-row-counts.js';
import { isMaskingTarget, maskedSchema } from '../../compiler/masked-inputs.js';
import { addProjectOptions, compileOptions, projectDirOf } from '../common-options.js';
import { recordStore } from '../../runner/relation-records.js';
import { SqlTemplates } from '../../adapters/sql-templates.js';
import type { CommandContext } from '../command-context.js';
import { recordAudit } from '../../history/index.js';
import { auditOptions } from '../audit-options.js';
import { addRunOptions, executeRun, type RunFlags } from './run-command.js';

interface CiFlags extends RunFlags {
  branch?: string;
  keep?: boolean;
}

export function registerCiCommand(program: Command, ctx: CommandContext): void {
  const cmd = program.command('ci').description("check a change: build and test what it modifies against production's data, in a schema of its own");
  addRunOptions(addProjectOptions(cmd))
    .option('--state <dir>', 'production artifacts (its target/ with manifest.json) to compare with and defer to')
    .option('--branch <name>', 'names the CI schema (default: the CI provider\'s branch, or git\'s)')
    .option('--keep', 'keep the CI schema after the run, to look at it')
    .addHelpText('after', '\nExample:\n  $ dpf ci --state prod-artifacts --target ci')
    .action(async (flags: CiFlags) => {
      if (!flags.state) fail('UsageError', { detail: 'dpf ci needs --state <folder> with the manifest.json of production (see docs/environments.md).' });
      const state = readState(resolve(ctx.io.cwd, flags.state), 'dpf ci');
      const base = resolveTarget(compileOptions(flags, ctx.io.cwd, ctx.io.env));
      const branch = (flags.branch ?? branchName(ctx)).toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'ci';
      const schema = `${base.schema}_${branch}`;
      ctx.output.out(`dpf ci: building state:modified+ into schema ${schema}, deferring to ${flags.state}\n`);
      const outcome = await executeRun('build', { ...flags, select: ['state:modified+'], exclude: undefined, defer: true }, ctx, { schema });
      if (!outcome) return;
      const { manifest, summary, compiled } = outcome;
      const adapter = adapterFactory(compiled.target.type).create(compiled.target, projectDirOf(flags, ctx.io.cwd));
      await adapter.open();
      try {
        const counts = summary ? await compareRowCounts(adapter, manifest, state.manifest, summary.results) : [];
        const markdown = ciSummary(manifest, state.manifest, schema, summary?.results ?? [], counts);
        mkdirSync(compiled.targetPath, { recursive: true });
        writeFileAtomic(join(compiled.targetPath, 'ci-summary.md'), ctx.output.redact(markdown));
        ctx.output.out(`\n${markdown}`);
        if (!flags.keep) {
          const schemas = new Set(nodesOfKind(manifest, ...EXECUTABLE_KINDS).map((n) => n.relation.schema).filter((s) => s.startsWith(schema)));
          schemas.add(`${schema}_dpf_audit`);
          // A masking target's views of what it reads from production.
          if (isMaskingTarget(compiled.target)) schemas.add(maskedSchema(compiled.target.schema));
          const startedAt = new Date();
          await adapter.withConnection(async (c) => {
            for (const s of schemas) await c.dropSchema(s, compiled.target.database);
          });
          const changes = [...schemas].map((s) => ({ relation: s, action: 'dropped' as const, materialized: 'schema' }));
          await recordAudit(adapter, auditOptions(ctx, compiled, projectDirOf(flags, ctx.io.cwd), 'ci', null, startedAt, changes));
          // Their records describe relations that no longer exist.
          const dropped = nodesOfKind(manifest, ...EXECUTABLE_KINDS).filter((n) => schemas.has(n.relation.schema)).map((n) => n.relationName);
          await recordStore((fn) => adapter.withConnection(fn), adapter.dialect, new SqlTemplates(adapter.name), compiled.target.database).forget(dropped);
          ctx.output.out(`Dropped the CI schema${schemas.size === 1 ? '' : 's'} (${[...schemas].join(', ')}); --keep keeps them.`);
        }
      } finally {
        await adapter.close();
      }
    });
}

function branchName(ctx: CommandContext): string {
  const env = ctx.io.env;
  const fromCi = env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || env.CI_COMMIT_REF_NAME || env.BRANCH_NAME;
  if (fromCi) return fromCi;
  try {
    return execFileSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: ctx.io.cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'ci';
  }
}

export function ciSummary(manifest: Manifest, state: Manifest, schema: string, results: NodeResult[], counts: RowCount[]): string {
  const lines: string[] = ['## dpf ci', ''];
  const changed = allNodes(manifest)
    .filter((n) => n.kind !== 'unit_test' && n.kind !== 'test')
    .map((n) => ({ n, changes: stateChanges(n, manifest, state) }))
    .filter((x) => x.changes.size > 0);
  lines.push(`**Changed** (${changed.length}) — against production's manifest:`, '');
  if (changed.length === 0) lines.push('- nothing');
  for (const { n, changes } of changed) lines.push(`- \`${n.name}\` (${n.kind}): ${[...changes].join(', ')}`);
  const by = (statuses: string[]) => results.filter((r) => statuses.includes(r.status));
  const bad = by(['error', 'fail']);
  lines.push(
    '',
    `**Built and tested** in \`${schema}\`: ${by(['success', 'reused', 'pass']).length} ok, ${by(['warn']).length} warnings, ${bad.length} failed, ${by(['skipped']).length} skipped.`,
    '',
  );
  if (results.length > 0) {
    lines.push('| node | kind | status | rows / failures |', '|---|---|---|---:|');
    for (const r of results) lines.push(`| \`${r.name}\` | ${r.strategy} | ${r.status === 'error' || r.status === 'fail' ? `**${r.status}**` : r.status} | ${r.failures ?? r.rowsAffected ?? ''} |`);
  }
  if (counts.length > 0) {
    lines.push('', '**Row counts** against production:', '', '| model | this change | production | difference |', '|---|---:|---:|---:|');
    for (const c of counts) {
      const diff = c.there === undefined ? 'new' : `${c.here - c.there >= 0 ? '+' : ''}${c.here - c.there}`;
      lines.push(`| \`${c.name}\` | ${c.here} | ${c.there ?? '—'} | ${diff} |`);
    }
  }
  if (bad.length > 0) {
    lines.push('', '**Failures**:', '');
    for (const r of bad) lines.push(`- \`${r.name}\`: ${r.message.split('\n')[0]}`);
  }
  return lines.join('\n') + '\n';
}
