/**
 * The importer's proof on dbt projects (each folder of test/fixtures/dbt/): dbt-core with
 * dbt-duckdb builds the original into one DuckDB file, `dpf import dbt` converts it and dpf
 * builds the result into another; every relation dbt made must exist in dpf's file with the
 * same rows (EXCEPT ALL both ways, so duplicates count), and the data tests must pass, warn
 * and fail in the same numbers. Needs DPF_DBT_VENV (scripts/test-dbt-parity.sh makes it).
 * A fixture's profile writes <folder name>.duckdb; a new fixture needs a row in EXPECTED.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { dpf, REPO_ROOT, tempDir } from '../helpers/run-dpf.js';

const venv = process.env.DPF_DBT_VENV;
if (!venv) throw new Error('DPF_DBT_VENV is not set: run npm run test:dbt-parity (scripts/test-dbt-parity.sh), which installs dbt into a cached virtualenv');

/** Test outcomes by status (pass, warn, fail, error) from a run_results.json, dbt's or dpf's. */
function testCounts(file: string): Record<string, number> {
  const results = (JSON.parse(readFileSync(file, 'utf8')) as { results: { unique_id?: string; uniqueId?: string; status: string }[] }).results;
  const counts: Record<string, number> = {};
  for (const r of results) {
    const id = r.unique_id ?? r.uniqueId ?? '';
    // Data tests by status; unit tests apart (unit_pass, unit_fail), as both tools name them unit_test.*.
    const key = id.startsWith('test.') ? r.status : id.startsWith('unit_test.') ? `unit_${r.status}` : undefined;
    if (key) counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/**
 * Views name their inputs as each tool writes them: dbt's with the catalog (the file's name,
 * the fixture's), dpf's without one. So dpf's file, under another name, is the default catalog,
 * and dbt's is attached under its own name.
 */
async function compare(catalog: string, dbtFile: string, dpfFile: string) {
  const dpfCopy = join(dirname(dpfFile), 'dpf.duckdb');
  copyFileSync(dpfFile, dpfCopy);
  const instance = await DuckDBInstance.create(dpfCopy, { access_mode: 'READ_ONLY' });
  const db = await instance.connect();
  const rows = async (sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  try {
    await db.run(`attach '${dbtFile.replace(/'/g, "''")}' (read_only)`);
    const relations = async (catalog: string) =>
      (await rows(`select table_schema as s, table_name as t from information_schema.tables where table_catalog = '${catalog}' and table_schema <> 'dpf_meta' order by 1, 2`)).map((r) => `${r.s}.${r.t}`);
    const dbtRelations = await relations(catalog);
    const differences: Record<string, { onlyDbt: number; onlyDpf: number; rows: number }> = {};
    for (const name of dbtRelations) {
      const [schema, table] = name.split('.') as [string, string];
      const q = (db: string) => `select * from "${db}"."${schema}"."${table}"`;
      const [onlyDbt] = await rows(`select count(*)::int as n from (${q(catalog)} except all ${q('dpf')})`);
      const [onlyDpf] = await rows(`select count(*)::int as n from (${q('dpf')} except all ${q(catalog)})`);
      const [count] = await rows(`select count(*)::int as n from (${q(catalog)})`);
      differences[name] = { onlyDbt: Number(onlyDbt!.n), onlyDpf: Number(onlyDpf!.n), rows: Number(count!.n) };
    }
    return { dbtRelations, dpfRelations: await relations('dpf'), differences };
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

/** What dbt builds for each fixture: its relations and its tests' outcomes (so that a fixture that stops building anything fails). */
const EXPECTED: Record<string, { relations: string[]; tests: Record<string, number> }> = {
  // Seeds, staging views, marts, an incremental model; 3 seeds, 7 models, 23 data tests, a unit test.
  jaffle_shop: {
    relations: ['main.customers', 'main.order_status_summary', 'main.orders', 'main.payments_incremental', 'main.raw_customers', 'main.raw_orders', 'main.raw_payments', 'main.stg_customers', 'main.stg_orders', 'main.stg_payments'],
    tests: { pass: 22, warn: 1, unit_pass: 1 },
  },
  // Custom schema and alias, an ephemeral staging model, a disabled folder, seed column types,
  // severities and thresholds, and a failing test (both tools exit 1).
  shop_configs: {
    relations: ['main.products', 'main.sales', 'main.sales_by_product', 'main_marts.sales_by_region'],
    tests: { pass: 5, warn: 3, fail: 1 },
  },
};

const FIXTURES = join(REPO_ROOT, 'test/fixtures/dbt');

describe.each(readdirSync(FIXTURES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort())('dpf import dbt on %s', (name) => {
  it('builds the same tables as dbt, and the data tests agree', async () => {
    const expected = EXPECTED[name];
    if (!expected) throw new Error(`test/fixtures/dbt/${name} has no row in EXPECTED of ${import.meta.url}`);
    const fixture = join(FIXTURES, name);
    const dbtDir = join(tempDir('dbt-parity-'), name);
    cpSync(fixture, dbtDir, { recursive: true });
    const dbtRun = spawnSync(join(venv, 'bin', 'dbt'), ['build', '--profiles-dir', dbtDir, '--project-dir', dbtDir], {
      cwd: dbtDir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: dbtDir, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', DO_NOT_TRACK: '1' },
    });
    // A failing data test makes both tools exit 1; anything else is an error of the fixture.
    expect([0, 1], `${dbtRun.stdout}\n${dbtRun.stderr}`).toContain(dbtRun.status);

    const dpfDir = join(tempDir('dpf-parity-'), `${name}_dpf`);
    const converted = await dpf(['import', 'dbt', fixture, '--out', dpfDir], { cwd: REPO_ROOT });
    expect(converted.code, converted.output).toBe(0);
    expect(converted.stdout).toContain('The conversion is complete');
    const built = await dpf(['build'], { cwd: dpfDir });
    expect(built.code, built.output).toBe(dbtRun.status);

    const { dbtRelations, dpfRelations, differences } = await compare(name, join(dbtDir, `${name}.duckdb`), join(dpfDir, `${name}.duckdb`));
    expect(dbtRelations).toEqual(expected.relations);
    expect(dpfRelations).toEqual(dbtRelations);
    for (const [relation, d] of Object.entries(differences)) {
      expect(d.rows, `${relation} is empty in dbt's build: the comparison would prove nothing`).toBeGreaterThan(0);
      expect({ relation, onlyDbt: d.onlyDbt, onlyDpf: d.onlyDpf }).toEqual({ relation, onlyDbt: 0, onlyDpf: 0 });
    }

    const dbtTests = testCounts(join(dbtDir, 'target', 'run_results.json'));
    expect(dbtTests).toEqual(expected.tests);
    expect(testCounts(join(dpfDir, 'target', 'run_results.json'))).toEqual(dbtTests);
  });
});
