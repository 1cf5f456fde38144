/**
 * Damaged artifacts (truncated by a full disk or a tool outside dpf, or not JSON at all): a
 * file dpf can do without is ignored with one warning naming it; a file a command needs is a
 * DpfError naming it. Never an internal error or a stack trace.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DpfError } from '../src/errors/dpf-error.js';
import { readLastRun } from '../src/runner/read-last-run.js';
import { dpf, makeProject, tempDir } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const files = {
  'models/a.sql': '{{config materialized="table"}}\nselect {{var "n" 1}} as n\n',
  'models/b.sql': 'select n * 2 as m from {{ref "a"}}\n',
  'models/a.yml': 'models:\n  - name: a\n    description: the first\n',
};

/** Cuts a file in half, as a disk that filled up mid-write would have left it. */
function truncate(file: string): void {
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
}

const noTrace = (output: string) => {
  expect(output).not.toContain('internal error');
  expect(output).not.toMatch(/^ {4}at /m);
};

describe('a damaged artifact dpf can do without', () => {
  for (const name of ['compile_fingerprint.json', 'manifest.json', 'partial_parse.json']) {
    it(`target/${name}: warns naming the file, compiles again and builds`, async () => {
      const dir = makeProject(files);
      expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(0);
      // A change makes the compile read partial_parse.json; without one the fingerprint matches.
      if (name === 'partial_parse.json') writeFileSync(join(dir, 'models/b.sql'), 'select n * 3 as m from {{ref "a"}}\n');
      truncate(join(dir, 'target', name));
      const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
      expect(run.code, run.output).toBe(0);
      noTrace(run.output);
      expect(run.stderr).toMatch(new RegExp(`warning DPF510 .* — target/${name.replace('.', '\\.')}`));
      expect(run.stderr).toMatch(/dpf (compiles the project|parses every YAML file) instead/);
      // Written again whole.
      expect(() => JSON.parse(readFileSync(join(dir, 'target', name), 'utf8'))).not.toThrow();
      // The warning is this run's: the next run has nothing to say.
      const next = await dpf(['build', '--project-dir', dir], { cwd: dir });
      expect(next.stderr).not.toContain('DPF510');
    });
  }

  it('target/node_results.json: the next build starts it again from its own results', async () => {
    const dir = makeProject(files);
    expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    writeFileSync(join(dir, 'target/node_results.json'), '{"targets": {"dev": {"model.proj.a": ');
    const run = await dpf(['build', '--project-dir', dir, '--select', 'b'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    noTrace(run.output);
    const doc = JSON.parse(readFileSync(join(dir, 'target/node_results.json'), 'utf8')) as { targets: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.targets.dev!)).toEqual(['model.proj.b']);
  });
});

describe('a damaged artifact a command needs', () => {
  it('--state with a truncated manifest.json: DPF509 naming the file and what to do, nothing built', async () => {
    const dir = makeProject(files);
    expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    const state = join(tempDir(), 'prod');
    cpSync(join(dir, 'target'), state, { recursive: true });
    truncate(join(state, 'manifest.json'));
    await queryDuckDB(join(dir, 'target/dev.duckdb'), 'drop table main.a');
    for (const args of [['--select', 'state:modified'], ['--defer', '--select', 'b']]) {
      const run = await dpf(['build', '--project-dir', dir, '--state', state, ...args], { cwd: dir });
      expect(run.code, run.output).toBe(2);
      noTrace(run.output);
      expect(run.stderr).toContain(`error DPF509 Artifact damaged — ${join(state, 'manifest.json')}`);
      expect(run.stderr).toContain('needs this file, and it cannot be read');
      expect(run.stderr).toContain('hint: Replace');
    }
    expect(await queryDuckDB(join(dir, 'target/dev.duckdb'), "select count(*)::int as n from information_schema.tables where table_name = 'a'")).toEqual([{ n: 0 }]);
  });

  it('result:error with a damaged run_results.json in --state: DPF509; state:modified alone does not need it', async () => {
    const dir = makeProject(files);
    expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    const state = join(tempDir(), 'prod');
    cpSync(join(dir, 'target'), state, { recursive: true });
    writeFileSync(join(state, 'run_results.json'), '');
    const result = await dpf(['ls', '--output', 'name', '--project-dir', dir, '--state', state, '--select', 'result:error'], { cwd: dir });
    expect(result.code, result.output).toBe(2);
    noTrace(result.output);
    expect(result.stderr).toContain(`DPF509 Artifact damaged — ${join(state, 'run_results.json')}`);
    expect(result.stderr).toContain('it is empty');
    const modified = await dpf(['ls', '--output', 'name', '--project-dir', dir, '--state', state, '--select', 'state:modified'], { cwd: dir });
    expect(modified.code, modified.output).toBe(0);
  });

  it('source_status:fresher with a damaged sources.json: DPF509 naming it', async () => {
    const dir = makeProject(files);
    expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    writeFileSync(join(dir, 'target/sources.json'), '{"results": [');
    const run = await dpf(['ls', '--output', 'name', '--project-dir', dir, '--state', join(dir, 'target'), '--select', 'source_status:fresher'], { cwd: dir });
    expect(run.code, run.output).toBe(2);
    noTrace(run.output);
    expect(run.stderr).toContain('DPF509');
    expect(run.stderr).toContain('sources.json');
    expect(run.stderr).toContain('dpf source freshness');
  });

  it('dpf retry: a damaged run_results.json is DPF509 saying to run the command in full; a missing one DPF506', async () => {
    const dir = makeProject({ 'models/a.sql': 'select nope\n', 'models/b.sql': 'select * from {{ref "a"}}\n' });
    expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(1);
    const file = join(dir, 'target/run_results.json');
    expect(readLastRun(file, 'target/run_results.json')).toEqual({ command: 'build', again: ['model.proj.a', 'model.proj.b'] });
    const failure = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        if (err instanceof DpfError) return err.first;
        throw err;
      }
      throw new Error('no error');
    };
    truncate(file);
    const damaged = failure(() => readLastRun(file, 'target/run_results.json'));
    expect(damaged.code).toBe('DPF509');
    expect(damaged.location?.file).toBe('target/run_results.json');
    expect(damaged.hint).toContain('Run the last command again in full');
    writeFileSync(file, '{"metadata": {}, "results": []}');
    expect(failure(() => readLastRun(file, 'target/run_results.json')).message).toContain('names no dpf command');
    expect(failure(() => readLastRun(join(dir, 'nothing.json'), 'nothing.json')).code).toBe('DPF506');
  });
});
