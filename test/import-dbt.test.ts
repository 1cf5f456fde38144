/**
 * `dpf import dbt` on small dbt projects, one family of constructs each: the converter writes
 * the dpf forms of docs/from-dbt.md, dpf builds the result on embedded DuckDB, and the tables
 * hold what dbt's would. What has no dpf form is reported at its file and line, and the rest
 * still builds. The proof against real dbt is test/dbt-parity/ (npm run test:dbt-parity).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importDbt } from '../src/index.js';
import { dpf, tempDir, writeFiles } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const PROFILE = "proj:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/dev.duckdb\n      threads: 1\n";

/** A dbt project (dbt_project.yml named proj, a DuckDB profile) with the given files. */
function dbtProject(files: Record<string, string>, projectYml = "name: proj\nprofile: proj\nconfig-version: 2\n"): string {
  return writeFiles(join(tempDir('dbt-src-'), 'proj'), { 'dbt_project.yml': projectYml, 'profiles.yml': PROFILE, ...files });
}

/** Converts through the CLI, as a user would: the exit code, what it printed, and the folder. */
async function convert(src: string, expectedCode = 0) {
  const out = join(tempDir('dbt-out-'), 'converted');
  const run = await dpf(['import', 'dbt', src, '--out', out], { cwd: src });
  expect(run.code, run.output).toBe(expectedCode);
  const report = JSON.parse(readFileSync(join(out, 'import_report.json'), 'utf8')) as {
    complete: boolean;
    problems: { file: string; line: number; construct: string; detail: string }[];
    notes: { file: string; line: number; detail: string }[];
    unconverted: string[];
  };
  return { out, run, report, read: (rel: string) => readFileSync(join(out, rel), 'utf8') };
}

async function build(dir: string, args: string[] = []) {
  const run = await dpf(['build', ...args], { cwd: dir });
  expect(run.code, run.output).toBe(0);
  return run;
}

const rows = (dir: string, sql: string) => queryDuckDB(join(dir, 'target', 'dev.duckdb'), sql);

describe('dbt_project.yml and profiles.yml', () => {
  it('keeps paths, vars and folder configs, drops dbt-only settings, reports hooks and other engines', async () => {
    const src = dbtProject(
      {
        'sql/staging/s.sql': "select {{ var('start') }} as start_year\n",
        'sql/marts/m.sql': "select * from {{ ref('s') }}\n",
        'profiles.yml': `${PROFILE}    prod:\n      type: postgres\n      host: db\n      user: "{{ env_var('PG_USER', 'me') }}"\n      password: hunter2\nother:\n  outputs: {}\n`,
      },
      'name: proj\nprofile: proj\nconfig-version: 2\nmodel-paths: ["sql"]\nanalysis-paths: ["analyses"]\nvars:\n  start: 2024\non-run-end:\n  - "select 1"\nmodels:\n  proj:\n    +materialized: table\n    staging:\n      +materialized: view\n      +post-hook: "select 1"\ntests:\n  proj:\n    +severity: warn\n',
    );
    const { out, run, report, read } = await convert(src, 1);
    expect(read('dpf_project.yml')).toContain('data_tests:');
    expect(read('dpf_project.yml')).not.toMatch(/analysis-paths|config-version|on-run-end|post-hook|^tests:/m);
    expect(report.problems.map((p) => `${p.file}:${p.line} ${p.construct}`)).toEqual([
      'dbt_project.yml:8 on-run-end',
      'dbt_project.yml:15 +post-hook',
      'profiles.yml:8 a postgres target',
    ]);
    expect(run.stderr).toContain('not converted: dbt_project.yml:8: on-run-end');
    // Only this project's profile; a postgres target left out; DuckDB's default schema written.
    expect(read('profiles.yml')).not.toMatch(/other:|postgres|hunter2/);
    expect(read('profiles.yml')).toContain('schema: main');
    await build(out);
    expect(await rows(out, "select table_name, table_type from information_schema.tables where table_schema = 'main' order by 1")).toEqual([
      { table_name: 'm', table_type: 'BASE TABLE' },
      { table_name: 's', table_type: 'VIEW' },
    ]);
    expect(await rows(out, 'select * from main.m')).toEqual([{ start_year: 2024 }]);
  });

  it("turns env_var into env and a written-out password into an env reference", async () => {
    const src = dbtProject({
      'models/a.sql': 'select 1 as id\n',
      'profiles.yml': "proj:\n  target: prod\n  outputs:\n    prod:\n      type: trino\n      host: \"{{ env_var('TRINO_HOST', 'localhost') }}\"\n      port: 8080\n      user: \"{{ env_var('TRINO_USER') }}\"\n      password: s3cret\n      database: lake\n      schema: analytics\n",
    });
    const { read, report } = await convert(src);
    const profile = read('profiles.yml');
    expect(profile).toContain(`host: "{{env 'TRINO_HOST' 'localhost'}}"`);
    expect(profile).toContain(`user: "{{env 'TRINO_USER'}}"`);
    expect(profile).toContain(`password: "{{env 'PROJ_OUTPUTS_PROD_PASSWORD'}}"`);
    expect(profile).toContain('catalog: lake');
    expect(profile).not.toContain('s3cret');
    expect(report.notes.some((n) => n.detail.includes('$PROJ_OUTPUTS_PROD_PASSWORD'))).toBe(true);
  });
});

describe('Jinja models', () => {
  const seeds = { 'seeds/raw_orders.csv': 'id,status,amount\n1,placed,10\n2,shipped,20\n3,returned,5\n' };

  it('ref, source, config, var, set, for with loop.last, if/elif/else, comments and whitespace control', async () => {
    const src = dbtProject({
      ...seeds,
      'models/sources.yml': 'version: 2\nsources:\n  - name: raw\n    schema: main\n    tables:\n      - name: raw_orders\n',
      'models/stg.sql': "{{ config(materialized='table', tags=['a', 'b']) }}\n{# staging #}{{ log('building', info=true) }}\nselect * from {{ source('raw', 'raw_orders') }}\n",
      'models/pivot.sql': [
        "{%- set statuses = ['placed', 'shipped', 'returned'] -%}",
        "{% set weights = {'placed': 1, 'shipped': 2} %}",
        'select',
        '{%- for s in statuses %}',
        "  sum(case when status = '{{ s }}' then amount else 0 end) as {{ s }}_amount{% if not loop.last %},{% endif %}",
        '{%- endfor %},',
        "  '{{ var('label', \"it's\") }}' as label,",
        "  {% for k, v in weights.items() %}{{ v }} as w_{{ k }}{{ ', ' if not loop.last else '' }}{% endfor %},",
        "  '{{ target.name }}' as target_name,",
        "  {% if var('mode', 'b') == 'x' %}0{% endif %}1 as one",
        "from {{ ref('proj', 'stg') }}",
        '',
      ].join('\n'),
      'models/branch.sql': "select\n{% if var('a', false) %}'a'{% elif var('b', true) %}'b'{% else %}'c'{% endif %} as branch,\n{% if not var('a', false) %}1{% else %}0{% endif %} as not_a\n",
    });
    const { out, report, read } = await convert(src, 1);
    // The comparison is the one construct here without a dpf form (J8); its line is reported, and the file set aside.
    expect(report.problems.map((p) => `${p.file}:${p.line} ${p.construct}`)).toEqual(['models/pivot.sql:10 a comparison in an expression']);
    expect(report.unconverted).toEqual([join('unconverted', 'models', 'pivot.sql')]);
    expect(read('unconverted/models/pivot.sql')).toContain("{% if var('mode', 'b') == 'x' %}");
    expect(read('models/stg.sql')).toBe('{{config materialized="table" tags="a,b"}}\n{{!-- staging --}}\nselect * from {{source "raw" "raw_orders"}}\n');
    expect(read('models/branch.sql')).toContain('{{#if (var "a" false)}}\'a\'{{else if (var "b" true)}}\'b\'{{else}}\'c\'{{/if}}');
    expect(read('models/branch.sql')).toContain('{{#unless (var "a" false)}}1{{else}}0{{/unless}}');
    await build(out);
    expect(await rows(out, 'select * from main.branch')).toEqual([{ branch: 'b', not_a: 1 }]);

    // Without the comparison, the same model converts and builds with dbt's values.
    const fixed = dbtProject({ ...seeds, 'models/pivot.sql': readFileSync(join(src, 'models/pivot.sql'), 'utf8').replace("{% if var('mode', 'b') == 'x' %}0{% endif %}", '').replace("{{ ref('proj', 'stg') }}", "{{ ref('raw_orders') }}") });
    const again = await convert(fixed);
    expect(again.read('models/pivot.sql')).toContain('{{#each (list "placed" "shipped" "returned")}}');
    expect(again.read('models/pivot.sql')).toContain('{{literal (var "label" "it\'s")}} as label');
    expect(again.read('models/pivot.sql')).toContain('{{#each (dict placed=1 shipped=2)}}{{this}} as w_{{@key}}{{#unless @last}}, {{/unless}}{{/each}}');
    expect(again.read('models/pivot.sql')).toContain('{{literal target.name}} as target_name');
    await build(again.out);
    // sum() of integers is a HUGEINT, which JSON gives as text; the columns in the written order.
    const [pivot] = await rows(again.out, 'select * from main.pivot');
    expect(Object.keys(pivot!)).toEqual(['placed_amount', 'shipped_amount', 'returned_amount', 'label', 'w_placed', 'w_shipped', 'target_name', 'one']);
    expect(await rows(again.out, 'select * from main.pivot')).toEqual([
      { placed_amount: '10', shipped_amount: '20', returned_amount: '5', label: "it's", w_placed: 1, w_shipped: 2, target_name: 'dev', one: 1 },
    ]);
  });

  it('an incremental model: is_incremental() and this', async () => {
    const src = dbtProject({
      ...seeds,
      'models/inc.sql': "{{ config(materialized='incremental', unique_key='id') }}\nselect id, amount from {{ ref('raw_orders') }}\n{% if is_incremental() %}\nwhere id > (select max(id) from {{ this }})\n{% endif %}\n",
    });
    const { out, read } = await convert(src);
    expect(read('models/inc.sql')).toContain('{{#if (is_incremental)}}\nwhere id > (select max(id) from {{this}})\n{{/if}}');
    await build(out);
    writeFiles(out, { 'seeds/raw_orders.csv': `${seeds['seeds/raw_orders.csv']}4,placed,7\n` });
    await build(out);
    expect(await rows(out, 'select count(*)::int as n, sum(amount)::int as total from main.inc')).toEqual([{ n: 4, total: 42 }]);
  });
});

describe('macros, tests, snapshots and unit tests', () => {
  it('a macro becomes a partial, {% test %} a generic test, and singular tests and snapshots convert', async () => {
    const src = dbtProject({
      'seeds/customers.csv': 'id,cents,updated_at\n1,1250,2024-01-01\n2,99,2024-01-02\n',
      'macros/money.sql': "{% macro cents_to_dollars(col, scale=2) -%}\n  round({{ col }} / 100.0, {{ scale }})\n{%- endmacro %}\n\n{% macro plus_one(col) %}({{ col }} + 1){% endmacro %}\n",
      'macros/tests.sql': '{% test is_even(model, column_name) %}\nselect * from {{ model }} where {{ column_name }} % 2 <> 0\n{% endtest %}\n',
      'models/dollars.sql': "select id, {{ cents_to_dollars('cents') }} as dollars, {{ cents_to_dollars('cents', scale=0) }} as whole, {{ plus_one('id') }} as next_id from {{ ref('customers') }}\n",
      'models/dollars.yml': 'version: 2\nmodels:\n  - name: dollars\n    columns:\n      - name: next_id\n        tests:\n          - is_even:\n              config: {severity: warn}\n',
      'tests/assert_positive.sql': "select * from {{ ref('dollars') }} where dollars <= 0\n",
      'snapshots/customers_snapshot.sql': "{% snapshot customers_snapshot %}\n{{ config(unique_key='id', strategy='timestamp', updated_at='updated_at') }}\nselect * from {{ ref('customers') }}\n{% endsnapshot %}\n",
      'models/unit.yml': "unit_tests:\n  - name: dollars_round\n    model: dollars\n    given:\n      - input: ref('customers')\n        rows: [{id: 2, cents: 150}]\n    expect:\n      rows: [{id: 2, dollars: 1.5, whole: 2, next_id: 3}]\n",
    });
    const { out, read, report } = await convert(src);
    expect(report.complete).toBe(true);
    expect(read('macros/cents_to_dollars.hbs')).toBe('round({{col}} / 100.0, {{scale}})\n');
    expect(read('models/dollars.sql')).toContain('{{> cents_to_dollars col="cents" scale=2}} as dollars, {{> cents_to_dollars col="cents" scale=0}} as whole');
    expect(read('tests/generic/is_even.sql')).toBe('select * from {{model}} where {{column_name}} % 2 <> 0\n');
    expect(read('snapshots/customers_snapshot.sql')).toBe('{{config unique_key="id" strategy="timestamp" updated_at="updated_at"}}\nselect * from {{ref "customers"}}\n');
    const run = await build(out);
    expect(run.stdout).toMatch(/WARN +test +is_even_dollars_next_id/); // ids 1 and 2 give 2 and 3: one odd
    expect(run.stdout).toMatch(/PASS +test +assert_positive/);
    expect(run.stdout).toMatch(/PASS +unit +dollars_round/);
    expect(await rows(out, 'select id, dollars, whole, next_id from main.dollars order by id')).toEqual([
      { id: 1, dollars: 12.5, whole: 13, next_id: 2 },
      { id: 2, dollars: 0.99, whole: 1, next_id: 3 },
    ]);
    expect(await rows(out, 'select count(*)::int as n from main.customers_snapshot where dpf_valid_to is null')).toEqual([{ n: 2 }]);
  });
});

describe("dbt's cross-database macros", () => {
  it('are written out as SQL that DuckDB and Trino both run', async () => {
    const src = dbtProject({
      'models/x.sql': [
        'select',
        "  {{ dbt.current_timestamp() }} is not null as has_now,",
        "  cast(42 as {{ dbt.type_string() }}) as text_42,",
        "  {{ dbt.date_trunc('month', \"date '2024-03-15'\") }} as month_start,",
        "  {{ dbt.datediff(\"date '2024-01-01'\", \"date '2024-01-31'\", 'day') }} as days,",
        "  {{ dbt.concat([\"'a'\", \"'-'\", \"'b'\"]) }} as joined,",
        "  {{ dbt.safe_cast(\"'x'\", dbt.type_int()) }} as not_a_number,",
        "  {{ dbt_utils.split_part(\"'a,b'\", \"','\", 2) }} as second",
        '',
      ].join('\n'),
    });
    const { out, read } = await convert(src);
    expect(read('models/x.sql')).toContain("date_diff('day', date '2024-01-01', date '2024-01-31') as days");
    await build(out);
    expect(await rows(out, 'select has_now, text_42, month_start::varchar as month_start, days::int as days, joined, not_a_number, second from main.x')).toEqual([
      { has_now: true, text_42: '42', month_start: '2024-03-01 00:00:00', days: 30, joined: 'a-b', not_a_number: null, second: 'b' },
    ]);
  });
});

describe('dbt_utils', () => {
  it('generate_surrogate_key, pivot, union_relations and the tests dpf ships; star is reported', async () => {
    const src = dbtProject({
      'seeds/a.csv': 'id,kind\n1,x\n2,y\n',
      'seeds/b.csv': 'id,kind\n3,x\n',
      'models/keys.sql': "select {{ dbt_utils.generate_surrogate_key(['id', 'kind']) }} as sk, id from {{ ref('a') }}\n",
      'models/pivoted.sql': "select {{ dbt_utils.pivot('kind', ['x', 'y']) }} from {{ ref('a') }}\n",
      'models/unioned.sql': "{{ dbt_utils.union_relations(relations=[ref('a'), ref('b')]) }}\n",
      'models/starred.sql': "select {{ dbt_utils.star(from=ref('a'), except=['kind']) }} from {{ ref('a') }}\n",
      'models/schema.yml':
        "version: 2\nmodels:\n  - name: keys\n    tests:\n      - dbt_utils.unique_combination_of_columns:\n          combination_of_columns: [sk, id]\n      - dbt_utils.expression_is_true:\n          expression: 'id > 0'\n    columns:\n      - name: id\n        tests:\n          - dbt_utils.accepted_range:\n              min_value: 1\n              max_value: 2\n          - dbt_utils.accepted_range:\n              min_value: 2\n              inclusive: false\n              config: {severity: warn}\n          - dbt_utils.not_constant\n",
    });
    const { out, read, report } = await convert(src, 1);
    expect(report.problems.map((p) => `${p.file}:${p.line} ${p.construct}`)).toEqual([
      'models/starred.sql:1 dbt_utils.star()',
      'models/schema.yml:19 the test dbt_utils.not_constant',
    ]);
    expect(read('models/keys.sql')).toContain('{{surrogate_key "id" "kind"}}');
    expect(read('models/schema.yml')).toContain('- accepted_range:');
    expect(read('models/unioned.sql')).toContain('{{union_refs "a b" source_column="_dbt_source_relation"}}');
    const run = await build(out);
    expect(run.stdout).toMatch(/PASS +test +accepted_range_keys_id/);
    expect(run.stdout).toMatch(/WARN +test +accepted_range_keys_id/); // id 1 and 2 are not > 2
    expect(run.stdout).toMatch(/PASS +test +unique_combination_of_columns_keys/);
    // dbt_utils' key: md5 of the columns as text, '-'-separated.
    expect(await rows(out, "select sk = md5('1-x') as same from main.keys where id = 1")).toEqual([{ same: true }]);
    expect(await rows(out, 'select x::int as x, y::int as y from main.pivoted')).toEqual([{ x: 1, y: 1 }]);
    expect(await rows(out, 'select count(*)::int as n from main.unioned')).toEqual([{ n: 3 }]);
  });
});

describe('what cannot be converted', () => {
  it('is reported at its line, set aside with what refs it, and the rest builds', async () => {
    const src = dbtProject({
      'models/base.sql': 'select 1 as id\n',
      'models/bad.sql': "select *\nfrom {{ ref('base') }}\n{% if target.name == 'prod' %}where id > 0{% endif %}\n{{ run_query('select 1') }}\n",
      'models/child.sql': "select * from {{ ref('bad') }}\n",
      'models/bad.yml': 'version: 2\nmodels:\n  - name: bad\n    columns:\n      - name: id\n        tests: [not_null]\n  - name: base\n    description: fine\nexposures:\n  - name: dash\n',
      'models/broken.sql': '{% if x %}unclosed\n',
    });
    const { out, run, report, read } = await convert(src, 1);
    expect(report.complete).toBe(false);
    expect(report.problems.map((p) => `${p.file}:${p.line} ${p.construct}`)).toEqual([
      'models/bad.sql:3 a comparison in an expression',
      'models/bad.sql:4 run_query()',
      'models/broken.sql:1 Jinja dpf cannot parse',
      'models/bad.yml:9 exposures:',
    ]);
    expect(report.unconverted).toEqual(['unconverted/models/bad.sql', 'unconverted/models/bad.yml', 'unconverted/models/broken.sql', 'unconverted/models/child.sql']);
    expect(read('unconverted/models/bad.sql')).toBe(readFileSync(join(src, 'models/bad.sql'), 'utf8'));
    expect(read('models/bad.yml')).not.toContain('name: bad');
    expect(read('import_report.md')).toContain('- `models/bad.sql:3` a comparison in an expression:');
    expect(run.stdout).toContain('The conversion is incomplete: 4 constructs not converted, 4 files set aside');
    expect(existsSync(join(out, 'models', 'child.sql'))).toBe(false);
    await build(out);
    expect(await rows(out, 'select * from main.base')).toEqual([{ id: 1 }]);
  });

  it('what dpf rejects when it compiles the result is set aside too, until the rest compiles', async () => {
    const src = dbtProject({
      'models/base.sql': 'select 1 as id\n',
      'models/odd.sql': "{{ config(materialized='table', sort_key='id') }}\nselect * from {{ ref('base') }}\n",
      'models/child.sql': "select * from {{ ref('odd') }}\n",
      'snapshots/snap.sql': "{% snapshot base_snapshot %}\n{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols='all') }}\nselect * from {{ ref('base') }}\n{% endsnapshot %}\n",
    });
    const { out, report } = await convert(src, 1);
    expect(report.problems.map((p) => `${p.file}:${p.line} ${p.construct}`)).toEqual(['snapshots/snap.sql:2 config(target_schema=...)', 'models/odd.sql:1 DPF102 Unknown key']);
    expect(report.problems[1]!.detail).toContain('sort_key');
    expect(report.unconverted).toEqual(['unconverted/models/child.sql', 'unconverted/models/odd.sql', 'unconverted/snapshots/base_snapshot.sql']);
    await build(out);
    expect(await rows(out, 'select * from main.base')).toEqual([{ id: 1 }]);
  });

  it('YAML that dpf rejects is left out, entry by entry, at its line in the dbt file', async () => {
    const src = dbtProject(
      {
        'models/base.sql': 'select 1 as id\n',
        'models/base.yml': 'version: 2\nmodels:\n  - name: base\n    description: kept\n    columns:\n      - name: id\n        constraints:\n          - type: not_null\n        data_tests: [not_null]\n  - name: ghost\n    description: no such model\n',
      },
      'name: proj\nprofile: proj\nmodels:\n  proj:\n    +materialized: table\n    +contract:\n      enforced: false\n',
    );
    const { out, report, read } = await convert(src, 1);
    expect(report.problems.map((p) => `${p.file}:${p.line} ${p.construct}`)).toEqual(['dbt_project.yml:6 DPF102 Unknown key', 'models/base.yml:7 DPF102 Unknown key', 'models/base.yml:10 DPF105 YAML describes something that does not exist']);
    expect(read('models/base.yml')).not.toMatch(/constraints|ghost/);
    expect(read('models/base.yml')).toContain('description: kept');
    const run = await build(out);
    expect(run.stdout).toMatch(/PASS +test +not_null_base_id/);
  });

  it('refuses a folder without dbt_project.yml, a non-empty --out, --out inside the project and broken YAML', async () => {
    const plain = tempDir();
    const notDbt = await dpf(['import', 'dbt', plain, '--out', join(plain, '..', 'x-out')], { cwd: plain });
    expect(notDbt.code).toBe(2);
    expect(notDbt.stderr).toContain('DPF980');
    const src = dbtProject({ 'models/a.sql': 'select 1 as id\n' });
    const full = writeFiles(tempDir(), { 'keep.txt': 'x' });
    const notEmpty = await dpf(['import', 'dbt', src, '--out', full], { cwd: src });
    expect(notEmpty.code).toBe(2);
    expect(notEmpty.stderr).toContain('DPF981');
    expect(readFileSync(join(full, 'keep.txt'), 'utf8')).toBe('x');
    const inside = await dpf(['import', 'dbt', '.', '--out', 'dpf'], { cwd: src });
    expect(inside.code).toBe(2);
    expect(inside.stderr).toContain('DPF983');
    writeFiles(src, { 'models/a.yml': 'version: 2\nmodels:\n  - name: a\n   description: bad indent\n' });
    const bad = await dpf(['import', 'dbt', src, '--out', join(tempDir(), 'o')], { cwd: src });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('DPF982');
    expect(bad.stderr).toContain('models/a.yml:4');
    await expect(importDbt({ path: plain, out: join(tempDir(), 'o') })).rejects.toThrow(/DPF980/);
  });
});
