import { describe, expect, it } from 'vitest';
import { findJinjaHabits } from './jinja-habits.js';

const one = (text: string) => {
  const found = findJinjaHabits(text, 'models/m.sql');
  expect(found, text).toHaveLength(1);
  return found[0]!;
};

/** Each construct: what was written, what the message calls it, and the dpf spelling it gives. */
const rows: [written: string, what: string, spelling: string, note?: RegExp][] = [
  [`{{ ref('orders') }}`, 'a ref', '{{ref "orders"}}'],
  [`{{ ref("orders") }}`, 'a ref', '{{ref "orders"}}'],
  [`{{ ref('shop_pkg', 'orders') }}`, 'a ref', '{{ref "orders"}}', /no packages.*not "shop_pkg"/],
  [`{{ ref('orders', v=2) }}`, 'a ref', '{{ref "orders"}}', /no model versions/],
  [`{{ source('shop', 'orders') }}`, 'a source', '{{source "shop" "orders"}}'],
  [`{{ config(materialized='table') }}`, 'a config call', '{{config materialized="table"}}'],
  [`{{ config(materialized='table', unique_key='id') }}`, 'a config call', '{{config materialized="table" unique_key="id"}}'],
  [`{{ config(unique_key=['id','day'], full=False, meta={}) }}`, 'a config call', '{{config unique_key="id,day" full=false}}', /meta cannot be written inline/],
  [`{{ var('x') }}`, 'a var', '{{var "x"}}'],
  [`{{ var('x', 'd') }}`, 'a var', '{{var "x" "d"}}'],
  [`{{ is_incremental() }}`, 'an incremental check', '{{#if (is_incremental)}}…{{/if}}'],
  [`{% if is_incremental() %}`, 'an incremental filter', '{{#if (is_incremental)}}…{{/if}}'],
  [`{% if not is_incremental() %}`, 'an incremental filter', '{{#unless (is_incremental)}}…{{/unless}}'],
  [`{% if var('flag') %}`, 'an if block', '{{#if (var "flag")}}'],
  [`{% if target.name == 'prod' %}`, 'an if block', '{{#if …}}', /no operators/],
  [`{% elif var('other') %}`, 'an elif', '{{else if (var "other")}}'],
  [`{% else %}`, 'an else', '{{else}}'],
  [`{% endif %}`, 'the end of an if block', '{{/if}}'],
  [`{% for col in var('columns') %}`, 'a for loop', '{{#each (var "columns")}}…{{/each}}', /\{\{this\}\} is the current item/],
  [`{% for col in ['a', 'b'] %}`, 'a for loop', '{{#each …}}…{{/each}}', /put the list in a var/],
  [`{% endfor %}`, 'the end of a for loop', '{{/each}}'],
  [`{% set cutoff = '2024-01-01' %}`, 'a variable assignment', '{{var "cutoff"}}', /vars: in dpf_project\.yml.*macros\/cutoff\.hbs/],
  [`{# a note #}`, 'a comment', '{{!-- a note --}}'],
  [`{{- this -}}`, 'whitespace control', '{{~this~}}'],
  [`{{- ref('x') }}`, 'a ref', '{{~ref "x"}}'],
  [`{% macro cents(col, scale=2) %}`, 'a macro definition', '{{> cents col="…" scale="…"}}', /macros\/cents\.hbs.*\{\{col\}\}, \{\{scale\}\}/],
  [`{% endmacro %}`, 'the end of a macro definition', 'macros/<name>.hbs'],
  [`{{ cents('amount', scale=3) }}`, 'a macro call (cents)', '{{> cents arg1="amount" scale=3}}', /named arguments only/],
  [`{{ dbt_utils.star(ref('orders')) }}`, 'a macro of the dbt_utils package (dbt_utils.star)', 'plain SQL or a partial of your own (macros/*.hbs)', /docs\/from-dbt\.md gives the SQL/],
  [`{{ env_var('API_TOKEN') }}`, 'an environment variable', '{{var "api_token"}}', /only in profiles\.yml \(\{\{env "API_TOKEN"\}\}\)/],
  [`{{ var('name') | upper }}`, 'a filter (| upper)', '{{var "name"}}', /no filters: apply upper in SQL/],
  [`{% snapshot orders_history %}`, 'a snapshot block', '{{config …}} and the query in snapshots/orders_history.sql, without the block'],
  [`{% test positive(model, column_name) %}`, 'a generic test block', 'tests/generic/positive.sql reading {{model}} and {{column_name}}, without the block'],
  [`{% do log('x') %}`, 'a {% do %} statement', 'a helper or a partial', /docs\/from-dbt\.md/],
];

describe('findJinjaHabits', () => {
  for (const [written, what, spelling, note] of rows) {
    it(`${written} → ${spelling}`, () => {
      const d = one(`select 1\n  ${written}\n`);
      expect(d.code).toBe('DPF220');
      expect(d.location).toEqual({ file: 'models/m.sql', line: 2, column: 3 });
      expect(d.message).toBe(`${written} is ${what} in Jinja, dbt's template language; in dpf's handlebars it is ${spelling}.`);
      expect(d.hint).toContain(`Write ${spelling}`);
      if (note) expect(d.hint).toMatch(note);
    });
  }

  it('reports every occurrence, in order, with its own line and column', () => {
    const text = "{{ config(materialized='table') }}\nselect * from {{ ref('a') }} join {{ ref('b') }} using (id)\n{# why #}\n{% if is_incremental() %}\nwhere 1 = 1\n{% endif %}\n";
    const found = findJinjaHabits(text, 'models/m.sql');
    expect(found.map((d) => [d.location!.line, d.location!.column, d.message.split(' is ')[0]])).toEqual([
      [1, 1, "{{ config(materialized='table') }}"],
      [2, 15, "{{ ref('a') }}"],
      [2, 35, "{{ ref('b') }}"],
      [3, 1, '{# why #}'],
      [4, 1, '{% if is_incremental() %}'],
      [6, 1, '{% endif %}'],
    ]);
  });

  it('flags Jinja inside a SQL string or comment, since dbt renders it there too', () => {
    expect(one(`select * from t where d > '{{ var("start") }}'`).message).toContain('{{var "start"}}');
    expect(one(`-- {{ ref('old') }}\nselect 1`).message).toContain('{{ref "old"}}');
  });

  it('shortens a long construct in the message to one line', () => {
    const d = one(`{% set cols = [\n  'a_very_long_column_name', 'another_very_long_column_name', 'a_third'\n] %}`);
    expect(d.message).toMatch(/^\{% set cols = \[ 'a_very_long_column_name', 'another_very_.{0,8}… is/);
  });

  it('leaves plain handlebars, handlebars comments and braces in SQL alone', () => {
    const plain = [
      '{{ref "x"}}',
      '{{ ref "x" }}',
      "{{ref 'x'}}",
      '{{source "a" "b"}}',
      '{{config materialized="table" unique_key="id"}}',
      '{{var "x" "d"}}',
      '{{#if (is_incremental)}}where 1 = 1{{else if (var "y")}}{{else}}{{/if}}',
      '{{#unless (is_incremental)}}x{{/unless}}',
      '{{#each (var "cols") as |c|}}{{c}}{{#unless @last}},{{/unless}}{{/each}}',
      '{{#if (var "a")}}x{{else each (var "cols") as |c|}}{{c}}{{/if}}',
      '{{~ref "x"~}}',
      '{{!-- {{ ref("x") }} {% if x %} {# y #} --}}',
      '{{! {% set x = 1 %} }}',
      '{{> my_macro arg="x"}}',
      '{{#> layout}}x{{/layout}}',
      '{{{triple}}}',
      '{{ this }}',
      '{{ target.name }}',
      '{{literal (var "x")}}',
      `select '{"a": 1}' as j`,
      `select '{"a": {"b": [1, 2]}}' as j, '{}' as e, '{{}}' as d`,
      `select strftime(d, '%Y-%m-%d') as m, 'x' like '{%' as l, '#}' as h`,
      'select array[1, 2][1], {\'k\': 1} as s',
    ];
    for (const text of plain) expect(findJinjaHabits(text, 'models/m.sql'), text).toEqual([]);
  });
});
