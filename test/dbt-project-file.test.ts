/**
 * A dbt user's dpf_project.yml (or none, next to dbt_project.yml): dbt's unambiguous shapes are
 * read as dbt reads them, dbt-only settings warn, and every other mistake says what to write.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject, tempDir, writeFiles } from './helpers/run-dpf.js';

const PROFILE = 'proj:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/dev.duckdb, schema: main, threads: 1 }\n';

function manifestNodes(dir: string): Record<string, { config: Record<string, unknown>; relationName: string; tags: string[] }> {
  return JSON.parse(readFileSync(join(dir, 'target', 'manifest.json'), 'utf8')).nodes;
}

describe('a folder with dbt_project.yml and no dpf_project.yml', () => {
  it('is recognised as a dbt project, with what to do', async () => {
    const dir = writeFiles(tempDir(), { 'dbt_project.yml': 'name: proj\nprofile: proj\n', 'profiles.yml': PROFILE });
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DPF111');
    expect(run.stderr).toContain('dbt_project.yml');
    expect(run.stderr).toContain('this is a dbt project');
    expect(run.stderr).toContain('cp dbt_project.yml dpf_project.yml');
    expect(run.stderr).toContain('docs/from-dbt.md');
    expect(run.stderr).toContain('is not available yet');
    expect(run.stderr).not.toContain('DPF100');
  });

  it('is still DPF100 when there is neither file', async () => {
    const run = await dpf(['compile'], { cwd: tempDir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DPF100');
  });
});

describe("dbt's shapes under models: and seeds:", () => {
  it('reads a config key without + as the config, at any level, as dbt does', async () => {
    const dir = makeProject(
      { 'models/staging/stg_a.sql': 'select 1 as id\n', 'models/b.sql': 'select 2 as id\n', 'seeds/s.csv': 'id;name\n1;a\n' },
      'name: proj\nmodels:\n  proj:\n    materialized: table\n    staging:\n      +schema: stg\n      tags: [staging]\n      materialized: view\nseeds:\n  proj:\n    delimiter: ";"\n',
    );
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stderr).not.toContain('DPF106');
    const nodes = manifestNodes(dir);
    expect(nodes['model.proj.b']!.config.materialized).toBe('table');
    expect(nodes['model.proj.stg_a']!.config.materialized).toBe('view');
    expect(nodes['model.proj.stg_a']!.tags).toEqual(['staging']);
    expect(nodes['model.proj.stg_a']!.relationName).toBe('"main_stg"."stg_a"');
    expect(nodes['seed.proj.s']!.config.delimiter).toBe(';');
  });

  it('applies +docs (and any config) at the top of seeds: or models: to every node', async () => {
    const dir = makeProject(
      { 'models/a.sql': 'select 1 as id\n', 'seeds/s.csv': 'id\n1\n' },
      'name: proj\nmodels:\n  +materialized: table\nseeds:\n  +docs:\n    show: false\n',
    );
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const nodes = manifestNodes(dir);
    expect(nodes['seed.proj.s']!.config.docs).toEqual({ show: false });
    expect(nodes['model.proj.a']!.config.materialized).toBe('table');
    expect(nodes['model.proj.a']!.config.docs).toEqual({ show: true });
  });

  it('says to write the + where a mapping config without it reads as a folder', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' }, 'name: proj\nmodels:\n  proj:\n    docs:\n      show: false\n');
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DPF114');
    expect(run.stderr).toContain('dpf_project.yml:5:7');
    expect(run.stderr).toContain('"show" under models.proj.docs is neither a config dpf knows nor a folder');
    expect(run.stderr).toContain('Write "+docs:"');
    expect(run.stderr).not.toContain('must be object');
  });

  it('names a misspelt config without + with the closest one, instead of "must be object"', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' }, 'name: proj\nmodels:\n  proj:\n    materialised: table\n');
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DPF114');
    expect(run.stderr).toContain('dpf_project.yml:4:5');
    expect(run.stderr).toContain('Did you mean "materialized"?');
    expect(run.stderr).not.toContain('must be object');
  });

  it('checks the value of a config without + as it checks the one with +', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' }, 'name: proj\nmodels:\n  proj:\n    materialized: tabel\n');
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DPF103');
    expect(run.stderr).toContain('models.proj.materialized: must be one of "view", "table", "ephemeral", "incremental"');
  });

  it('still reads a folder named like a config, when its value is a mapping', async () => {
    const dir = makeProject({ 'models/schema/a.sql': 'select 1 as id\n' }, 'name: proj\nmodels:\n  proj:\n    schema:\n      +materialized: table\n');
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(manifestNodes(dir)['model.proj.a']!.config.materialized).toBe('table');
  });
});

describe("dbt's own project settings", () => {
  it('warn, each at its line with why dpf ignores it, and the build goes on', async () => {
    const dir = makeProject(
      { 'models/a.sql': 'select 1 as id\n' },
      'name: proj\nconfig-version: 2\nrequire-dbt-version: ">=1.7.0"\nanalysis-paths: [analyses]\ndocs-paths: [docs]\nclean-targets: [target, dbt_packages]\n' +
        'packages-install-path: dbt_packages\ndispatch:\n  - macro_namespace: dbt_utils\n    search_order: [dbt_utils]\nquery-comment: null\nasset-paths: [assets]\nlog-path: logs\n',
    );
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const expected: [string, number][] = [
      ['config-version', 2],
      ['require-dbt-version', 3],
      ['docs-paths', 5],
      ['packages-install-path', 7],
      ['dispatch', 8],
      ['query-comment', 11],
      ['asset-paths', 12],
      ['log-path', 13],
    ];
    // analysis-paths is dpf's own setting too (docs/analyses.md): no warning.
    expect(run.stderr).not.toContain('dpf_project.yml:4:1');
    for (const [key, line] of expected) {
      expect(run.stderr, key).toContain(`dpf_project.yml:${line}:1`);
      expect(run.stderr, key).toContain(`"${key}" is a dbt setting that dpf ignores:`);
    }
    expect(run.stderr.match(/warning DPF112/g)).toHaveLength(expected.length);
    // clean-targets means something to dpf (dpf clean): no warning.
    expect(run.stderr).not.toContain('"clean-targets"');
  });

  it('are an error for run hooks, whose SQL would silently not run', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' }, 'name: proj\non-run-start: ["create schema if not exists x"]\non-run-end:\n  - "grant usage on schema y to z"\n');
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DPF113');
    expect(run.stderr).toContain('dpf_project.yml:2:1');
    expect(run.stderr).toContain('dpf_project.yml:3:1');
    expect(run.stderr).toContain('+grants');
  });

  it('leave every other unknown key an error naming it, the file and the line', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' }, 'name: proj\nquoting:\n  identifier: true\n');
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DPF102');
    expect(run.stderr).toContain('dpf_project.yml:2:1');
    expect(run.stderr).toContain('Unknown key "quoting"');
  });
});
