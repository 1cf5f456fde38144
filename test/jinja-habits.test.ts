/**
 * Jinja left in a project (a dbt user's habit) through the real CLI: `dpf compile` exits 2 and
 * prints one DPF220 per occurrence, in every kind of template, each with file:line:column and
 * the dpf spelling of what was written; plain handlebars compiles as before.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject } from './helpers/run-dpf.js';

interface Printed {
  readonly code: string;
  readonly where: string;
  readonly text: string;
}

/** The diagnostics `dpf` printed, each block from its "error DPFxxx … — file:line:col" header on. */
function printed(stderr: string): Printed[] {
  return stderr
    .split(/^(?=error DPF)/m)
    .filter((b) => b.startsWith('error DPF'))
    .map((b) => {
      const head = /^error (DPF\d+) .* — (\S+)/.exec(b)!;
      return { code: head[1]!, where: head[2]!, text: b };
    });
}

async function compile(dir: string) {
  return dpf(['compile', '--project-dir', dir], { cwd: dir });
}

describe('Jinja in a dpf project', () => {
  it('reports every construct of a model, one diagnostic each, with file:line:column and the dpf spelling', async () => {
    const model = [
      "{{ config(materialized='incremental', unique_key='id') }}",
      '{# orders since the last run #}',
      "{% set cutoff = '2024-01-01' %}",
      'select o.*',
      "from {{ ref('orders') }} as o join {{ source('shop', 'customers') }} as c using (customer_id)",
      "where o.day > '{{ var('start', '2024-01-01') }}'",
      '{% if is_incremental() %}',
      '  and o.id > (select max(id) from {{ this }})',
      '{% endif %}',
      '',
    ].join('\n');
    const dir = makeProject({ 'models/orders.sql': 'select 1 as id, 1 as customer_id\n', 'models/recent.sql': model });
    const run = await compile(dir);
    expect(run.code, run.output).toBe(2);
    const found = printed(run.stderr);
    expect(found.map((d) => [d.code, d.where])).toEqual([
      ['DPF220', 'models/recent.sql:1:1'],
      ['DPF220', 'models/recent.sql:2:1'],
      ['DPF220', 'models/recent.sql:3:1'],
      ['DPF220', 'models/recent.sql:5:6'],
      ['DPF220', 'models/recent.sql:5:36'],
      ['DPF220', 'models/recent.sql:6:16'],
      ['DPF220', 'models/recent.sql:7:1'],
      ['DPF220', 'models/recent.sql:9:1'],
    ]);
    const spellings = [
      '{{config materialized="incremental" unique_key="id"}}',
      '{{!-- orders since the last run --}}',
      '{{var "cutoff"}}',
      '{{ref "orders"}}',
      '{{source "shop" "customers"}}',
      '{{var "start" "2024-01-01"}}',
      '{{#if (is_incremental)}}…{{/if}}',
      '{{/if}}',
    ];
    spellings.forEach((s, i) => expect(found[i]!.text).toContain(`in dpf's handlebars it is ${s}.`));
    spellings.forEach((s, i) => expect(found[i]!.text).toContain(`hint: Write ${s}`));
    expect(run.stderr).toContain('8 problems found.');
    // {{ this }} is handlebars too (spaces are allowed inside the braces): not a Jinja habit.
    expect(run.stderr).not.toContain('{{ this }} is');
  });

  it('reports Jinja in snapshots, singular tests, macros and generic tests, each at its file', async () => {
    const dir = makeProject({
      'models/orders.sql': 'select 1 as id\n',
      'snapshots/orders_history.sql': "{% snapshot orders_history %}\nselect * from {{ref \"orders\"}}\n{% endsnapshot %}\n",
      'tests/no_negative_ids.sql': "select * from {{ ref('orders') }} where id < 0\n",
      'macros/cents.hbs': "round({{column}} / 100, {{ var('scale', 2) }})\n",
      'tests/generic/positive.sql': "{% test positive(model, column_name) %}\nselect * from {{model}} where {{column_name}} <= 0\n{% endtest %}\n",
    });
    const run = await compile(dir);
    expect(run.code, run.output).toBe(2);
    const where = printed(run.stderr).map((d) => d.where);
    expect(where).toEqual(
      expect.arrayContaining([
        'snapshots/orders_history.sql:1:1',
        'snapshots/orders_history.sql:3:1',
        'tests/no_negative_ids.sql:1:15',
        'macros/cents.hbs:1:25',
        'tests/generic/positive.sql:1:1',
        'tests/generic/positive.sql:3:1',
      ]),
    );
    expect(where).toHaveLength(6);
    expect(run.stderr).toContain('{{config …}} and the query in snapshots/orders_history.sql, without the block');
    expect(run.stderr).toContain('{{ref "orders"}}');
    expect(run.stderr).toContain('{{var "scale" 2}}');
    expect(run.stderr).toContain('tests/generic/positive.sql reading {{model}} and {{column_name}}');
  });

  it('names package refs, package macros and macro calls with what to write instead', async () => {
    const dir = makeProject({
      'models/a.sql': "select {{ dbt_utils.star(ref('b')) }}\nfrom {{ ref('my_package', 'b') }}\nwhere {{ cents('amount') }} > 0\n",
      'models/b.sql': 'select 1 as amount\n',
    });
    const run = await compile(dir);
    expect(run.code, run.output).toBe(2);
    const [star, ref, macro] = printed(run.stderr);
    expect(star!.where).toBe('models/a.sql:1:8');
    expect(star!.text).toContain('a macro of the dbt_utils package (dbt_utils.star)');
    expect(star!.text).toContain('docs/from-dbt.md');
    expect(ref!.where).toBe('models/a.sql:2:6');
    expect(ref!.text).toMatch(/Write \{\{ref "b"\}\} \(dpf has no packages/);
    expect(macro!.where).toBe('models/a.sql:3:7');
    expect(macro!.text).toContain('{{> cents arg1="amount"}}');
  });

  it('compiles plain handlebars as before, including braces in SQL strings and Jinja inside a handlebars comment', async () => {
    const dir = makeProject({
      'models/orders.sql': 'select 1 as id\n',
      'macros/cents.hbs': 'round({{column}} / 100, 2)',
      'models/plain.sql': [
        '{{!-- was {{ ref(\'orders\') }} and {% if is_incremental() %} in dbt --}}',
        '{{config materialized="table"}}',
        'select {{> cents column="id"}} as c,',
        '  \'{"a": {"b": [1, 2]}}\' as j,',
        "  '{}' as e,",
        "  '{{ target.name }}' as t, '{{ this }}' as me,",
        '  {{~ref "orders"~}}.id',
        'from {{ ref "orders" }}',
        '{{#if (is_incremental)}}where false{{/if}}',
        '',
      ].join('\n'),
    });
    const run = await compile(dir);
    expect(run.code, run.output).toBe(0);
    const compiled = readFileSync(join(dir, 'target/compiled/proj/models/plain.sql'), 'utf8');
    expect(compiled).toBe(
      ['select round(id / 100, 2) as c,', '  \'{"a": {"b": [1, 2]}}\' as j,', "  '{}' as e,", "  'dev' as t, '\"main\".\"plain\"' as me,\"main\".\"orders\".id", 'from "main"."orders"', ''].join('\n'),
    );
  });

  it('runs a model with a JSON literal in a string on DuckDB', async () => {
    const dir = makeProject({ 'models/j.sql': `select json_extract_string('{"a": {"b": 1}}', '$.a.b') as b\n` });
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(existsSync(join(dir, 'target/dev.duckdb'))).toBe(true);
    const show = await dpf(['show', '--project-dir', dir, '--inline', 'select b from {{ref "j"}}'], { cwd: dir });
    expect(show.code, show.output).toBe(0);
    expect(show.stdout).toContain('| b |\n|---|\n| 1 |');
  });
});
