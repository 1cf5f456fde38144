import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelNode, SeedNode } from './manifest.js';
import type { ParsedProject } from './parse-project.js';
import { diagnosticsOf, parseFixture, removeWrittenProjects, writeProject } from './test-fixtures.js';

afterAll(removeWrittenProjects);

const PROJECT = `name: shop
models:
  shop:
    +materialized: view
    +tags: [project]
    +meta: {owner: data, tier: 3}
    marts:
      +materialized: table
      +tags: marts
      finance:
        +schema: finance
        +tags: [finance]
seeds:
  shop:
    +column_types: {code: varchar}
`;

const PRECEDENCE_FILES: Record<string, string> = {
  'dpf_project.yml': PROJECT,
  'models/staging/stg_orders.sql': 'select 1 as id\n',
  'models/marts/finance/revenue.sql': 'select 1 as id\n',
  'models/marts/finance/revenue_yaml.sql': 'select 1 as id\n',
  'models/marts/finance/revenue_inline.sql': '{{config materialized="ephemeral" tags="inline, shared"}}\nselect 1 as id\n',
  'models/marts/finance/revenue_custom.sql': '{{config schema="accounting"}}\nselect 1 as id\n',
  'models/marts/finance/schema.yml': `version: 2
models:
  - name: revenue_yaml
    description: Revenue, configured in YAML.
    tags: [top_level]
    meta: {pii: true}
    config:
      materialized: view
      tags: [yaml, shared]
      meta: {tier: 1}
  - name: revenue_inline
    config:
      materialized: view
      tags: yaml
`,
  'seeds/codes.csv': 'code,amount,day\n007,1.5,2024-01-01\n008,,2024-01-02\n',
};

function model(parsed: ParsedProject, name: string): ModelNode {
  const node = parsed.manifest.nodes[`model.shop.${name}`];
  expect(node?.kind).toBe('model');
  return node as ModelNode;
}

describe('config precedence through parseProject', () => {
  let parsed: ParsedProject;
  beforeAll(() => {
    parsed = parseFixture(writeProject(PRECEDENCE_FILES));
  });

  it('uses the project-level folder default where nothing more specific is set', () => {
    expect(model(parsed, 'stg_orders').config.materialized).toBe('view');
  });

  it('lets a deeper folder +materialized override the project level', () => {
    expect(model(parsed, 'revenue').config.materialized).toBe('table');
  });

  it('lets YAML config: override the folder', () => {
    expect(model(parsed, 'revenue_yaml').config.materialized).toBe('view');
  });

  it('lets {{config}} in SQL override YAML config: and the folder', () => {
    expect(model(parsed, 'revenue_inline').config.materialized).toBe('ephemeral');
  });

  it('accumulates tags from every folder level, YAML config:, YAML tags: and {{config}}', () => {
    expect(model(parsed, 'stg_orders').tags).toEqual(['project']);
    expect(model(parsed, 'revenue').tags).toEqual(['project', 'marts', 'finance']);
    expect(model(parsed, 'revenue_yaml').tags).toEqual(['project', 'marts', 'finance', 'yaml', 'shared', 'top_level']);
    expect(model(parsed, 'revenue_inline').tags).toEqual(['project', 'marts', 'finance', 'yaml', 'inline', 'shared']);
    expect(model(parsed, 'revenue_inline').config.tags).toEqual(model(parsed, 'revenue_inline').tags);
  });

  it('merges meta from folders, YAML config: and YAML meta:', () => {
    expect(model(parsed, 'revenue').meta).toEqual({ owner: 'data', tier: 3 });
    expect(model(parsed, 'revenue_yaml').meta).toEqual({ owner: 'data', tier: 1, pii: true });
  });

  it('attaches the YAML description and patch path', () => {
    expect(model(parsed, 'revenue_yaml').description).toBe('Revenue, configured in YAML.');
    expect(model(parsed, 'revenue_yaml').patchPath).toBe('models/marts/finance/schema.yml');
    expect(model(parsed, 'revenue').patchPath).toBeUndefined();
  });

  it('puts a folder +schema into <target>_<custom> by default, and {{config schema}} overrides it', () => {
    expect(model(parsed, 'revenue').config.schema).toBe('finance');
    expect(model(parsed, 'revenue').relation).toEqual({ database: undefined, schema: 'main_finance', identifier: 'revenue' });
    expect(model(parsed, 'revenue').relationName).toBe('"main_finance"."revenue"');
    expect(model(parsed, 'revenue_custom').relationName).toBe('"main_accounting"."revenue_custom"');
    expect(model(parsed, 'stg_orders').relationName).toBe('"main"."stg_orders"');
  });

  it('gives seeds folder config, inferred engine types and overrides from +column_types', () => {
    const seed = parsed.manifest.nodes['seed.shop.codes'] as SeedNode;
    expect(seed.kind).toBe('seed');
    expect(seed.config.materialized).toBe('seed');
    expect(seed.rowCount).toBe(2);
    expect(seed.seedColumns).toEqual([
      { name: 'code', type: 'varchar' },
      { name: 'amount', type: 'DOUBLE' },
      { name: 'day', type: 'DATE' },
    ]);
    expect(seed.relationName).toBe('"main"."codes"');
  });
});

describe('schema_strategy and relation names', () => {
  it('uses the custom schema as is with schema_strategy: exact', () => {
    const parsed = parseFixture(
      writeProject({
        'dpf_project.yml': 'name: shop\nschema_strategy: exact\nmodels:\n  shop:\n    finance:\n      +schema: finance\n',
        'models/finance/revenue.sql': 'select 1\n',
        'models/plain.sql': 'select 1\n',
      }),
    );
    expect(model(parsed, 'revenue').relation.schema).toBe('finance');
    expect(model(parsed, 'revenue').relationName).toBe('"finance"."revenue"');
    expect(model(parsed, 'plain').relationName).toBe('"main"."plain"');
  });

  it('uses an alias as the identifier but keeps the model name', () => {
    const parsed = parseFixture(
      writeProject({
        'models/order_items.sql': '{{config alias="Order Items"}}\nselect 1\n',
        'models/orders.sql': 'select 1\n',
        'models/schema.yml': 'models:\n  - name: orders\n    config: {alias: orders_v2}\n',
      }),
    );
    const items = model(parsed, 'order_items');
    expect(items.name).toBe('order_items');
    expect(items.config.alias).toBe('Order Items');
    expect(items.relation.identifier).toBe('Order Items');
    expect(items.relationName).toBe('"main"."Order Items"');
    expect(model(parsed, 'orders').relationName).toBe('"main"."orders_v2"');
  });

  it('quotes reserved words and embedded double quotes in relation names', () => {
    const parsed = parseFixture(
      writeProject({
        'models/select.sql': 'select 1\n',
        'models/weird.sql': '{{config alias=\'say "hi"\'}}\nselect 1\n',
      }),
    );
    expect(model(parsed, 'select').relationName).toBe('"main"."select"');
    expect(model(parsed, 'weird').relationName).toBe('"main"."say ""hi"""');
  });

  it('rejects two models whose config resolves to the same relation', () => {
    // Both would build "main"."orders": one silently replaces the other in the warehouse.
    const dir = writeProject({
      'models/legacy_orders.sql': '{{config alias="orders"}}\nselect 1\n',
      'models/orders.sql': 'select 2\n',
    });
    const diagnostics = diagnosticsOf(() => parseFixture(dir));
    expect(diagnostics.some((d) => d.message.includes('orders') && d.message.includes('legacy_orders'))).toBe(true);
  });
});

describe('dependencies, disabled models and warnings', () => {
  it('resolves refs to unique ids, parent and child maps included', () => {
    const parsed = parseFixture(
      writeProject({
        'models/a.sql': 'select 1 as id\n',
        'models/b.sql': 'select * from {{ref "a"}} join {{ref "a"}} using (id)\n',
      }),
    );
    expect(model(parsed, 'b').dependsOn).toEqual(['model.shop.a']);
    expect(parsed.manifest.childMap['model.shop.a']).toEqual(['model.shop.b']);
    expect(parsed.manifest.parentMap['model.shop.b']).toEqual(['model.shop.a']);
  });

  it('records a ref made inside a macro (partial) as a dependency of the model that calls it', () => {
    // Rendering resolves the ref (b compiles to select * from "main"."a"), so the DAG must know b needs a.
    const parsed = parseFixture(
      writeProject({
        'macros/orders_relation.hbs': '{{ref "a"}}',
        'models/a.sql': 'select 1 as id\n',
        'models/b.sql': 'select * from {{> orders_relation}}\n',
      }),
    );
    expect(model(parsed, 'b').macros).toEqual(['macro.shop.orders_relation']);
    expect(model(parsed, 'b').dependsOn).toEqual(['model.shop.a']);
  });

  it('drops models disabled in config', () => {
    const parsed = parseFixture(
      writeProject({
        'models/a.sql': '{{config enabled=false}}\nselect 1\n',
        'models/b.sql': 'select 1\n',
      }),
    );
    expect(Object.keys(parsed.manifest.nodes)).toEqual(['model.shop.b']);
  });

  it('warns (DPF106) about a folder config path that matches nothing, at the line of its key', () => {
    const parsed = parseFixture(
      writeProject({
        'dpf_project.yml': 'name: shop\nmodels:\n  shop:\n    stagign:\n      +materialized: table\n',
        'models/staging/a.sql': 'select 1\n',
      }),
    );
    expect(parsed.warnings.map((w) => w.code)).toEqual(['DPF106']);
    expect(parsed.warnings[0]!.message).toContain('models.shop.stagign');
    // The misspelt folder key is on line 4; line 5 is its first config entry.
    expect(parsed.warnings[0]!.location).toMatchObject({ file: 'dpf_project.yml', line: 4 });
  });
});

describe('parse errors', () => {
  it('reports a ref to a missing model as DPF203 with a suggestion, file and line', () => {
    const dir = writeProject({
      'models/staging/stg_orders.sql': 'select 1 as id\n',
      'models/marts/fct_orders.sql': 'select *\nfrom {{ref "stg_ordrs"}}\n',
    });
    const [d, ...rest] = diagnosticsOf(() => parseFixture(dir));
    expect(rest).toEqual([]);
    expect(d!.code).toBe('DPF203');
    expect(d!.message).toContain('"stg_ordrs"');
    expect(d!.message).toContain('Did you mean "stg_orders"?');
    expect(d!.location).toEqual({ file: 'models/marts/fct_orders.sql', line: 2, column: 6 });
  });

  it('gives no suggestion when nothing is close', () => {
    const dir = writeProject({ 'models/a.sql': 'select * from {{ref "completely_different"}}\n' });
    const [d] = diagnosticsOf(() => parseFixture(dir));
    expect(d!.code).toBe('DPF203');
    expect(d!.message).not.toContain('Did you mean');
  });

  it('reports a missing source as DPF204 with a suggestion', () => {
    const dir = writeProject({
      'models/sources.yml': 'sources:\n  - name: shop\n    tables:\n      - name: orders\n',
      'models/a.sql': '-- reads raw orders\nselect * from {{source "shop" "ordrs"}}\n',
    });
    const [d] = diagnosticsOf(() => parseFixture(dir));
    expect(d!.code).toBe('DPF204');
    expect(d!.message).toContain('{{source "shop" "ordrs"}}');
    expect(d!.message).toContain('Did you mean "shop" "orders"?');
    expect(d!.location).toMatchObject({ file: 'models/a.sql', line: 2, column: 15 });
  });

  it('reports two models with the same name in different folders as DPF104, naming both files', () => {
    const dir = writeProject({
      'models/staging/orders.sql': 'select 1\n',
      'models/marts/orders.sql': 'select 2\n',
    });
    const diagnostics = diagnosticsOf(() => parseFixture(dir));
    expect(diagnostics).toHaveLength(1);
    const d = diagnostics[0]!;
    expect(d.code).toBe('DPF104');
    expect(d.message).toContain('"orders"');
    // Files load in path order (marts before staging), so the marts one is "the other one".
    expect(d.message).toContain('the other one is models/marts/orders.sql');
    expect(d.location?.file).toBe('models/staging/orders.sql');
  });

  it('reports a var with no default that is not defined as DPF206, with line and suggestion', () => {
    const dir = writeProject({
      'dpf_project.yml': 'name: shop\nvars:\n  start_date: "2024-01-01"\n',
      'models/a.sql': 'select 1\nwhere d > \'{{var "start_dat"}}\'\n',
    });
    const [d] = diagnosticsOf(() => parseFixture(dir));
    expect(d!.code).toBe('DPF206');
    expect(d!.message).toContain('"start_dat"');
    expect(d!.message).toContain('Did you mean "start_date"?');
    expect(d!.location).toMatchObject({ file: 'models/a.sql', line: 2 });
  });

  it('accepts a var that is defined, has a default, or comes from --vars', () => {
    const dir = writeProject({
      'dpf_project.yml': 'name: shop\nvars:\n  a: 1\n',
      'models/m.sql': 'select {{var "a"}}, {{var "b" "2"}}, {{var "c"}}\n',
    });
    expect(() => parseFixture(dir, { c: 3 })).not.toThrow();
    expect(diagnosticsOf(() => parseFixture(dir))[0]!.code).toBe('DPF206');
  });

  it('reports every problem at once', () => {
    const dir = writeProject({
      'models/a.sql': 'select * from {{ref "nope"}}\n',
      'models/b.sql': 'select * from {{source "x" "y"}}\n',
      'models/c.sql': 'select {{var "v"}}\n',
    });
    expect(diagnosticsOf(() => parseFixture(dir)).map((d) => d.code)).toEqual(['DPF203', 'DPF204', 'DPF206']);
  });

  it('reports a YAML entry for a model that does not exist as DPF105', () => {
    const dir = writeProject({
      'models/orders.sql': 'select 1\n',
      'models/schema.yml': 'models:\n  - name: orders\n  - name: ordres\n',
    });
    const [d] = diagnosticsOf(() => parseFixture(dir));
    expect(d!.code).toBe('DPF105');
    expect(d!.message).toContain('Did you mean "orders"?');
    expect(d!.location).toMatchObject({ file: 'models/schema.yml', line: 3 });
  });

  it('reports an unknown {{config}} key as DPF102 and a bad value as DPF107', () => {
    const dir = writeProject({
      'models/a.sql': '{{config materialised="table"}}\nselect 1\n',
      'models/b.sql': '{{config materialized="tabel"}}\nselect 1\n',
    });
    const diagnostics = diagnosticsOf(() => parseFixture(dir));
    expect(diagnostics.map((d) => d.code)).toEqual(['DPF102', 'DPF107']);
    expect(diagnostics[0]!.message).toContain('Did you mean "materialized"?');
    expect(diagnostics[0]!.location).toMatchObject({ file: 'models/a.sql', line: 1 });
  });
});
