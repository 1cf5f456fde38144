/**
 * dbt's docs blocks: {% docs name %} in .md files beside the YAML, and {{ doc("name") }} in
 * descriptions, resolved at parse time so that the manifest and the site hold the text.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject } from './helpers/run-dpf.js';

const DOCS_MD = `# Shared descriptions

{% docs orders_status %}
One of **placed**, shipped or returned.
{% enddocs %}

{%- docs customer_id -%}
The customer's key.
{%- enddocs -%}
`;

const SCHEMA_YML = `version: 2
models:
  - name: orders
    description: '{{ doc("orders_status") }}'
    columns:
      - name: customer_id
        description: "Key: {{ doc('customer_id') }}"
      - name: status
        description: '{{doc "orders_status"}}'
seeds:
  - name: statuses
    description: '{{ doc("orders_status") }}'
    columns:
      - name: status
        description: '{{ doc("orders_status") }}'
sources:
  - name: shop
    description: '{{ doc("customer_id") }}'
    tables:
      - name: customers
        description: '{{ doc("customer_id") }}'
        columns:
          - name: id
            description: '{{ doc("customer_id") }}'
`;

function manifest(dir: string) {
  return JSON.parse(readFileSync(join(dir, 'target', 'manifest.json'), 'utf8'));
}

function siteText(dir: string): string {
  const root = join(dir, 'target', 'site');
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(js|json|html)$/.test(e.name))
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

describe('docs blocks', () => {
  it('resolve in the descriptions of models, columns, seeds and sources, in the manifest and the site', async () => {
    const dir = makeProject({
      'models/docs.md': DOCS_MD,
      'models/schema.yml': SCHEMA_YML,
      'models/orders.sql': "select 1 as customer_id, 'placed' as status\n",
      'seeds/statuses.csv': 'status\nplaced\n',
    });
    const run = await dpf(['docs', 'generate', '--empty-catalog'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const m = manifest(dir);
    const status = 'One of **placed**, shipped or returned.';
    const key = "The customer's key.";
    const orders = m.nodes['model.proj.orders'];
    expect(orders.description).toBe(status);
    expect(orders.columns.customer_id.description).toBe(`Key: ${key}`);
    expect(orders.columns.status.description).toBe(status);
    expect(m.nodes['seed.proj.statuses'].description).toBe(status);
    expect(m.nodes['seed.proj.statuses'].columns.status.description).toBe(status);
    const customers = m.nodes['source.proj.shop.customers'];
    expect(customers.description).toBe(key);
    expect(customers.sourceDescription).toBe(key);
    expect(customers.columns.id.description).toBe(key);
    expect(JSON.stringify(m)).not.toContain('doc(');
    const site = siteText(dir);
    expect(site).toContain('shipped or returned');
    expect(site).not.toContain('doc(\\"orders_status');
    expect(site).not.toContain("doc('customer_id')");
  });

  it('name an unknown block at its YAML line with the closest name', async () => {
    const dir = makeProject({
      'models/docs.md': DOCS_MD,
      'models/orders.sql': 'select 1 as id\n',
      'models/schema.yml': 'models:\n  - name: orders\n    columns:\n      - name: id\n        description: \'{{ doc("order_status") }}\'\n',
    });
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DPF115');
    expect(run.stderr).toContain('models/schema.yml:5:22');
    expect(run.stderr).toContain('{{ doc("order_status") }} names no docs block. Did you mean "orders_status"?');
  });

  it('report a block without its enddocs, and two blocks of one name, at their lines', async () => {
    const dir = makeProject({
      'models/a.md': '{% docs shared %}one{% enddocs %}\n\n{% docs open %}\nnever closed\n',
      'models/b.md': '\n{% docs shared %}two{% enddocs %}\n',
      'models/orders.sql': 'select 1 as id\n',
    });
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DPF116');
    expect(run.stderr).toContain('models/a.md:3:1');
    expect(run.stderr).toContain('{% docs open %} has no {% enddocs %} after it');
    expect(run.stderr).toContain('DPF104');
    expect(run.stderr).toContain('models/b.md:2:1');
    expect(run.stderr).toContain('Two docs blocks are named "shared"; the other one is at models/a.md:1');
  });

  it('are read again when only the .md file changes (partial parsing)', async () => {
    const dir = makeProject({
      'models/docs.md': '{% docs d %}first{% enddocs %}\n',
      'models/orders.sql': 'select 1 as id\n',
      'models/schema.yml': 'models:\n  - name: orders\n    description: \'{{ doc("d") }}\'\n',
    });
    expect((await dpf(['compile'], { cwd: dir })).code).toBe(0);
    expect(manifest(dir).nodes['model.proj.orders'].description).toBe('first');
    writeFileSync(join(dir, 'models/docs.md'), '{% docs d %}second{% enddocs %}\n');
    expect((await dpf(['compile'], { cwd: dir })).code).toBe(0);
    expect(manifest(dir).nodes['model.proj.orders'].description).toBe('second');
  });
});
