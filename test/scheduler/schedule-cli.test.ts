/**
 * `dpf schedule` as a user runs it, on the demo project: a real process with real worker
 * processes building into the demo's DuckDB file, on an accelerated clock (DPF_SCHEDULE_CLOCK:
 * sixty times real speed from 04:57 UTC, minutes before both are due). The daily marts pipeline (06:00 Berlin = 05:00 UTC)
 * waits for the hourly reviews extract (05:05 UTC), then runs; SIGTERM stops the scheduler
 * cleanly. Then the tables, dpf_meta.runs and the scheduler's own store are checked.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqlSchedulerStore } from '../../src/pipelines/scheduler-store.js';
import { duckdbStoreDriver } from '../../src/pipelines/store-duckdb.js';
import { queryDuckDB } from '../helpers/query-duckdb.js';
import { REPO_ROOT, copyDemoProject, tempDir } from '../helpers/run-dpf.js';

interface Line {
  event: string;
  [key: string]: unknown;
}

describe('dpf schedule on the demo project', () => {
  it('runs the hourly extract, then the daily marts after it, in worker processes, and stops on SIGTERM', async () => {
    const dir = copyDemoProject();
    // Renewals every 100 s of clock time (under 2 s real at x60) keep the accelerated run light.
    appendFileSync(join(dir, 'dpf_project.yml'), 'scheduler:\n  lease_seconds: 300\n');
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/dpf.js'), 'schedule', '--project-dir', dir, '--log-format', 'json'], {
      cwd: tempDir(),
      env: { PATH: process.env.PATH, HOME: tempDir(), TZ: 'UTC', DPF_SCHEDULE_CLOCK: '2026-12-07T04:57:00Zx60' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Line[] = [];
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let buffer = '';
    const seen = new Promise<void>((resolve) => {
      child.stdout.on('data', (d) => {
        buffer += d;
        const parts = buffer.split('\n');
        buffer = parts.pop()!;
        for (const part of parts) {
          if (!part.trim()) continue;
          const line = JSON.parse(part) as Line;
          lines.push(line);
          if (line.event === 'run_ended' && (line.run as { pipeline: string }).pipeline === 'marts') resolve();
        }
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const outcome = await Promise.race([seen.then(() => 'seen'), exited.then(() => 'exited'), new Promise((r) => setTimeout(() => r('timeout'), 150_000))]);
    expect(outcome, `${stderr}\n${lines.map((l) => JSON.stringify(l)).join('\n')}`).toBe('seen');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');

    const events = lines.map((l) => l.event);
    expect(events[0]).toBe('scheduler_started');
    expect(events).toContain('leader');
    expect(events[events.length - 1]).toBe('stopped');
    const ended = lines.filter((l) => l.event === 'run_ended') as unknown as { run: { id: string; pipeline: string }; end: { state: string; dpfRunId: string } }[];
    expect(ended.map((e) => [e.run.id, e.end.state])).toEqual([
      ['reviews_extract@2026-12-07T05:05:00.000Z#1', 'success'],
      ['marts@2026-12-07T05:00:00.000Z#1', 'success'],
    ]);

    const db = join(dir, 'target/dev.duckdb');
    const history = await queryDuckDB(db, "select run_id, pipeline, status from dpf_meta.runs where pipeline is not null order by started_at");
    expect(history.map((r) => [r.run_id, r.pipeline, r.status])).toEqual([
      [ended[0]!.end.dpfRunId, 'reviews_extract', 'success'],
      [ended[1]!.end.dpfRunId, 'marts', 'success'],
    ]);
    expect(Number((await queryDuckDB(db, 'select count(*) as n from main.fct_orders'))[0]!.n)).toBe(500);
    expect(Number((await queryDuckDB(db, 'select count(*) as n from main_partner.reviews'))[0]!.n)).toBeGreaterThan(0);

    const store = sqlSchedulerStore(duckdbStoreDriver(join(dir, 'target/scheduler.duckdb')));
    try {
      const ticks = await store.ticks();
      expect(ticks.filter((t) => t.state === 'success').map((t) => t.pipeline).sort()).toEqual(['marts', 'reviews_extract']);
      expect((await store.leaseRow())?.expiresAt).toBeLessThanOrEqual(Date.parse('2026-12-07T06:00:00Z'));
      expect(await store.runs({ state: 'running' })).toEqual([]);
    } finally {
      await store.close();
    }
  }, 180_000);
});
