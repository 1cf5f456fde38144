/**
 * Fan-out (for_each: one file, one model per value) and fan-in ({{union_refs}}), through the
 * real CLI on DuckDB (docs/configuration.md#for_each, #union_refs).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';
import { schemaValidator } from '../src/compiler/schema-validators.js';

const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8'));
const modelNames = (dir: string) =>
  Object.values(manifestOf(dir).nodes as Record<string, { kind: string; name: string }>)
    .filter((n) => n.kind === 'model')
    .map((n) => n.name)
    .sort();

const ORDERS = "{{config materialized=\"table\"}}\nselect * from (values (1, 'EU', 10.0), (2, 'us', 5.0), (3, 'Asia Pacific', 7.0), (4, 'EU', 1.0)) t(id, region, amount)\n";

describe('for_each over a var list', () => {
  it('generates one model per value, each with its lineage, config, YAML and tests, selectable by name and path', async () => {
    const dir = makeProject(
      {
        'models/orders.sql': ORDERS,
        'models/sales.sql':
          '{{config materialized="table" for_each=(var "regions") tags="region"}}\n' +
          "select id, amount, '{{each_name}}' as k from {{ref \"orders\"}} where region = {{each_value}}\n",
        'models/other.sql': 'select * from {{ref "sales_eu"}}\n',
        'models/props.yml': [
          'models:',
          '  - name: sales',
          '    description: Sales of one region.',
          '    columns:',
          '      - name: id',
          '        data_tests: [unique]',
          '  - name: sales_eu',
          '    description: Europe.',
          '    config:',
          '      tags: [europe]',
          '',
        ].join('\n'),
      },
      'name: proj\nvars:\n  regions: [EU, us, "Asia Pacific"]\n',
    );
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const db = join(dir, 'target/dev.duckdb');
    expect(await queryDuckDB(db, 'select id, k from main.sales_eu order by id')).toEqual([{ id: 1, k: 'eu' }, { id: 4, k: 'eu' }]);
    expect(await queryDuckDB(db, 'select id, k from main.sales_asia_pacific')).toEqual([{ id: 3, k: 'asia_pacific' }]);
    const nodes = manifestOf(dir).nodes;
    const eu = nodes['model.proj.sales_eu'];
    expect(eu.dependsOn).toEqual(['model.proj.orders']);
    expect(eu.forEach).toEqual({ file: 'sales', key: 'eu', value: 'EU' });
    expect(eu.description).toBe('Europe.');
    expect(eu.tags.sort()).toEqual(['europe', 'region']);
    expect(nodes['model.proj.sales_us'].description).toBe('Sales of one region.');
    expect(nodes['model.proj.sales_us'].tags).toEqual(['region']);
    expect(nodes['model.proj.other'].dependsOn).toEqual(['model.proj.sales_eu']);
    // The file's YAML tests apply to every generated model.
    expect(Object.keys(nodes).filter((id) => id.startsWith('test.proj.unique_')).sort()).toEqual([
      'test.proj.unique_sales_asia_pacific_id',
      'test.proj.unique_sales_eu_id',
      'test.proj.unique_sales_us_id',
    ]);
    // Each has its compiled SQL file.
    expect(readFileSync(join(dir, 'target/compiled/proj/models/sales/sales_us.sql'), 'utf8')).toContain("where region = 'us'");
    const byName = await dpf(['ls', '--project-dir', dir, '-s', 'sales', '--resource-type', 'model'], { cwd: dir });
    expect(byName.stdout.trim().split('\n').map((l) => l.split(/\s+/)[1]).sort()).toEqual(['sales_asia_pacific', 'sales_eu', 'sales_us']);
    const byPath = await dpf(['ls', '--project-dir', dir, '-s', 'path:models/sales.sql', '--resource-type', 'model'], { cwd: dir });
    expect(byPath.stdout.trim().split('\n').map((l) => l.split(/\s+/)[1]).sort()).toEqual(['sales_asia_pacific', 'sales_eu', 'sales_us']);
  });

  it('takes a list in YAML with a name template, and rows whose columns each_value reads', async () => {
    const dir = makeProject({
      'models/fx.sql': '{{config materialized="table"}}\nselect {{each_value "code"}} as code, {{each_value "rate"}} as rate\n',
      'models/fx.yml': 'models:\n  - name: fx\n    config:\n      for_each:\n        values: [{code: EUR, rate: 1.1}, {code: GBP, rate: 1.3}]\n        name: "rate_{{code}}"\n',
    });
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(modelNames(dir)).toEqual(['rate_eur', 'rate_gbp']);
    expect(await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select code, rate::double as rate from main.rate_gbp')).toEqual([{ code: 'GBP', rate: 1.3 }]);
  });
});

describe('for_each errors, at file:line', () => {
  it('reports a missing var, a var that is not a list, two values with one name, and each_value outside a for_each', async () => {
    const dir = makeProject(
      {
        'models/a.sql': '{{config for_each=(var "nope")}}\nselect 1 as x\n',
        'models/b.sql': 'select 1 as x,\n  {{config for_each=(var "one")}} 2 as y\n',
        'models/c.sql': '{{config for_each=(list "EU" "eu" "us")}}\nselect {{each_value}} as v\n',
        'models/d.sql': 'select 1 as x,\n\n {{each_value}} as v\n',
      },
      'name: proj\nvars:\n  one: EU\n',
    );
    const run = await dpf(['compile', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/DPF206 Missing variable — models\/a\.sql:1:/);
    expect(run.output).toMatch(/DPF107 Invalid config — models\/b\.sql:2:/);
    expect(run.output).toContain('needs a list, but the variable "one" is "EU"');
    expect(run.output).toMatch(/DPF231 Two for_each values give one model name — models\/c\.sql:1:/);
    expect(run.output).toContain('The values "EU" and "eu" both generate a model named "c_eu"');
    expect(run.output).toMatch(/DPF236 each_value outside a for_each model — models\/d\.sql:3:2/);
  });

  it('reports a generated name that another model already has', async () => {
    const dir = makeProject({
      'models/sales.sql': '{{config for_each=(list "eu")}}\nselect 1 as x\n',
      'models/sales_eu.sql': 'select 2 as x\n',
    });
    const run = await dpf(['compile', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/DPF104 Duplicate name — models\/sales_eu\.sql:1/);
    expect(run.output).toContain('Two models are named "sales_eu"; the other one is models/sales.sql.');
  });
});

describe('for_each over a query', () => {
  const files = {
    'seeds/raw_orders.csv': 'id,region,amount\n1,EU,10\n2,us,5\n3,EU,1\n',
    'models/stg_orders.sql': '{{config materialized="table"}}\nselect * from {{ref "raw_orders"}}\n',
    'models/region_sales.sql': '{{config materialized="table"}}\nselect {{each_value}} as region, sum(amount) as amount from {{ref "stg_orders"}} where region = {{each_value}}\n',
    'models/props.yml': "models:\n  - name: region_sales\n    config:\n      for_each:\n        query: \"select distinct region from {{ref 'stg_orders'}} order by 1\"\n",
  };

  it('needs what it reads built first, caches its rows, reuses them, and runs again with --refresh-for-each', async () => {
    const dir = makeProject(files);
    const first = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(first.code).toBe(2);
    expect(first.output).toMatch(/DPF232 for_each query failed — models\/props\.yml:5:16/);
    expect(first.output).toContain('dpf build -s +stg_orders --skip-failed-for-each');

    const bootstrap = await dpf(['build', '--project-dir', dir, '-s', '+stg_orders', '--skip-failed-for-each'], { cwd: dir });
    expect(bootstrap.code, bootstrap.output).toBe(0);
    expect(bootstrap.output).toMatch(/DPF234 for_each generated no models/);
    expect(existsSync(join(dir, 'target/for_each_cache.json'))).toBe(false);

    const build = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(build.code, build.output).toBe(0);
    expect(modelNames(dir)).toEqual(['region_sales_eu', 'region_sales_us', 'stg_orders']);
    const db = join(dir, 'target/dev.duckdb');
    expect(await queryDuckDB(db, 'select region, amount::int as amount from main.region_sales_eu')).toEqual([{ region: 'EU', amount: 11 }]);
    const cache = JSON.parse(readFileSync(join(dir, 'target/for_each_cache.json'), 'utf8'));
    const entries = Object.values(cache.entries) as { sql: string; rows: unknown[] }[];
    expect(entries).toHaveLength(1);
    expect(entries[0]!.sql).toBe('select distinct region from "main"."stg_orders" order by 1');
    expect(entries[0]!.rows).toEqual([{ region: 'EU' }, { region: 'us' }]);

    // New data lands in stg_orders; a changed file makes the project compile again: the cached rows still decide.
    writeFileSync(join(dir, 'seeds/raw_orders.csv'), 'id,region,amount\n1,EU,10\n2,us,5\n3,EU,1\n4,APAC,2\n');
    const again = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(again.code, again.output).toBe(0);
    expect(await queryDuckDB(db, "select count(*)::int as n from main.stg_orders where region = 'APAC'")).toEqual([{ n: 1 }]);
    writeFileSync(join(dir, 'models/extra.sql'), 'select 1 as x\n');
    const recompiled = await dpf(['compile', '--project-dir', dir], { cwd: dir });
    expect(recompiled.code, recompiled.output).toBe(0);
    expect(modelNames(dir)).toEqual(['extra', 'region_sales_eu', 'region_sales_us', 'stg_orders']);

    const refreshed = await dpf(['compile', '--project-dir', dir, '--refresh-for-each'], { cwd: dir });
    expect(refreshed.code, refreshed.output).toBe(0);
    expect(modelNames(dir)).toEqual(['extra', 'region_sales_apac', 'region_sales_eu', 'region_sales_us', 'stg_orders']);

    // The warehouse cannot answer (the relation is gone): the cached rows, with a warning.
    await queryDuckDB(db, 'drop table main.stg_orders');
    const cached = await dpf(['compile', '--project-dir', dir, '--refresh-for-each'], { cwd: dir });
    expect(cached.code, cached.output).toBe(0);
    expect(cached.output).toMatch(/DPF233 for_each used its cached result — models\/props\.yml:5:16/);
    expect(modelNames(dir)).toEqual(['extra', 'region_sales_apac', 'region_sales_eu', 'region_sales_us', 'stg_orders']);
  });
});

describe('union_refs', () => {
  it('unions the models of a tag with columns aligned by name, a source column, and lineage', async () => {
    const dir = makeProject(
      {
        'models/orders.sql': ORDERS,
        'models/sales.sql': '{{config materialized="table" for_each=(var "regions") tags="region"}}\nselect id, amount from {{ref "orders"}} where region = {{each_value}}\n',
        'models/legacy.sql': "{{config tags=\"region\"}}\nselect 9 as id, 'old' as note\n",
        'models/all_sales.sql': '{{config materialized="table"}}\nselect * from ({{union_refs "tag:region" source_column=true}}) u\n',
        'models/props.yml': [
          'models:',
          '  - name: sales',
          '    columns:',
          '      - {name: id, data_type: integer}',
          '      - {name: amount, data_type: "decimal(10,2)"}',
          '  - name: legacy',
          '    columns:',
          '      - {name: id}',
          '      - {name: note, data_type: varchar}',
          '',
        ].join('\n'),
      },
      'name: proj\nvars:\n  regions: [EU, us]\n',
    );
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const rows = await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select _dpf_source as s, id, note, amount::double as amount from main.all_sales order by id');
    expect(rows).toEqual([
      { s: 'sales_eu', id: 1, note: null, amount: 10 },
      { s: 'sales_us', id: 2, note: null, amount: 5 },
      { s: 'sales_eu', id: 4, note: null, amount: 1 },
      { s: 'legacy', id: 9, note: 'old', amount: null },
    ]);
    const types = await queryDuckDB(join(dir, 'target/dev.duckdb'), "select column_name as c, data_type as t from information_schema.columns where table_name = 'all_sales' order by ordinal_position");
    expect(types).toEqual([
      { c: '_dpf_source', t: 'VARCHAR' },
      { c: 'id', t: 'INTEGER' },
      { c: 'note', t: 'VARCHAR' },
      { c: 'amount', t: 'DECIMAL(10,2)' },
    ]);
    const node = manifestOf(dir).nodes['model.proj.all_sales'];
    expect(node.dependsOn).toEqual(['model.proj.legacy', 'model.proj.sales_eu', 'model.proj.sales_us']);
    expect(node.unionRefs).toEqual([{ selector: 'tag:region', sourceColumn: '_dpf_source', refs: ['legacy', 'sales_eu', 'sales_us'] }]);
    const validate = schemaValidator('manifest');
    expect(validate(manifestOf(dir)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('reports a selector that selects nothing, and models without declared columns, at file:line', async () => {
    const dir = makeProject({
      'models/a.sql': 'select 1 as x\n',
      'models/u.sql': 'select 1 as x\nunion all\n{{union_refs "tag:nothing"}}\n',
      'models/v.sql': '{{union_refs "a"}}\n',
    });
    const run = await dpf(['compile', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/DPF237 union_refs selects nothing — models\/u\.sql:3:1/);
    expect(run.output).toContain('{{union_refs "tag:nothing"}} selects no model, seed or snapshot.');
    expect(run.output).toMatch(/DPF238 union_refs needs the columns — models\/v\.sql:1:1/);
  });
});
