/** `dpf docs generate` (build the catalog site into target/site/) and `dpf docs serve` (serve it on localhost). */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { compileFromDisk } from '../../compiler/compile-pipeline.js';
import { withGovernance } from '../../governance/classification/classify-project.js';
import { loadProjectConfig, targetPathOf } from '../../compiler/load-project.js';
import { DpfError, diagnostic, fail } from '../../errors/dpf-error.js';
import { generateSite, type SiteSummary } from '../../docs-site/generate-site.js';
import { BROWSER_FILE_BUDGET_BYTES } from '../../docs-site/write-site.js';
import { DEFAULT_HOST, DEFAULT_PORT, isLoopback, serveSite } from '../../server/serve-site.js';
import { DEFAULT_MAX_ROWS, exploreApi } from '../../server/explore-api.js';
import { newAccessToken } from '../../server/access-token.js';
import { DEFAULT_QUERY_TIMEOUT_MS } from '../../api/query-read-only.js';
import { addProjectOptions, compileOptions, logFormatOf, projectDirOf, type CommonFlags } from '../common-options.js';
import { nowOf } from '../clock-options.js';
import type { CommandContext } from '../command-context.js';
import { printWarnings, summarizeProject } from '../project-summary.js';

interface GenerateFlags extends CommonFlags {
  emptyCatalog?: boolean;
  profile?: boolean;
}

interface ServeFlags extends CommonFlags {
  host?: string;
  port?: string;
  maxRows?: string;
  queryTimeout?: string;
  explore?: boolean;
}

export function registerDocsCommand(program: Command, ctx: CommandContext): void {
  const docs = program.command('docs').description('the catalog and lineage website: generate it, serve it');

  const generate = docs.command('generate').description('build the catalog site into target/site/ (and target/catalog.json)');
  addProjectOptions(generate)
    .option('--empty-catalog', 'do not query the warehouse: no column types, row counts or sizes (fast on large projects)')
    .option('--profile', 'profile the columns of every table (null %, distinct, min/max, top values, histogram)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ dpf docs generate && dpf docs serve\n  $ dpf docs generate --empty-catalog      # without touching the warehouse\n  $ dpf docs generate --profile            # with column profiles of every table',
    )
    .action(async (flags: GenerateFlags) => {
      const format = logFormatOf(flags);
      const options = compileOptions(flags, ctx.io.cwd, ctx.io.env);
      // The site needs the manifest, not target/compiled/ (a later command writes it if needed).
      const compiled = withGovernance(await compileFromDisk({ ...options, writeCompiledFiles: false }), options.projectDir, true);
      ctx.output.addSecrets(compiled.target.secrets);
      printWarnings(ctx, compiled.warnings, options.projectDir, format);
      const summary = await generateSite({ compiled, projectDir: options.projectDir, emptyCatalog: flags.emptyCatalog, profileAll: flags.profile, now: nowOf(ctx.io.env), env: ctx.io.env });
      printWarnings(ctx, summary.analyses.warnings, options.projectDir, format);
      if (format === 'json') {
        ctx.output.outJson({ event: 'docs_generated', ...summary, site: { ...summary.site, dir: relative(ctx.io.cwd, summary.site.dir) } });
        return;
      }
      ctx.output.out(summarizeProject(compiled));
      for (const line of describe(summary, ctx.io.cwd, ctx.io.env.DPF_TIMING !== undefined, flags.projectDir)) ctx.output.out(line);
    });

  const serve = docs.command('serve').description('serve target/site/ on http://127.0.0.1 (Ctrl+C stops)');
  addProjectOptions(serve)
    .option('--host <address>', 'address to listen on; anything but 127.0.0.1 or localhost exposes the catalog to your network', DEFAULT_HOST)
    .option('--port <number>', 'port to listen on; 0 picks a free one', String(DEFAULT_PORT))
    .option('--max-rows <number>', 'the most rows an Explore query may return (each asks for 1,000 by default)', String(DEFAULT_MAX_ROWS))
    .option('--query-timeout <seconds>', 'Explore queries are cancelled after this long', String(DEFAULT_QUERY_TIMEOUT_MS / 1000))
    .option('--no-explore', 'serve the catalog only: no Explore page queries')
    .addHelpText(
      'after',
      '\nExamples:\n  $ dpf docs serve\n  $ dpf docs serve --port 0        # any free port; the URL is printed\n  $ dpf docs serve --host 0.0.0.0  # on the network: Explore needs the token printed at start-up',
    )
    .action(async (flags: ServeFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) fail('UsageError', { detail: `--port must be a number from 0 to 65535, got "${flags.port}".` });
      const maxRows = Number(flags.maxRows ?? DEFAULT_MAX_ROWS);
      if (!Number.isInteger(maxRows) || maxRows < 1) fail('UsageError', { detail: `--max-rows must be a whole number above 0, got "${flags.maxRows}".` });
      const timeoutSeconds = Number(flags.queryTimeout ?? DEFAULT_QUERY_TIMEOUT_MS / 1000);
      if (!(timeoutSeconds > 0)) fail('UsageError', { detail: `--query-timeout must be a number of seconds above 0, got "${flags.queryTimeout}".` });
      const projectDir = projectDirOf(flags, ctx.io.cwd);
      const siteDir = join(targetPathOf(projectDir, loadProjectConfig(projectDir).data), 'site');
      if (!existsSync(join(siteDir, 'index.html'))) fail('SiteMissing', { dir: relative(ctx.io.cwd, siteDir) || siteDir });
      const host = flags.host ?? DEFAULT_HOST;
      const options = compileOptions(flags, ctx.io.cwd, ctx.io.env);
      const api =
        flags.explore === false
          ? undefined
          : exploreApi({ project: { projectDir: options.projectDir, profilesDir: options.profilesDir, target: options.target, env: ctx.io.env }, maxRows, timeoutMs: timeoutSeconds * 1000 });
      // Beyond loopback, the API answers only to whoever saw this start's token.
      const token = api && !isLoopback(host) ? newAccessToken() : undefined;
      const server = await serveSite(siteDir, { host, port, api, token }).catch((err: Error) => {
        throw new DpfError([diagnostic('ServeFailed', { address: `${host}:${port}`, detail: err.message })]);
      });
      const opened = token ? `${server.url}?token=${token}` : server.url;
      if (logFormatOf(flags) === 'json') ctx.output.outJson({ event: 'docs_serving', url: server.url, dir: siteDir, explore: api !== undefined, ...(token ? { token, open: opened } : {}) });
      else {
        ctx.output.out(`Serving ${relative(ctx.io.cwd, siteDir) || siteDir} at ${server.url}  (Ctrl+C to stop)`);
        if (!isLoopback(host)) {
          ctx.output.err(`warning: listening on ${host}: anyone who can reach this machine on port ${new URL(server.url).port} can read the catalog (names, descriptions, SQL, profiles). Use --host 127.0.0.1 to keep it local.`);
        }
        if (token) ctx.output.out(`Explore queries need this start's token: open ${opened}`);
      }
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

/** projectDir: --project-dir as given, repeated in the closing hint so that it can be pasted as is. */
function describe(summary: SiteSummary, cwd: string, timing: boolean, projectDir?: string): string[] {
  const lines: string[] = [];
  const list = (items: string[], max = 5) => items.slice(0, max).join(', ') + (items.length > max ? `, and ${items.length - max} more` : '');
  if (summary.catalog) {
    const { relations, missing, errors } = summary.catalog;
    lines.push(
      `Catalog: ${relations} relation${relations === 1 ? '' : 's'} read from the warehouse` +
        (missing.length ? `; ${missing.length} not built yet: ${list(missing)}` : '') +
        (summary.profiled ? `; ${summary.profiled} table${summary.profiled === 1 ? '' : 's'} profiled` : ''),
    );
    if (errors.length) lines.push(`  could not read everything about: ${list(errors, 3)}`);
  } else {
    lines.push('Catalog: skipped (--empty-catalog): no column types, row counts or sizes');
  }
  const { models, unparsed, partial, engine } = summary.lineage;
  if (!engine) lines.push('Column lineage: not available for this adapter');
  else {
    const problems = unparsed.length ? `, ${unparsed.length} could not be parsed: ${list(unparsed.map((u) => `${u.name} (${u.reason})`), 3)}` : ', all parsed';
    lines.push(`Column lineage: ${models} model${models === 1 ? '' : 's'}${problems}${partial ? `; ${partial} partly resolved` : ''}`);
  }
  if (summary.analyses.count > 0) {
    const { count, snapshots } = summary.analyses;
    lines.push(`Analyses: ${count} page${count === 1 ? '' : 's'}` + (summary.catalog ? `, ${snapshots} with a data snapshot` : ' (no data snapshots: --empty-catalog)'));
  }
  if (summary.history?.error) lines.push(`warning: the run history (dpf_meta) could not be read, the Health page is empty: ${summary.history.error}`);
  else if (summary.history) lines.push(`History: the last ${summary.history.runs} run${summary.history.runs === 1 ? '' : 's'} from dpf_meta (Health page, node charts)`);
  const p = summary.pipelines;
  if (p?.error) lines.push(`warning: the pipelines could not be read, the Pipelines page is empty: ${p.error}`);
  else if (p) lines.push(`Pipelines: ${p.count}, ${p.schedulerRan ? `read from the ${p.store} (${p.running} running, ${p.failed} failed)` : 'no scheduler has run yet'}`);
  if (summary.overview) lines.push(`Overview page: ${summary.overview}`);
  const site = summary.site;
  const dir = relative(cwd, site.dir) || '.';
  lines.push(
    `Site written to ${dir}/ in ${summary.seconds.toFixed(2)}s: ${site.files} files, ${megabytes(site.bytes)} (largest: ${site.largest.path}, ${megabytes(site.largest.bytes)}); catalog in ${relative(cwd, summary.catalogFile)}`,
  );
  if (site.largest.bytes > BROWSER_FILE_BUDGET_BYTES) {
    lines.push(
      `warning: ${dir}/${site.largest.path} is ${megabytes(site.largest.bytes)}; browsers load a file this large slowly. Very long descriptions or SQL end up in it: shorten them, or move long prose to overview.md.`,
    );
  }
  if (timing) lines.push(Object.entries(summary.timings).map(([stage, s]) => `${stage} ${s.toFixed(2)}s`).join(', '));
  const serve = projectDir && projectDir !== '.' ? `dpf docs serve --project-dir ${shellWord(projectDir)}` : 'dpf docs serve';
  lines.push(`Open ${dir}/index.html in a browser, or run \`${serve}\`.`);
  return lines;
}

/** A path as one shell word: quoted only when it needs to be. */
const shellWord = (s: string) => (/^[\w./~@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

const megabytes = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);
