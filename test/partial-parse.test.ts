/** Partial parsing: cached YAML is reused only while each file is unchanged. */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject } from './helpers/run-dpf.js';

const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8'));

describe('partial parsing of YAML', () => {
  it('reuses unchanged files and re-reads changed, broken and deleted ones', async () => {
    const dir = makeProject({
      'models/a.sql': 'select 1 as id\n',
      'models/b.sql': 'select 2 as id\n',
      'models/a.yml': 'models:\n  - name: a\n    description: first version\n',
      'models/b.yml': 'models:\n  - name: b\n    description: b stays\n',
    });
    expect((await dpf(['compile', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    const cache = join(dir, 'target/partial_parse.json');
    expect(existsSync(cache)).toBe(true);
    expect(Object.keys(JSON.parse(readFileSync(cache, 'utf8')).files).sort()).toEqual(['models/a.yml', 'models/b.yml']);

    writeFileSync(join(dir, 'models/a.yml'), 'models:\n  - name: a\n    description: second version\n');
    expect((await dpf(['compile', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    expect(manifestOf(dir).nodes['model.proj.a'].description).toBe('second version');
    expect(manifestOf(dir).nodes['model.proj.b'].description).toBe('b stays');

    writeFileSync(join(dir, 'models/a.yml'), 'models:\n  - name: a\n    descripton: typo\n');
    const broken = await dpf(['compile', '--project-dir', dir], { cwd: dir });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('models/a.yml:3:5');

    rmSync(join(dir, 'models/a.yml'));
    expect((await dpf(['compile', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    expect(manifestOf(dir).nodes['model.proj.a'].description).toBe('');
    expect(Object.keys(JSON.parse(readFileSync(cache, 'utf8')).files)).toEqual(['models/b.yml']);
  });

  it('gives the same manifest from the cache as from a full parse, line numbers included', async () => {
    const dir = makeProject({
      'models/a.sql': 'select 1 as id\n',
      'models/a.yml': 'models:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [not_null, unique]\n',
    });
    await dpf(['compile', '--project-dir', dir], { cwd: dir });
    const warm = await dpf(['compile', '--project-dir', dir], { cwd: dir });
    expect(warm.code).toBe(0);
    const cached = manifestOf(dir);
    await dpf(['compile', '--project-dir', dir], { cwd: dir, env: { HOME: dir, DPF_NO_PARTIAL_PARSE: '1' } });
    const full = manifestOf(dir);
    expect(cached.nodes).toEqual(full.nodes);
    expect(cached.nodes['test.proj.unique_a_id'].location).toEqual({ file: 'models/a.yml', line: 5, column: 32 });
  });
});

describe('reusing the last compile when nothing changed', () => {
  it('docs generate leaves target/compiled/ out, and the next compile writes it while reusing the compile', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as n\n' });
    const env = { HOME: dir, DPF_TIMING: '1' };
    expect((await dpf(['docs', 'generate', '--empty-catalog', '--project-dir', dir], { cwd: dir, env })).code).toBe(0);
    expect(existsSync(join(dir, 'target/manifest.json'))).toBe(true);
    expect(existsSync(join(dir, 'target/compiled'))).toBe(false);
    const compile = await dpf(['compile', '--project-dir', dir], { cwd: dir, env });
    expect(compile.stdout).toContain('nothing changed since the last compile: reused it');
    expect(readFileSync(join(dir, 'target/compiled/proj/models/a.sql'), 'utf8')).toBe('select 1 as n\n');
  });

  it('skips parsing when no input changed, and compiles again on any change', async () => {
    const dir = makeProject({
      'models/a.sql': 'select {{var "n" 1}} as n, {{> two}} as t\n',
      'macros/two.hbs': '2',
      'tests/fixtures/x.csv': 'id\n1\n',
    });
    const env = { HOME: dir, DPF_TIMING: '1' };
    const compile = (...args: string[]) => dpf(['compile', '--project-dir', dir, ...args], { cwd: dir, env });
    const sql = () => manifestOf(dir).nodes['model.proj.a'].compiledCode as string;
    expect((await compile()).stdout).not.toContain('reused it');
    const again = await compile();
    expect(again.stdout).toContain('nothing changed since the last compile: reused it');
    expect(sql()).toBe('select 1 as n, 2 as t\n');

    // Same size, written at once: a timestamp could not tell these apart, the content does.
    writeFileSync(join(dir, 'models/a.sql'), 'select {{var "n" 7}} as n, {{> two}} as t\n');
    expect((await compile()).stdout).not.toContain('reused it');
    expect(sql()).toBe('select 7 as n, 2 as t\n');
    writeFileSync(join(dir, 'macros/two.hbs'), '3');
    await compile();
    expect(sql()).toBe('select 7 as n, 3 as t\n');
    await compile('--vars', '{n: 9}');
    expect(sql()).toBe('select 9 as n, 3 as t\n');
    writeFileSync(join(dir, 'profiles.yml'), 'proj:\n  outputs:\n    dev: { type: duckdb, path: target/dev.duckdb, schema: other }\n');
    await compile('--vars', '{n: 9}');
    expect(manifestOf(dir).nodes['model.proj.a'].relationName).toBe('"other"."a"');
    // A compile that does not record its fingerprint (partial parsing off) forgets the old one,
    // so that reverting the inputs later cannot bring back a manifest that no longer matches.
    writeFileSync(join(dir, 'models/a.sql'), 'select 5 as n\n');
    await dpf(['compile', '--project-dir', dir, '--vars', '{n: 9}'], { cwd: dir, env: { ...env, DPF_NO_PARTIAL_PARSE: '1' } });
    writeFileSync(join(dir, 'models/a.sql'), 'select {{var "n" 7}} as n, {{> two}} as t\n');
    await compile('--vars', '{n: 9}');
    expect(sql()).toBe('select 9 as n, 3 as t\n');
    // A new invocation id every time, also when the compile is reused.
    const first = manifestOf(dir).metadata.invocationId;
    await compile('--vars', '{n: 9}');
    expect(manifestOf(dir).metadata.invocationId).not.toBe(first);
  });
});
