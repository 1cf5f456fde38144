/** dpf lint and dpf codeowners: the project's conventions, configurable, and CODEOWNERS from model owners. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyDemoProject, dpf, makeProject } from './helpers/run-dpf.js';

const SQL = 'select 1 as id\n';

/** Four models, each breaking one convention, and one that keeps them all. */
function conventionsProject(projectYml = 'name: proj\n') {
  return makeProject(
    {
      'models/staging/stg_good.sql': SQL,
      'models/staging/orders.sql': SQL,
      'models/marts/fct_undocumented.sql': SQL,
      'models/marts/dim_untested.sql': SQL,
      'models/marts/fct_unowned.sql': SQL,
      'models/_models.yml': `models:
  - name: stg_good
    description: One row.
    meta: {owner: "@acme/data"}
    columns:
      - name: id
        data_tests: [unique, not_null]
  - name: orders
    description: One row.
    meta: {owner: "@acme/data"}
    columns:
      - name: id
        data_tests: [not_null]
  - name: fct_undocumented
    meta: {owner: "@acme/data"}
    columns:
      - name: id
        data_tests: [not_null]
  - name: dim_untested
    description: One row.
    meta: {owner: analytics}
  - name: fct_unowned
    description: One row.
    columns:
      - name: id
        data_tests: [unique]
`,
    },
    projectYml,
  );
}

describe('dpf lint', () => {
  it('passes on the demo project: dpf init gives a project that keeps its own conventions', async () => {
    const run = await dpf(['lint'], { cwd: copyDemoProject() });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('No findings.');
    expect(run.code).toBe(0);
  });

  it('reports each broken convention at the file and line to change, and exits 1', async () => {
    const run = await dpf(['lint'], { cwd: conventionsProject() });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('ERROR models/staging/orders.sql:1:1  naming: Model "orders" is under staging/');
    expect(run.stdout).toContain('ERROR models/_models.yml:14:11  documented: Model "fct_undocumented" has no description.');
    expect(run.stdout).toContain('ERROR models/_models.yml:19:11  tested: Model "dim_untested" has no data test.');
    expect(run.stdout).toContain('ERROR models/_models.yml:22:11  owned: Model "fct_unowned" names no owner.');
    expect(run.stdout).toContain('4 findings: 4 errors, 0 warnings.');
    expect(run.stdout).not.toContain('stg_good');
  });

  it('gives the whole report as JSON', async () => {
    const run = await dpf(['lint', '--output', 'json'], { cwd: conventionsProject() });
    const report = JSON.parse(run.stdout);
    expect(report.models).toBe(5);
    expect(report.counts).toEqual({ error: 4, warn: 0 });
    expect(report.findings.map((f: { rule: string; model: string }) => `${f.rule}:${f.model}`).sort()).toEqual(['documented:fct_undocumented', 'naming:orders', 'owned:fct_unowned', 'tested:dim_untested']);
    expect(report.findings[0]).toMatchObject({ file: expect.any(String), line: expect.any(Number), hint: expect.any(String) });
  });

  it('follows lint: in dpf_project.yml: severities, exclusions, prefixes, key tests and column descriptions', async () => {
    const dir = conventionsProject(`name: proj
lint:
  naming: {prefixes: {staging: [stg_, raw_]}, severity: warn}
  documented: {columns: true}
  tested: {key: true, exclude: [dim_untested]}
  owned: off
`);
    const run = await dpf(['lint', '--output', 'json'], { cwd: dir });
    const found = JSON.parse(run.stdout).findings.map((f: { rule: string; model: string; severity: string }) => `${f.severity} ${f.rule}:${f.model}`).sort();
    expect(found).toEqual([
      'error documented:fct_undocumented', // the model's description
      'error documented:fct_undocumented', // and its column's
      'error documented:fct_unowned',
      'error documented:orders',
      'error documented:stg_good',
      'error tested:fct_undocumented', // not_null alone is no key
      'error tested:fct_unowned', // unique alone is no key
      'error tested:orders',
      'warn naming:orders',
    ]);
    expect(run.code).toBe(1);

    writeFileSync(join(dir, 'dpf_project.yml'), 'name: proj\nlint:\n  naming: warn\n  documented: off\n  tested: off\n  owned: warn\n');
    const warnOnly = await dpf(['lint'], { cwd: dir });
    expect(warnOnly.stdout).toContain('2 findings: 0 errors, 2 warnings.');
    expect(warnOnly.code).toBe(0);
  });

  it('names an unknown rule and an exclusion that matches nothing at their lines (DPF990, DPF991)', async () => {
    const run = await dpf(['lint'], { cwd: conventionsProject('name: proj\nlint:\n  nameing: error\n  tested:\n    exclude: [models/stagin]\n') });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DPF990');
    expect(run.stderr).toContain('dpf_project.yml:3:3');
    expect(run.stderr).toContain('Did you mean "naming"?');
    expect(run.stderr).toContain('DPF991');
    expect(run.stderr).toContain('dpf_project.yml:5:15');
    expect(run.stderr).toContain('Did you mean "models/staging"?');
  });

  it('rejects a severity that is not off, warn or error', async () => {
    const run = await dpf(['lint'], { cwd: conventionsProject('name: proj\nlint:\n  owned: fatal\n') });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('dpf_project.yml:3');
  });
});

describe('dpf codeowners', () => {
  it('writes .github/CODEOWNERS from model owners through codeowners: owners:, and --check fails when it is stale', async () => {
    const dir = conventionsProject('name: proj\ncodeowners:\n  default: ["@acme/platform"]\n  owners:\n    analytics: [\"@acme/analytics\", lead@acme.example]\n');
    const written = await dpf(['codeowners'], { cwd: dir });
    expect(written.code).toBe(0);
    expect(written.stdout).toContain('Wrote .github/CODEOWNERS.');
    const text = readFileSync(join(dir, '.github', 'CODEOWNERS'), 'utf8');
    expect(text).toContain('\n* @acme/platform\n');
    expect(text).toContain('\n/models/marts/dim_untested.sql @acme/analytics lead@acme.example\n');
    expect(text).toContain('\n/models/staging/stg_good.sql @acme/data\n');
    // The YAML file holds models of both owners: both review it.
    expect(text).toContain('\n/models/_models.yml @acme/data @acme/analytics lead@acme.example\n');
    expect(text).not.toContain('fct_unowned');

    expect((await dpf(['codeowners', '--check'], { cwd: dir })).code).toBe(0);
    writeFileSync(join(dir, 'models', 'marts', 'fct_unowned.sql'), SQL);
    writeFileSync(join(dir, 'models', '_models.yml'), readFileSync(join(dir, 'models', '_models.yml'), 'utf8').replace('  - name: fct_unowned\n', '  - name: fct_unowned\n    meta: {owner: "@acme/finance"}\n'));
    const stale = await dpf(['codeowners', '--check'], { cwd: dir });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('DPF994');
    expect(readFileSync(join(dir, '.github', 'CODEOWNERS'), 'utf8')).toBe(text);
    await dpf(['codeowners'], { cwd: dir });
    expect(readFileSync(join(dir, '.github', 'CODEOWNERS'), 'utf8')).toContain('/models/marts/fct_unowned.sql @acme/finance');
  });

  it('warns of owners with no handle and leaves their files without a reviewer (DPF993)', async () => {
    const dir = conventionsProject();
    const run = await dpf(['codeowners'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('DPF993');
    expect(run.stderr).toContain('Owner "analytics" is not');
    const text = readFileSync(join(dir, '.github', 'CODEOWNERS'), 'utf8');
    expect(text).toContain('# /models/marts/dim_untested.sql: owner analytics has no GitHub handle');
  });

  it('rejects a mapping value that is not a handle, at its line (DPF992)', async () => {
    const run = await dpf(['codeowners'], { cwd: conventionsProject('name: proj\ncodeowners:\n  owners:\n    analytics: acme-analytics\n') });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DPF992');
    expect(run.stderr).toContain('dpf_project.yml:4:16');
  });
});
