/**
 * The built-in `files` source end to end: CSV, Parquet and JSON-lines files written by the test
 * are landed by `dpf build` into a DuckDB file, with their columns described from the files when
 * the project compiles (or declared in the YAML), and read by a model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject, writeFiles } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const SOURCES = `sources:
  - name: raw
    tables:
      - name: orders
        extract: {plugin: files, path: "data/orders/*.csv"}
      - name: customers
        extract: {plugin: files, path: data/customers.parquet}
      - name: events
        extract:
          plugin: files
          path: data/events.jsonl
          columns: {id: bigint, kind: text, payload: text}
`;

/** A Parquet file written by DuckDB itself. */
async function writeParquet(path: string, select: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`copy (${select}) to '${path}' (format parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const columnsOf = async (dir: string, table: string) =>
  (await queryDuckDB(join(dir, 'target/dev.duckdb'), `select column_name, data_type from information_schema.columns where table_schema = 'main_raw' and table_name = '${table}' order by ordinal_position`)).map(
    (r) => `${r.column_name} ${r.data_type}`,
  );

describe('the built-in files source', () => {
  it('lands CSV files by glob, a Parquet file and JSON lines, with columns described from the files at compile time', async () => {
    const dir = makeProject(
      {
        'models/sources.yml': SOURCES,
        'data/orders/2024-01.csv': 'order_id,customer_id,amount,ordered_on\n1,10,9.5,2024-01-03\n2,11,20,2024-01-20\n',
        'data/orders/2024-02.csv': 'order_id,customer_id,amount,ordered_on\n3,10,5.25,2024-02-01\n',
        'data/events.jsonl': '{"id": 1, "kind": "click", "payload": {"x": 1}, "extra": "dropped"}\n{"id": 2, "kind": "view", "payload": null}\n',
        'models/customer_totals.sql':
          '{{config materialized="table"}}\nselect c.name, c.vip, sum(o.amount) as total, count(*) as orders\nfrom {{source "raw" "orders"}} o join {{source "raw" "customers"}} c on c.id = o.customer_id\ngroup by 1, 2\n',
      },
      'name: proj\nmonitors: off\n',
    );
    await writeParquet(
      join(dir, 'data/customers.parquet'),
      "select * from (values (10, 'Ada', true, timestamp '2023-05-01 08:30:00'), (11, 'Grace', false, timestamp '2023-06-02 09:00:00')) t(id, name, vip, signed_up)",
    );
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/OK +extr +main_raw\.orders \.+ \[3 rows landed in/);
    expect(run.stdout).toMatch(/OK +extr +main_raw\.customers \.+ \[2 rows landed in/);

    // Described from the files: CSV's inferred types, Parquet's own.
    expect(await columnsOf(dir, 'orders')).toEqual(['order_id BIGINT', 'customer_id BIGINT', 'amount DOUBLE', 'ordered_on DATE']);
    expect(await columnsOf(dir, 'customers')).toEqual(['id INTEGER', 'name VARCHAR', 'vip BOOLEAN', 'signed_up TIMESTAMP']);
    expect(await columnsOf(dir, 'events')).toEqual(['id BIGINT', 'kind VARCHAR', 'payload VARCHAR']);
    const db = join(dir, 'target/dev.duckdb');
    expect(await queryDuckDB(db, "select order_id::int as id, amount, strftime(ordered_on, '%Y-%m-%d') as day from main_raw.orders order by 1")).toEqual([
      { id: 1, amount: 9.5, day: '2024-01-03' },
      { id: 2, amount: 20, day: '2024-01-20' },
      { id: 3, amount: 5.25, day: '2024-02-01' },
    ]);
    expect(await queryDuckDB(db, "select name, strftime(signed_up, '%Y-%m-%d %H:%M') as at from main_raw.customers order by id")).toEqual([
      { name: 'Ada', at: '2023-05-01 08:30' },
      { name: 'Grace', at: '2023-06-02 09:00' },
    ]);
    expect(await queryDuckDB(db, 'select id::int as id, kind, payload from main_raw.events order by id')).toEqual([
      { id: 1, kind: 'click', payload: '{"x":1}' },
      { id: 2, kind: 'view', payload: null },
    ]);
    expect(await queryDuckDB(db, 'select name, vip, total, orders::int as orders from main.customer_totals order by name')).toEqual([
      { name: 'Ada', vip: true, total: 14.75, orders: 2 },
      { name: 'Grace', vip: false, total: 20, orders: 1 },
    ]);
    // The manifest keeps the described columns and names the built-in.
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { extract?: { pluginPath: string; columns: unknown[] } }> };
    expect(manifest.nodes['source.proj.raw.orders']!.extract).toMatchObject({ pluginPath: 'dpf:files', columns: [{ name: 'order_id', type: 'bigint' }, { name: 'customer_id', type: 'bigint' }, { name: 'amount', type: 'double' }, { name: 'ordered_on', type: 'date' }] });

    // A new file matched by the glob lands at the next build.
    writeFiles(dir, { 'data/orders/2024-03.csv': 'order_id,customer_id,amount,ordered_on\n4,11,1,2024-03-01\n' });
    const again = await dpf(['build', '-s', 'source:raw.orders'], { cwd: dir });
    expect(again.stdout, again.output).toMatch(/OK +extr +main_raw\.orders \.+ \[4 rows landed in/);
  });

  it('says at the YAML when the glob matches no file, and when a declared column is not in the files', async () => {
    const dir = makeProject(
      {
        'models/sources.yml': `sources:\n  - name: raw\n    tables:\n      - name: orders\n        extract: {plugin: files, path: "data/nothing/*.csv"}\n`,
      },
      'name: proj\nmonitors: off\n',
    );
    const compile = await dpf(['compile'], { cwd: dir });
    expect(compile.code).toBe(2);
    expect(compile.output).toMatch(/DPF810/);
    expect(compile.output).toMatch(/no file matches data\/nothing\/\*\.csv/);
    expect(compile.output).toMatch(/models\/sources\.yml:5/);

    writeFiles(dir, {
      'data/orders.csv': 'id,amount\n1,2\n',
      'models/sources.yml': `sources:\n  - name: raw\n    tables:\n      - name: orders\n        extract: {plugin: files, path: data/orders.csv, columns: {id: integer, price: double}}\n`,
    });
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/DPF803/);
    expect(run.output).toMatch(/have no column "price" \(they have id, amount\)/);
    expect(run.output).toMatch(/models\/sources\.yml:5/);
  });
});
