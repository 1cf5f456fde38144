/**
 * TypeScript models (models/<name>.ts, docs/typescript-models.md), end to end on real DuckDB
 * files: a transform reading a seed and a SQL model lands a table a SQL model reads; it is
 * reused while its file and inputs are unchanged and rebuilt when its file changes; lineage,
 * data tests and unit tests cover it as they cover SQL models; a transform that throws keeps
 * the old table and skips its children; a broken file and an unknown ref fail the compile with
 * file:line.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';
import { schemaValidator } from '../src/compiler/schema-validators.js';

const ENRICH = `import { defineTransform } from 'dpf';
import { domainOf } from '../lib/domain';

export default defineTransform({
  description: 'Orders with the domain of their customer e-mail',
  refs: ['stg_orders', 'customers'],
  columns: [
    { name: 'order_id', type: 'integer' },
    { name: 'domain', type: 'text' },
    { name: 'amount', type: 'double' },
  ],
  async *transform(inputs) {
    const emails = new Map<number, string>();
    for await (const batch of inputs.customers) for (const c of batch) emails.set(Number(c.customer_id), String(c.email));
    for await (const batch of inputs.stg_orders) {
      yield batch.map((o) => ({ order_id: Number(o.order_id), domain: domainOf(emails.get(Number(o.customer_id)) ?? ''), amount: Number(o.amount) }));
    }
  },
});
`;

const files = (enrich = ENRICH): Record<string, string> => ({
  'seeds/customers.csv': 'customer_id,email\n1,ann@acme.com\n2,bob@example.org\n',
  'seeds/orders.csv': 'order_id,customer_id,amount\n10,1,5.5\n11,2,7\n12,1,1.25\n',
  'models/stg_orders.sql': 'select order_id, customer_id, amount from {{ref "orders"}}\n',
  'lib/domain.ts': "export const domainOf = (email: string): string => email.split('@')[1] ?? '';\n",
  'models/enrich.ts': enrich,
  'models/by_domain.sql': '{{config materialized="table"}}\nselect domain, count(*) as orders, sum(amount) as amount from {{ref "enrich"}} group by domain\n',
  'models/schema.yml': `models:
  - name: enrich
    description: Orders and domains
    columns:
      - name: order_id
        description: The order
        data_tests: [unique, not_null]
      - name: domain
        data_tests:
          - accepted_values: {values: [acme.com, example.org]}
unit_tests:
  - name: domains_of_orders
    model: enrich
    given:
      - input: ref('stg_orders')
        rows:
          - {order_id: 1, customer_id: 7, amount: 2.5}
      - input: ref('customers')
        rows:
          - {customer_id: 7, email: zed@zed.io}
    expect:
      rows:
        - {order_id: 1, domain: zed.io, amount: 2.5}
`,
});

const db = (dir: string) => join(dir, 'target/dev.duckdb');
const byDomain = async (dir: string) => (await queryDuckDB(db(dir), 'select domain, orders::int as orders, amount from main.by_domain order by domain')).map((r) => [r.domain, r.orders, Number(r.amount)]);
const statusOf = (dir: string) => {
  const results = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8')) as { results: { uniqueId: string; status: string; message?: string; reason?: string }[] };
  return Object.fromEntries(results.results.map((r) => [r.uniqueId, r]));
};

describe('a TypeScript model', () => {
  it('reads a seed and a SQL model, lands a table a SQL model reads, passes its data and unit tests, and is in the manifest with its lineage', async () => {
    const dir = makeProject(files(), 'name: proj\nmonitors: off\n');
    const build = await dpf(['build'], { cwd: dir });
    expect(build.code, build.output).toBe(0);
    expect(build.stdout).toMatch(/OK +ts +main\.enrich \.+ \[3 rows in/);
    expect(await queryDuckDB(db(dir), 'select order_id, domain, amount from main.enrich order by order_id')).toEqual([
      { order_id: 10, domain: 'acme.com', amount: 5.5 },
      { order_id: 11, domain: 'example.org', amount: 7 },
      { order_id: 12, domain: 'acme.com', amount: 1.25 },
    ]);
    expect(await queryDuckDB(db(dir), "select column_name, data_type from information_schema.columns where table_name = 'enrich' order by ordinal_position")).toEqual([
      { column_name: 'order_id', data_type: 'INTEGER' },
      { column_name: 'domain', data_type: 'VARCHAR' },
      { column_name: 'amount', data_type: 'DOUBLE' },
    ]);
    expect(await byDomain(dir)).toEqual([
      ['acme.com', 2, 6.75],
      ['example.org', 1, 7],
    ]);
    const status = statusOf(dir);
    expect(status['unit_test.proj.enrich.domains_of_orders']?.status).toBe('pass');
    expect(status['test.proj.unique_enrich_order_id']?.status).toBe('pass');
    expect(Object.values(status).filter((r) => r.uniqueId.startsWith('test.proj.') && r.uniqueId.includes('enrich')).map((r) => r.status)).toEqual(['pass', 'pass', 'pass']);

    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8'));
    expect(schemaValidator('manifest')(manifest), JSON.stringify(schemaValidator('manifest').errors)).toBe(true);
    const node = manifest.nodes['model.proj.enrich'];
    expect(node).toMatchObject({
      kind: 'model',
      language: 'typescript',
      originalFilePath: 'models/enrich.ts',
      description: 'Orders and domains',
      config: { materialized: 'table', timeout_seconds: 3600 },
      dependsOn: ['model.proj.stg_orders', 'seed.proj.customers'],
      transform: { columns: [{ name: 'order_id', type: 'integer' }, { name: 'domain', type: 'text' }, { name: 'amount', type: 'double' }], imports: [{ path: 'lib/domain.ts' }] },
    });
    expect(Object.keys(node.columns)).toEqual(['order_id', 'domain', 'amount']);
    expect(node.columns.order_id).toMatchObject({ description: 'The order', dataType: 'INTEGER' });
    expect(manifest.parentMap['model.proj.enrich']).toEqual(['model.proj.stg_orders', 'seed.proj.customers']);
    expect(manifest.childMap['model.proj.enrich']).toContain('model.proj.by_domain');
    expect(node.compiledCode).toContain('select "order_id", "domain", "amount" from "main"."enrich"');

    // dpf ls and dpf show treat it as a model.
    const ls = await dpf(['ls', '-s', 'enrich+', '--resource-type', 'model'], { cwd: dir });
    expect(ls.code, ls.output).toBe(0);
    expect(ls.stdout).toMatch(/model +enrich/);
    expect(ls.stdout).toMatch(/model +by_domain/);
    const show = await dpf(['show', '-s', 'enrich'], { cwd: dir });
    expect(show.code, show.output).toBe(0);
    expect(show.stdout).toContain('example.org');
    const compiled = await dpf(['compile', '-s', 'enrich'], { cwd: dir });
    expect(compiled.stdout).toContain('-- models/enrich.ts is a TypeScript model');
    // The catalog gives it its declared columns, depending on its inputs as a whole.
    const docs = await dpf(['docs', 'generate'], { cwd: dir });
    expect(docs.code, docs.output).toBe(0);
    const site = readdirSync(join(dir, 'target/site/data'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => readFileSync(join(e.parentPath, e.name), 'utf8')).join('\n');
    expect(site).toContain('models/enrich.ts is a TypeScript model: its columns depend on what it reads (2 inputs) as a whole');
  });

  it('is reused while its file and inputs are unchanged, and rebuilt when its file or a helper it imports changes', async () => {
    const dir = makeProject(files(), 'name: proj\nmonitors: off\n');
    expect((await dpf(['build'], { cwd: dir })).code).toBe(0);
    const again = await dpf(['build'], { cwd: dir });
    expect(again.code, again.output).toBe(0);
    expect(statusOf(dir)['model.proj.enrich']).toMatchObject({ status: 'reused' });

    writeFileSync(join(dir, 'models/enrich.ts'), ENRICH.replace("domainOf(emails.get(Number(o.customer_id)) ?? '')", "domainOf(emails.get(Number(o.customer_id)) ?? '').toUpperCase()"));
    // Its unit test now fails with the difference, and the model is not built.
    const failing = await dpf(['build'], { cwd: dir });
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/FAIL +unit +domains_of_orders/);
    expect(failing.stdout).toContain('1 expected row(s) missing, 1 unexpected row(s) (unit test at models/schema.yml:12)');
    expect(failing.stdout).toMatch(/- 1 \| zed\.io \| 2\.5\n\s+\+ 1 \| ZED\.IO \| 2\.5/);
    expect(statusOf(dir)['model.proj.enrich']).toMatchObject({ status: 'skipped' });
    const changed = await dpf(['run'], { cwd: dir });
    expect(changed.code, changed.output).toBe(0);
    expect(statusOf(dir)['model.proj.enrich']).toMatchObject({ status: 'success' });
    expect(await byDomain(dir)).toEqual([
      ['ACME.COM', 2, 6.75],
      ['EXAMPLE.ORG', 1, 7],
    ]);

    // The helper lives outside models/: the compile is checked against it too.
    writeFileSync(join(dir, 'lib/domain.ts'), "export const domainOf = (email: string): string => (email.split('@')[1] ?? '').split('.')[0]!;\n");
    const helper = await dpf(['run', '-s', 'enrich+'], { cwd: dir });
    expect(helper.code, helper.output).toBe(0);
    expect(statusOf(dir)['model.proj.enrich']).toMatchObject({ status: 'success' });
    expect((await byDomain(dir)).map((r) => r[0])).toEqual(['ACME', 'EXAMPLE']);
  });

  it('that throws, hangs past timeout_seconds or yields rows of the wrong shape keeps its last table and skips what reads it', async () => {
    const yml = files()['models/schema.yml']!.replace('    description: Orders and domains\n', '    description: Orders and domains\n    config: {timeout_seconds: 1}\n');
    const dir = makeProject({ ...files(), 'models/schema.yml': yml }, 'name: proj\nmonitors: off\n');
    const first = await dpf(['build'], { cwd: dir });
    expect(first.code, first.output).toBe(0);
    const before = await byDomain(dir);
    const cases: [string, string, RegExp][] = [
      ['throw', "for await (const batch of inputs.stg_orders) { if (batch.length > 0) throw new Error('the geocoder answered 503'); yield []; }", /DPF822 TypeScript model failed — models\/enrich\.ts:13\n[\s\S]*The TypeScript model "enrich" failed: the geocoder answered 503/],
      ['hang', 'await new Promise(() => undefined); yield [];', /DPF823 TypeScript model timed out — models\/enrich\.ts[\s\S]*The TypeScript model "enrich" did not finish in 1 s: it was stopped\./],
      ['shape', "yield [{ order_id: 1, colour: 'red' }];", /DPF824 [\s\S]*The TypeScript model "enrich" gave rows dpf cannot land: row 1 of batch 1 has the key "colour", which is no declared column \(order_id, domain, amount\)/],
      ['value', "yield [{ order_id: 'not a number' }];", /DPF609/],
    ];
    for (const [label, body, message] of cases) {
      writeFileSync(join(dir, 'models/enrich.ts'), ENRICH.replace(/async \*transform\(inputs\) \{[\s\S]*\n  \},\n/, `async *transform(inputs) {\n    ${body}\n  },\n`));
      const run = await dpf(['run'], { cwd: dir });
      expect(run.code, `${label}: ${run.output}`).toBe(1);
      expect(run.output, label).toMatch(message);
      expect(run.output, label).toContain('models/enrich.ts');
      expect(run.output, label).not.toMatch(/\n\s+at .*\(/);
      expect(run.stdout, label).toMatch(/SKIP +table +main\.by_domain/);
      expect(await byDomain(dir), label).toEqual(before);
      expect(await queryDuckDB(db(dir), 'select count(*)::int as n from main.enrich'), label).toEqual([{ n: 3 }]);
      expect(await queryDuckDB(db(dir), "select table_name from information_schema.tables where table_name like '%__dpf_%'"), label).toEqual([]);
    }
  });

  it('reads a source and an ephemeral model, named as it declares them, and is watched by its monitor', async () => {
    const dir = makeProject(
      {
        'seeds/raw_people.csv': 'id,name\n1,Ann\n2,Bob\n',
        'models/sources.yml': 'sources:\n  - name: raw\n    schema: main\n    tables:\n      - name: raw_people\n',
        'models/adults.sql': '{{config materialized="ephemeral"}}\nselect 1 as id union all select 2\n',
        'models/greetings.ts': `import { defineTransform } from 'dpf';
export default defineTransform({
  refs: [{ source: ['raw', 'raw_people'] }, 'adults', 'raw_people'],
  columns: [{ name: 'greeting', type: 'text' }],
  async *transform(inputs) {
    const adults = new Set<number>();
    for await (const batch of inputs.adults) for (const r of batch) adults.add(Number(r.id));
    for await (const batch of inputs['raw.raw_people']) yield batch.filter((r) => adults.has(Number(r.id))).map((r) => ['hello ' + String(r.name)]);
  },
});
`,
      },
      'name: proj\n',
    );
    const build = await dpf(['build'], { cwd: dir });
    expect(build.code, build.output).toBe(0);
    expect(build.stdout).toMatch(/PASS +mon +main\.greetings/);
    expect(await queryDuckDB(db(dir), 'select greeting from main.greetings order by 1')).toEqual([{ greeting: 'hello Ann' }, { greeting: 'hello Bob' }]);
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.nodes['model.proj.greetings'].dependsOn).toEqual(['model.proj.adults', 'seed.proj.raw_people', 'source.proj.raw.raw_people']);
  });

  it('fails the compile with file:line when its file does not load, is no transform, or names a ref that does not exist', async () => {
    const compile = async (enrich: string) => {
      const dir = makeProject(files(enrich), 'name: proj\nmonitors: off\n');
      const run = await dpf(['compile'], { cwd: dir });
      expect(run.code, run.output).toBe(2);
      expect(run.output).not.toMatch(/\n\s+at .*\(/);
      return run.output;
    };
    const broken = await compile(ENRICH.replace("refs: ['stg_orders', 'customers'],", "refs: ['stg_orders', 'customers'],\n  oops: = 1,"));
    expect(broken).toMatch(/DPF820 TypeScript model not loaded — models\/enrich\.ts:7\n[\s\S]*The TypeScript model "enrich" could not be loaded: ParseError/);
    expect(broken).not.toContain('DPF203');
        const notOne = await compile("export default { refs: [], columns: [] };\n");
    expect(notOne).toMatch(/DPF821 Not a TypeScript model — models\/enrich\.ts:1\n[\s\S]*The TypeScript model "enrich" cannot be used: its default export is not a TypeScript model/);
    const noColumns = await compile(ENRICH.replace(/columns: \[[\s\S]*?\n  \],/, 'columns: [],'));
    expect(noColumns).toMatch(/cannot be used: it declares no columns/);
    const unknownRef = await compile(ENRICH.replace("refs: ['stg_orders', 'customers'],", "refs: ['stg_ordres', 'customers'],"));
    expect(unknownRef).toMatch(/DPF203 Reference to a missing model — models\/enrich\.ts:6:10/);
    expect(unknownRef).toMatch(/The ref 'stg_ordres' names no model, seed or snapshot\. Did you mean "stg_orders"\?/i);
    const unknownSource = await compile(ENRICH.replace("refs: ['stg_orders', 'customers'],", "refs: ['stg_orders', 'customers', { source: ['raw', 'people'] }],"));
    expect(unknownSource).toMatch(/DPF204 Reference to a missing source — models\/enrich\.ts:6:37\n[\s\S]*The ref \{ source: \['raw', 'people'\] \} names no declared source table/);
  });

  it('is always a table: another materialized in its YAML config is an error at that key', async () => {
    const yml = files()['models/schema.yml']!.replace('    description: Orders and domains\n', '    description: Orders and domains\n    config:\n      materialized: view\n');
    const dir = makeProject({ ...files(), 'models/schema.yml': yml }, 'name: proj\nmonitors: off\n');
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/DPF821 [\s\S]*materialized: view, and a TypeScript model is always a table/);
    expect(run.output).toContain('models/schema.yml:5');
    expect(run.output).not.toContain('DPF203');
  });
});
