/**
 * Bad input: each mistake exits 2 with a message naming the file and line and saying what to
 * do, and no relation is built (the warehouse file is not even created).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject, writeFiles } from './helpers/run-dpf.js';

const ok = { 'models/a.sql': 'select 1 as id\n' };

interface Case {
  readonly name: string;
  readonly files: Record<string, string>;
  readonly projectYml?: string;
  readonly args?: string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Expected in stderr: code, location and message fragments. */
  readonly expect: (string | RegExp)[];
}

const cases: Case[] = [
  {
    name: 'YAML syntax error',
    files: { ...ok, 'models/a.yml': 'models:\n  - name: a\n    description: x\n   columns: []\n' },
    expect: ['DPF101', 'models/a.yml:4', /YAML file cannot be read/],
  },
  {
    name: 'unknown key in a YAML file',
    files: { ...ok, 'models/a.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        descripton: the id\n' },
    expect: ['DPF102', 'models/a.yml:6:9', 'Unknown key "descripton" in models[a].columns[id]. Did you mean "description"?'],
  },
  {
    name: 'unknown key in dpf_project.yml',
    files: ok,
    projectYml: 'name: proj\nmodel-path: [models]\n',
    expect: ['DPF102', 'dpf_project.yml:2:1', 'Did you mean "model-paths"?'],
  },
  {
    name: 'ref to a model that does not exist',
    files: { ...ok, 'models/b.sql': 'select *\nfrom {{ref "aa"}}\n' },
    expect: ['DPF203', 'models/b.sql:2:6', 'Did you mean "a"?'],
  },
  {
    name: 'source that is not declared',
    files: { ...ok, 'models/b.sql': 'select * from {{source "shop" "orderz"}}\n', 'models/src.yml': 'sources:\n  - name: shop\n    tables:\n      - name: orders\n' },
    expect: ['DPF204', 'models/b.sql:1:15', 'Did you mean "shop" "orders"?'],
  },
  {
    name: 'a cycle',
    files: { 'models/a.sql': 'select * from {{ref "b"}}\n', 'models/b.sql': 'select * from {{ref "c"}}\n', 'models/c.sql': 'select * from {{ref "a"}}\n' },
    expect: ['DPF205', /a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c/],
  },
  {
    name: 'two models with the same name',
    files: { 'models/x/a.sql': 'select 1\n', 'models/y/a.sql': 'select 2\n' },
    expect: ['DPF104', 'models/y/a.sql', 'models/x/a.sql'],
  },
  {
    name: 'unknown helper',
    files: { 'models/a.sql': 'select 1\nfrom {{reff "x"}}\n' },
    expect: ['DPF201', 'models/a.sql:2:6', 'Did you mean "ref"?'],
  },
  {
    name: 'template syntax error',
    files: { 'models/a.sql': 'select 1\n{{#if (var "x" true)}}\nfrom t\n' },
    expect: ['DPF200', 'models/a.sql:'],
  },
  {
    name: 'missing profile',
    files: { ...ok, 'profiles.yml': 'other:\n  outputs:\n    dev: { type: duckdb }\n' },
    expect: ['DPF301', 'profiles.yml', 'no profile "proj" (it has: other)'],
  },
  {
    name: 'missing target',
    files: ok,
    args: ['--target', 'prod'],
    expect: ['DPF302', 'no target "prod" (it has: dev)'],
  },
  {
    name: 'environment variable not set',
    files: { ...ok, 'profiles.yml': 'proj:\n  outputs:\n    dev:\n      type: duckdb\n      path: "{{env \'DPF_TEST_UNSET_VAR\'}}"\n' },
    expect: ['DPF303', 'profiles.yml:5', 'DPF_TEST_UNSET_VAR is not set'],
  },
  {
    name: 'unknown adapter type',
    files: { ...ok, 'profiles.yml': 'proj:\n  outputs:\n    dev:\n      type: snowflake\n' },
    expect: ['DPF304', 'profiles.yml:4:13', 'Adapter type "snowflake" is not known (available: duckdb, trino)'],
  },
  {
    name: 'grants with a privilege that is not a word (it would be SQL)',
    files: { ...ok, 'models/a.yml': 'models:\n  - name: a\n    config:\n      grants: {"select; drop table x": [bob]}\n' },
    expect: ['DPF103', 'models/a.yml:4:16', 'the key "select; drop table x" must match pattern', 'A privilege: select, insert'],
  },
  {
    name: 'seed CSV with a ragged row',
    files: { 'seeds/people.csv': 'id,name\n1,ann\n2,bob,extra\n3,cy\n' },
    expect: ['DPF400', 'seeds/people.csv:3', 'has 3 fields, but the header has 2'],
  },
  {
    name: 'invalid --vars',
    files: ok,
    args: ['--vars', '[1, 2]'],
    expect: ['DPF108', '--vars must be a YAML mapping'],
  },
  {
    name: 'unknown selector method',
    files: ok,
    args: ['--select', 'tags:x'],
    expect: ['DPF500', 'unknown method "tags"'],
  },
  {
    name: 'env helper in a model',
    files: { 'models/a.sql': 'select \'{{env "HOME"}}\' as h\n' },
    expect: ['DPF208', 'models/a.sql:1:9'],
  },
];

describe('dpf build on a broken project', () => {
  for (const c of cases) {
    it(`${c.name}: exits 2, says where and what to do, builds nothing`, async () => {
      const dir = makeProject(c.files, c.projectYml);
      const run = await dpf(['build', '--project-dir', dir, ...(c.args ?? [])], { cwd: dir, env: c.env ?? { HOME: dir } });
      expect(run.code, run.output).toBe(2);
      for (const fragment of c.expect) {
        if (typeof fragment === 'string') expect(run.stderr).toContain(fragment);
        else expect(run.stderr).toMatch(fragment);
      }
      expect(run.stderr).toMatch(/hint: /);
      expect(run.stderr).not.toMatch(/\n\s+at .*\.(ts|js):\d+/); // no stack trace
      expect(existsSync(join(dir, 'target/dev.duckdb'))).toBe(false);
    });
  }

  it('reports every problem at once', async () => {
    const dir = makeProject({ 'models/a.sql': 'select * from {{ref "nope1"}}\n', 'models/b.sql': 'select * from {{ref "nope2"}}\n' });
    const run = await dpf(['compile', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('models/a.sql:1:15');
    expect(run.stderr).toContain('models/b.sql:1:15');
    expect(run.stderr).toContain('2 problems found.');
  });

  it('says there is no project when dpf_project.yml is missing', async () => {
    const dir = makeProject(ok);
    const run = await dpf(['build', '--project-dir', join(dir, 'models')], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DPF100');
    expect(run.stderr).toContain('dpf init');
  });

  it('prints errors as JSON events with --log-format json', async () => {
    const dir = makeProject({ 'models/a.sql': 'select * from {{ref "nope"}}\n' });
    const run = await dpf(['build', '--project-dir', dir, '--log-format', 'json'], { cwd: dir });
    expect(run.code).toBe(2);
    const event = JSON.parse(run.stderr.trim().split('\n')[0]!);
    expect(event).toMatchObject({ event: 'error', code: 'DPF203', location: { file: 'models/a.sql', line: 1, column: 15 } });
  });

  it('warns about a folder config that matches nothing, and still builds', async () => {
    const dir = makeProject(ok, 'name: proj\nmodels:\n  proj:\n    stagin:\n      +materialized: table\n');
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('DPF106');
    expect(run.stderr).toContain('models.proj.stagin');
  });

  it('rejects an unknown command option with exit 2', async () => {
    const dir = writeFiles(makeProject(ok), {});
    const run = await dpf(['build', '--project-dir', dir, '--selct', 'a'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown option '--selct'/);
  });
});
