/** A failing model: clear error at its file and line, skipped descendants, nothing lost. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject } from './helpers/run-dpf.js';
import { queryDuckDB, relationsIn } from './helpers/query-duckdb.js';

const files = {
  'models/base.sql': 'select 1 as id, 10 as amount\nunion all select 2, 20\n',
  'models/orders.sql': '{{config materialized="table"}}\nselect id, amount\nfrom {{ref "base"}}\n',
  'models/orders_summary.sql': '{{config materialized="table"}}\nselect sum(amount) as total from {{ref "orders"}}\n',
  'models/independent.sql': '{{config materialized="table"}}\nselect 42 as answer\n',
};

describe('a model that fails in the engine', () => {
  it('reports the engine error at the model file and line, skips descendants, and keeps yesterday\'s table', async () => {
    const dir = makeProject(files);
    const db = join(dir, 'target/dev.duckdb');
    const ok = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(ok.code, ok.output).toBe(0);

    writeFileSync(join(dir, 'models/orders.sql'), '{{config materialized="table"}}\nselect id, amount_typo\nfrom {{ref "base"}}\n');
    const failed = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/ERROR table +main\.orders/);
    expect(failed.stdout).toMatch(/DPF600 Database error — models\/orders\.sql:2/);
    expect(failed.stdout).toMatch(/amount_typo/);
    expect(failed.stdout).toMatch(/target\/run\/proj\/models\/orders\.sql/);
    expect(failed.stdout).toMatch(/SKIP +table +main\.orders_summary \.+ \[upstream orders failed\]/);
    expect(failed.stdout).toMatch(/REUSE +table +main\.independent/);
    // Reused: the view, the table and its monitor; skipped: orders' monitor, orders_summary and its monitor.
    expect(failed.stdout).toMatch(/SKIP +mon +main\.orders \.+ \[upstream orders failed\]/);
    expect(failed.stdout).toMatch(/3 ok \(3 unchanged, reused\), 1 error, 3 skipped/);
    // The error is followed by its skipped descendant.
    expect(failed.stdout.indexOf('ERROR table')).toBeLessThan(failed.stdout.indexOf('SKIP'));

    // Nothing lost: the previous table is intact and no temporary relation remains.
    const rows = await queryDuckDB(db, 'select sum(amount)::int as total from main.orders');
    expect(rows[0]!.total).toBe(30);
    expect((await relationsIn(db)).filter((r) => r.includes('__dpf_'))).toEqual([]);

    const results = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8'));
    const byName = Object.fromEntries(results.results.map((r: { name: string }) => [r.name, r]));
    expect(byName.orders.status).toBe('error');
    expect(byName.orders.error.location).toEqual({ file: 'models/orders.sql', line: 2 });
    expect(byName.orders_summary.status).toBe('skipped');
  });

  it('stops starting new nodes with --fail-fast', async () => {
    const dir = makeProject({
      ...files,
      'models/orders.sql': 'select nope from {{ref "base"}}\n',
      'models/zz_last.sql': '{{config materialized="table"}}\nselect * from {{ref "independent"}}\n',
    });
    const run = await dpf(['build', '--project-dir', dir, '--fail-fast', '--threads', '1'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/SKIP .*zz_last/);
    expect(run.stdout).toMatch(/1 error/);
  });

  it('recovers from a killed run that left a temporary relation behind', async () => {
    const dir = makeProject(files);
    const db = join(dir, 'target/dev.duckdb');
    expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    await queryDuckDB(db, 'create table main.orders__dpf_tmp as select 999 as junk');
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect((await relationsIn(db)).filter((r) => r.includes('__dpf_'))).toEqual([]);
    expect((await queryDuckDB(db, 'select count(*)::int as n from main.orders'))[0]!.n).toBe(2);
  });

  it('replaces a view with a table and a table with a view', async () => {
    const dir = makeProject(files);
    const db = join(dir, 'target/dev.duckdb');
    expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    writeFileSync(join(dir, 'models/orders.sql'), '{{config materialized="view"}}\nselect id, amount from {{ref "base"}}\n');
    writeFileSync(join(dir, 'models/base.sql'), '{{config materialized="table"}}\nselect 1 as id, 10 as amount\n');
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const types = await queryDuckDB(db, "select table_name, table_type from information_schema.tables where table_name in ('orders', 'base') order by 1");
    expect(types).toEqual([
      { table_name: 'base', table_type: 'BASE TABLE' },
      { table_name: 'orders', table_type: 'VIEW' },
    ]);
  });
});

describe('relation names that need quoting', () => {
  it('quotes reserved words, spaces and mixed case instead of concatenating them', async () => {
    const dir = makeProject({
      'models/select.sql': 'select 1 as "from"\n',
      'models/spaced.sql': '{{config materialized="table" alias="Order Items" schema="Mixed Case"}}\nselect "from" from {{ref "select"}}\n',
      'models/quote_in_name.sql': '{{config materialized="table" alias="it\'s \\"quoted\\""}}\nselect * from {{ref "spaced"}}\n',
    });
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const db = join(dir, 'target/dev.duckdb');
    const relations = await relationsIn(db);
    expect(relations).toContain('main.select');
    expect(relations).toContain('main_Mixed Case.Order Items');
    expect(relations).toContain('main.it\'s "quoted"');
    const rows = await queryDuckDB(db, 'select * from "main"."it\'s ""quoted"""');
    expect(rows).toEqual([{ from: 1 }]);
  });
});
