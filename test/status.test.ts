/**
 * `dpf status` through the real CLI on a temporary project whose scheduler state is written
 * through the store's own write API with a fixed clock (as a scheduler would write it): a
 * success, a late tick, ticks skipped while no scheduler ran, a failure with its failed node, a
 * lost run waiting for its retry, and a running run with progress. Text and JSON (validated
 * against schemas/status.schema.json), an injected clock (DPF_NOW) and time zone (TZ), the
 * lease alive, expired and never taken, --pipeline and --fail-on-failed; and the catalog
 * site's Pipelines page data from the same report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { DAY, makeStatusProject, STATUS_HOLDER, STATUS_MODELS, STATUS_NOW, STATUS_PIPELINES } from './helpers/scheduler-state.js';
import type { StatusReport } from '../src/pipelines/index.js';
import { durationText } from '../src/cli/commands/status-command.js';
import { dpf, makeProject, REPO_ROOT } from './helpers/run-dpf.js';
import { runDataScript } from './docs-site/helpers/site-files.js';

const env = (dir: string, extra: NodeJS.ProcessEnv = {}) => ({ HOME: dir, TZ: 'Europe/Berlin', DPF_NOW: STATUS_NOW, ...extra });

let dir: string;
beforeAll(async () => {
  dir = await makeStatusProject();
});

describe('dpf status', () => {
  it('shows the leader, the running run, the last runs with late and skipped ticks, the next runs and how to retry a failure', async () => {
    const run = await dpf(['status'], { cwd: dir, env: env(dir) });
    expect(run.code, run.output).toBe(0);
    expect(run.stderr).toBe('');
    const out = run.stdout;
    expect(out).toContain('Scheduler: host-a (pid 4242) leads (lease renewed 5.0s ago, valid until 2026-03-28 13:00:10 GMT+1)\n  state kept in the DuckDB file target/scheduler.duckdb\n');
    // Running now: progress and elapsed time from the injected clock.
    expect(out).toMatch(/\| pipeline \| run +\| attempt \| nodes \| elapsed \| heartbeat +\|/);
    expect(out).toMatch(/\| report +\| report@2026-03-28T11:30:00\.000Z#1 \| 1 +\| 3\/7 +\| 30m 00s +\| 10s ago +\|/);
    // Last runs, newest first per pipeline, in the user's time zone; late only past late_after_seconds.
    expect(out).toContain('Last runs (up to 5 per pipeline, times in Europe/Berlin)');
    expect(out).toMatch(/\| downstream +\| no runs yet +\|/);
    expect(out).toMatch(/\| extract +\| success +\| 2026-03-28 11:17:05 GMT\+1 \| 1m 00s +\| 1 +\| 2m 05s +\|/);
    expect(out).toMatch(/\| +\| success +\| 2026-03-28 03:15:02 GMT\+1 \| 58s +\| 1 +\| +\|/);
    expect(out).toContain('  extract: 3 skipped while no scheduler ran (2026-03-28 05:15:00 GMT+1 to 2026-03-28 09:15:00 GMT+1)');
    expect(out).toMatch(/\| marts +\| failed +\| 2026-03-28 09:00:30 GMT\+1 \| 1m 00s +\| 1 +\| +\|\n\| +\| success +\| 2026-03-27 09:00:01 GMT\+1/);
    expect(out).toMatch(/\| nightly +\| lost +\|/);
    // Next runs over all pipelines, soonest first; 02:00 UTC on the 29th is 04:00 in Berlin, after the clocks went forward.
    const next = out.slice(out.indexOf('Next runs (Europe/Berlin)'), out.indexOf('Failed ('));
    expect(next.match(/^\| 2026-\S+ \S+ \S+ +\| \w+/gm)).toEqual([
      '| 2026-03-28 13:15 GMT+1 | extract',
      '| 2026-03-28 15:15 GMT+1 | extract',
      '| 2026-03-28 17:15 GMT+1 | extract',
      '| 2026-03-28 19:15 GMT+1 | extract',
      '| 2026-03-28 21:15 GMT+1 | extract',
      '| 2026-03-28 23:15 GMT+1 | extract',
      '| 2026-03-29 01:15 GMT+1 | extract',
      '| 2026-03-29 04:00 GMT+2 | nightly',
      '| 2026-03-29 04:15 GMT+2 | extract',
      '| 2026-03-29 06:15 GMT+2 | extract',
    ]);
    expect(next).toContain('  downstream: after marts (all_success)');
    // The failures, with the failing node, the error's first line and the retry commands.
    expect(out).toContain('Failed (2)');
    expect(out).toContain('  marts: failed at 2026-03-28 09:01:30 GMT+1\n    run:   marts@2026-03-28T08:00:00.000Z#1 (dpf_meta run dpf-marts-2)\n    node:  model.proj.mart_a\n    error: Binder Error: Referenced column "x" not found in FROM clause!\n    retry: dpf pipeline run marts\n           dpf build --select mart_a+ --target dev');
    expect(out).not.toContain('LINE 1');
    expect(out).toContain('  nightly: failed: scheduler lost at 2026-03-28 04:00:00 GMT+1');
    expect(out).toContain('    next attempt at 2026-03-28 13:30:00 GMT+1 (a retry, per the pipeline\'s retries)\n    retry: dpf pipeline run nightly\n');
    // Readable at 100 columns.
    for (const line of out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('prints one JSON object that the schema accepts, with times in UTC and in --timezone', async () => {
    const run = await dpf(['status', '--output', 'json', '--timezone', 'America/New_York'], { cwd: dir, env: env(dir) });
    expect(run.code, run.output).toBe(0);
    const report = JSON.parse(run.stdout) as StatusReport;
    const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas/status.schema.json'), 'utf8'));
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report).toMatchObject({ now: '2026-03-28T12:00:00.000Z', timezone: 'America/New_York', store: 'DuckDB file target/scheduler.duckdb' });
    expect(report.scheduler).toEqual({ state: 'alive', holder: STATUS_HOLDER.id, host: 'host-a', pid: 4242, epoch: 1, renewedAt: { at: '2026-03-28T11:59:55.000Z', local: '2026-03-28 07:59:55 EDT' }, expiresAt: { at: '2026-03-28T12:00:10.000Z', local: '2026-03-28 08:00:10 EDT' } });
    expect(report.running).toMatchObject([{ pipeline: 'report', runId: 'report@2026-03-28T11:30:00.000Z#1', dpfRunId: 'dpf-report-1', nodesDone: 3, nodesTotal: 7, durationMs: 30 * 60_000, workerPid: 777, orphaned: false, state: 'running' }]);
    const extract = report.pipelines.find((p) => p.name === 'extract')!;
    expect(extract.runs.map((r) => [r.scheduledAt.at, r.state, r.lateMs, r.late])).toEqual([
      ['2026-03-28T10:15:00.000Z', 'success', 125_000, true],
      ['2026-03-28T02:15:00.000Z', 'success', 2000, false],
      ['2026-03-28T00:15:00.000Z', 'success', 2000, false],
    ]);
    expect(extract).toMatchObject({ owner: 'data-eng', selection: '--select raw_a+', latest: 'success', skipped: { count: 3, first: { at: '2026-03-28T04:15:00.000Z' }, last: { at: '2026-03-28T08:15:00.000Z' } }, nextRun: { at: '2026-03-28T12:15:00.000Z', local: '2026-03-28 08:15:00 EDT' } });
    expect(report.next).toHaveLength(10);
    expect(report.afterOnly).toEqual([{ pipeline: 'downstream', after: ['marts'], trigger: 'all_success' }]);
    expect(report.failures).toEqual([
      {
        pipeline: 'marts',
        runId: 'marts@2026-03-28T08:00:00.000Z#1',
        dpfRunId: 'dpf-marts-2',
        state: 'failed',
        endedAt: { at: '2026-03-28T08:01:30.000Z', local: '2026-03-28 04:01:30 EDT' },
        failedNode: 'model.proj.mart_a',
        error: 'Binder Error: Referenced column "x" not found in FROM clause!',
        retryAt: null,
        retry: ['dpf pipeline run marts', 'dpf build --select mart_a+ --target dev'],
      },
      expect.objectContaining({ pipeline: 'nightly', state: 'lost', failedNode: null, retryAt: { at: '2026-03-28T12:30:00.000Z', local: '2026-03-28 08:30:00 EDT' }, retry: ['dpf pipeline run nightly'] }),
    ]);
  });

  it('--pipeline and --limit narrow it: skipped ticks count back to the run before the oldest one shown', async () => {
    const one = await dpf(['status', '--pipeline', 'extract', '--limit', '1', '--output', 'json'], { cwd: dir, env: env(dir) });
    expect(one.code, one.output).toBe(0);
    const report = JSON.parse(one.stdout) as StatusReport;
    expect(report.pipelines.map((p) => [p.name, p.runs.length, p.skipped?.count])).toEqual([['extract', 1, 3]]);
    expect(report.running).toEqual([]);
    expect(report.failures).toEqual([]);
    expect(new Set(report.next.map((n) => n.pipeline))).toEqual(new Set(['extract']));
    // The skipped ticks lie before the run shown, after the one before it: still counted.
    const marts = JSON.parse((await dpf(['status', '--pipeline', 'marts', '--limit', '1', '--output', 'json'], { cwd: dir, env: env(dir) })).stdout) as StatusReport;
    expect(marts.pipelines[0]!.runs.map((r) => r.state)).toEqual(['failed']);
    expect(marts.failures.map((f) => f.pipeline)).toEqual(['marts']);
  });

  it('names an unknown --pipeline with the closest name, and rejects a bad --limit', async () => {
    const run = await dpf(['status', '--pipeline', 'extrct'], { cwd: dir, env: env(dir) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/DPF902[\s\S]*dpf status --pipeline names the pipeline "extrct", which does not exist\. Did you mean "extract"\?/);
    expect(run.stderr).toContain('The pipelines are: downstream, extract, marts, nightly, report');
    const limit = await dpf(['status', '--limit', '0'], { cwd: dir, env: env(dir) });
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--limit must be a whole number above 0');
  });

  it('exits 1 with --fail-on-failed while a latest run failed, 0 without it', async () => {
    expect((await dpf(['status', '--fail-on-failed'], { cwd: dir, env: env(dir) })).code).toBe(1);
    expect((await dpf(['status', '--fail-on-failed', '--pipeline', 'extract'], { cwd: dir, env: env(dir) })).code).toBe(0);
    expect((await dpf(['status', '--output', 'json'], { cwd: dir, env: env(dir) })).code).toBe(0);
  });

  it('says when the lease has expired and marks the running run orphaned', async () => {
    const run = await dpf(['status'], { cwd: dir, env: env(dir, { DPF_NOW: '2026-03-28T12:05:10Z' }) });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('Scheduler: none is running; the lease of host-a (pid 4242) expired 5m 00s ago (2026-03-28 13:00:10 GMT+1)\n');
    expect(run.stdout).toMatch(/\| report +\| .* \| 35m 10s +\| 5m 20s ago \(orphaned: its scheduler is gone\) \|/);
  });

  it('says no scheduler has run when there is no store, and creates none', async () => {
    const fresh = makeProject({ ...STATUS_MODELS, ...STATUS_PIPELINES });
    const run = await dpf(['status'], { cwd: fresh, env: env(fresh) });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('Scheduler: no scheduler has run (start one with `dpf schedule`)\n  state kept in the DuckDB file target/scheduler.duckdb\n');
    expect(run.stdout).toContain('Running now: nothing.');
    expect(run.stdout).toMatch(/\| extract +\| no runs yet +\|/);
    expect(run.stdout).toContain('| 2026-03-28 13:15 GMT+1 | extract');
    expect(run.stdout).not.toContain('Failed');
    expect(existsSync(join(fresh, 'target', 'scheduler.duckdb'))).toBe(false);
  });

  it('writes durations as people read them', () => {
    expect([850, 5_000, 12_400, 245_000, 7_620_000, 3 * DAY + 4 * 3_600_000].map(durationText)).toEqual(['850 ms', '5.0s', '12s', '4m 05s', '2h 07m', '3d 04h']);
  });
});
describe('the catalog site\'s Pipelines page', () => {
  it('carries the same report, taken when the site is generated', async () => {
    const run = await dpf(['docs', 'generate', '--empty-catalog'], { cwd: dir, env: env(dir) });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('Pipelines: 5, read from the DuckDB file target/scheduler.duckdb (1 running, 2 failed)');
    const data = runDataScript(readFileSync(join(dir, 'target', 'site', 'data', 'pipelines.js'), 'utf8'));
    expect(data.kind).toBe('pipelines');
    const report = JSON.parse(data.json) as StatusReport;
    expect(report.now).toBe('2026-03-28T12:00:00.000Z');
    expect(report.pipelines.map((p) => p.name)).toEqual(['downstream', 'extract', 'marts', 'nightly', 'report']);
    expect(report.running.map((r) => r.runId)).toEqual(['report@2026-03-28T11:30:00.000Z#1']);
    expect(report.pipelines.find((p) => p.name === 'marts')!.runs.map((r) => r.state)).toEqual(['failed', 'success']);
    expect(report.failures.map((f) => f.retry)).toContainEqual(['dpf pipeline run marts', 'dpf build --select mart_a+ --target dev']);
  });

  it('lists the pipelines and says no scheduler has run when there is no store', async () => {
    const fresh = makeProject({ ...STATUS_MODELS, ...STATUS_PIPELINES });
    const run = await dpf(['docs', 'generate', '--empty-catalog'], { cwd: fresh, env: env(fresh) });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('Pipelines: 5, no scheduler has run yet');
    const report = JSON.parse(runDataScript(readFileSync(join(fresh, 'target', 'site', 'data', 'pipelines.js'), 'utf8')).json) as StatusReport;
    expect(report.scheduler).toEqual({ state: 'never' });
    expect(report.pipelines).toHaveLength(5);
    expect(existsSync(join(fresh, 'target', 'scheduler.duckdb'))).toBe(false);
  });
});
