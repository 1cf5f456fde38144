/**
 * Throughput and error policies of the one runner (docs/configuration.md#pools, #retries,
 * #on_error), end to end on real DuckDB files with a plugin that records when it ran: a pool
 * of 1 never runs two of its steps at once (seen from the recorded intervals, not from wall
 * time); a transient error is retried and a permanent one is not; on_error skip_downstream
 * and continue keep the run green and say so.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../src/compiler/schema-validators.js';
import { dpf, makeProject } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

/** Yields one row after `ms`; records its interval; throws {status} while it has been called no more than fail_times times. */
const SLOW = `import { defineSource } from 'dpf';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Config { name: string; ms: number; fail_times?: number; status?: number }

export default defineSource<Config>({
  config: {
    type: 'object',
    required: ['name', 'ms'],
    properties: { name: { type: 'string' }, ms: { type: 'integer' }, fail_times: { type: 'integer' }, status: { type: 'integer' } },
  },
  columns: [{ name: 'id', type: 'integer' }],
  async *extract(config, ctx) {
    const counter = join(ctx.projectDir, 'attempts-' + config.name + '.txt');
    const attempt = (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0) + 1;
    writeFileSync(counter, String(attempt));
    const start = Date.now();
    await new Promise((resolve) => setTimeout(resolve, config.ms));
    appendFileSync(join(ctx.projectDir, 'intervals.jsonl'), JSON.stringify({ name: config.name, start, end: Date.now() }) + '\\n');
    if (attempt <= (config.fail_times ?? 0)) throw Object.assign(new Error('the partner API answered ' + (config.status ?? 503)), { status: config.status ?? 503 });
    yield [[attempt]];
  },
});
`;

interface Interval {
  name: string;
  start: number;
  end: number;
}
interface Result {
  uniqueId: string;
  name: string;
  status: string;
  queuedMs?: number;
  queuedFor?: string;
  attempts?: number;
  attemptErrors?: { attempt: number; message: string; transient: boolean }[];
  decisions?: { attempt: number; action: string; decidedBy: string }[];
  decidedBy?: string;
  tolerated?: boolean;
  readPrevious?: string[];
}

const sources = (tables: Record<string, string>) =>
  `sources:\n  - name: raw\n    tables:\n${Object.entries(tables).map(([name, extract]) => `      - name: ${name}\n        extract: {plugin: slow, name: ${name}, ${extract}}\n`).join('')}`;

function project(tables: Record<string, string>, projectYml: string, models: Record<string, string> = {}): string {
  return makeProject({ 'plugins/slow.ts': SLOW, 'models/sources.yml': sources(tables), ...models }, `name: proj\nmonitors: off\n${projectYml}`);
}

const intervals = (dir: string): Interval[] =>
  readFileSync(join(dir, 'intervals.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Interval);
const overlap = (a: Interval, b: Interval) => a.start < b.end && b.start < a.end;
const attempts = (dir: string, name: string) => Number(readFileSync(join(dir, `attempts-${name}.txt`), 'utf8'));
function runResults(dir: string): { tolerated?: number; results: Result[] } {
  const doc = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8'));
  const validate = schemaValidator('run_results');
  expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  return doc;
}
const resultOf = (dir: string, name: string) => runResults(dir).results.find((r) => r.name === name)!;

describe('pools', () => {
  it('a pool of 1 runs its steps one at a time, and the wait is in run_results and on the progress line', async () => {
    const tables = { a: 'ms: 600, pool: partner_api', b: 'ms: 600, pool: partner_api' };
    const dir = project(tables, 'pools: {partner_api: 1}\n');
    const run = await dpf(['build', '--threads', '4'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const [first, second] = intervals(dir);
    expect(overlap(first!, second!)).toBe(false);
    const waited = [resultOf(dir, 'a'), resultOf(dir, 'b')].sort((x, y) => (y.queuedMs ?? 0) - (x.queuedMs ?? 0))[0]!;
    expect(waited.queuedFor).toBe('pool partner_api');
    expect(waited.queuedMs).toBeGreaterThanOrEqual(500);
    expect(run.stdout).toMatch(new RegExp(`OK +extr +main_raw\\.${waited.name} \\.+ \\[1 rows landed in [\\d.]+s\\] \\(waited \\d\\.\\d s for pool partner_api\\)`));
  });

  it('the same steps overlap in a pool of 2, so the pool of 1 is what kept them apart', async () => {
    const dir = project({ a: 'ms: 600, pool: partner_api', b: 'ms: 600, pool: partner_api' }, 'pools: {partner_api: 2}\n');
    const run = await dpf(['build', '--threads', '4'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const [first, second] = intervals(dir);
    expect(overlap(first!, second!)).toBe(true);
  });

  it('an unknown pool is a compile error at its line, with the closest name', async () => {
    const dir = project({ a: 'ms: 1, pool: partner_apj' }, 'pools: {partner_api: 1}\nmodels:\n  proj:\n    +pool: warehose\n', {
      'models/m.sql': '{{config pool="partnr_api"}}\nselect 1 as x\n',
    });
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/No pool is named "partner_apj"\. Did you mean "partner_api"\?/);
    expect(run.output.match(/DPF117 Unknown pool/g)).toHaveLength(3);
    expect(run.output).toMatch(/models\/sources\.yml:5/);
    expect(run.output).toMatch(/No pool is named "warehose"\. Did you mean "warehouse"\?/);
    expect(run.output).toMatch(/dpf_project\.yml:6/);
    expect(run.output).toMatch(/No pool is named "partnr_api"\. Did you mean "partner_api"\?/);
    expect(run.output).toMatch(/models\/m\.sql:1/);
  });
});

describe('where policies are written', () => {
  it('folder config, YAML config and {{config}} resolve per node, the most specific winning; a bad value is an error at its line', async () => {
    const dir = project(
      { a: 'ms: 1, pool: partner_api, retries: 1, on_error: continue' },
      'pools: {partner_api: 1, warehouse: 2}\nmodels:\n  proj:\n    +retries: {count: 2, initial: 0.5}\n    marts:\n      +pool: partner_api\n      +on_error: skip_downstream\n',
      {
        'models/marts/m1.sql': 'select 1 as x\n',
        'models/marts/m2.sql': '{{config retries=5 on_error="continue"}}\nselect 1 as x\n',
        'models/m3.sql': 'select 1 as x\n',
        'models/m3.yml': 'models:\n  - name: m3\n    config: {pool: warehouse, retries: 0}\n',
      },
    );
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const nodes = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8')).nodes;
    const policy = (id: string) => {
      const { pool, retries, on_error } = nodes[id].config;
      return { pool, retries: retries?.count, initial: retries?.initial, on_error };
    };
    expect(policy('model.proj.m1')).toEqual({ pool: 'partner_api', retries: 2, initial: 0.5, on_error: 'skip_downstream' });
    expect(policy('model.proj.m2')).toEqual({ pool: 'partner_api', retries: 5, initial: 1, on_error: 'continue' });
    expect(policy('model.proj.m3')).toEqual({ pool: 'warehouse', retries: undefined, initial: undefined, on_error: undefined });
    expect(nodes['source.proj.raw.a'].extract).toMatchObject({ pool: 'partner_api', retries: { count: 1 }, onError: 'continue' });
    expect(nodes['source.proj.raw.a'].extract.config).toEqual({ name: 'a', ms: 1 });

    writeFileSync(join(dir, 'models/m3.yml'), 'models:\n  - name: m3\n    config:\n      on_error: explode\n');
    const bad = await dpf(['compile'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.output).toMatch(/DPF103[^\n]*models\/m3\.yml:4/);
    expect(bad.output).toMatch(/"fail", "skip_downstream", "continue"/);
  });
  it('a model in a pool builds, and a policy changed later rebuilds nothing: it changes how a step runs, not what it holds', async () => {
    const dir = makeProject({ 'models/m1.sql': 'select 1 as x\n', 'models/m2.sql': '{{config materialized="table"}}\nselect x from {{ref "m1"}}\n' }, 'name: proj\nmonitors: off\npools: {serial: 1}\n');
    const first = await dpf(['build'], { cwd: dir });
    expect(first.code, first.output).toBe(0);
    writeFileSync(join(dir, 'dpf_project.yml'), 'name: proj\nmonitors: off\npools: {serial: 1}\nmodels:\n  +pool: serial\n  +retries: 2\n  +on_error: continue\n');
    const second = await dpf(['build'], { cwd: dir });
    expect(second.code, second.output).toBe(0);
    expect(second.stdout).toMatch(/REUSE +view +main\.m1/);
    expect(second.stdout).toMatch(/REUSE +table +main\.m2/);
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.nodes['model.proj.m2'].config).toMatchObject({ pool: 'serial', retries: { count: 2 }, on_error: 'continue' });
    const rebuilt = await dpf(['build', '--rebuild-all'], { cwd: dir });
    expect(rebuilt.code, rebuilt.output).toBe(0);
    expect(resultOf(dir, 'm2')).toMatchObject({ status: 'success', attempts: 1, queuedMs: expect.any(Number) });
  });
});

describe('retries', () => {
  it('a step failing with HTTP 503 once runs again and succeeds, with its attempts recorded', async () => {
    const dir = project({ a: 'ms: 1, fail_times: 1, status: 503, retries: {count: 2, initial: 0.05}' }, '');
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(attempts(dir, 'a')).toBe(2);
    expect(run.stdout).toMatch(/retrying main_raw\.a in 0\.05 s \(attempt 2 of 3\): The plugin "slow" failed while landing raw\.a: the partner API answered 503/);
    expect(run.stdout).toMatch(/OK +extr +main_raw\.a \.+ \[1 rows landed in [\d.]+s\] \(after 2 attempts\)/);
    const a = resultOf(dir, 'a');
    expect(a).toMatchObject({ status: 'success', attempts: 2, decidedBy: 'retries' });
    expect(a.attemptErrors).toEqual([{ attempt: 1, message: expect.stringContaining('the partner API answered 503'), transient: true }]);
    expect(a.decisions).toEqual([{ attempt: 1, action: 'retry', decidedBy: 'retries', reason: expect.stringMatching(/^transient: /), waitSeconds: 0.05 }]);
    expect((await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select id from main_raw.a')).map((r) => Number(r.id))).toEqual([2]);
  });

  it('gives up after count retries, and never retries an error that is not transient', async () => {
    const dir = project({ a: 'ms: 1, fail_times: 9, status: 503, retries: {count: 2, backoff: fixed, initial: 0.05}', b: 'ms: 1, fail_times: 9, status: 400, retries: 3' }, '');
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(attempts(dir, 'a')).toBe(3);
    expect(resultOf(dir, 'a')).toMatchObject({ status: 'error', attempts: 3, decidedBy: 'on_error: fail' });
    expect(resultOf(dir, 'a').decisions?.map((d) => `${d.attempt} ${d.action} ${d.decidedBy}`)).toEqual(['1 retry retries', '2 retry retries', '3 fail retries', '3 fail on_error: fail']);
    expect(attempts(dir, 'b')).toBe(1);
    expect(resultOf(dir, 'b')).toMatchObject({ status: 'error', attempts: 1, decidedBy: 'on_error: fail' });
    expect(resultOf(dir, 'b').attemptErrors).toEqual([{ attempt: 1, message: expect.stringContaining('answered 400'), transient: false }]);
  });
});

describe('on_error', () => {
  const reader = { 'models/reads_a.sql': '{{config materialized="table"}}\nselect count(*) as n, max(id) as last_id from {{source "raw" "a"}}\n', 'models/alone.sql': 'select 1 as x\n' };

  it('skip_downstream: what reads the failed node is skipped, and the run does not fail', async () => {
    const dir = project({ a: 'ms: 1, fail_times: 9, status: 400, on_error: skip_downstream' }, '', reader);
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/WARN +extr +main_raw\.a \.+ \[error in [\d.]+s\] \(on_error: skip_downstream: what reads it is skipped\)/);
    expect(run.stdout).toMatch(/SKIP +table +main\.reads_a/);
    expect(run.stdout).toMatch(/OK +view +main\.alone/);
    expect(run.stdout).toMatch(/1 warning, 0 errors, 1 skipped/);
    expect(run.stdout).toMatch(/tolerated: a failed \(on_error: skip_downstream\)/);
    const results = runResults(dir);
    expect(results.tolerated).toBe(1);
    expect(results.results.find((r) => r.name === 'a')).toMatchObject({ status: 'error', tolerated: true, decidedBy: 'on_error: skip_downstream' });
    expect(results.results.find((r) => r.name === 'reads_a')).toMatchObject({ status: 'skipped', decidedBy: 'on_error: skip_downstream' });
  });

  it('continue: what reads the failed node runs on its previous version, flagged; with no previous version it is skipped', async () => {
    const dir = project({ a: 'ms: 1, on_error: continue' }, '', reader);
    // No previous version yet: the reader is skipped, and the run does not fail.
    writeFileSync(join(dir, 'attempts-a.txt'), '0');
    writeFileSync(join(dir, 'models/sources.yml'), sources({ a: 'ms: 1, fail_times: 1, status: 400, on_error: continue' }));
    const none = await dpf(['build'], { cwd: dir });
    expect(none.code, none.output).toBe(0);
    expect(resultOf(dir, 'reads_a')).toMatchObject({ status: 'skipped' });
    expect(resultOf(dir, 'a').decisions?.at(-1)).toMatchObject({ action: 'skip_downstream', decidedBy: 'on_error: continue' });

    // A good build (attempt 2 lands id 2), then a failing one: the reader reads what the good one landed.
    const good = await dpf(['build'], { cwd: dir });
    expect(good.code, good.output).toBe(0);
    writeFileSync(join(dir, 'models/sources.yml'), sources({ a: 'ms: 1, fail_times: 99, status: 400, on_error: continue' }));
    const failing = await dpf(['build'], { cwd: dir });
    expect(failing.code, failing.output).toBe(0);
    expect(failing.stdout).toMatch(/WARN +extr +main_raw\.a .*\(on_error: continue: what reads it reads its previous version\)/);
    expect(failing.stdout).toMatch(/OK +table +main\.reads_a \.+ \[.*\] .*\(read the previous version of a, whose build failed\)/);
    expect(resultOf(dir, 'reads_a')).toMatchObject({ status: 'success', readPrevious: ['a'], decidedBy: 'on_error: continue' });
    expect(await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select n::int as n, last_id::int as last_id from main.reads_a')).toEqual([{ n: 1, last_id: 2 }]);
    expect(existsSync(join(dir, 'target/run_results.json'))).toBe(true);
  });
});
