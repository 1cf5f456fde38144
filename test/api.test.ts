/**
 * The public API: the example in docs/api.md runs as written, the CLI and the API give the
 * same results on the demo project, and a cancelled run leaves the relation it was replacing.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { build, compile, explain, ls, show, type DpfEvent } from '../src/index.js';
import { DpfError } from '../src/errors/dpf-error.js';
import { copyDemoProject, dpf, makeProject, REPO_ROOT, tempDir } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

/** The first ```js block of docs/api.md's "Example" section. */
function exampleScript(): string {
  const doc = readFileSync(join(REPO_ROOT, 'docs/api.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Example'));
  return /```js\n([\s\S]*?)```/.exec(section)![1]!;
}

describe('the public API', () => {
  it('runs the example of docs/api.md: builds the demo, prints events, and a cancelled build keeps the table', () => {
    const dir = tempDir();
    const shop = copyDemoProject();
    // The script imports 'dpf' as an installed package would be found.
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(REPO_ROOT, join(dir, 'node_modules', 'dpf'), 'dir');
    spawnSync('cp', ['-r', shop, join(dir, 'shop')]);
    writeFileSync(join(dir, 'example.mjs'), exampleScript());
    const run = spawnSync(process.execPath, ['example.mjs'], { cwd: dir, encoding: 'utf8', env: { ...process.env, HOME: dir }, timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^success fct_orders$/m);
    expect(run.stdout).toMatch(/^pass not_null_stg_orders_order_id$/m);
    expect(run.stdout).toMatch(/^built: exit code 0, \d+ nodes built$/m);
    expect(run.stdout).toMatch(/^cancelled: true, slow_total error$/m);
    return queryDuckDB(join(dir, 'shop/target/dev.duckdb'), 'select n::int as n from main.slow_total').then((rows) => expect(rows).toEqual([{ n: 42 }]));
  });

  it('gives the same results as the CLI: statuses, rows and tables', async () => {
    const viaCli = copyDemoProject();
    const viaApi = copyDemoProject();
    const cli = await dpf(['build', '--project-dir', viaCli], { cwd: viaCli });
    const events: DpfEvent[] = [];
    const api = await build({ projectDir: viaApi, env: { HOME: viaApi }, onEvent: (e) => events.push(e) });
    expect(cli.code).toBe(api.exitCode);
    const cliResults = JSON.parse(readFileSync(join(viaCli, 'target/run_results.json'), 'utf8')) as { results: { uniqueId: string; status: string; rowsAffected?: number }[] };
    const shape = (results: readonly { uniqueId: string; status: string; rowsAffected?: number }[]) =>
      results.map((r) => ({ id: r.uniqueId, status: r.status, rows: r.rowsAffected })).sort((a, b) => a.id.localeCompare(b.id));
    expect(shape(api.summary!.results)).toEqual(shape(cliResults.results));
    // The API writes the same artifact.
    const apiFile = JSON.parse(readFileSync(join(viaApi, 'target/run_results.json'), 'utf8')) as { results: { uniqueId: string; status: string }[] };
    expect(shape(apiFile.results as never)).toEqual(shape(cliResults.results));
    for (const table of ['fct_orders', 'dim_customers']) {
      const [a, b] = await Promise.all([viaCli, viaApi].map((d) => queryDuckDB(join(d, 'target/dev.duckdb'), `select * from main.${table} order by all`)));
      expect(a, table).toEqual(b);
    }
    // Events came in order, one node_finished per result.
    expect(events.map((e) => e.type).filter((t) => !t.startsWith('node_'))).toEqual(['project_compiled', 'run_started', 'run_finished']);
    for (const type of ['node_queued', 'node_started', 'node_finished']) expect(events.filter((e) => e.type === type), type).toHaveLength(api.summary!.results.length);
    // Each node is queued (its upstream done) before it starts, and starts before it finishes.
    const order = (type: string, id: string) => events.findIndex((e) => e.type === type && ('step' in e ? e.step.uniqueId : 'result' in e ? e.result.uniqueId : '') === id);
    for (const r of api.summary!.results) {
      expect(order('node_queued', r.uniqueId)).toBeLessThan(order('node_started', r.uniqueId));
      expect(order('node_started', r.uniqueId)).toBeLessThan(order('node_finished', r.uniqueId));
    }
  });

  it('explains without running, and reports a bad project as a thrown DpfError, never printing or exiting', async () => {
    const dir = makeProject({ 'models/a.sql': '{{config materialized="table"}}\nselect 1 as x\n' });
    const before = await explain('build', { projectDir: dir, env: { HOME: dir } });
    expect([...before.decisions.values()]).toEqual([{ reuse: false, reason: 'new' }]);
    await build({ projectDir: dir, env: { HOME: dir } });
    const after = await explain('build', { projectDir: dir, env: { HOME: dir } });
    // The table, and its monitor (on by default) with it.
    expect([...after.decisions.values()]).toEqual([
      { reuse: true, reason: 'inputs unchanged' },
      { reuse: true, reason: 'a is unchanged: nothing new to measure' },
    ]);

    writeFileSync(join(dir, 'models/b.sql'), 'select * from {{ref "nope"}}\n');
    const error = await build({ projectDir: dir, env: { HOME: dir } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DpfError);
    expect((error as DpfError).diagnostics[0]).toMatchObject({ name: 'RefNotFound', location: { file: 'models/b.sql', line: 1 } });
  });

  it('a listener that throws is reported once as a warning and the run goes on', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as x\n', 'models/b.sql': 'select * from {{ref "a"}}\n' });
    const warnings: string[] = [];
    let calls = 0;
    const outcome = await build({
      projectDir: dir,
      env: { HOME: dir },
      onEvent: (e) => {
        calls++;
        if (e.type === 'warning') warnings.push(e.diagnostic.code);
        if (e.type === 'node_finished') throw new Error('listener bug');
      },
    });
    expect(outcome.exitCode).toBe(0);
    expect(outcome.summary!.counts.success).toBe(2);
    expect(warnings).toEqual(['DPF511']);
    // It is still called after failing (2 nodes: 2 node_finished, both threw, one warning).
    expect(calls).toBeGreaterThan(5);
  });

  it('compile and ls: the project without the warehouse; dpf ls --output json shows the kind of each node', async () => {
    const dir = copyDemoProject();
    const compiled = await compile({ projectDir: dir, env: { HOME: dir }, select: ['fct_orders'] });
    // The model and the tests and monitor on it, as in dbt's selection.
    expect(compiled.selected!.filter((id) => !id.startsWith('test.') && !id.startsWith('unit_test.'))).toEqual(['model.shop.fct_orders', 'monitor.shop.fct_orders']);
    expect(compiled.manifest.nodes['model.shop.fct_orders']!.kind).toBe('model');
    const nodes = await ls({ projectDir: dir, env: { HOME: dir }, select: ['+fct_orders'] });
    const kinds = new Set(nodes.map((n) => n.kind));
    // Every kind of the demo's upstream of fct_orders, each node labelled with its own.
    expect([...kinds].sort()).toEqual(['model', 'monitor', 'seed', 'test', 'unit_test']);
    expect(nodes.filter((n) => n.kind === 'seed').every((n) => n.uniqueId.startsWith('seed.'))).toBe(true);
    const cli = await dpf(['ls', '--project-dir', dir, '--select', '+fct_orders', '--output', 'json'], { cwd: dir });
    const listed = cli.stdout.trim().split('\n').map((l) => JSON.parse(l) as { unique_id: string; kind: string });
    expect(listed.map((n) => [n.unique_id, n.kind])).toEqual(nodes.map((n) => [n.uniqueId, n.kind]));
  });

  it('show returns the first rows of a model or an inline query, as dpf show prints them', async () => {
    const dir = copyDemoProject();
    await build({ projectDir: dir, env: { HOME: dir }, select: ['+fct_orders'] });
    const rows = await show({ projectDir: dir, env: { HOME: dir }, select: 'fct_orders', limit: 3 });
    expect(rows.label).toBe('fct_orders');
    expect(rows.rows).toHaveLength(3);
    expect(rows.columns.map((c) => c.name)).toContain('order_id');
    const inline = await show({ projectDir: dir, env: { HOME: dir }, inline: 'select count(*) as n from {{ref "fct_orders"}}' });
    expect(inline.label).toBe('inline query');
    expect(inline.rows.map((r) => Number(r[0]))).toEqual([500]);
    const cli = await dpf(['show', '--project-dir', dir, '--inline', 'select count(*) as n from {{ref "fct_orders"}}', '--log-format', 'json'], { cwd: dir });
    expect(JSON.parse(cli.stdout.trim())).toMatchObject({ event: 'show', node: 'inline query', rows: inline.rows });
    await expect(show({ projectDir: dir, env: { HOME: dir }, select: 'fct_ordrs' })).rejects.toThrow(/fct_orders/);
  });

  it('a bad option is a usage error naming both the CLI flag and the API option', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as x\n' });
    const cli = await dpf(['build', '--project-dir', dir, '--event-time-start', 'soon'], { cwd: dir });
    expect(cli.code).toBe(2);
    expect(cli.output).toContain('--event-time-start (eventTimeStart) must be a date or time such as 2024-01-31');
    const error = await build({ projectDir: dir, env: { HOME: dir }, eventTimeEnd: 'later' }).catch((e: unknown) => e);
    expect((error as DpfError).diagnostics[0]!.message).toContain('--event-time-end (eventTimeEnd) must be a date or time');
  });
});
