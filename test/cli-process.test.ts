/**
 * The installed entry point (bin/dpf.js over dist/, built by `npm test`) as a separate
 * process: exit codes, run as `dpf` from any folder, and a run killed mid-build that leaves the
 * warehouse consistent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, REPO_ROOT, tempDir } from './helpers/run-dpf.js';
import { killMidRun } from './helpers/kill-mid-run.js';
import { queryDuckDB, relationsIn } from './helpers/query-duckdb.js';

const BIN = join(REPO_ROOT, 'bin/dpf.js');

function runBin(args: string[], cwd: string) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, HOME: cwd } });
}

describe('bin/dpf.js', () => {
  it('is built (npm test builds dist/ first)', () => {
    expect(existsSync(join(REPO_ROOT, 'dist/cli/main.js'))).toBe(true);
  });

  it('exits 0 on success, 1 when a model fails, 2 on a project error', () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' });
    expect(runBin(['build'], dir).status).toBe(0);
    writeFileSync(join(dir, 'models/a.sql'), 'select nope\n');
    const failed = runBin(['build'], dir);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain('models/a.sql:1');
    writeFileSync(join(dir, 'models/a.sql'), 'select * from {{ref "b"}}\n');
    const invalid = runBin(['build'], dir);
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toContain('DPF203');
  });

  it('stops quietly when its output pipe closes early (dpf ls | head)', () => {
    const dir = makeProject(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`models/m${i}.sql`, 'select 1 as id\n'])));
    const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" ls --output name | head -1`], { cwd: dir, encoding: 'utf8', env: { ...process.env, HOME: dir } });
    expect(piped.status).toBe(0);
    expect(piped.stdout.trim()).toBe('m0');
    expect(piped.stderr).not.toContain('EPIPE');
  });

  it('prints help with an example for every command, each spelt as installed: dpf', () => {
    for (const command of ['init', 'compile', 'run', 'seed', 'build', 'test', 'snapshot', 'retry', 'ci', 'clone', 'ls', 'show', 'debug', 'clean']) {
      const help = runBin([command, '--help'], REPO_ROOT);
      expect(help.status, command).toBe(0);
      expect(help.stdout, command).toMatch(/Example/);
      const examples = help.stdout.split('\n').filter((line) => line.trimStart().startsWith('$ '));
      expect(examples.length, command).toBeGreaterThan(0);
      for (const example of examples) expect(example.trimStart(), command).toMatch(/^\$ dpf /);
    }
  });

  it('leaves the previous table intact when killed mid-build, and the next run recovers', async () => {
    const dir = makeProject({
      'models/totals.sql': '{{config materialized="table"}}\nselect {{var "n"}} as n\n',
    });
    const db = join(dir, 'target/dev.duckdb');
    expect(runBin(['build', '--vars', '{n: 1}'], dir).status).toBe(0);

    // A model slow enough to be interrupted while it builds into its temporary table.
    writeFileSync(join(dir, 'models/totals.sql'), '{{config materialized="table"}}\nselect count(*) as n from range(4000000000)\n');
    expect(await killMidRun(['build'], dir, 300)).toBe('SIGKILL');

    expect((await queryDuckDB(db, 'select n::int as n from main.totals'))[0]!.n).toBe(1);
    writeFileSync(join(dir, 'models/totals.sql'), '{{config materialized="table"}}\nselect 2 as n\n');
    const next = runBin(['build'], dir);
    expect(next.status, next.stdout + next.stderr).toBe(0);
    expect((await queryDuckDB(db, 'select n from main.totals'))[0]!.n).toBe(2);
    expect((await relationsIn(db)).filter((r) => r.includes('__dpf_'))).toEqual([]);
  });
});

describe('dpf on the PATH (the README\'s install line links bin/dpf.js into npm\'s bin folder)', () => {
  /** A folder far from the checkout, and a PATH holding a link to bin/dpf.js, as npm link makes. */
  function installedElsewhere() {
    const dir = tempDir('dpf-path-');
    mkdirSync(join(dir, 'bin'));
    symlinkSync(BIN, join(dir, 'bin', 'dpf'));
    mkdirSync(join(dir, 'elsewhere'));
    const cwd = join(dir, 'elsewhere');
    const env = { HOME: cwd, PATH: `${join(dir, 'bin')}${delimiter}${dirname(process.execPath)}` };
    return (args: string[]) => spawnSync('dpf', args, { cwd, env, encoding: 'utf8' });
  }

  it('prints its version from any folder', () => {
    const version = installedElsewhere()(['--version']);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version);
  });

  it('prints the root help from any folder, its example spelt as installed', () => {
    const help = installedElsewhere()(['--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: dpf [options] [command]');
    expect(help.stdout).toContain('$ dpf init my_project && cd my_project && dpf build');
  });

  it('is what the README and docs tell you to type: dpf, never npx dpf (no such package of ours)', () => {
    const docs = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const offending = docs.flatMap((file) =>
      readFileSync(join(REPO_ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (/npx dpf\b/.test(line) ? [`${file}:${i + 1}: ${line}`] : [])),
    );
    expect(offending).toEqual([]);
    expect(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).toContain('npm install && npm link --ignore-scripts && dpf build --project-dir project-template');
  });
});
