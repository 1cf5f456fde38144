/**
 * Data tests on a real DuckDB file: every built-in generic test passing on clean data and
 * failing (with its failing-row count) on dirty data, custom generic and singular tests,
 * severity and thresholds, where/limit, store_failures, skip-downstream in `dpf build`,
 * --fail-fast, test selection, and bad input (exit 2 with file:line, or exit 1 at run time).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dpf, makeProject, type DpfRun } from './helpers/run-dpf.js';
import { queryDuckDB, relationsIn } from './helpers/query-duckdb.js';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The progress line of a node: `3 of 9 FAIL  test   name ..... [FAIL 2 in 0.01s]`. */
function lineOf(run: DpfRun, name: string): string | undefined {
  return run.stdout.split('\n').find((l) => new RegExp(`^\\s*\\d+ of \\d+ \\S+ +\\S+ +${esc(name)} \\.{3,} \\[`).test(l));
}

function expectLine(run: DpfRun, name: string, status: 'PASS' | 'FAIL' | 'WARN' | 'SKIP' | 'ERROR' | 'OK', count?: number): string {
  const line = lineOf(run, name);
  expect(line, `no progress line for ${name} in:\n${run.output}`).toBeDefined();
  expect(line).toMatch(new RegExp(` ${status} +(test|unit|table|view) +${esc(name)} `));
  if (count !== undefined) expect(line).toMatch(new RegExp(`\\[${status} ${count} in \\d+\\.\\d\\ds\\]$`));
  return line!;
}

/** Index (1-based "N of M") at which a node finished. */
function indexOf(run: DpfRun, name: string): number {
  const line = lineOf(run, name);
  expect(line, `no progress line for ${name}`).toBeDefined();
  return Number(/^\s*(\d+) of/.exec(line!)![1]);
}

const PROFILE_DB = 'target/dev.duckdb';

// ---------------------------------------------------------------------------------------------
// One project, the same tests, run on clean data (everything passes) and on dirty data (each
// test fails with a known number of failing rows). `--vars '{dirty: true}'` adds the bad rows.
// ---------------------------------------------------------------------------------------------
const DIRTY = `--vars`;
const dirtyVars = '{dirty: true}';

const builtinProject = () =>
  makeProject({
    'models/customers.sql': `{{config materialized="table"}}
select * from (values
    (1, 'ada@example.com', 'active'),
    (2, 'bob@example.com', 'active'),
    (3, 'cy@example.com', 'churned')
{{#if (var "dirty" false)}}
    , (3, 'dup@example.com', 'active')
    , (4, null, 'gone')
    , (5, 'eve@example.com', 'lost')
{{/if}}
) as t(customer_id, email, status)
`,
    'models/orders.sql': `{{config materialized="table"}}
select order_id, customer_id, cast(amount as decimal(10, 2)) as amount, order_date from (values
    (10, 1, 5.00, current_date),
    (11, 2, 7.50, current_date - 1),
    (12, 1, 0.00, current_date - 2)
{{#if (var "dirty" false)}}
    , (13, 98, -1.00, date '2020-01-01')
    , (14, 99, 2.00, date '2020-01-01')
    , (10, 1, 3.00, date '2020-01-01')
{{/if}}
) as t(order_id, customer_id, amount, order_date)
`,
    'models/events.sql': `{{config materialized="table"}}
select 1 as event_id, current_timestamp as happened_at
{{#if (var "dirty" false)}}where false{{/if}}
`,
    'models/dim_customers.sql': `{{config materialized="table"}}
select distinct customer_id from {{ref "customers"}}
`,
    'models/schema.yml': `version: 2
models:
  - name: customers
    columns:
      - name: customer_id
        data_tests:
          - not_null
          - unique
          - accepted_values:
              values: [1, 2, 3]
              quote: false
      - name: email
        data_tests:
          - not_null
          - unique:
              config:
                enabled: false
      - name: status
        data_tests:
          - accepted_values:
              values: [active, churned]
  - name: orders
    data_tests:
      - expression_is_true:
          expression: "customer_id < 50"
      - unique_combination_of_columns:
          combination_of_columns: [order_id, customer_id]
      - row_count:
          min: 1
          max: 5
    columns:
      - name: customer_id
        data_tests:
          - relationships:
              to: ref('customers')
              field: customer_id
      - name: amount
        data_tests:
          - expression_is_true:
              arguments:
                expression: ">= 0"
          - at_least:
              min_value: -0.5
  - name: events
    data_tests:
      - not_empty
      - recency:
          field: happened_at
          datepart: day
          interval: 3
  - name: dim_customers
    data_tests:
      - row_count:
          equal_to: ref('customers')
`,
    'tests/generic/at_least.sql': `-- rows below the minimum (a custom generic test with one argument)
select {{column_name}} as too_small
from {{model}}
where {{column_name}} < {{min_value}}
`,
    'tests/assert_order_ids_unique.sql': `-- a singular test: order ids used twice
select order_id, count(*) as n
from {{ref "orders"}}
group by order_id
having count(*) > 1
`,
  });

/** Test name -> failing rows on dirty data. */
const DIRTY_FAILURES: Record<string, number> = {
  not_null_customers_customer_id: 0,
  unique_customers_customer_id: 1,
  not_null_customers_email: 1,
  accepted_values_customers_status: 2,
  accepted_values_customers_customer_id: 2,
  relationships_orders_customer_id: 2,
  expression_is_true_orders: 2,
  expression_is_true_orders_amount: 1,
  unique_combination_of_columns_orders: 1,
  row_count_orders: 1,
  not_empty_events: 1,
  recency_events: 1,
  row_count_dim_customers: 1,
  at_least_orders_amount: 1,
  assert_order_ids_unique: 1,
};

describe('built-in, custom generic and singular tests on clean and dirty data', () => {
  let dir: string;
  let clean: DpfRun;
  let dirty: DpfRun;

  beforeAll(async () => {
    dir = builtinProject();
    clean = await dpf(['build', '--project-dir', dir], { cwd: dir });
    const run = await dpf(['run', '--project-dir', dir, DIRTY, dirtyVars], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    dirty = await dpf(['test', '--project-dir', dir, DIRTY, dirtyVars], { cwd: dir });
  });

  it('passes every test on clean data and exits 0', () => {
    expect(clean.code, clean.output).toBe(0);
    expect(clean.stdout).toMatch(/Found 4 models, 0 seeds, 0 sources, 15 data tests, 0 unit tests/);
    for (const name of Object.keys(DIRTY_FAILURES)) expectLine(clean, name, 'PASS');
    expect(clean.stdout).toMatch(/Finished in \d+\.\d\ds: 23 ok, 0 errors, 0 skipped/); // 4 tables, their monitors, 15 tests
    expect(clean.stdout).not.toMatch(/failing row/);
    // enabled: false removes a test.
    expect(lineOf(clean, 'unique_customers_email')).toBeUndefined();
  });

  it('fails each test on dirty data, with its failing-row count, and exits 1', () => {
    expect(dirty.code, dirty.output).toBe(1);
    expect(dirty.stderr).toBe('');
    for (const [name, failures] of Object.entries(DIRTY_FAILURES)) {
      if (failures === 0) expectLine(dirty, name, 'PASS');
      else expectLine(dirty, name, 'FAIL', failures);
    }
    const failed = Object.values(DIRTY_FAILURES).filter((n) => n > 0).length;
    expect(dirty.stdout).toMatch(new RegExp(`Finished in \\d+\\.\\d\\ds: 1 ok, ${failed} errors, 0 skipped`));
    expect(dirty.stdout).toContain('  failed: accepted_values_customers_status (2 failing rows)');
  });

  it('shows where a failing test is declared, its compiled SQL and the first failing rows', () => {
    const lines = dirty.stdout.split('\n');
    const at = lines.findIndex((l) => / FAIL +test +accepted_values_customers_status /.test(l));
    const details = lines.slice(at + 1, at + 7).join('\n');
    expect(details).toContain('2 failing rows (declared at models/schema.yml:20; compiled SQL: target/compiled/proj/models/schema/accepted_values_customers_status.sql)');
    expect(details).toMatch(/\| value_field \| n_records \|/);
    expect(details).toMatch(/\| gone +\| 1 +\|/);
    expect(details).toMatch(/\| lost +\| 1 +\|/);
    const relationships = lines.findIndex((l) => / FAIL +test +relationships_orders_customer_id /.test(l));
    const orphans = lines.slice(relationships + 1, relationships + 7).join('\n');
    expect(orphans).toMatch(/\| from_field \|/);
    expect(orphans).toMatch(/\| 98 +\|/);
    expect(orphans).toMatch(/\| 99 +\|/);
  });

  it('renders the custom generic test from tests/generic with its argument, and the singular test with its ref', async () => {
    const custom = readFileSync(join(dir, 'target/compiled/proj/models/schema/at_least_orders_amount.sql'), 'utf8');
    expect(custom).toMatch(/where "amount" < -0\.5/);
    expect(custom).toContain('from "main"."orders"');
    const unquoted = readFileSync(join(dir, 'target/compiled/proj/models/schema/accepted_values_customers_customer_id.sql'), 'utf8');
    expect(unquoted).toContain('not in (1, 2, 3)');
    const quoted = readFileSync(join(dir, 'target/compiled/proj/models/schema/accepted_values_customers_status.sql'), 'utf8');
    expect(quoted).toContain("not in ('active', 'churned')");
    const singular = readFileSync(join(dir, 'target/compiled/proj/tests/assert_order_ids_unique.sql'), 'utf8');
    expect(singular).toContain('from "main"."orders"');
  });

  it('runs the relationships test after both models it reads, in a build', () => {
    const test = indexOf(clean, 'relationships_orders_customer_id');
    expect(test).toBeGreaterThan(indexOf(clean, 'main.orders'));
    expect(test).toBeGreaterThan(indexOf(clean, 'main.customers'));
    const equalTo = indexOf(clean, 'row_count_dim_customers');
    expect(equalTo).toBeGreaterThan(indexOf(clean, 'main.dim_customers'));
  });

  it('selects tests by type, by test name, and through the model they test', async () => {
    const rebuild = await dpf(['run', '--project-dir', dir], { cwd: dir }); // clean data again
    expect(rebuild.code).toBe(0);
    const singular = await dpf(['test', '--project-dir', dir, '--select', 'test_type:singular'], { cwd: dir });
    expect(singular.code, singular.output).toBe(0);
    expect(singular.stdout).toMatch(/Running 1 node with/);
    expectLine(singular, 'assert_order_ids_unique', 'PASS');

    const generic = await dpf(['test', '--project-dir', dir, '--select', 'test_type:generic'], { cwd: dir });
    expect(generic.stdout).toMatch(/Running 14 nodes/);
    expect(lineOf(generic, 'assert_order_ids_unique')).toBeUndefined();
    expectLine(generic, 'at_least_orders_amount', 'PASS');

    const unit = await dpf(['test', '--project-dir', dir, '--select', 'test_type:unit'], { cwd: dir });
    expect(unit.code).toBe(0);
    expect(unit.stdout).toMatch(/Nothing to do/);

    const byName = await dpf(['test', '--project-dir', dir, '--select', 'test_name:not_null'], { cwd: dir });
    expect(byName.stdout).toMatch(/Running 2 nodes/);
    expectLine(byName, 'not_null_customers_customer_id', 'PASS');
    expectLine(byName, 'not_null_customers_email', 'PASS');

    // Selecting a model selects its tests (and those reading it with others), not other models' tests.
    const model = await dpf(['test', '--project-dir', dir, '--select', 'customers'], { cwd: dir });
    expect(model.code, model.output).toBe(0);
    for (const name of ['not_null_customers_customer_id', 'unique_customers_customer_id', 'accepted_values_customers_customer_id', 'not_null_customers_email', 'accepted_values_customers_status', 'relationships_orders_customer_id', 'row_count_dim_customers']) {
      expectLine(model, name, 'PASS');
    }
    expect(lineOf(model, 'unique_combination_of_columns_orders')).toBeUndefined();
    expect(lineOf(model, 'not_empty_events')).toBeUndefined();
    expect(model.stdout).toMatch(/Running 7 nodes/);
    // dpf test never builds models.
    expect(model.stdout).not.toMatch(/ OK +(table|view) /);
  });
});

// ---------------------------------------------------------------------------------------------
// Severity, thresholds, where, limit
// ---------------------------------------------------------------------------------------------
const fiveNulls = {
  'models/people.sql': `{{config materialized="table"}}
select * from (values
    (1, 'eu', 'a'), (2, 'eu', null), (3, 'eu', null), (4, 'us', null), (5, 'us', null), (6, 'us', null), (7, 'us', 'b')
) as t(id, region, nickname)
`,
  'models/people_report.sql': 'select count(*) as n from {{ref "people"}}\n',
  'models/people_report_2.sql': 'select * from {{ref "people_report"}}\n',
};

function nicknameTests(entries: string): Record<string, string> {
  return {
    ...fiveNulls,
    'models/schema.yml': `models:
  - name: people
    columns:
      - name: nickname
        data_tests:
${entries}`,
  };
}

describe('severity: warn reports and goes on, error fails and skips what is downstream', () => {
  it('warn: exit 0, a WARN line with the count, "1 warning", and the children still build', async () => {
    const dir = makeProject(nicknameTests('          - not_null:\n              config:\n                severity: warn\n'));
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expectLine(run, 'not_null_people_nickname', 'WARN', 5);
    expect(run.stdout).toMatch(/5 failing rows \(declared at models\/schema\.yml:6;/);
    expectLine(run, 'main.people_report', 'OK');
    expectLine(run, 'main.people_report_2', 'OK');
    expect(run.stdout).toMatch(/Finished in \d+\.\d\ds: 4 ok, 1 warning, 0 errors, 0 skipped/); // the table, its monitor, two views
    expect(await relationsIn(join(dir, PROFILE_DB))).toEqual(['main.people', 'main.people_report', 'main.people_report_2']);
  });

  it('error (the default): exit 1, a FAIL line, and every descendant skipped with the reason', async () => {
    const dir = makeProject({ ...nicknameTests('          - not_null\n'), 'models/other.sql': 'select 1 as x\n' });
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(1);
    expectLine(run, 'not_null_people_nickname', 'FAIL', 5);
    const skip1 = expectLine(run, 'main.people_report', 'SKIP');
    const skip2 = expectLine(run, 'main.people_report_2', 'SKIP');
    expect(skip1).toMatch(/\[upstream not_null_people_nickname failed\]$/);
    expect(skip2).toMatch(/\[upstream not_null_people_nickname failed\]$/);
    expectLine(run, 'main.other', 'OK'); // an independent branch goes on
    expect(run.stdout).toMatch(/Finished in \d+\.\d\ds: 3 ok, 1 error, 2 skipped/); // the table, its monitor, other
    expect(run.stdout).toContain('  failed: not_null_people_nickname (5 failing rows)');
    const relations = await relationsIn(join(dir, PROFILE_DB));
    expect(relations).toContain('main.people');
    expect(relations).not.toContain('main.people_report');
    const results = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8'));
    const skipped = results.results.find((r: { name: string }) => r.name === 'people_report');
    expect(skipped.status).toBe('skipped');
    expect(skipped.message).toContain('not_null_people_nickname');
  });

  it('a singular test with {{config severity="warn"}} warns instead of failing', async () => {
    const dir = makeProject({ ...fiveNulls, 'tests/no_missing_nicknames.sql': '{{config severity="warn"}}\nselect * from {{ref "people"}} where nickname is null\n' });
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expectLine(run, 'no_missing_nicknames', 'WARN', 5);
    expectLine(run, 'main.people_report', 'OK');
  });

  it('--fail-fast stops starting new nodes after the first failure', async () => {
    const files = {
      ...nicknameTests('          - not_null\n'),
      'models/z1.sql': 'select 1 as x\n',
      'models/z2.sql': 'select * from {{ref "z1"}}\n',
      'models/z3.sql': 'select * from {{ref "z2"}}\n',
    };
    const dir = makeProject(files);
    const without = await dpf(['build', '--project-dir', dir, '--threads', '1'], { cwd: dir });
    expect(without.code).toBe(1);
    expectLine(without, 'main.z3', 'OK');

    const other = makeProject(files);
    const fast = await dpf(['build', '--project-dir', other, '--threads', '1', '--fail-fast'], { cwd: other });
    expect(fast.code, fast.output).toBe(1);
    expectLine(fast, 'not_null_people_nickname', 'FAIL', 5);
    // z1 -> z2 -> z3 cannot all have run before the failing test: the run stopped.
    // With one thread, z1 -> z2 -> z3 cannot all have run before the failing test: z3 never starts.
    expect(lineOf(fast, 'main.z3')).toMatch(/ SKIP .*\[skipped\]$/);
    expect(await relationsIn(join(other, PROFILE_DB))).not.toContain('main.z3');
    const results = JSON.parse(readFileSync(join(other, 'target/run_results.json'), 'utf8'));
    expect(results.results.find((r: { name: string }) => r.name === 'z3').message).toContain('--fail-fast');
  });
});

describe('warn_if and error_if thresholds', () => {
  let run: DpfRun;
  beforeAll(async () => {
    const dir = makeProject(
      nicknameTests(`          - not_null:
              name: nickname_warn_between_3_and_10
              config:
                warn_if: ">3"
                error_if: ">10"
          - not_null:
              name: nickname_error_above_4
              config:
                error_if: ">4"
          - not_null:
              name: nickname_tolerates_5
              config:
                warn_if: ">5"
                error_if: ">5"
          - not_null:
              name: nickname_warn_only_above_5
              config:
                severity: warn
                warn_if: ">= 5"
`),
    );
    const build = await dpf(['run', '--project-dir', dir], { cwd: dir });
    expect(build.code, build.output).toBe(0);
    run = await dpf(['test', '--project-dir', dir], { cwd: dir });
  });

  it('judges the failing-row count against the thresholds', () => {
    expectLine(run, 'nickname_warn_between_3_and_10', 'WARN', 5);
    expectLine(run, 'nickname_error_above_4', 'FAIL', 5);
    expectLine(run, 'nickname_tolerates_5', 'PASS');
    expectLine(run, 'nickname_warn_only_above_5', 'WARN', 5);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/1 ok, 2 warnings, 1 error, 0 skipped/);
  });

  it('does not print "failing rows" under a test that passed within its threshold', () => {
    // A PASS line followed by "first 5 failing rows" contradicts itself; the rows belong to
    // WARN and FAIL only.
    const lines = run.stdout.split('\n');
    const at = lines.findIndex((l) => / PASS +test +nickname_tolerates_5 /.test(l));
    expect(at).toBeGreaterThan(-1);
    expect(lines[at + 1] ?? '').not.toMatch(/failing row|^\s+pass \(/);
  });
});

describe('where and limit', () => {
  it('where limits the rows tested; limit caps the failures counted', async () => {
    const dir = makeProject(
      nicknameTests(`          - not_null:
              name: nickname_in_eu
              config:
                where: "region = 'eu'"
          - not_null:
              name: nickname_limited
              config:
                limit: 2
          - not_null:
              name: nickname_in_us_limited
              config:
                where: "region = 'us'"
                limit: 10
`),
    );
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(1);
    expectLine(run, 'nickname_in_eu', 'FAIL', 2);
    expectLine(run, 'nickname_limited', 'FAIL', 2);
    expectLine(run, 'nickname_in_us_limited', 'FAIL', 3);
  });
});

describe('store_failures', () => {
  it('writes the failing rows to <schema>_dpf_audit.<test name>, replaced on each run', async () => {
    const dir = makeProject({
      'models/payments.sql': `{{config materialized="table"}}
select * from (values
    (1, 10.00), (2, -5.00), (3, -1.50), (4, {{#if (var "fixed" false)}}1.00{{else}}-2.00{{/if}})
) as t(id, amount)
{{#if (var "fixed" false)}}where id <> 2{{/if}}
`,
      'models/schema.yml': `models:
  - name: payments
    columns:
      - name: amount
        data_tests:
          - expression_is_true:
              name: payments_amount_not_negative
              expression: ">= 0"
              config:
                store_failures: true
          - not_null:
              config:
                store_failures: false
`,
    });
    const db = join(dir, PROFILE_DB);
    const first = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(first.code).toBe(1);
    expectLine(first, 'payments_amount_not_negative', 'FAIL', 3);
    const rows = await queryDuckDB(db, 'select id, cast(amount as double) as amount from main_dpf_audit.payments_amount_not_negative order by id');
    expect(rows).toEqual([
      { id: 2, amount: -5 },
      { id: 3, amount: -1.5 },
      { id: 4, amount: -2 },
    ]);
    // Only the test that asks for it stores its failures.
    expect((await relationsIn(db)).filter((r) => r.startsWith('main_dpf_audit.'))).toEqual(['main_dpf_audit.payments_amount_not_negative']);

    const second = await dpf(['build', '--project-dir', dir, '--vars', '{fixed: true}'], { cwd: dir });
    expectLine(second, 'payments_amount_not_negative', 'FAIL', 1);
    const replaced = await queryDuckDB(db, 'select id from main_dpf_audit.payments_amount_not_negative');
    expect(replaced).toEqual([{ id: 3 }]);
  });
});

// ---------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------
const oneModel = { 'models/orders.sql': 'select 1 as order_id, 2 as customer_id, \'placed\' as status\n' };

function columnTests(entries: string): Record<string, string> {
  return {
    ...oneModel,
    'models/orders.yml': `version: 2
models:
  - name: orders
    columns:
      - name: status
        data_tests:
${entries}`,
  };
}

interface BadCase {
  readonly name: string;
  readonly files: Record<string, string>;
  readonly code: number;
  readonly expect: (string | RegExp)[];
}

const badCases: BadCase[] = [
  {
    name: 'relationships to a model that does not exist',
    files: columnTests("          - relationships:\n              to: ref('nope')\n              field: id\n"),
    code: 2,
    expect: ['DPF203', 'models/orders.yml:7', "ref('nope') names no model"],
  },
  {
    name: 'a misspelt test argument',
    files: columnTests('          - accepted_values:\n              valuse: [placed, shipped]\n'),
    code: 2,
    expect: ['DPF211', 'models/orders.yml:7', 'unknown argument "valuse"', 'Did you mean "values"?'],
  },
  {
    name: 'an unknown generic test',
    files: columnTests('          - not_nul\n'),
    code: 2,
    expect: ['DPF210', 'models/orders.yml:7', 'No generic test named "not_nul"', 'Did you mean "not_null"?'],
  },
  {
    name: 'an error_if that is not a comparison',
    files: columnTests('          - not_null:\n              config:\n                error_if: "lots"\n'),
    code: 2,
    expect: ['DPF213', 'models/orders.yml:7', 'error_if must be a comparison with a number, got "lots"'],
  },
  {
    name: 'a severity that is neither error nor warn',
    files: columnTests('          - not_null:\n              config:\n                severity: fatal\n'),
    code: 2,
    expect: ['models/orders.yml:7', /severity/, /error or warn/],
  },
  {
    name: 'a test that needs a column declared on the model',
    files: { ...oneModel, 'models/orders.yml': 'models:\n  - name: orders\n    data_tests:\n      - not_null\n' },
    code: 2,
    expect: ['models/orders.yml:4', 'not_null'],
  },
];

describe('bad test declarations', () => {
  for (const c of badCases) {
    it(`${c.name}: exit ${c.code}, naming the file and line`, async () => {
      const dir = makeProject(c.files);
      const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
      expect(run.code, run.output).toBe(c.code);
      for (const e of c.expect) {
        if (typeof e === 'string') expect(run.stderr).toContain(e);
        else expect(run.stderr).toMatch(e);
      }
      // Nothing was built.
      expect(run.stdout).not.toMatch(/ OK /);
    });
  }

  it('a test on a column the model does not have fails at run time (exit 1), naming the YAML file and line', async () => {
    const dir = makeProject({
      ...oneModel,
      'models/other.sql': 'select * from {{ref "orders"}}\n',
      'models/orders.yml': 'version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: custmer_id\n        data_tests:\n          - not_null\n',
    });
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(1);
    expectLine(run, 'not_null_orders_custmer_id', 'ERROR');
    expect(run.stdout).toContain('models/orders.yml:7');
    expect(run.stdout).toMatch(/custmer_id/);
    expect(run.stdout).toContain('  failed: not_null_orders_custmer_id (models/orders.yml:7)');
    // An error in a test gates the children like a failure.
    expect(lineOf(run, 'main.other')).toMatch(/ SKIP .*\[upstream not_null_orders_custmer_id failed\]$/);
  });
});

// ---------------------------------------------------------------------------------------------
// Tests on filtered and ephemeral relations
// ---------------------------------------------------------------------------------------------
describe('tests on filtered and ephemeral relations', () => {
  const family = {
    'models/parents.sql': 'select * from (values (1), (2)) as t(id)\n',
    'models/kids.sql': "select * from (values (1, 1, 'x'), (2, 3, 'y'), (3, 4, 'x')) as t(id, parent_id, kind)\n",
    'models/kids_eph.sql': '{{config materialized="ephemeral"}}\nselect * from {{ref "kids"}}\n',
    'models/parents_eph.sql': '{{config materialized="ephemeral"}}\nselect * from {{ref "parents"}}\n',
  };

  it('a relationships test with a where config tests only the rows that match', async () => {
    const dir = makeProject({
      ...family,
      'models/schema.yml': `models:
  - name: kids
    columns:
      - name: parent_id
        data_tests:
          - relationships:
              name: x_kids_have_parents
              to: ref('parents')
              field: id
              config:
                where: "kind = 'x'"
`,
    });
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    // kids 1 (parent 1) and 3 (parent 4, an orphan) are of kind x; kid 2's orphan is filtered out.
    expectLine(run, 'x_kids_have_parents', 'FAIL', 1);
  });

  it('generic tests on an ephemeral model, and a relationships test pointing to one', async () => {
    const dir = makeProject({
      ...family,
      'models/schema.yml': `models:
  - name: kids_eph
    columns:
      - name: id
        data_tests:
          - unique
      - name: parent_id
        data_tests:
          - relationships:
              to: ref('parents')
              field: id
  - name: kids
    columns:
      - name: parent_id
        data_tests:
          - relationships:
              to: ref('parents_eph')
              field: id
`,
    });
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expectLine(run, 'unique_kids_eph_id', 'PASS');
    expectLine(run, 'relationships_kids_eph_parent_id', 'FAIL', 2);
    expectLine(run, 'relationships_kids_parent_id', 'FAIL', 2);
  });

  it('a singular test reading an ephemeral model', async () => {
    const dir = makeProject({ ...family, 'tests/orphan_kids.sql': 'select * from {{ref "kids_eph"}} where parent_id > 2\n' });
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expectLine(run, 'orphan_kids', 'FAIL', 2);
  });

  it('the hint for a test on a missing column points at the test, not at "the model\'s SQL"', async () => {
    const dir = makeProject({
      ...oneModel,
      'models/orders.yml': 'version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: custmer_id\n        data_tests:\n          - not_null\n',
    });
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('models/orders.yml:7');
    expect(run.stdout).not.toContain("fix the model's SQL");
  });
});

describe('custom generic test arguments', () => {
  it('requires the arguments its template reads outside blocks, and allows those inside', async () => {
    const { makeProject: make, dpf: run } = await import('./helpers/run-dpf.js');
    const dir = make({
      'models/m.sql': 'select 5 as v\n',
      'tests/generic/at_least.sql':
        'select * from {{model}} where {{column_name}} < {{min_value}}{{#if max_value}} or {{column_name}} > {{max_value}}{{/if}}\n',
      'models/m.yml': 'models:\n  - name: m\n    columns:\n      - name: v\n        data_tests:\n          - at_least: {max_value: 3}\n',
    });
    const missing = await run(['test', '--project-dir', dir], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing the argument "min_value"');
    expect(missing.stderr).toContain('models/m.yml:6');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir}/models/m.yml`, 'models:\n  - name: m\n    columns:\n      - name: v\n        data_tests:\n          - at_least: {min_value: 1}\n');
    const ok = await run(['build', '--project-dir', dir], { cwd: dir });
    expect(ok.code, ok.output).toBe(0);
    expect(ok.stdout).toMatch(/PASS +test +at_least_m_v/);
  });
});
