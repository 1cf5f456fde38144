/**
 * docs/from-dbt.md, row by row: each test is named by the row's id and builds a small project
 * with the dpf form (and, where dpf does not take dbt's form, checks the documented error or
 * warning). The Jinja rows check only the dpf form: the errors for Jinja left in a model are
 * the Jinja detection's own tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject, tempDir, writeFiles } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const DOC = readFileSync(new URL('../docs/from-dbt.md', import.meta.url), 'utf8');
const THIS_FILE = readFileSync(new URL(import.meta.url), 'utf8');
const PROFILE = 'proj:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/dev.duckdb, schema: main, threads: 1 }\n';

type Node = { kind: string; config: Record<string, unknown>; relationName: string; description: string; compiledCode?: string; tags: string[] };
const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'target', 'manifest.json'), 'utf8')) as { nodes: Record<string, Node> };
const compiled = (dir: string, model: string) => readFileSync(join(dir, 'target', 'compiled', 'proj', 'models', `${model}.sql`), 'utf8');
const db = (dir: string) => join(dir, 'target', 'dev.duckdb');
/** One row of a one-row model, numbers as JSON gives them. */
const rowOf = async (dir: string, relation: string) => (await queryDuckDB(db(dir), `select * from ${relation}`))[0];

async function ok(dir: string, args = ['build']) {
  const run = await dpf(args, { cwd: dir });
  expect(run.code, run.output).toBe(0);
  return run;
}

async function fails(dir: string, code: string, args = ['compile']) {
  const run = await dpf(args, { cwd: dir });
  expect(run.code, run.output).toBe(2);
  expect(run.stderr).toContain(code);
  return run;
}

describe('docs/from-dbt.md', () => {
  it('has a test here for every row', () => {
    const ids = [...DOC.matchAll(/^\| ([A-Z]\d+) \|/gm)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThan(40);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(THIS_FILE, id).toContain(`it('${id} `);
  });
});

describe('dbt_project.yml', () => {
  it('P1 name, version and profile', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' }, 'name: shop\nversion: "1.0.0"\nprofile: proj\n');
    await ok(dir, ['compile']);
    expect(Object.keys(JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8')).nodes)).toEqual(['model.shop.a']); // the whole project: one model
  });

  it('P2 the paths, and clean-targets', async () => {
    const dir = makeProject(
      { 'sql/a.sql': 'select {{> one}} as id\n', 'data/s.csv': 'id\n1\n', 'checks/t.sql': 'select * from {{ref "a"}} where id <> 1\n', 'hbs/one.hbs': '1', 'snaps/.keep': '' },
      'name: proj\nmodel-paths: [sql]\nseed-paths: [data]\ntest-paths: [checks]\nsnapshot-paths: [snaps]\nmacro-paths: [hbs]\ntarget-path: out\nclean-targets: [out, extra]\n',
    );
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('1 model, 1 seed');
    const clean = await dpf(['clean', '--all'], { cwd: writeFiles(dir, { 'extra/x.txt': 'x' }) });
    expect(clean.code, clean.output).toBe(0);
    expect(() => readFileSync(join(dir, 'extra/x.txt'))).toThrow();
  });

  it('P3 vars, overridden by --vars', async () => {
    const dir = makeProject({ 'models/a.sql': '{{config materialized="table"}}\nselect {{literal (var "start")}} as start\n' }, 'name: proj\nvars:\n  start: "2024-01-01"\n');
    await ok(dir);
    expect(await rowOf(dir, 'main.a')).toEqual({ start: '2024-01-01' });
    await ok(dir, ['build', '--vars', '{start: "2025-01-01"}']);
    expect(await rowOf(dir, 'main.a')).toEqual({ start: '2025-01-01' });
  });

  it('P4 folder configs with +', async () => {
    const dir = makeProject(
      { 'models/staging/s.sql': 'select 1 as id\n', 'models/marts/m.sql': 'select 1 as id\n' },
      'name: proj\nmodels:\n  proj:\n    +materialized: view\n    staging:\n      +schema: stg\n    marts:\n      +materialized: table\n',
    );
    await ok(dir, ['compile']);
    const nodes = manifest(dir).nodes;
    expect(nodes['model.proj.s']!.relationName).toBe('"main_stg"."s"');
    expect(nodes['model.proj.m']!.config.materialized).toBe('table');
  });

  it('P5 configs without +, and the + a mapping config needs', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' }, 'name: proj\nmodels:\n  proj:\n    materialized: table\n    tags: [a]\n');
    await ok(dir, ['compile']);
    expect(manifest(dir).nodes['model.proj.a']!.config).toMatchObject({ materialized: 'table', tags: ['a'] });
    const mapping = makeProject({ 'models/a.sql': 'select 1 as id\n' }, 'name: proj\nmodels:\n  proj:\n    meta:\n      owner: me\n');
    const run = await fails(mapping, 'DPF114');
    expect(run.stderr).toContain('Write "+meta:"');
  });

  it('P6 configs at the top of models: and seeds:', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n', 'seeds/s.csv': 'id\n1\n' }, 'name: proj\nmodels:\n  +materialized: table\nseeds:\n  +docs:\n    show: false\n');
    await ok(dir, ['compile']);
    const nodes = manifest(dir).nodes;
    expect(nodes['model.proj.a']!.config.materialized).toBe('table');
    expect(nodes['seed.proj.s']!.config.docs).toEqual({ show: false });
  });

  it('P7 data_tests: folder configs; tests: is an error to rename', async () => {
    const yml = 'models:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [not_null]\n';
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n', 'models/a.yml': yml }, 'name: proj\ndata_tests:\n  proj:\n    +severity: warn\n');
    await ok(dir, ['compile']);
    expect(Object.values(manifest(dir).nodes).find((n) => n.kind === 'test')!.config.severity).toBe('warn');
    const old = makeProject({ 'models/a.sql': 'select 1 as id\n', 'models/a.yml': yml }, 'name: proj\ntests:\n  proj:\n    +severity: warn\n');
    const run = await fails(old, 'DPF102');
    expect(run.stderr).toContain('Unknown key "tests"');
    expect(run.stderr).toContain('dpf_project.yml:2:1');
  });

  it('P8 dbt-only settings warn, each with why, and the build goes on', async () => {
    const keys = ['asset-paths: [b]', 'docs-paths: [c]', 'log-path: logs', 'packages-install-path: p', 'require-dbt-version: ">=1.8"', 'config-version: 2', 'dispatch: []', 'query-comment: x', 'flags: {send_anonymous_usage_stats: false}'];
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' }, `name: proj\n${keys.join('\n')}\n`);
    const run = await ok(dir);
    keys.forEach((line, i) => {
      const key = line.split(':')[0]!;
      expect(run.stderr, key).toContain(`"${key}" is a dbt setting that dpf ignores`);
      expect(run.stderr, key).toContain(`dpf_project.yml:${i + 2}:1`);
      expect(DOC, key).toContain(`\`${key}\``);
    });
    expect(run.stderr.match(/warning DPF112/g)).toHaveLength(keys.length);
  });

  it('P9 run hooks are an error', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' }, 'name: proj\non-run-end: ["select 1"]\n');
    const run = await fails(dir, 'DPF113');
    expect(run.stderr).toContain('dpf_project.yml:2:1');
  });

  it('P10 hooks in folder configs and other dbt keys are errors naming the key and line', async () => {
    for (const [yml, key, line] of [
      ['models:\n  proj:\n    +post-hook: "select 1"\n', '+post-hook', 4],
      ['models:\n  proj:\n    +persist_docs: {relation: true}\n', '+persist_docs', 4],
      ['snapshots:\n  proj:\n    +target_schema: snap\n', 'snapshots', 2],
      ['sources:\n  proj:\n    +enabled: true\n', 'sources', 2],
      ['quoting:\n  identifier: false\n', 'quoting', 2],
    ] as const) {
      const run = await fails(makeProject({ 'models/a.sql': 'select 1 as id\n' }, `name: proj\n${yml}`), 'DPF102');
      expect(run.stderr, key).toContain(`Unknown key "${key}"`);
      expect(run.stderr, key).toContain(`dpf_project.yml:${line}:`);
    }
  });

  it('P12 analysis-paths is read: analyses/*.yml compile, a dbt .sql analysis is a warning', async () => {
    const dir = makeProject(
      { 'models/a.sql': 'select 1 as id\n', 'a/old.sql': 'select * from {{ ref("a") }}\n', 'a/kept.yml': "sql: select id from {{ref 'a'}}\n" },
      'name: proj\nanalysis-paths: [a]\n',
    );
    const run = await ok(dir, ['compile']);
    expect(run.stderr).toContain('warning DPF194');
    expect(run.stderr).toContain('a/old.sql');
    expect(run.stderr).not.toContain('DPF112');
    expect(manifest(dir).nodes['analysis.proj.kept']?.kind).toBe('analysis');
  });

  it('P11 a dbt project is recognised', async () => {
    const run = await fails(writeFiles(tempDir(), { 'dbt_project.yml': 'name: proj\n', 'profiles.yml': PROFILE }), 'DPF111');
    expect(run.stderr).toContain('cp dbt_project.yml dpf_project.yml');
  });
});

describe('profiles.yml', () => {
  it('F1 profile, target and outputs, from the project folder or --profiles-dir', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' });
    await ok(dir, ['compile']);
    const elsewhere = writeFiles(tempDir(), { 'profiles.yml': PROFILE.replace('target: dev', 'target: other').replace('dev:', 'other:') });
    const run = await ok(dir, ['compile', '--profiles-dir', elsewhere]);
    expect(run.stdout).toContain('target other');
  });

  it('F2 type duckdb with its keys; another type is DPF304', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' });
    writeFiles(dir, { 'profiles.yml': "proj:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: target/x.duckdb, schema: s, threads: 2, settings: {threads: 1}, extensions: []}\n" });
    await ok(dir);
    expect((await queryDuckDB(join(dir, 'target/x.duckdb'), 'select * from s.a'))[0]).toEqual({ id: 1 });
    writeFiles(dir, { 'profiles.yml': 'proj:\n  target: dev\n  outputs:\n    dev: {type: snowflake, schema: s}\n' });
    await fails(dir, 'DPF304');
  });

  it('F3 env, and env_var answered with the dpf spelling', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' });
    writeFiles(dir, { 'profiles.yml': "proj:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: \"{{env 'DB_FILE' 'target/e.duckdb'}}\", schema: main}\n" });
    await ok(dir);
    expect((await queryDuckDB(join(dir, 'target/e.duckdb'), 'select * from main.a'))[0]).toEqual({ id: 1 });
    writeFiles(dir, { 'profiles.yml': "proj:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: \"{{ env_var('DB_FILE', 'target/e.duckdb') }}\", schema: main}\n" });
    const run = await fails(dir, 'DPF200');
    expect(run.stderr).toContain("dpf writes it {{env 'DB_FILE' 'target/e.duckdb'}}");
    expect(run.stderr).toContain('profiles.yml:4:');
  });

  it('F4 a top-level config: is an error', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' });
    writeFiles(dir, { 'profiles.yml': `config:\n  send_anonymous_usage_stats: false\n${PROFILE}` });
    const run = await fails(dir, 'DPF103');
    expect(run.stderr).toContain('Invalid value at config');
  });
});

describe('Jinja in models: the dpf forms', () => {
  it('J1 ref', async () => {
    const dir = makeProject({ 'seeds/raw.csv': 'id\n1\n', 'models/a.sql': '{{config materialized="table"}}\nselect id from {{ref "raw"}}\n' });
    await ok(dir);
    expect(await rowOf(dir, 'main.a')).toEqual({ id: 1 });
  });

  it('J2 source', async () => {
    const dir = makeProject({
      'seeds/raw.csv': 'id\n1\n',
      'models/src.yml': 'sources:\n  - name: shop\n    schema: main\n    tables: [{name: raw}]\n',
      'models/a.sql': '{{config materialized="table"}}\nselect id from {{source "shop" "raw"}}\n',
    });
    await ok(dir, ['seed']);
    await ok(dir, ['run']);
    expect(await rowOf(dir, 'main.a')).toEqual({ id: 1 });
  });

  it('J3 config with several tags', async () => {
    const dir = makeProject({ 'models/a.sql': '{{config materialized="table" tags="a,b"}}\nselect 1 as id\n' });
    await ok(dir, ['compile']);
    expect(manifest(dir).nodes['model.proj.a']!.config).toMatchObject({ materialized: 'table', tags: ['a', 'b'] });
  });

  it('J4 var, its default, and literal inside a string', async () => {
    const dir = makeProject(
      { 'models/a.sql': "{{config materialized=\"table\"}}\nselect {{var \"n\"}} as n, {{literal (var \"missing\" \"it's\")}} as d, {{literal (var \"s\")}} as s\n" },
      "name: proj\nvars:\n  n: 3\n  s: \"O'Brien\"\n",
    );
    await ok(dir);
    expect(await rowOf(dir, 'main.a')).toEqual({ n: 3, d: "it's", s: "O'Brien" });
  });

  it('J5 this and self', async () => {
    const dir = makeProject({ 'models/a.sql': "select '{{this}}' as t, '{{#each (list 1)}}{{self}}{{/each}}' as s\n" });
    await ok(dir, ['compile']);
    expect(compiled(dir, 'a')).toBe(`select '"main"."a"' as t, '"main"."a"' as s\n`);
  });

  it('J6 target, at the top and inside a block', async () => {
    const dir = makeProject({ 'models/a.sql': "select '{{target.name}}' as n, '{{#each (list 1)}}{{@root.target.schema}}{{/each}}' as s\n" });
    await ok(dir, ['compile']);
    expect(compiled(dir, 'a')).toBe("select 'dev' as n, 'main' as s\n");
  });

  it('J7 is_incremental', async () => {
    const dir = makeProject({
      'seeds/raw.csv': 'id\n1\n',
      'models/a.sql': '{{config materialized="incremental"}}\nselect id from {{ref "raw"}}\n{{#if (is_incremental)}}\nwhere id > (select max(id) from {{this}})\n{{/if}}\n',
    });
    await ok(dir);
    // The seed loses row 1: a rebuild would drop it, an incremental run keeps it and adds row 2.
    writeFiles(dir, { 'seeds/raw.csv': 'id\n2\n' });
    await ok(dir);
    expect(await queryDuckDB(db(dir), 'select id from main.a order by id')).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('J8 if, else if and else on vars', async () => {
    const model = "select {{#if (var \"is_prod\")}}'prod'{{else if (var \"is_ci\")}}'ci'{{else}}'dev'{{/if}} as env\n";
    const dir = makeProject({ 'models/a.sql': model }, 'name: proj\nvars:\n  is_prod: false\n  is_ci: false\n');
    await ok(dir, ['compile']);
    expect(compiled(dir, 'a')).toBe("select 'dev' as env\n");
    await ok(dir, ['compile', '--vars', '{is_ci: true}']);
    expect(compiled(dir, 'a')).toBe("select 'ci' as env\n");
    await ok(dir, ['compile', '--vars', '{is_prod: true}']);
    expect(compiled(dir, 'a')).toBe("select 'prod' as env\n");
  });

  it('J9 each over a list, with @last, @index and @first', async () => {
    const dir = makeProject({ 'models/a.sql': 'select {{#each (list "a" "b")}}{{#if @first}}/* first */ {{/if}}{{@index}} as {{this}}{{#unless @last}}, {{/unless}}{{/each}}\n' });
    await ok(dir, ['compile']);
    expect(compiled(dir, 'a')).toBe('select /* first */ 0 as a, 1 as b\n');
  });

  it('J10 a list set once as a var (and below, a dict)', async () => {
    const dir = makeProject({ 'models/a.sql': 'select {{#each (var "statuses")}}{{literal this}} as s{{@index}}{{#unless @last}}, {{/unless}}{{/each}}\n' }, 'name: proj\nvars:\n  statuses: [placed, shipped]\n');
    await ok(dir, ['compile']);
    expect(compiled(dir, 'a')).toBe("select 'placed' as s0, 'shipped' as s1\n");
  });

  it('J10 a dict written in place, looped in its written order', async () => {
    const dir = makeProject({ 'models/a.sql': 'select {{#each (dict open="placed" done=2)}}{{literal this}} as {{@key}}{{#unless @last}}, {{/unless}}{{/each}}, {{lookup (dict a="x") "a"}} as a\n' });
    await ok(dir, ['compile']);
    expect(compiled(dir, 'a')).toBe("select 'placed' as open, '2' as done, x as a\n");
  });

  it('J15 the dbt_utils macros surrogate_key, pivot and union_refs', async () => {
    const dir = makeProject({
      'seeds/s.csv': 'id,status\n1,x\n2,y\n',
      'seeds/s2.csv': 'id,status\n3,z\n',
      'models/k.sql': '{{config materialized="table"}}\nselect {{surrogate_key "id" "status"}} as sk from {{ref "s"}} where id = 1\n',
      'models/p.sql': '{{config materialized="table"}}\nselect {{#each (list "x" "y")}}sum(case when status = {{literal this}} then 1 else 0 end)::int as "{{this}}"{{#unless @last}},{{/unless}}{{/each}} from {{ref "s"}}\n',
      'models/u.sql': '{{config materialized="table"}}\n{{union_refs "s s2" source_column="_dbt_source_relation"}}\n',
    });
    await ok(dir);
    expect(await queryDuckDB(db(dir), 'select count(*)::int as n from main.u')).toEqual([{ n: 3 }]);
    expect(await rowOf(dir, 'main.k')).toEqual((await queryDuckDB(db(dir), "select md5('1-x') as sk"))[0]);
    expect(await rowOf(dir, 'main.p')).toEqual({ x: 1, y: 1 });
  });

  it('J11 comments', async () => {
    const dir = makeProject({ 'models/a.sql': '{{!-- not in the SQL --}}\nselect 1 as id -- stays\n' });
    await ok(dir, ['compile']);
    expect(compiled(dir, 'a')).toBe('select 1 as id -- stays\n');
  });

  it('J12 whitespace control', async () => {
    const dir = makeProject({ 'models/a.sql': 'select\n  {{~#each (list 1 2) ~}}\n    {{this}} as c{{this}}{{#unless @last}}, {{/unless}}\n  {{~/each}}\n' });
    await ok(dir, ['compile']);
    expect(compiled(dir, 'a')).toBe('select1 as c1, 2 as c2\n');
  });

  it('J13 a macro as a partial with a named argument', async () => {
    const dir = makeProject({ 'macros/cents.hbs': '({{col}} / 100.0)\n', 'models/a.sql': '{{config materialized="table"}}\nselect {{> cents col="amount"}} as dollars from (select 250 as amount)\n' });
    await ok(dir);
    expect(await rowOf(dir, 'main.a')).toEqual({ dollars: 2.5 });
  });

  it('J14 a value from the database is written out or passed as a var', async () => {
    // No run_query: the value comes in as a var, and the model is rendered before anything runs.
    const dir = makeProject({ 'models/a.sql': 'select {{#each (var "columns")}}1 as {{this}}{{#unless @last}}, {{/unless}}{{/each}}\n' });
    await ok(dir, ['compile', '--vars', '{columns: [x, y]}']);
    expect(compiled(dir, 'a')).toBe('select 1 as x, 1 as y\n');
  });
});

describe('tests', () => {
  const yml = (tests: string) => `models:\n  - name: a\n    columns:\n      - name: id\n        data_tests:\n${tests}`;

  it('T1 data_tests and tests with the four built-ins', async () => {
    const dir = makeProject({
      'models/p.sql': 'select 1 as id\n',
      'models/a.sql': "select 1 as id, 'x' as s\n",
      'models/a.yml': `models:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [not_null, unique, {relationships: {to: "ref('p')", field: id}}]\n      - name: s\n        tests: [{accepted_values: {values: [x]}}]\n`,
    });
    const run = await ok(dir);
    for (const name of ['not_null_a_id', 'unique_a_id', 'relationships_a_id', 'accepted_values_a_s']) expect(run.stdout).toContain(name);
    expect(Object.values(manifest(dir).nodes).filter((n) => n.kind === 'test')).toHaveLength(4);
  });

  it('T2 arguments under arguments:', async () => {
    const dir = makeProject({ 'models/a.sql': "select 'y' as id\n", 'models/a.yml': yml('          - accepted_values:\n              arguments: {values: [x]}\n              config: {severity: warn}\n') });
    const run = await ok(dir);
    expect(run.stdout).toMatch(/WARN/);
  });

  it('T3 test config: error_if, where, store_failures', async () => {
    const dir = makeProject({
      'models/a.sql': 'select * from (values (1), (2), (2)) t(id)\n',
      'models/a.yml': yml("          - unique:\n              config: {error_if: '>5', warn_if: '>0', where: 'id > 0', store_failures: true}\n"),
    });
    const run = await ok(dir);
    expect(run.stdout).toMatch(/WARN/);
    expect((await queryDuckDB(db(dir), 'select count(*)::int as n from main_dpf_audit.unique_a_id'))[0]).toEqual({ n: 1 });
  });

  it('T4 a singular test', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n', 'tests/assert_positive.sql': 'select * from {{ref "a"}} where id <= 0\n' });
    const run = await ok(dir);
    expect(run.stdout).toContain('assert_positive');
    writeFiles(dir, { 'tests/assert_positive.sql': 'select * from {{ref "a"}} where id > 0\n' });
    expect((await dpf(['build'], { cwd: dir })).code).toBe(1);
  });

  it('T5 a custom generic test', async () => {
    const dir = makeProject({
      'tests/generic/is_even.sql': 'select * from {{model}} where {{column_name}} % {{divisor}} <> 0\n',
      'models/a.sql': 'select 3 as id\n',
      'models/a.yml': yml('          - is_even: {divisor: 2}\n'),
    });
    expect((await dpf(['build'], { cwd: dir })).code).toBe(1);
    writeFiles(dir, { 'models/a.sql': 'select 4 as id\n' });
    await ok(dir);
  });

  it('T6 the dbt_utils tests are built in; the prefixed name suggests the built-in', async () => {
    const dir = makeProject({
      'models/a.sql': 'select 1 as id, 2 as k, current_timestamp as at\n',
      'models/a.yml': "models:\n  - name: a\n    data_tests:\n      - unique_combination_of_columns: {combination_of_columns: [id, k]}\n      - expression_is_true: {expression: 'k > id'}\n      - recency: {field: at, interval: 1, datepart: day}\n",
    });
    await ok(dir);
    writeFiles(dir, { 'models/a.yml': "models:\n  - name: a\n    columns:\n      - name: k\n        data_tests:\n          - accepted_range: {min_value: 2, max_value: 2}\n          - accepted_range: {min_value: 2, inclusive: false, config: {severity: warn}}\n" });
    const range = await ok(dir);
    expect(range.stdout).toMatch(/PASS +test +accepted_range_a_k/);
    expect(range.stdout).toMatch(/WARN +test +accepted_range_a_k/);
    writeFiles(dir, { 'models/a.yml': "models:\n  - name: a\n    data_tests:\n      - dbt_utils.expression_is_true: {expression: 'k > id'}\n" });
    const run = await fails(dir, 'DPF210');
    expect(run.stderr).toContain('Did you mean "expression_is_true"?');
  });

  it('T7 a unit test', async () => {
    const dir = makeProject({
      'models/src.sql': 'select 1 as n\n',
      'models/a.sql': 'select n * 2 as doubled from {{ref "src"}}\n',
      'models/a.yml': "unit_tests:\n  - name: doubles\n    model: a\n    given:\n      - input: ref('src')\n        rows: [{n: 21}]\n    expect:\n      rows: [{doubled: 42}]\n",
    });
    const run = await ok(dir, ['test', '--select', 'test_type:unit']);
    expect(run.stdout).toContain('doubles');
  });

  it('T8 source freshness', async () => {
    const recent = new Date(Date.now() - 3600_000).toISOString().replace('T', ' ').slice(0, 19);
    const dir = makeProject({
      'data/feed.csv': `id,loaded_at\n1,${recent}\n`,
      'models/src.yml': "sources:\n  - name: feed\n    loaded_at_field: \"cast(loaded_at as timestamp)\"\n    freshness: {warn_after: {count: 1, period: day}, error_after: {count: 2, period: day}}\n    tables:\n      - name: events\n        external_location: data/feed.csv\n",
    });
    const run = await ok(dir, ['source', 'freshness']);
    expect(run.stdout).toMatch(/PASS +freshness +feed\.events/);
  });
});

describe('documentation', () => {
  const md = '{% docs orders_status %}\nOne of placed or shipped.\n{% enddocs %}\n';

  it('D1 docs blocks in .md files and D2 doc() in descriptions', async () => {
    const dir = makeProject({ 'models/docs.md': md, 'models/a.sql': 'select 1 as id\n', 'models/a.yml': 'models:\n  - name: a\n    description: \'{{ doc("orders_status") }}\'\n' });
    await ok(dir, ['compile']);
    expect(manifest(dir).nodes['model.proj.a']!.description).toBe('One of placed or shipped.');
  });

  it('D2 the helper form, and an unknown name', async () => {
    const dir = makeProject({ 'models/docs.md': md, 'models/a.sql': 'select 1 as id\n', 'models/a.yml': 'models:\n  - name: a\n    description: \'{{doc "orders_status"}}\'\n' });
    await ok(dir, ['compile']);
    expect(manifest(dir).nodes['model.proj.a']!.description).toBe('One of placed or shipped.');
    writeFiles(dir, { 'models/a.yml': 'models:\n  - name: a\n    description: \'{{ doc("order_status") }}\'\n' });
    const run = await fails(dir, 'DPF115');
    expect(run.stderr).toContain('Did you mean "orders_status"?');
  });

  it('D3 the overview page is models/overview.md', async () => {
    const dir = makeProject({ 'models/overview.md': '# Our shop\n\nWelcome.\n', 'models/a.sql': 'select 1 as id\n' });
    const run = await ok(dir, ['docs', 'generate', '--empty-catalog']);
    expect(run.stdout).toContain('Overview page: models/overview.md');
  });
});

describe('seeds, snapshots, packages and commands', () => {
  it('S1 seed config in dpf_project.yml and in YAML; +quote_columns is an error', async () => {
    const dir = makeProject(
      { 'seeds/s.csv': 'id;code\n1;007\n', 'seeds/s.yml': 'seeds:\n  - name: s\n    config: {column_types: {code: varchar}}\n' },
      'name: proj\nseeds:\n  proj:\n    +delimiter: ";"\n    +column_types: {id: integer}\n',
    );
    await ok(dir, ['seed']);
    expect(await rowOf(dir, 'main.s')).toEqual({ id: 1, code: '007' });
    const run = await fails(makeProject({ 'seeds/s.csv': 'id\n1\n' }, 'name: proj\nseeds:\n  proj:\n    +quote_columns: true\n'), 'DPF102');
    expect(run.stderr).toContain('Unknown key "+quote_columns"');
  });

  it('S2 a snapshot file with its config', async () => {
    const dir = makeProject({
      'models/customers.sql': "select 1 as id, 'a' as tier, timestamp '2024-01-01' as updated_at\n",
      'snapshots/customers_history.sql': '{{config unique_key="id" strategy="timestamp" updated_at="updated_at"}}\nselect * from {{ref "customers"}}\n',
    });
    await ok(dir);
    const rows = await queryDuckDB(db(dir), 'select id, dpf_valid_to is null as current from main.customers_history');
    expect(rows).toEqual([{ id: 1, current: true }]);
  });

  it('S3 a snapshot in YAML', async () => {
    const dir = makeProject({
      'models/customers.sql': "select 1 as id, 'a' as tier\n",
      'snapshots/s.yml': "snapshots:\n  - name: customers_history\n    relation: ref('customers')\n    config: {unique_key: id, strategy: check, check_cols: [tier]}\n",
    });
    await ok(dir);
    expect(await queryDuckDB(db(dir), 'select id from main.customers_history')).toEqual([{ id: 1 }]);
  });

  it('K1 no packages: a packages.yml is left alone', async () => {
    const dir = makeProject({ 'packages.yml': 'packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.0\n', 'models/a.sql': 'select 1 as id\n' });
    const run = await ok(dir);
    expect(run.stderr).not.toContain('packages');
  });

  it('C2 dpf import dbt converts a dbt project', async () => {
    const src = writeFiles(tempDir(), { 'dbt_project.yml': 'name: proj\nconfig-version: 2\n', 'profiles.yml': PROFILE, 'models/a.sql': "select {{ var('n', 1) }} as n\n" });
    const out = join(tempDir(), 'proj');
    const run = await dpf(['import', 'dbt', src, '--out', out], { cwd: src });
    expect(run.code, run.output).toBe(0);
    expect(readFileSync(join(out, 'models/a.sql'), 'utf8')).toBe('select {{var "n" 1}} as n\n');
    await ok(out);
    expect(await rowOf(out, 'main.a')).toEqual({ n: 1 });
  });

  it('C1 the commands have dbt\'s names', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' });
    for (const command of ['build', 'run', 'test', 'seed', 'snapshot', 'compile', 'ls', 'show', 'clean', 'debug', 'retry', 'clone', 'docs generate', 'docs serve', 'source freshness']) {
      const run = await dpf([...command.split(' '), '--help'], { cwd: dir });
      expect(run.code, command).toBe(0);
      expect(run.stdout, command).toContain(`Usage: dpf ${command}`);
    }
  });
});
