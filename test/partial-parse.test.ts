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
    expect(cached.tests).toEqual(full.tests);
    expect(cached.tests['test.proj.unique_a_id'].location).toEqual({ file: 'models/a.yml', line: 5, column: 32 });
  });
});
