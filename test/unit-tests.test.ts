/**
 * Unit tests on a real DuckDB file: a model's logic checked on fixture rows (dict, inline CSV,
 * CSV file, SQL), never reading or writing the real tables; a +/- diff on failure; a failing
 * unit test skips its model in `dpf build`; and bad fixtures are clear errors naming file:line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dpf, makeProject, type DpfRun } from './helpers/run-dpf.js';
import { queryDuckDB, relationsIn } from './helpers/query-duckdb.js';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function lineOf(run: DpfRun, name: string): string | undefined {
  return run.stdout.split('\n').find((l) => new RegExp(`^\\s*\\d+ of \\d+ \\S+ +\\S+ +${esc(name)} \\.{3,} \\[`).test(l));
}

function expectLine(run: DpfRun, name: string, status: 'PASS' | 'FAIL' | 'SKIP' | 'ERROR' | 'OK'): string {
  const line = lineOf(run, name);
  expect(line, `no progress line for ${name} in:\n${run.output}`).toBeDefined();
  expect(line).toMatch(new RegExp(` ${status} +(unit|test|table|view) +${esc(name)} `));
  return line!;
}

/** The lines printed under a node's progress line (its details), up to the next node. */
function detailsOf(run: DpfRun, name: string): string {
  const lines = run.stdout.split('\n');
  const at = lines.findIndex((l) => l === lineOf(run, name));
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (/^\s*\d+ of \d+ /.test(l) || l === '') break;
    out.push(l);
  }
  return out.join('\n');
}

/** A shop: real tables with real data, and a model whose logic the unit tests check. */
const models = {
  'models/raw_orders.sql': `{{config materialized="table"}}
select * from (values
    (100, 1, 500.00, 'completed'),
    (101, 2, 20.00, 'cancelled'),
    (102, 3, 75.00, 'completed')
) as t(order_id, customer_id, amount, status)
`,
  'models/customers.sql': `{{config materialized="table"}}
select * from (values (1, 'Ada', 'UK'), (2, 'Bob', 'US'), (3, 'Cy', 'DE')) as t(customer_id, name, country)
`,
  'models/customer_totals.sql': `{{config materialized="table"}}
select
    c.customer_id,
    c.name,
    count(o.order_id) as orders,
    coalesce(sum(o.amount), 0) as total,
    case when coalesce(sum(o.amount), 0) >= {{var "vip_threshold" 100}} then 'vip' else 'regular' end as tier
from {{ref "customers"}} as c
left join {{ref "raw_orders"}} as o
    on o.customer_id = c.customer_id and o.status <> 'cancelled'
group by c.customer_id, c.name
`,
  'models/vip_customers.sql': `select * from {{ref "customer_totals"}} where tier = 'vip'\n`,
  'tests/fixtures/two_customers.csv': 'customer_id,name\n1,Ada\n2,Bob\n',
};

const passing = `version: 2
unit_tests:
  - name: totals_from_dicts
    model: customer_totals
    description: cancelled orders do not count; 100 or more makes a vip
    given:
      - input: ref('customers')
        rows:
          - {customer_id: 1, name: Ada}
          - {customer_id: 2, name: Bob}
      - input: ref('raw_orders')
        rows:
          - {order_id: 1, customer_id: 1, amount: 60, status: completed}
          - {order_id: 2, customer_id: 1, amount: 50, status: completed}
          - {order_id: 3, customer_id: 2, amount: 500, status: cancelled}
    expect:
      rows:
        - {customer_id: 1, name: Ada, orders: 2, total: 110, tier: vip}
        - {customer_id: 2, name: Bob, orders: 0, total: 0, tier: regular}

  - name: totals_from_csv_file_sql_and_vars
    model: customer_totals
    overrides:
      vars: {vip_threshold: 10}
    given:
      - input: ref('customers')
        format: csv
        fixture: two_customers
      - input: ref('raw_orders')
        format: sql
        rows: "select 7 as order_id, 2 as customer_id, 12.5 as amount, 'completed' as status"
    expect:
      format: csv
      rows: |
        customer_id,name,orders,total,tier
        1,Ada,0,0,regular
        2,Bob,1,12.5,vip

  - name: totals_from_inline_csv
    model: customer_totals
    given:
      - input: ref('customers')
        format: csv
        rows: |
          customer_id,name
          3,Cy
      - input: ref('raw_orders')
        format: csv
        rows: |
          order_id,customer_id,amount,status
          9,3,99.99,completed
          10,3,0.01,completed
    expect:
      rows:
        - {customer_id: 3, orders: 2, total: 100, tier: vip}
`;

describe('unit tests that pass', () => {
  let dir: string;
  let db: string;

  beforeAll(() => {
    dir = makeProject({ ...models, 'models/unit_tests.yml': passing });
    db = join(dir, 'target/dev.duckdb');
  });

  it('run with `dpf test --select test_type:unit` on a fresh project, creating no relation at all', async () => {
    const run = await dpf(['test', '--project-dir', dir, '--select', 'test_type:unit'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/Found 4 models, 0 seeds, 0 sources, 0 data tests, 3 unit tests/);
    expect(run.stdout).toMatch(/Running 3 nodes/);
    expectLine(run, 'totals_from_dicts', 'PASS');
    expectLine(run, 'totals_from_csv_file_sql_and_vars', 'PASS');
    expectLine(run, 'totals_from_inline_csv', 'PASS');
    expect(run.stdout).toMatch(/Finished in \d+\.\d\ds: 3 ok, 0 errors, 0 skipped/);
    expect(await relationsIn(db)).toEqual([]);
  });

  it('run before their model in `dpf build`, and read none of the real data', async () => {
    const build = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(build.code, build.output).toBe(0);
    const index = (name: string) => Number(/^\s*(\d+) of/.exec(lineOf(build, name)!)![1]);
    for (const unit of ['totals_from_dicts', 'totals_from_csv_file_sql_and_vars', 'totals_from_inline_csv']) {
      expect(index(unit)).toBeLessThan(index('main.customer_totals'));
      // ...after the inputs, whose column types they use.
      expect(index(unit)).toBeGreaterThan(index('main.raw_orders'));
    }
    // The real tables hold other data than the fixtures: customer 1 is a vip with 500.00.
    const real = await queryDuckDB(db, 'select customer_id, orders::int as orders, total::double as total, tier from main.customer_totals order by 1');
    expect(real).toEqual([
      { customer_id: 1, orders: 1, total: 500, tier: 'vip' },
      { customer_id: 2, orders: 0, total: 0, tier: 'regular' },
      { customer_id: 3, orders: 1, total: 75, tier: 'regular' },
    ]);
  });

  it('pass again against the built warehouse, leaving its tables as they were', async () => {
    const before = await relationsIn(db);
    const rowsBefore = await queryDuckDB(db, 'select * from main.raw_orders order by order_id');
    const run = await dpf(['test', '--project-dir', dir, '--select', 'test_type:unit'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(await relationsIn(db)).toEqual(before);
    expect(await queryDuckDB(db, 'select * from main.raw_orders order by order_id')).toEqual(rowsBefore);
    // What ran: the model's SQL over fixture CTEs, never the real relations.
    const executed = readFileSync(join(dir, 'target/run/proj/models/unit_tests/totals_from_dicts.sql'), 'utf8');
    expect(executed).toContain('__dpf_fixture_');
    expect(executed).not.toMatch(/from "main"\."raw_orders"\s+as o/);
    expect(executed).not.toMatch(/join "main"\."raw_orders"/);
  });

  it('are selected with their model, and only with it', async () => {
    const byModel = await dpf(['test', '--project-dir', dir, '--select', 'customer_totals'], { cwd: dir });
    expect(byModel.code, byModel.output).toBe(0);
    expect(byModel.stdout).toMatch(/Running 3 nodes/);
    const other = await dpf(['test', '--project-dir', dir, '--select', 'vip_customers'], { cwd: dir });
    expect(other.stdout).toMatch(/Nothing to do/);
    const generic = await dpf(['test', '--project-dir', dir, '--select', 'test_type:generic'], { cwd: dir });
    expect(generic.stdout).toMatch(/Nothing to do/);
  });
});

describe('unit tests on sources, ephemeral models and is_incremental', () => {
  it('replace a source that does not exist, an ephemeral input, and honour is_incremental', async () => {
    const dir = makeProject({
      'models/sources.yml': 'sources:\n  - name: shop\n    tables:\n      - name: payments\n',
      'models/ok_payments.sql': `{{config materialized="ephemeral"}}
select * from {{source "shop" "payments"}} where status = 'ok'
`,
      'models/paid.sql': `select order_id, sum(amount) as paid
from {{ref "ok_payments"}}
{{#if (is_incremental)}}where order_id > 1{{/if}}
group by order_id
`,
      'models/unit.yml': `unit_tests:
  - name: ok_payments_filters
    model: ok_payments
    given:
      - input: source('shop', 'payments')
        rows:
          - {order_id: 1, amount: 5, status: ok}
          - {order_id: 1, amount: 100, status: declined}
    expect:
      rows: [{order_id: 1, amount: 5}]
  - name: paid_sums
    model: paid
    given:
      - input: ref('ok_payments')
        rows: [{order_id: 1, amount: 5}, {order_id: 1, amount: 7}, {order_id: 2, amount: 1}]
    expect:
      rows: [{order_id: 1, paid: 12}, {order_id: 2, paid: 1}]
  - name: paid_incremental
    model: paid
    overrides:
      macros: {is_incremental: true}
    given:
      - input: ref('ok_payments')
        rows: [{order_id: 1, amount: 5}, {order_id: 2, amount: 1}]
    expect:
      rows: [{order_id: 2, paid: 1}]
`,
    });
    const run = await dpf(['test', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expectLine(run, 'ok_payments_filters', 'PASS');
    expectLine(run, 'paid_sums', 'PASS');
    expectLine(run, 'paid_incremental', 'PASS');
    expect(await relationsIn(join(dir, 'target/dev.duckdb'))).toEqual([]);
  });
});

describe('unit tests that fail', () => {
  const failing = `unit_tests:
  - name: totals_wrong_tier
    model: customer_totals
    given:
      - input: ref('customers')
        rows: [{customer_id: 1, name: Ada}, {customer_id: 2, name: Bob}]
      - input: ref('raw_orders')
        rows:
          - {order_id: 1, customer_id: 1, amount: 60, status: completed}
          - {order_id: 2, customer_id: 2, amount: 150, status: completed}
    expect:
      rows:
        - {customer_id: 1, orders: 1, total: 60, tier: vip}
        - {customer_id: 2, orders: 1, total: 150, tier: vip}
`;

  it('show a +/- diff of expected and actual rows, and exit 1', async () => {
    const dir = makeProject({ ...models, 'models/unit_tests.yml': failing });
    const run = await dpf(['test', '--project-dir', dir, '--select', 'test_type:unit'], { cwd: dir });
    expect(run.code, run.output).toBe(1);
    expect(expectLine(run, 'totals_wrong_tier', 'FAIL')).toMatch(/\[FAIL 2 in \d+\.\d\ds\]$/);
    const details = detailsOf(run, 'totals_wrong_tier');
    expect(details).toContain('1 expected row(s) missing, 1 unexpected row(s) (unit test at models/unit_tests.yml:2)');
    expect(details).toMatch(/^\s+customer_id \| orders \| total \| tier$/m);
    expect(details).toMatch(/^\s+- 1 \| 1 \| 60(\.00)? \| vip$/m);
    expect(details).toMatch(/^\s+\+ 1 \| 1 \| 60(\.00)? \| regular$/m);
    // The row that matches is not part of the diff.
    expect(details).not.toMatch(/\| 150/);
    expect(details).toContain('(- expected but not returned, + returned but not expected)');
    expect(run.stdout).toContain('  failed: totals_wrong_tier (2 differing rows)');
  });

  it('count duplicate rows: one expected row returned twice is a difference', async () => {
    const dir = makeProject({
      'models/a.sql': 'select 1 as x\n',
      'models/b.sql': 'select x from {{ref "a"}}\n',
      'models/unit.yml': "unit_tests:\n  - name: dupes\n    model: b\n    given:\n      - input: ref('a')\n        rows: [{x: 1}, {x: 1}]\n    expect:\n      rows: [{x: 1}]\n",
    });
    const run = await dpf(['test', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(1);
    expectLine(run, 'dupes', 'FAIL');
    const details = detailsOf(run, 'dupes');
    expect(details).toContain('0 expected row(s) missing, 1 unexpected row(s)');
    expect(details).toMatch(/^\s+\+ 1$/m);
  });

  it('gives typed NULLs for the columns a fixture does not name', async () => {
    const dir = makeProject({
      ...models,
      'models/unit_tests.yml': `unit_tests:
  - name: no_order_ids
    model: customer_totals
    given:
      - input: ref('customers')
        rows: [{customer_id: 1}]
      - input: ref('raw_orders')
        rows: [{customer_id: 1, amount: 10.5, status: completed}]
    expect:
      rows: [{customer_id: 1, name: null, orders: 0, total: 10.5, tier: regular}]
`,
    });
    const build = await dpf(['run', '--project-dir', dir, '--select', 'raw_orders', 'customers'], { cwd: dir });
    expect(build.code, build.output).toBe(0);
    const run = await dpf(['test', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expectLine(run, 'no_order_ids', 'PASS');
  });

  it('skip their model and everything downstream in `dpf build`, with the reason', async () => {
    const dir = makeProject({ ...models, 'models/unit_tests.yml': failing });
    const build = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(build.code, build.output).toBe(1);
    expectLine(build, 'main.raw_orders', 'OK');
    expectLine(build, 'main.customers', 'OK');
    expectLine(build, 'totals_wrong_tier', 'FAIL');
    expect(expectLine(build, 'main.customer_totals', 'SKIP')).toMatch(/\[upstream totals_wrong_tier failed\]$/);
    expect(expectLine(build, 'main.vip_customers', 'SKIP')).toMatch(/\[upstream totals_wrong_tier failed\]$/);
    expect(build.stdout).toMatch(/Finished in \d+\.\d\ds: 4 ok, 1 error, 3 skipped/); // two tables and their monitors; customer_totals, its monitor and vip_customers skipped
    const relations = await relationsIn(join(dir, 'target/dev.duckdb'));
    expect(relations).toEqual(['main.customers', 'main.raw_orders']);
  });
});

// ---------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------
function unitYaml(given: string, expectRows = '      rows: []\n'): string {
  return `unit_tests:
  - name: bad
    model: customer_totals
    given:
${given}    expect:
${expectRows}`;
}

const customersGiven = "      - input: ref('customers')\n        rows: [{customer_id: 1, name: Ada}]\n";

describe('bad unit tests', () => {
  const cases: { name: string; files: Record<string, string>; expect: (string | RegExp)[] }[] = [
    {
      name: 'an inline CSV fixture that does not parse',
      files: {
        'models/unit_tests.yml': unitYaml(`${customersGiven}      - input: ref('raw_orders')\n        format: csv\n        rows: |\n          order_id,amount\n          1,"3\n          2,4\n`),
      },
      expect: ['DPF215', 'models/unit_tests.yml:', /cannot be read/i],
    },
    {
      name: 'a fixture CSV file that does not parse',
      files: {
        'tests/fixtures/broken.csv': 'order_id,amount\n1,2\n3,4,5\n',
        'models/unit_tests.yml': unitYaml(`${customersGiven}      - input: ref('raw_orders')\n        format: csv\n        fixture: broken\n`),
      },
      expect: ['DPF215', 'tests/fixtures/broken.csv:3', /cannot be read/i],
    },
    {
      name: 'a fixture file that does not exist',
      files: { 'models/unit_tests.yml': unitYaml(`${customersGiven}      - input: ref('raw_orders')\n        format: csv\n        fixture: nowhere\n`) },
      expect: ['DPF215', 'models/unit_tests.yml:7', 'nowhere'],
    },
    {
      name: 'an input the model does not read',
      files: {
        'models/unit_tests.yml': unitYaml(`${customersGiven}      - input: ref('raw_orders')\n        rows: []\n      - input: ref('vip_customers')\n        rows: []\n`),
      },
      expect: ['DPF214', 'models/unit_tests.yml:9', "ref('vip_customers')", 'customer_totals does not read'],
    },
    {
      name: 'an input the model reads but the test does not give',
      files: { 'models/unit_tests.yml': unitYaml(customersGiven) },
      expect: ['DPF214', 'models/unit_tests.yml:5', "gives no rows for ref('raw_orders'), which customer_totals reads", 'rows: []'],
    },
    {
      name: 'a unit test on a model that does not exist',
      files: { 'models/unit_tests.yml': "unit_tests:\n  - name: bad\n    model: customer_total\n    given: []\n    expect:\n      rows: []\n" },
      expect: ['DPF214', 'models/unit_tests.yml:3', 'Did you mean "customer_totals"?'],
    },
  ];

  for (const c of cases) {
    it(`${c.name}: exit 2, naming the file and line`, async () => {
      const dir = makeProject({ ...models, ...c.files });
      const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
      expect(run.code, run.output).toBe(2);
      for (const e of c.expect) {
        if (typeof e === 'string') expect(run.stderr).toContain(e);
        else expect(run.stderr).toMatch(e);
      }
      expect(existsSync(join(dir, 'target/dev.duckdb'))).toBe(false);
    });
  }

  const typo = unitYaml(`${customersGiven}      - input: ref('raw_orders')\n        rows:\n          - {order_id: 1, customer_id: 1, amonut: 60, status: completed}\n`);

  it('a fixture column the input does not have: exit 1 at run time, naming the YAML file and line and the column', async () => {
    const dir = makeProject({ ...models, 'models/unit_tests.yml': typo });
    const build = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(build.code, build.output).toBe(1);
    expectLine(build, 'bad', 'ERROR');
    expect(build.stdout).toContain('models/unit_tests.yml:7');
    expect(build.stdout).toContain('the fixture for ref(\'raw_orders\') has the column "amonut", which ref(\'raw_orders\') does not have (did you mean "amount"?)');
    expect(build.stdout).toContain('  failed: bad (models/unit_tests.yml:7)');
    expect(expectLine(build, 'main.customer_totals', 'SKIP')).toMatch(/\[upstream bad failed\]$/);
  });

  it('...also before anything is built, when the input declares its columns with data_type', async () => {
    const dir = makeProject({
      ...models,
      'models/unit_tests.yml': typo,
      'models/raw.yml': `models:
  - name: raw_orders
    columns:
      - {name: order_id, data_type: integer}
      - {name: customer_id, data_type: integer}
      - {name: amount, data_type: "decimal(10, 2)"}
      - {name: status, data_type: varchar}
`,
    });
    const run = await dpf(['test', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(1);
    expect(run.stdout).toContain('models/unit_tests.yml:7');
    expect(run.stdout).toContain('has the column "amonut"');
    expect(await relationsIn(join(dir, 'target/dev.duckdb'))).toEqual([]);
  });

  it('expected rows with a column the model does not return: exit 1, naming the column', async () => {
    const dir = makeProject({
      ...models,
      'models/unit_tests.yml': unitYaml(`${customersGiven}      - input: ref('raw_orders')\n        rows: []\n`, '      rows: [{customer_id: 1, segment: vip}]\n'),
    });
    const built = await dpf(['run', '--project-dir', dir], { cwd: dir });
    expect(built.code, built.output).toBe(0);
    const run = await dpf(['test', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(1);
    expectLine(run, 'bad', 'ERROR');
    expect(run.stdout).toMatch(/expects the column "segment", which the model does not return/);
    expect(run.stdout).toContain('models/unit_tests.yml:2');
  });

  it('an empty fixture (rows: []) for an input that is not built yet: the message says why, not "fix the model\'s SQL"', async () => {
    // Nothing tells dpf the columns of raw_orders here: it is not built and its YAML has no
    // data_type. The error must point at that input (build it first, or declare data_type),
    // rather than print the engine's binder error and blame the model's SQL.
    const dir = makeProject({
      ...models,
      'models/unit_tests.yml': unitYaml(`${customersGiven}      - input: ref('raw_orders')\n        rows: []\n`),
    });
    const run = await dpf(['test', '--project-dir', dir, '--select', 'test_type:unit'], { cwd: dir });
    expect(run.code, run.output).toBe(1);
    expect(run.stdout).toContain('models/unit_tests.yml');
    expect(run.stdout).not.toContain("fix the model's SQL");
    expect(run.stdout).toMatch(/raw_orders.*(not built|does not exist|data_type)|(not built|does not exist|data_type).*raw_orders/);
  });
});
