/** Sources that exist before the build, vars from the project and --vars, and config precedence, on DuckDB. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject } from './helpers/run-dpf.js';
import { queryDuckDB, relationsIn } from './helpers/query-duckdb.js';

describe('sources', () => {
  it('reads a table landed before the build, and never creates it', async () => {
    const dir = makeProject({
      'models/sources.yml': 'version: 2\nsources:\n  - name: shop\n    schema: landing\n    tables:\n      - name: orders\n        identifier: raw_orders\n',
      'models/orders.sql': '{{config materialized="table"}}\nselect id, amount * 2 as doubled from {{source "shop" "orders"}}\n',
    });
    const db = join(dir, 'target/dev.duckdb');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'target'), { recursive: true });
    await queryDuckDB(db, 'create schema landing; create table landing.raw_orders as select 1 as id, 5 as amount');
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/Found 1 model, 0 seeds, 1 source/);
    expect(await queryDuckDB(db, 'select doubled from main.orders')).toEqual([{ doubled: 10 }]);
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.nodes['source.proj.shop.orders'].relationName).toBe('"landing"."raw_orders"');
    expect(manifest.nodes['model.proj.orders'].dependsOn).toEqual(['source.proj.shop.orders']);
  });
});

describe('vars', () => {
  it('takes project vars, lets --vars override them, and uses defaults', async () => {
    const dir = makeProject(
      {
        'models/v.sql':
          '{{config materialized="table"}}\nselect {{var "n"}} as n, \'{{var "label" "none"}}\' as label, \'{{#each (var "items")}}{{this}}{{#unless @last}}|{{/unless}}{{/each}}\' as items\n',
      },
      'name: proj\nvars:\n  n: 1\n  items: [a, "b & c"]\n',
    );
    const db = join(dir, 'target/dev.duckdb');
    expect((await dpf(['run', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    expect(await queryDuckDB(db, 'select * from main.v')).toEqual([{ n: 1, label: 'none', items: 'a|b & c' }]);
    expect((await dpf(['run', '--project-dir', dir, '--vars', '{n: 7, label: x}'], { cwd: dir })).code).toBe(0);
    expect(await queryDuckDB(db, 'select * from main.v')).toEqual([{ n: 7, label: 'x', items: 'a|b & c' }]);
  });
});

describe('config precedence and schemas', () => {
  it('applies folder defaults < YAML config < {{config}}, and custom schemas per dbt', async () => {
    const dir = makeProject(
      {
        'models/staging/s1.sql': 'select 1 as id\n',
        'models/marts/m1.sql': 'select * from {{ref "s1"}}\n',
        'models/marts/m2.sql': '{{config materialized="view" tags="inline"}}\nselect * from {{ref "s1"}}\n',
        'models/marts/m3.sql': 'select * from {{ref "s1"}}\n',
        'models/marts/_marts.yml': 'models:\n  - name: m3\n    config:\n      materialized: view\n      alias: marts_three\n      tags: [yaml]\n',
      },
      'name: proj\nmodels:\n  proj:\n    +materialized: view\n    marts:\n      +materialized: table\n      +schema: analytics\n      +tags: [marts]\n',
    );
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const db = join(dir, 'target/dev.duckdb');
    const types = await queryDuckDB(db, "select table_schema || '.' || table_name as r, table_type as t from information_schema.tables where table_schema <> 'dpf_meta' order by 1");
    expect(types).toEqual([
      { r: 'main.s1', t: 'VIEW' },
      { r: 'main_analytics.m1', t: 'BASE TABLE' },
      { r: 'main_analytics.m2', t: 'VIEW' },
      { r: 'main_analytics.marts_three', t: 'VIEW' },
    ]);
    const ls = await dpf(['ls', '--output', 'name', '--project-dir', dir, '-s', 'tag:marts,tag:yaml'], { cwd: dir });
    expect(ls.stdout.trim()).toBe('m3');
    const inline = await dpf(['ls', '--output', 'name', '--project-dir', dir, '-s', 'tag:inline'], { cwd: dir });
    expect(inline.stdout.trim()).toBe('m2');
  });

  it('uses the custom schema name as is with schema_strategy: exact, and loads seeds with type overrides', async () => {
    const dir = makeProject(
      { 'seeds/codes.csv': 'code,label,since\n007,bond,2020-01-01\n042,answer,2021-06-30\n' },
      'name: proj\nschema_strategy: exact\nseeds:\n  proj:\n    +schema: ref_data\n    codes:\n      +column_types: {code: varchar}\n',
    );
    const run = await dpf(['seed', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const db = join(dir, 'target/dev.duckdb');
    expect(await relationsIn(db)).toEqual(['ref_data.codes']);
    const columns = await queryDuckDB(db, "select column_name, data_type from information_schema.columns where table_name = 'codes' order by ordinal_position");
    expect(columns).toEqual([
      { column_name: 'code', data_type: 'VARCHAR' },
      { column_name: 'label', data_type: 'VARCHAR' },
      { column_name: 'since', data_type: 'DATE' },
    ]);
    expect(await queryDuckDB(db, "select code from ref_data.codes where label = 'bond'")).toEqual([{ code: '007' }]);
  });
});
