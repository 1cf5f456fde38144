/** dpf ci end to end across two targets (prod and ci) of one DuckDB warehouse. */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject, tempDir } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const PROFILES = 'proj:\n  target: prod\n  outputs:\n    prod: { type: duckdb, path: target/wh.duckdb, schema: prod }\n    ci: { type: duckdb, path: target/wh.duckdb, schema: ci }\n';

describe('dpf ci', () => {
  it('builds and tests only what changed, against production data, summarizes it, and drops its schema', async () => {
    const dir = makeProject({
      'models/orders.sql': '{{config materialized="table"}}\nselect range as id from range(10)\n',
      'models/big_orders.sql': '{{config materialized="table"}}\nselect id from {{ref "orders"}} where id >= 5\n',
      'models/other.sql': '{{config materialized="table"}}\nselect 1 as x\n',
      'models/schema.yml': 'models:\n  - name: big_orders\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
    });
    writeFileSync(join(dir, 'profiles.yml'), PROFILES);
    expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    const prod = tempDir();
    cpSync(join(dir, 'target/manifest.json'), join(prod, 'manifest.json'));

    writeFileSync(join(dir, 'models/big_orders.sql'), '{{config materialized="table"}}\nselect id from {{ref "orders"}} where id >= 7\n');
    const ci = await dpf(['ci', '--project-dir', dir, '--state', prod, '--target', 'ci', '--branch', 'feature/Smaller-Orders'], { cwd: dir });
    expect(ci.code, ci.output).toBe(0);
    expect(ci.stdout).toContain('schema ci_feature_smaller_orders');
    expect(ci.stdout).toContain('Deferring 1 unselected node missing here');
    expect(ci.stdout).toMatch(/OK +table +ci_feature_smaller_orders\.big_orders/);
    expect(ci.stdout).not.toMatch(/main\.other|\.other /);
    const summary = readFileSync(join(dir, 'target/ci-summary.md'), 'utf8');
    expect(summary).toContain('`big_orders` (model): body');
    expect(summary).toContain('| `big_orders` | 3 | 5 | -2 |');
    expect(summary).toMatch(/`not_null_big_orders_id` \| test \| pass/);
    expect(ci.stdout).toContain(summary.trim().split('\n')[0]!);
    const schemas = await queryDuckDB(join(dir, 'target/wh.duckdb'), "select schema_name from information_schema.schemata where schema_name like 'ci%'");
    expect(schemas).toEqual([]);
    expect(existsSync(join(dir, 'target/ci-summary.md'))).toBe(true);
  });

  it('what dpf ci built in its own schema does not count as built in the target it ran as', async () => {
    const dir = makeProject({ 'seeds/codes.csv': 'code\nold\n' });
    // One target, two schemas: ci runs as target dev too, in a schema of its own.
    writeFileSync(join(dir, 'profiles.yml'), 'proj:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/wh.duckdb, schema: main }\n');
    expect((await dpf(['seed', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    const prod = tempDir();
    cpSync(join(dir, 'target/manifest.json'), join(prod, 'manifest.json'));
    writeFileSync(join(dir, 'seeds/codes.csv'), 'code\nnew\n');
    expect((await dpf(['ci', '--project-dir', dir, '--state', prod, '--branch', 'x'], { cwd: dir })).code).toBe(0);
    const seed = await dpf(['seed', '--project-dir', dir], { cwd: dir });
    expect(seed.stdout).toMatch(/OK +seed +main\.codes/);
    expect(await queryDuckDB(join(dir, 'target/wh.duckdb'), 'select code from main.codes')).toEqual([{ code: 'new' }]);
  });

  it('exits 1 when a test of the change fails, lists it, and --keep keeps the schema', async () => {
    const dir = makeProject({
      'models/orders.sql': '{{config materialized="table"}}\nselect range as id from range(3)\n',
      'models/schema.yml': 'models:\n  - name: orders\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
    });
    writeFileSync(join(dir, 'profiles.yml'), PROFILES);
    expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    const prod = tempDir();
    cpSync(join(dir, 'target/manifest.json'), join(prod, 'manifest.json'));
    writeFileSync(join(dir, 'models/orders.sql'), '{{config materialized="table"}}\nselect null as id\n');
    const ci = await dpf(['ci', '--project-dir', dir, '--state', prod, '--target', 'ci', '--branch', 'broken', '--keep'], { cwd: dir });
    expect(ci.code).toBe(1);
    const summary = readFileSync(join(dir, 'target/ci-summary.md'), 'utf8');
    expect(summary).toContain('**Failures**');
    expect(summary).toContain('`not_null_orders_id`');
    const schemas = await queryDuckDB(join(dir, 'target/wh.duckdb'), "select schema_name from information_schema.schemata where schema_name = 'ci_broken'");
    expect(schemas).toEqual([{ schema_name: 'ci_broken' }]);
  });

  it('needs production artifacts', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as a\n' });
    const run = await dpf(['ci', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--state');
  });
});
