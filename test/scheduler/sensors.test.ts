/**
 * Sensors (`when:`) with real parts: a files sensor inside a real `dpf schedule` process starts
 * a run when a file lands in the watched folder (and not for what was there before it
 * started); a source sensor's look, in a real worker process through the target's adapter,
 * reads a DuckDB table's data version, which changes when a row is added, and names an
 * unknown source with the closest one.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processLauncher } from '../../src/pipelines/run-launcher.js';
import type { Pipeline } from '../../src/pipelines/pipeline.js';
import { queryDuckDB } from '../helpers/query-duckdb.js';
import { REPO_ROOT, makeProject } from '../helpers/run-dpf.js';

describe('sensors', () => {
  it('a files sensor in dpf schedule runs the pipeline when a file lands, not for the files already there', async () => {
    const dir = makeProject(
      {
        'landing/old.csv': 'id\n1\n',
        'models/orders.sql': "{{config materialized=\"table\"}}\nselect * from read_csv('landing/*.csv')\n",
        'pipelines/load.yml': 'select: orders\nwhen:\n  - files: landing/*.csv\n    every: 1\n',
      },
      'name: proj\nmonitors: off\n',
    );
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/dpf.js'), 'schedule', '--project-dir', dir, '--log-format', 'json'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let buffer = '';
    child.stdout.on('data', (d) => {
      buffer += d;
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const part of parts) if (part.trim()) lines.push(JSON.parse(part) as Record<string, unknown>);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = async (what: string, test: () => boolean) => {
      for (let i = 0; i < 600 && !test(); i++) await new Promise((r) => setTimeout(r, 100));
      if (!test()) throw new Error(`timed out waiting for ${what}: ${stderr}\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
    };
    try {
      await waitFor('the scheduler to lead', () => lines.some((l) => l.event === 'leader'));
      // Two looks of a 1-second sensor pass without a run: old.csv was there before.
      await new Promise((r) => setTimeout(r, 1000));
      await new Promise((r) => setTimeout(r, 1000));
      expect(lines.filter((l) => l.event === 'run_started')).toEqual([]);
      writeFileSync(join(dir, 'landing/new.csv'), 'id\n2\n3\n');
      await waitFor('the run', () => lines.some((l) => l.event === 'run_ended'));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    const ticks = lines.filter((l) => l.event === 'ticks').flatMap((l) => l.ticks as { kind: string; reason: string }[]);
    expect(ticks).toEqual([expect.objectContaining({ pipeline: 'load', kind: 'sensor', state: 'pending', reason: 'files landing/*.csv changed' })]);
    expect(lines.find((l) => l.event === 'run_ended')).toMatchObject({ end: { state: 'success' } });
    expect(Number((await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select count(*) as n from main.orders'))[0]!.n)).toBe(3);
  }, 90_000);

  it("a source sensor's look reads the table's data version in a worker process, and names an unknown source", async () => {
    const dir = makeProject({ 'models/sources.yml': 'sources:\n  - name: shop\n    schema: main\n    tables:\n      - name: orders\n' });
    const db = join(dir, 'target/dev.duckdb');
    mkdirSync(join(dir, 'target'), { recursive: true });
    await queryDuckDB(db, 'create table main.orders as select 1 as id');
    const launcher = processLauncher({ projectDir: dir, env: { PATH: process.env.PATH, HOME: dir } });
    const pipeline = { name: 'p' } as Pipeline;
    const first = await launcher.sourceVersion!(pipeline, 'shop.orders');
    expect(first.error).toBeUndefined();
    expect(first.version).toMatch(/\S/);
    expect(await launcher.sourceVersion!(pipeline, 'shop.orders')).toEqual(first);
    await queryDuckDB(db, 'insert into main.orders values (2)');
    const second = await launcher.sourceVersion!(pipeline, 'shop.orders');
    expect(second.version).toMatch(/\S/);
    expect(second.version).not.toBe(first.version);
    expect(await launcher.sourceVersion!(pipeline, 'shop.order')).toEqual({ error: 'DPF501: No model, seed or source named "shop.order". Did you mean "shop.orders"?' });
  }, 60_000);
});
