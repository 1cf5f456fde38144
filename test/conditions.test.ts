/**
 * Conditions, branching and handlers (docs/pipelines.md), through `dpf build` on real DuckDB
 * files: run_if as a query (true, false, not a boolean, a broken ref at its line) and as a
 * condition plugin; every trigger rule with a failed and a skipped parent; two complementary
 * branches joined by none_failed; onNodeError deciding retry, skip and fail (recorded with who
 * decided), a handler that throws or hangs, and onRunEnd called once with the run's counts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../src/compiler/schema-validators.js';
import { dpf, makeProject } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

interface Result {
  uniqueId: string;
  name: string;
  status: string;
  message: string;
  reason?: string;
  skippedBecause?: string;
  attempts?: number;
  decisions?: { attempt: number; action: string; decidedBy: string; reason: string }[];
  decidedBy?: string;
  warnings?: { code: string; message: string; severity: string }[];
  error?: { code: string; location?: { file: string; line?: number } };
  executionTime: number;
}

function runResults(dir: string): { results: Result[]; warnings?: Result['warnings'] } {
  const doc = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8'));
  const validate = schemaValidator('run_results');
  expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  return doc;
}
const resultOf = (dir: string, name: string) => runResults(dir).results.find((r) => r.name === name)!;
const statusOf = (dir: string, name: string) => resultOf(dir, name).status;

const ORDERS = 'id,amount\n1,10\n2,20\n3,30\n';

describe('run_if', () => {
  it('a query decides just before the step: false skips it with the reason, true builds it after what the query reads', async () => {
    const dir = makeProject(
      {
        'seeds/orders.csv': ORDERS,
        // Inline, the query reads a seed: the model waits for it although its SQL does not read it.
        'models/has_orders.sql': `{{config materialized="table" run_if="select count(*) > 0 from {{ref 'orders'}}"}}\nselect 1 as x\n`,
        'models/no_orders.sql': 'select 1 as x\n',
        'models/props.yml': `models:\n  - name: no_orders\n    config:\n      materialized: table\n      run_if: "select count(*) = 0 from {{ref 'orders'}} where amount > {{var 'floor' 0}}"\n`,
        'models/reads_skipped.sql': 'select * from {{ref "no_orders"}}\n',
        // A TypeScript model takes run_if from its YAML like a SQL model.
        'models/typed.ts': "import { defineTransform } from 'dpf';\nexport default defineTransform({ refs: [], columns: [{ name: 'x', type: 'integer' }], async *transform() { yield [[1]]; } });\n",
        'models/typed.yml': 'models:\n  - name: typed\n    config:\n      run_if: "select false"\n',
      },
      'name: proj\nmonitors: off\n',
    );
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/SKIP +table +main\.no_orders \.+ \[skipped: run_if was false: select count\(\*\) = 0 from \{\{ref 'orders'\}\} where amount > \{\{var 'floor' 0\}\}\]/);
    expect(run.stdout).toMatch(/SKIP +view +main\.reads_skipped \.+ \[skipped: trigger all_success: upstream no_orders was skipped\]/);
    expect(resultOf(dir, 'no_orders')).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^run_if was false: select count/) });
    expect(resultOf(dir, 'has_orders').status).toBe('success');
    expect(resultOf(dir, 'typed')).toMatchObject({ status: 'skipped', reason: 'run_if was false: select false' });
    // The seed ran before the model whose run_if reads it, and the query is in the step's run file.
    const order = runResults(dir).results.map((r) => r.name);
    expect(order.indexOf('orders')).toBeLessThan(order.indexOf('has_orders'));
    expect(readFileSync(join(dir, 'target/run/proj/models/has_orders.sql'), 'utf8')).toMatch(/select count\(\*\) > 0 from "main"\."orders"/);
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.nodes['model.proj.has_orders'].condition.runIf).toMatchObject({ kind: 'sql', dependsOn: ['seed.proj.orders'], compiledSql: 'select count(*) > 0 from "main"."orders"' });
    // Not an input of the model: no lineage, no unit-test fixture needed.
    expect(manifest.nodes['model.proj.has_orders'].dependsOn).toEqual([]);
    const tables = await queryDuckDB(join(dir, 'target/dev.duckdb'), "select table_name from information_schema.tables where table_schema = 'main' order by 1");
    expect(tables.map((t) => t.table_name)).toEqual(['has_orders', 'orders']);
  });

  it('a query that does not answer one boolean fails the step at the run_if, and a broken ref is a compile error at its line', async () => {
    const dir = makeProject(
      {
        'seeds/orders.csv': ORDERS,
        'models/counted.sql': 'select 1 as x\n',
        'models/props.yml': `models:\n  - name: counted\n    config:\n      run_if: "select count(*) from {{ref 'orders'}}"\n`,
      },
      'name: proj\nmonitors: off\n',
    );
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/DPF831 run_if did not answer true or false/);
    expect(run.output).toMatch(/The run_if of model counted must give exactly one row with one boolean; it gave "3" \(string\)|it gave 3 \(number\)/);
    expect(resultOf(dir, 'counted').error).toMatchObject({ code: 'DPF831', location: { file: 'models/props.yml', line: 4 } });

    const broken = makeProject(
      {
        'seeds/orders.csv': ORDERS,
        'models/a.sql': `{{config run_if="select true from {{ref 'ordrs'}}"}}\nselect 1 as x\n`,
        'models/b.sql': 'select 1 as x\n',
        'models/c.sql': 'select 1 as x\n',
        'models/props.yml': `models:\n  - name: b\n    config:\n      run_if: "select count(*) > 0 from {{source 'raw' 'nope'}}"\n  - name: c\n    config:\n      run_if: "delete from orders"\n`,
      },
      'name: proj\nmonitors: off\n',
    );
    const compile = await dpf(['compile'], { cwd: broken });
    expect(compile.code).toBe(2);
    expect(compile.output).toMatch(/DPF203 Reference to a missing model — models\/a\.sql:1:34/);
    expect(compile.output).toMatch(/\{\{ref "ordrs"\}\} names no model, seed or snapshot\. Did you mean "orders"\?/);
    expect(compile.output).toMatch(/DPF204[^]*models\/props\.yml:4/);
    expect(compile.output).toMatch(/DPF830 run_if is not a query[^]*The run_if of model c cannot be run: it starts with "delete"/);
    expect(compile.output).toMatch(/models\/props\.yml:7/);

    writeFileSync(join(broken, 'dpf_project.yml'), 'name: proj\nmonitors: off\nmodels:\n  proj:\n    +trigger: sometimes\n');
    const rule = await dpf(['compile'], { cwd: broken });
    expect(rule.code).toBe(2);
    expect(rule.output).toMatch(/DPF103 Invalid value — dpf_project\.yml:5[^]*"all_success", "all_done", "any_success", "none_failed"/);
  });

  it('a condition plugin (defineCondition) decides with its config, the vars and the target; its config is checked at its line', async () => {
    const FLAG = `import { defineCondition } from 'dpf';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

export default defineCondition<{ var: string }>({
  config: { type: 'object', required: ['var'], properties: { var: { type: 'string' } } },
  async check(config, ctx) {
    appendFileSync(join(ctx.projectDir, 'asked.jsonl'), JSON.stringify({ node: ctx.node.name, target: ctx.target.name, run: typeof ctx.run.id }) + '\\n');
    return ctx.vars[config.var] === true;
  },
});
`;
    const files = {
      'plugins/flag.ts': FLAG,
      'models/wanted.sql': 'select 1 as x\n',
      'models/unwanted.sql': 'select 1 as x\n',
      'models/props.yml': 'models:\n  - name: wanted\n    config:\n      run_if: {plugin: flag, var: want_a}\n  - name: unwanted\n    config:\n      run_if: {plugin: flag, var: want_b}\n',
    };
    const dir = makeProject(files, 'name: proj\nmonitors: off\nvars: {want_a: true, want_b: false}\n');
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(statusOf(dir, 'wanted')).toBe('success');
    expect(resultOf(dir, 'unwanted')).toMatchObject({ status: 'skipped', reason: 'run_if was false: plugin flag' });
    const asked = readFileSync(join(dir, 'asked.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(asked.sort((a, b) => a.node.localeCompare(b.node))).toEqual([
      { node: 'unwanted', target: 'dev', run: 'string' },
      { node: 'wanted', target: 'dev', run: 'string' },
    ]);
    // --vars reaches the condition.
    const flipped = await dpf(['build', '--vars', '{want_b: true}'], { cwd: dir });
    expect(flipped.code, flipped.output).toBe(0);
    expect(statusOf(dir, 'unwanted')).toBe('success');

    const bad = makeProject({ ...files, 'models/props.yml': 'models:\n  - name: wanted\n    config:\n      run_if: {plugin: flag, vr: want_a}\n  - name: unwanted\n    config:\n      run_if: {plugin: flagg}\n' }, 'name: proj\nmonitors: off\n');
    const compile = await dpf(['compile'], { cwd: bad });
    expect(compile.code).toBe(2);
    expect(compile.output).toMatch(/DPF102[^]*models\/props\.yml:4/);
    expect(compile.output).toMatch(/No plugin is named "flagg"\. Did you mean "flag"\?/);
    expect(compile.output).toMatch(/models\/props\.yml:7/);
  });
});

describe('run_if on extracts and exports', () => {
  it('an extract block and an exports entry take run_if and trigger like a model', async () => {
    const ROWS = `import { defineSource } from 'dpf';
export default defineSource<{ n: number }>({
  config: { type: 'object', properties: { n: { type: 'integer' } } },
  columns: [{ name: 'id', type: 'integer' }],
  async *extract(config) {
    yield Array.from({ length: config.n }, (_, i) => [i + 1]);
  },
});
`;
    const FILE = `import { defineSink } from 'dpf';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
export default defineSink<{ path: string }>({
  config: { type: 'object', required: ['path'], properties: { path: { type: 'string' } } },
  async write(rows, config, ctx) {
    let n = 0;
    for await (const batch of rows) n += batch.length;
    writeFileSync(join(ctx.projectDir, config.path), String(n));
    return { location: config.path };
  },
});
`;
    const dir = makeProject(
      {
        'plugins/rows.ts': ROWS,
        'plugins/file.ts': FILE,
        'seeds/switches.csv': 'name,active\nfresh,true\nstale,false\n',
        'models/sources.yml': `sources:\n  - name: raw\n    tables:\n      - name: fresh\n        extract: {plugin: rows, n: 2, run_if: "select active from {{ref 'switches'}} where name = 'fresh'"}\n      - name: stale\n        extract: {plugin: rows, n: 5, run_if: "select active from {{ref 'switches'}} where name = 'stale'"}\n`,
        'models/counts.sql': '{{config materialized="table" trigger="none_failed"}}\nselect count(*) as n from {{source "raw" "fresh"}}\n-- after {{source "raw" "stale"}}\n',
        'models/props.yml': `models:\n  - name: counts\n    exports:\n      - {name: always, plugin: file, path: always.txt}\n      - {name: never, plugin: file, path: never.txt, run_if: "select false"}\n`,
      },
      'name: proj\nmonitors: off\n',
    );
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(statusOf(dir, 'fresh')).toBe('success');
    expect(resultOf(dir, 'stale')).toMatchObject({ status: 'skipped', reason: expect.stringContaining("where name = 'stale'") });
    expect(statusOf(dir, 'counts')).toBe('success');
    expect(statusOf(dir, 'always')).toBe('success');
    expect(resultOf(dir, 'never')).toMatchObject({ status: 'skipped', reason: 'run_if was false: select false' });
    expect(readFileSync(join(dir, 'always.txt'), 'utf8')).toBe('1');
    expect(existsSync(join(dir, 'never.txt'))).toBe(false);
    // The extract that ran waited for the seed its run_if reads.
    const order = runResults(dir).results.map((r) => r.name);
    expect(order.indexOf('switches')).toBeLessThan(order.indexOf('fresh'));
  });
});

describe('trigger rules', () => {
  // good builds, bad fails (it reads a table that does not exist), off is skipped by its run_if.
  const parents = {
    'models/good.sql': 'select 1 as x\n',
    'models/bad.sql': 'select * from no_such_table\n',
    'models/off.sql': `{{config run_if="select false"}}\nselect 1 as x\n`,
  };
  // Each child names its parents in a comment (an order, not a read) and reads only good.
  const child = (rule: string, ...names: string[]) => `${rule === 'all_success' ? '' : `{{config trigger="${rule}"}}\n`}-- after ${names.map((n) => `{{ref "${n}"}}`).join(' ')}\nselect 1 as x\n`;

  it('each rule, with a failed parent and with a skipped parent', async () => {
    const dir = makeProject(
      {
        ...parents,
        'models/all_success_failed.sql': child('all_success', 'good', 'bad'),
        'models/all_success_skipped.sql': child('all_success', 'good', 'off'),
        'models/none_failed_failed.sql': child('none_failed', 'good', 'bad'),
        'models/none_failed_skipped.sql': child('none_failed', 'good', 'off'),
        'models/any_success_failed.sql': child('any_success', 'good', 'bad'),
        'models/any_success_none.sql': child('any_success', 'bad', 'off'),
        'models/any_success_skipped.sql': child('any_success', 'off'),
        'models/all_done_failed.sql': child('all_done', 'good', 'bad'),
        'models/all_done_skipped.sql': child('all_done', 'off'),
        // A skip because a parent failed is a failure to what follows (Airflow's upstream_failed).
        'models/after_upstream_failed.sql': child('none_failed', 'all_success_failed'),
        'models/after_skipped.sql': child('none_failed', 'all_success_skipped'),
      },
      'name: proj\nmonitors: off\n',
    );
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code).toBe(1);
    const outcome = (name: string) => {
      const r = resultOf(dir, name);
      return r.status === 'skipped' ? `skipped: ${r.skippedBecause ? `upstream ${r.skippedBecause} failed` : r.reason}` : r.status;
    };
    expect(outcome('good')).toBe('success');
    expect(outcome('bad')).toBe('error');
    expect(outcome('off')).toBe('skipped: run_if was false: select false');
    expect(outcome('all_success_failed')).toBe('skipped: upstream bad failed');
    expect(outcome('all_success_skipped')).toBe('skipped: trigger all_success: upstream off was skipped');
    expect(outcome('none_failed_failed')).toBe('skipped: upstream bad failed');
    expect(outcome('none_failed_skipped')).toBe('success');
    expect(outcome('any_success_failed')).toBe('success');
    expect(outcome('any_success_none')).toBe('skipped: upstream bad failed');
    expect(outcome('any_success_skipped')).toBe('skipped: trigger any_success: upstream off was skipped');
    expect(outcome('all_done_failed')).toBe('success');
    expect(outcome('all_done_skipped')).toBe('success');
    expect(outcome('after_upstream_failed')).toBe('skipped: upstream bad failed');
    expect(outcome('after_skipped')).toBe('success');
    expect(run.stdout).toMatch(/Finished in [\d.]+s: 6 ok, 1 error, 7 skipped/);
  });

  it('all_done reads what a failed parent left: a relation that never existed is the engine error of the node', async () => {
    const dir = makeProject({ ...parents, 'models/reads_bad.sql': '{{config trigger="all_done"}}\nselect * from {{ref "bad"}}\n' }, 'name: proj\nmonitors: off\n');
    const run = await dpf(['build', '-s', '+reads_bad'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(resultOf(dir, 'reads_bad')).toMatchObject({ status: 'error', error: { location: { file: 'models/reads_bad.sql' } } });
  });

  it('a failing data test still stops what it gates, whatever the trigger rule', async () => {
    const dir = makeProject(
      {
        'models/checked.sql': 'select null as id\n',
        'models/props.yml': 'models:\n  - name: checked\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
        'models/gated.sql': child('all_done', 'checked'),
      },
      'name: proj\nmonitors: off\n',
    );
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(resultOf(dir, 'gated')).toMatchObject({ status: 'skipped', skippedBecause: 'not_null_checked_id' });
  });
});

describe('branching', () => {
  it('complementary run_if on two branches, joined by none_failed: one runs, one is skipped, the join runs and reads the branch that ran', async () => {
    const files = {
      'seeds/orders.csv': ORDERS,
      'models/big_day.sql': `{{config materialized="table" run_if="select count(*) >= 3 from {{ref 'orders'}}"}}\nselect 'big' as route, count(*) as n from {{ref 'orders'}}\n`,
      'models/small_day.sql': `{{config materialized="table" run_if="select count(*) < 3 from {{ref 'orders'}}"}}\nselect 'small' as route, count(*) as n from {{ref 'orders'}}\n`,
      'models/day_report.sql': `{{config materialized="table" trigger="none_failed"}}\n-- after {{ref 'small_day'}}\nselect route, n from {{ref 'big_day'}}\n`,
    };
    const dir = makeProject(files, 'name: proj\nmonitors: off\n');
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(statusOf(dir, 'big_day')).toBe('success');
    expect(resultOf(dir, 'small_day')).toMatchObject({ status: 'skipped', reason: expect.stringContaining('count(*) < 3') });
    expect(statusOf(dir, 'day_report')).toBe('success');
    expect(await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select route, n::int as n from main.day_report')).toEqual([{ route: 'big', n: 3 }]);

    // Without none_failed the join follows all_success and is skipped with the branch.
    const strict = makeProject({ ...files, 'models/day_report.sql': files['models/day_report.sql'].replace(' trigger="none_failed"', '') }, 'name: proj\nmonitors: off\n');
    const strictRun = await dpf(['build'], { cwd: strict });
    expect(strictRun.code, strictRun.output).toBe(0);
    expect(resultOf(strict, 'day_report')).toMatchObject({ status: 'skipped', reason: 'trigger all_success: upstream small_day was skipped' });
  });
});

describe('handlers', () => {
  /** A source whose extract fails (a permanent error, HTTP 400) its first fail_times attempts. */
  const ONCE = `import { defineSource } from 'dpf';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export default defineSource<{ name: string; fail_times: number }>({
  config: { type: 'object', required: ['name', 'fail_times'], properties: { name: { type: 'string' }, fail_times: { type: 'integer' } } },
  columns: [{ name: 'id', type: 'integer' }],
  async *extract(config, ctx) {
    const counter = join(ctx.projectDir, 'attempts-' + config.name + '.txt');
    const attempt = (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0) + 1;
    writeFileSync(counter, String(attempt));
    if (attempt <= config.fail_times) throw Object.assign(new Error('the partner refused ' + config.name), { status: 400 });
    yield [[attempt]];
  },
});
`;
  /** Decides by the node's name; records what it saw in guard.jsonl beside it. */
  const GUARD = `import type { NodeErrorContext, NodeSuccessContext, RunEndContext } from 'dpf';
import { appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const file = join(dirname(fileURLToPath(import.meta.url)), 'guard.jsonl');
const log = (line: object) => appendFileSync(file, JSON.stringify(line) + '\\n');

export function onNodeError(ctx: NodeErrorContext) {
  log({ handler: 'error', node: ctx.node.name, kind: ctx.node.kind, code: ctx.error.code, transient: ctx.error.transient, attempt: ctx.attempt });
  return ctx.node.name === 'flaky' ? 'retry' : ctx.node.name === 'doomed' ? 'skip' : 'fail';
}
export function onNodeSuccess(ctx: NodeSuccessContext) {
  log({ handler: 'success', node: ctx.node.name });
}
export async function onRunEnd(ctx: RunEndContext) {
  log({ handler: 'end', counts: ctx.counts, failed: ctx.failed });
}
`;
  const CRASHY = `export function onNodeError(ctx: { node: { name: string } }) {
  if (ctx.node.name === 'hangs') return new Promise(() => {});
  throw new Error('the pager is down');
}
`;
  const sources = (tables: Record<string, number>) =>
    `sources:\n  - name: raw\n    tables:\n${Object.entries(tables).map(([name, n]) => `      - name: ${name}\n        extract: {plugin: once, name: ${name}, fail_times: ${n}}\n`).join('')}`;

  it('onNodeError retries, skips or fails a failed step, each decision recorded as the plugin\'s; onNodeSuccess and onRunEnd are told', async () => {
    const dir = makeProject(
      {
        'plugins/once.ts': ONCE,
        'plugins/guard.ts': GUARD,
        'plugins/crashy.ts': CRASHY,
        'models/sources.yml': sources({ flaky: 1, doomed: 9, broken: 9 }),
        'models/after_doomed.sql': '{{config trigger="none_failed"}}\n-- after {{source "raw" "doomed"}}\nselect 1 as x\n',
      },
      'name: proj\nmonitors: off\nhandlers:\n  on_node_error: [crashy, guard]\n  on_node_success: [guard]\n  on_run_end: [guard]\n',
    );
    const log = join(dir, 'plugins/guard.jsonl');
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code).toBe(1);

    const flaky = resultOf(dir, 'flaky');
    expect(flaky).toMatchObject({ status: 'success', attempts: 2, decidedBy: 'plugin guard' });
    expect(flaky.decisions).toEqual([{ attempt: 1, action: 'retry', decidedBy: 'plugin guard', reason: expect.stringContaining('the partner refused flaky'), waitSeconds: 0 }]);
    expect(Number(readFileSync(join(dir, 'attempts-flaky.txt'), 'utf8'))).toBe(2);
    expect(run.stdout).toMatch(/OK +extr +main_raw\.flaky \.+ \[1 rows landed in [\d.]+s\][^\n]*\(after 2 attempts; plugin guard said retry\)/);

    const doomed = resultOf(dir, 'doomed');
    expect(doomed).toMatchObject({ status: 'skipped', decidedBy: 'plugin guard', reason: expect.stringContaining('plugin guard skipped it after: ') });
    expect(doomed.decisions?.map((d) => `${d.action} ${d.decidedBy}`)).toEqual(['skip plugin guard']);
    expect(doomed.error).toBeUndefined();
    expect(statusOf(dir, 'after_doomed')).toBe('success');

    const broken = resultOf(dir, 'broken');
    expect(broken.status).toBe('error');
    expect(broken.decisions?.map((d) => `${d.action} ${d.decidedBy}`)).toEqual(['fail plugin guard', 'fail on_error: fail']);

    // crashy threw for every failed step: a warning on each, and guard decided anyway.
    for (const name of ['flaky', 'doomed', 'broken']) {
      expect(resultOf(dir, name).warnings?.[0]).toMatchObject({ code: 'DPF833', severity: 'warning', message: expect.stringContaining('onNodeError of plugin "crashy" failed, and was ignored: the pager is down') });
    }
    expect(run.output).toMatch(/DPF833 Handler failed/);

    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.handler === 'error' && l.node === 'flaky')).toEqual([{ handler: 'error', node: 'flaky', kind: 'source', code: 'DPF803', transient: false, attempt: 1 }]);
    expect(lines.filter((l) => l.handler === 'success').map((l) => l.node).sort()).toEqual(['after_doomed', 'flaky']);
    const ends = lines.filter((l) => l.handler === 'end');
    expect(ends).toHaveLength(1);
    expect(ends[0].counts).toMatchObject({ success: 2, error: 1, skipped: 1 });
    expect(ends[0].failed).toEqual(['source.proj.raw.broken']);
  });

  it('a handler that throws or hangs leaves the node its own error, with a warning; one that names no plugin is a compile error at its line', async () => {
    const dir = makeProject(
      { 'plugins/once.ts': ONCE, 'plugins/crashy.ts': CRASHY, 'models/sources.yml': sources({ throws: 9, hangs: 9 }) },
      'name: proj\nmonitors: off\nhandlers:\n  timeout_seconds: 0.2\n  on_node_error: [crashy]\n',
    );
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code).toBe(1);
    for (const name of ['throws', 'hangs']) {
      const r = resultOf(dir, name);
      expect(r).toMatchObject({ status: 'error', decidedBy: 'on_error: fail', error: { code: 'DPF803' } });
      expect(r.decisions?.map((d) => d.decidedBy)).toEqual(['on_error: fail']);
    }
    expect(resultOf(dir, 'throws').warnings?.[0]?.message).toMatch(/the pager is down/);
    expect(resultOf(dir, 'hangs').warnings?.[0]?.message).toMatch(/did not answer in 0\.2 s/);
    expect(existsSync(join(dir, 'target/run_results.json'))).toBe(true);

    const unknown = makeProject({ 'plugins/crashy.ts': CRASHY, 'models/m.sql': 'select 1 as x\n' }, 'name: proj\nmonitors: off\nhandlers:\n  on_run_end: [crashy]\n  on_node_error: [crashi]\n');
    const compile = await dpf(['compile'], { cwd: unknown });
    expect(compile.code).toBe(2);
    expect(compile.output).toMatch(/DPF802 Not a plugin — dpf_project\.yml:4[^]*"crashy" cannot be used: on_run_end names it, and it exports no function onRunEnd\(ctx\)\.\n  hint: A handler is a named export/);
    expect(compile.output).toMatch(/DPF800 Unknown plugin — dpf_project\.yml:5[^]*No plugin is named "crashi"\. Did you mean "crashy"\?/);
  });
});
