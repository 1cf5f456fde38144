/**
 * The demo project uses every kind of test, and `dpf build` on it passes: PASS lines for data
 * tests and unit tests, exactly one WARN (the test that fails by design), exit 0.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyDemoProject, dpf, TEMPLATE, tempDir, type DpfRun } from './helpers/run-dpf.js';
import { queryDuckDB, relationsIn } from './helpers/query-duckdb.js';

const DESIGNED_WARNING = 'warn_by_design_customers_without_orders';

const progressLines = (run: DpfRun) => run.stdout.split('\n').filter((l) => /^\s*\d+ of \d+ [A-Z]+ /.test(l));
const lineOf = (run: DpfRun, name: string) => progressLines(run).find((l) => new RegExp(` ${name} \\.{3,} \\[`).test(l));

interface ManifestTest {
  name: string;
  testType: 'generic' | 'singular';
  description: string;
  testMetadata?: { name: string };
  config: { severity: string; store_failures: boolean; warn_if: string; error_if: string; where?: string };
}

describe('the demo project tests', () => {
  let dir: string;
  let build: DpfRun;
  let tests: ManifestTest[];
  let unitTests: { name: string; given: { format: string }[]; expect: { format: string } }[];

  beforeAll(async () => {
    dir = copyDemoProject();
    build = await dpf(['build', '--project-dir', dir], { cwd: tempDir() });
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { kind: string }> };
    tests = Object.values(manifest.nodes).filter((n) => n.kind === 'test') as unknown as ManifestTest[];
    unitTests = Object.values(manifest.nodes).filter((n) => n.kind === 'unit_test') as unknown as typeof unitTests;
  });

  it('builds with exit 0: every test passes but the one designed warning', () => {
    expect(build.stderr).toBe('');
    expect(build.code, build.output).toBe(0);
    const lines = progressLines(build);
    const total = Number(/Running (\d+) nodes/.exec(build.stdout)![1]);
    expect(lines).toHaveLength(total);
    const warnings = lines.filter((l) => / WARN /.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`WARN +test +${DESIGNED_WARNING} \\.+ \\[WARN 20 in \\d+\\.\\d\\ds\\]$`));
    expect(lines.filter((l) => / (FAIL|ERROR|SKIP) /.test(l))).toEqual([]);
    const passes = lines.filter((l) => / PASS +(test|unit) /.test(l));
    expect(passes.length).toBe(tests.length + unitTests.length - 1);
    expect(build.stdout).toMatch(new RegExp(`Finished in \\d+\\.\\d\\ds: ${total - 1} ok, 1 warning, 0 errors, 0 skipped`));
  });

  it('shows what a warning looks like: the count, where it is declared, and the first failing rows', () => {
    const lines = build.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes(` ${DESIGNED_WARNING} `));
    const details = lines.slice(at + 1, at + 10).join('\n');
    expect(details).toMatch(/20 failing rows \(declared at models\/marts\/_marts\.yml:\d+; compiled SQL: target\/compiled\/shop\/models\/marts\/_marts\/warn_by_design_customers_without_orders\.sql\)/);
    expect(details).toContain('first 5 failing rows:');
    expect(details).toMatch(/\| customer_id \|/);
    expect(details).toMatch(/\| prospect +\|/);
  });

  it('has every kind of test: all built-in generic tests, a custom one, a singular one, unit tests', () => {
    const generic = new Set(tests.filter((t) => t.testType === 'generic').map((t) => t.testMetadata!.name));
    for (const builtin of ['not_null', 'unique', 'accepted_values', 'relationships', 'expression_is_true', 'unique_combination_of_columns', 'row_count', 'recency', 'not_empty']) {
      expect(generic, builtin).toContain(builtin);
    }
    expect(generic).toContain('value_between'); // tests/generic/value_between.sql
    expect(tests.filter((t) => t.testType === 'singular').map((t) => t.name)).toContain('assert_revenue_by_category_matches_fct_orders');
    const formats = new Set(unitTests.flatMap((u) => u.given.map((g) => g.format)));
    expect([...formats].sort()).toEqual(['csv', 'dict', 'sql']);
    expect(unitTests.length).toBeGreaterThanOrEqual(1);
    // Config in use: warn severity (once), thresholds, where, store_failures.
    expect(tests.filter((t) => t.config.severity === 'warn').map((t) => t.name)).toEqual([DESIGNED_WARNING]);
    expect(tests.some((t) => t.config.warn_if !== '!= 0' && t.config.error_if !== '!= 0')).toBe(true);
    expect(tests.some((t) => t.config.where)).toBe(true);
    expect(tests.some((t) => t.config.store_failures)).toBe(true);
  });

  it('says in the designed warning\'s description, and in the README, that it fails by design', () => {
    const warning = tests.find((t) => t.name === DESIGNED_WARNING)!;
    expect(warning.description).toMatch(/fails by design/i);
    const readme = readFileSync(join(TEMPLATE, 'README.md'), 'utf8');
    expect(readme).toContain(DESIGNED_WARNING);
    expect(readme).toContain('1 warning');
    for (const mentioned of ['value_between', 'assert_revenue_by_category_matches_fct_orders', 'store_failures', 'unit_tests:']) expect(readme).toContain(mentioned);
  });

  it('stores the designed warning\'s failing rows in main_dpf_audit', async () => {
    const db = join(dir, 'target/dev.duckdb');
    const rows = await queryDuckDB(db, `select customer_segment, count(*)::int as n from main_dpf_audit.${DESIGNED_WARNING} group by 1`);
    expect(rows).toEqual([{ customer_segment: 'prospect', n: 20 }]);
  });

  it('runs the unit tests before their models, and each model\'s data tests after it', () => {
    const index = (name: string) => Number(/^\s*(\d+) of/.exec(lineOf(build, name)!)![1]);
    expect(index('dim_customers_segments_and_cancelled_orders')).toBeLessThan(index('main\\.dim_customers'));
    expect(index('fct_orders_revenue_and_payments')).toBeLessThan(index('main\\.fct_orders'));
    expect(index('unique_fct_orders_order_id')).toBeGreaterThan(index('main\\.fct_orders'));
    // Reads fct_orders and dim_customers: runs after both.
    expect(index('relationships_fct_orders_customer_id')).toBeGreaterThan(index('main\\.dim_customers'));
    expect(index('assert_revenue_by_category_matches_fct_orders')).toBeGreaterThan(index('main_finance\\.revenue_by_category'));
  });

  it('runs its unit tests on a fresh copy without building or reading anything', async () => {
    const fresh = copyDemoProject();
    const run = await dpf(['test', '--project-dir', fresh, '--select', 'test_type:unit'], { cwd: fresh });
    expect(run.code, run.output).toBe(0);
    expect(progressLines(run).every((l) => / PASS +unit /.test(l))).toBe(true);
    expect(progressLines(run).length).toBe(unitTests.length);
    expect(await relationsIn(join(fresh, 'target/dev.duckdb'))).toEqual([]);
  });
});
