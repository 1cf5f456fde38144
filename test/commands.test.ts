/** ls, show, compile, debug and clean on a real project; profile secrets never leak. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyDemoProject, dpf, makeProject } from './helpers/run-dpf.js';

describe('commands on the demo project', () => {
  let dir: string;
  beforeAll(async () => {
    dir = copyDemoProject();
    const build = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(build.code, build.output).toBe(0);
  });

  it('ls lists names, paths and JSON for a selection', async () => {
    const names = await dpf(['ls', '--output', 'name', '--project-dir', dir, '-s', '+fct_orders', '--resource-type', 'model'], { cwd: dir });
    expect(names.code).toBe(0);
    expect(names.stdout.trim().split('\n').sort()).toEqual(
      ['fct_orders', 'int_order_items_priced', 'int_order_payments', 'stg_customers', 'stg_order_items', 'stg_orders', 'stg_payments', 'stg_products'].sort(),
    );
    // By default each node says what it is: models, seeds, the source and tests in one list.
    const labelled = await dpf(['ls', '--project-dir', dir, '-s', '+fct_orders'], { cwd: dir });
    const lines = labelled.stdout.trim().split('\n');
    expect(lines).toContain('model     fct_orders');
    expect(lines).toContain('seed      raw_orders');
    expect(lines.some((l) => /^test +not_null_stg_orders_order_id$/.test(l))).toBe(true);
    expect(lines).toContain('monitor   monitor_fct_orders');
    expect(lines.every((l) => /^(model|seed|snapshot|source|test|unit_test|monitor) +\S/.test(l))).toBe(true);
    const paths = await dpf(['ls', '--project-dir', dir, '-s', 'path:models/marts/finance', '--resource-type', 'model', '--output', 'path'], { cwd: dir });
    expect(paths.stdout.trim().split('\n').sort()).toEqual(['models/marts/finance/payments_by_method.sql', 'models/marts/finance/revenue_by_category.sql']);
    const json = await dpf(['ls', '--project-dir', dir, '-s', 'config.materialized:ephemeral', '--output', 'json'], { cwd: dir });
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'int_order_payments', materialized: 'ephemeral', resource_type: 'model' });
  });

  it('show previews a model and an inline query with refs', async () => {
    const model = await dpf(['show', '--project-dir', dir, '--select', 'dim_customers', '--limit', '3'], { cwd: dir });
    expect(model.code, model.output).toBe(0);
    expect(model.stdout).toContain('Previewing dim_customers (3 rows, limit 3)');
    expect(model.stdout).toMatch(/\| customer_id +\|/);
    const inline = await dpf(['show', '--project-dir', dir, '--inline', 'select count(*) as n from {{ref "int_order_payments"}}'], { cwd: dir });
    expect(inline.code, inline.output).toBe(0);
    expect(inline.stdout).toMatch(/\| n +\|/);
    // Read through queryStream, stopping at the limit: the same table as before, text and JSON.
    const many = "select i as id, 'x''' || i as label, null as nothing from range(5000) t(i) order by i";
    const streamed = await dpf(['show', '--project-dir', dir, '--inline', many, '--limit', '3'], { cwd: dir });
    expect(streamed.stdout).toBe(
      "Previewing inline query (3 rows, limit 3):\n| id | label | nothing |\n|----|-------|---------|\n| 0  | x'0   | NULL    |\n| 1  | x'1   | NULL    |\n| 2  | x'2   | NULL    |\n",
    );
    const none = await dpf(['show', '--project-dir', dir, '--inline', many, '--limit', '0'], { cwd: dir });
    expect(none.stdout).toBe('Previewing inline query (0 rows, limit 0):\n| id | label | nothing |\n|----|-------|---------|\n');
    const json = await dpf(['show', '--project-dir', dir, '--inline', many, '--limit', '2', '--log-format', 'json'], { cwd: dir });
    expect(JSON.parse(json.stdout)).toEqual({
      event: 'show',
      node: 'inline query',
      columns: [
        { name: 'id', type: 'BIGINT' },
        { name: 'label', type: 'VARCHAR' },
        { name: 'nothing', type: 'INTEGER' },
      ],
      rows: [
        ['0', "x'0", null],
        ['1', "x'1", null],
      ],
    });
    const noVar = await dpf(['show', '--project-dir', dir, '--inline', 'select {{var "nope"}} as x'], { cwd: dir });
    expect(noVar.code).toBe(2);
    expect(noVar.stderr).toContain('DPF206');
    const missing = await dpf(['show', '--project-dir', dir, '--select', 'dim_customer'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Did you mean "dim_customers"?');
  });

  it('compile --select prints the SQL with refs resolved and the ephemeral model inlined', async () => {
    const run = await dpf(['compile', '--project-dir', dir, '--select', 'fct_orders'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('"__dpf_cte__int_order_payments" as (');
    expect(run.stdout).not.toContain('{{');
  });

  it('debug checks the profile and the connection', async () => {
    const run = await dpf(['debug', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/connection\s+OK/);
    expect(run.stdout).toContain('All checks passed.');
    const bad = await dpf(['debug', '--project-dir', dir, '--target', 'nope'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('DPF302');
  });

  it('clean deletes artifacts but keeps the warehouse file', async () => {
    const run = await dpf(['clean', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(0);
    expect(readdirSync(join(dir, 'target'))).toEqual(['dev.duckdb']);
  });
});

describe('profile secrets', () => {
  it('never reach logs or artifacts', async () => {
    const secret = 'sup3r-s3cret-t0ken-value';
    const dir = makeProject(
      { 'models/a.sql': '{{config materialized="table"}}\nselect 1 as id\n', 'models/b.sql': 'select * from {{ref "a"}} where nope\n' },
      'name: proj\n',
    );
    const profiles = `proj:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/dev.duckdb\n      password: "{{env 'DPF_TEST_SECRET'}}"\n      settings:\n        custom_user_agent: "{{env 'DPF_TEST_SECRET'}}"\n`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'profiles.yml'), profiles);
    const env = { HOME: dir, DPF_TEST_SECRET: secret };
    const outputs: string[] = [];
    for (const args of [['build'], ['build', '--log-format', 'json'], ['debug'], ['compile'], ['show', '--inline', "select current_setting('custom_user_agent') as ua"]]) {
      const run = await dpf([...args, '--project-dir', dir], { cwd: dir, env });
      outputs.push(run.output);
    }
    // The setting really reached DuckDB (the show query read it back), yet it was printed redacted.
    expect(outputs[4]).toContain('****');
    for (const out of outputs) expect(out).not.toContain(secret);
    for (const file of walk(join(dir, 'target'))) {
      if (file.endsWith('.duckdb')) continue;
      expect(readFileSync(file, 'utf8'), file).not.toContain(secret);
    }
  });
});

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

describe('where profiles.yml is found', () => {
  it('uses --profiles-dir, else the project folder, else ~/.dpf, and says where it looked', async () => {
    const { mkdirSync, renameSync, writeFileSync: write } = await import('node:fs');
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' });
    const home = join(dir, 'home');
    mkdirSync(join(home, '.dpf'), { recursive: true });
    renameSync(join(dir, 'profiles.yml'), join(home, '.dpf', 'profiles.yml'));
    const fromHome = await dpf(['debug', '--project-dir', dir], { cwd: dir, env: { HOME: home } });
    expect(fromHome.code, fromHome.output).toBe(0);
    expect(fromHome.stdout).toContain(join(home, '.dpf', 'profiles.yml'));

    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    write(join(elsewhere, 'profiles.yml'), 'proj:\n  outputs:\n    other: { type: duckdb, path: target/other.duckdb }\n');
    const explicit = await dpf(['debug', '--project-dir', dir, '--profiles-dir', elsewhere], { cwd: dir, env: { HOME: home } });
    expect(explicit.stdout).toMatch(/target\s+other \(duckdb\)/);

    const none = await dpf(['build', '--project-dir', dir], { cwd: dir, env: { HOME: join(dir, 'nobody') } });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('DPF300');
    expect(none.stderr).toContain(join(dir, 'profiles.yml'));
  });
});
