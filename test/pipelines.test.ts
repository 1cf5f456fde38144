/**
 * Pipelines (docs/scheduling.md) through the real CLI on temporary DuckDB projects:
 * pipelines/*.yml errors at their lines, `dpf pipeline ls` with next run times from an injected
 * clock (DPF_NOW) across a daylight-saving change, and `dpf pipeline run` building exactly the
 * pipeline's selection through dpf build's executor, recorded in dpf_meta.runs.pipeline.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextRunTimes, runPipeline } from '../src/pipelines/index.js';
import { dpf, makeProject } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const models = {
  'models/raw_a.sql': 'select 1 as id\n',
  'models/stg_a.sql': 'select id, {{var "factor" 1}} as factor from {{ref "raw_a"}}\n',
  'models/mart_a.sql': 'select * from {{ref "stg_a"}}\n',
  'models/other.sql': 'select 2 as id\n',
};

const env = (dir: string, extra: NodeJS.ProcessEnv = {}) => ({ HOME: dir, TZ: 'UTC', ...extra });

describe('pipelines/*.yml', () => {
  it('reports schema errors, a bad cron and an unknown time zone at their lines, all at once', async () => {
    const dir = makeProject({
      ...models,
      'pipelines/hourly.yml': 'select: raw_a+\nschedule:\n  cron: "61 * * * *"\n  timezone: Europe/Berlim\ntrigger: all_sucess\nshedule: {}\n',
    });
    const run = await dpf(['pipeline', 'ls'], { cwd: dir, env: env(dir) });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toMatch(/DPF102[\s\S]*Unknown key "shedule"[\s\S]*Did you mean "schedule"\?/);
    expect(run.stderr).toContain('pipelines/hourly.yml:6:1');
    expect(run.stderr).toMatch(/DPF103[\s\S]*pipelines\/hourly.yml:5:10/);
    // Schema errors stop the file before the cron is read; a valid shape with a bad cron and zone:
    const fixed = makeProject({ ...models, 'pipelines/hourly.yml': 'select: raw_a+\nschedule:\n  cron: "61 * * * *"\n  timezone: Europe/Berlim\n' });
    const bad = await dpf(['pipeline', 'ls'], { cwd: fixed, env: env(fixed) });
    expect(bad.code, bad.output).toBe(2);
    expect(bad.stderr).toMatch(/DPF900[\s\S]*"61 \* \* \* \*"[\s\S]*minute: 61/);
    expect(bad.stderr).toContain('pipelines/hourly.yml:3:9');
    expect(bad.stderr).toMatch(/DPF901[\s\S]*"Europe\/Berlim"[\s\S]*Did you mean "Europe\/Berlin"\?/);
    expect(bad.stderr).toContain('pipelines/hourly.yml:4:13');
  });

  it('names an unknown after: pipeline with the closest name, a cycle with its path, and a duplicate name', async () => {
    const unknown = makeProject({ ...models, 'pipelines/extract.yml': 'select: raw_a\n', 'pipelines/marts.yml': 'select: mart_a\nafter:\n  - extrct\n' });
    const run = await dpf(['pipeline', 'ls'], { cwd: unknown, env: env(unknown) });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toMatch(/DPF902[\s\S]*"extrct"[\s\S]*Did you mean "extract"\?/);
    expect(run.stderr).toContain('pipelines/marts.yml:3:5');

    const cycle = makeProject({ ...models, 'pipelines/a.yml': 'after: [c]\n', 'pipelines/b.yml': 'after: [a]\n', 'pipelines/c.yml': 'after: [b]\n' });
    const looped = await dpf(['pipeline', 'run', 'a'], { cwd: cycle, env: env(cycle) });
    expect(looped.code, looped.output).toBe(2);
    expect(looped.stderr).toMatch(/DPF903[\s\S]*a → c → b → a/);

    const twice = makeProject({ ...models, 'pipelines/one.yml': 'name: nightly\n', 'pipelines/two.yml': 'name: nightly\n' });
    const dup = await dpf(['pipeline', 'ls'], { cwd: twice, env: env(twice) });
    expect(dup.code, dup.output).toBe(2);
    expect(dup.stderr).toMatch(/DPF104[\s\S]*pipelines\/one.yml:1/);
    expect(dup.stderr).toContain('pipelines/two.yml:1:7');
  });
});

describe('dpf pipeline ls', () => {
  const project = () =>
    makeProject({
      ...models,
      'pipelines/extract.yml': 'description: raw data in\nselect: raw_a+\nexclude: mart_a\nschedule:\n  cron: "15 * * * *"\nowner: data-eng\n',
      'pipelines/marts.yml': 'select: [mart_a, other]\nschedule:\n  cron: "0 9 * * *"\n  timezone: Europe/Berlin\nafter: [extract]\ntrigger: all_done\n',
      'pipelines/manual.yml': 'select: tag:nothing_has_this\n',
    });

  it('lists next runs from the injected clock, DST-correct across the spring-forward change, in the chosen time zone', async () => {
    const dir = project();
    // Saturday 2026-03-28 12:00 UTC; Europe/Berlin moves from CET (+1) to CEST (+2) on Sunday 29th.
    const run = await dpf(['pipeline', 'ls', '--timezone', 'Europe/Berlin'], { cwd: dir, env: env(dir, { DPF_NOW: '2026-03-28T12:00:00Z' }) });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/\| pipeline +\| selection +\| schedule +\| next run \(Europe\/Berlin\) \| after +\| owner/);
    expect(run.stdout).toMatch(/\| extract +\| --select raw_a\+ --exclude mart_a \| 15 \* \* \* \* \(UTC\) +\| 2026-03-28 13:15 GMT\+1 +\| +\| data-eng \|/);
    // 09:00 in Berlin is 08:00 UTC on the 28th but 07:00 UTC on the 29th: the wall-clock time stays.
    expect(run.stdout).toMatch(/\| marts +\| --select mart_a other +\| 0 9 \* \* \* \(Europe\/Berlin\) \| 2026-03-29 09:00 GMT\+2 +\| extract \(all_done\) \|/);
    // A selection that selects nothing is a warning at the pipeline, not an error.
    expect(run.stderr).toMatch(/DPF904[\s\S]*"manual" selects no node/);

    const json = await dpf(['pipeline', 'ls', '--output', 'json'], { cwd: dir, env: env(dir, { DPF_NOW: '2026-03-28T12:00:00Z', TZ: 'America/New_York' }) });
    expect(json.code, json.output).toBe(0);
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.name)).toEqual(['extract', 'manual', 'marts']);
    // The machine's time zone (TZ) by default.
    expect(rows[2]).toMatchObject({ nextRun: '2026-03-29T07:00:00.000Z', nextRunLocal: '2026-03-29 03:00 EDT', timezone: 'America/New_York', after: ['extract'], trigger: 'all_done', selectedNodes: 2 });
    expect(rows[0]).toMatchObject({ nextRun: '2026-03-28T12:15:00.000Z', owner: 'data-eng', description: 'raw data in', selectedNodes: 2, schedule: { cron: '15 * * * *', timezone: 'UTC' } });
    expect(rows[1]).toMatchObject({ nextRun: null, schedule: null, selectedNodes: 0, trigger: null });
  });

  it('computes DST-correct times: a time skipped by spring-forward runs as the clocks jump, a repeated one runs once', () => {
    expect(nextRunTimes('30 2 * * *', 'Europe/Berlin', new Date('2026-03-28T12:00:00Z'), 2).map((d) => d.toISOString())).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    expect(nextRunTimes('30 2 * * *', 'Europe/Berlin', new Date('2026-10-24T12:00:00Z'), 2).map((d) => d.toISOString())).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('rejects an unknown --timezone with the closest name', async () => {
    const dir = project();
    const run = await dpf(['pipeline', 'ls', '--timezone', 'Europe/Pariss'], { cwd: dir, env: env(dir) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/DPF901[\s\S]*Did you mean "Europe\/Paris"\?/);
  });
});

describe('dpf pipeline run', () => {
  it("builds exactly the pipeline's selection with its vars under --vars, and records the pipeline in dpf_meta.runs", async () => {
    const dir = makeProject({
      ...models,
      'pipelines/extract.yml': 'select: raw_a+\nexclude: mart_a\nvars:\n  factor: 3\n',
    });
    const run = await dpf(['pipeline', 'run', 'extract'], { cwd: dir, env: env(dir) });
    expect(run.code, run.output).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8')) as { metadata: { invocationId: string }; results: { uniqueId: string; status: string }[] };
    const built = results.results.filter((r) => r.uniqueId.startsWith('model.')).map((r) => r.uniqueId).sort();
    expect(built).toEqual(['model.proj.raw_a', 'model.proj.stg_a']);
    const db = join(dir, 'target/dev.duckdb');
    expect(await queryDuckDB(db, 'select factor from main.stg_a')).toEqual([{ factor: 3 }]);
    const tables = (await queryDuckDB(db, "select table_name from information_schema.tables where table_schema = 'main' order by 1")).map((r) => r.table_name);
    expect(tables).toEqual(['raw_a', 'stg_a']);
    const [row] = await queryDuckDB(db, `select command, selector, pipeline, status from dpf_meta.runs where run_id = '${results.metadata.invocationId}'`);
    expect(row).toEqual({ command: 'build', selector: '--select raw_a+ --exclude mart_a', pipeline: 'extract', status: 'success' });

    // --vars wins over the pipeline's vars; a plain dpf build records no pipeline.
    const again = await dpf(['pipeline', 'run', 'extract', '--vars', '{factor: 5}'], { cwd: dir, env: env(dir) });
    expect(again.code, again.output).toBe(0);
    expect(await queryDuckDB(db, 'select factor from main.stg_a')).toEqual([{ factor: 5 }]);
    expect((await dpf(['build', '-s', 'other'], { cwd: dir, env: env(dir) })).code).toBe(0);
    const pipelines = (await queryDuckDB(db, 'select pipeline from dpf_meta.runs order by started_at')).map((r) => r.pipeline);
    expect(pipelines).toEqual(['extract', 'extract', null]);
  });

  it('reads pipelines from the folders of pipeline-paths', async () => {
    const dir = makeProject({ ...models, 'flows/only_other.yml': 'select: other\n', 'pipelines/ignored.yml': 'select: raw_a\n' }, 'name: proj\npipeline-paths: [flows]\n');
    const ls = await dpf(['pipeline', 'ls', '--output', 'json'], { cwd: dir, env: env(dir) });
    expect(ls.code, ls.output).toBe(0);
    expect(ls.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { name: string; file: string }).file)).toEqual(['flows/only_other.yml']);
    const run = await dpf(['pipeline', 'run', 'only_other'], { cwd: dir, env: env(dir) });
    expect(run.code, run.output).toBe(0);
    expect((await queryDuckDB(join(dir, 'target/dev.duckdb'), "select table_name from information_schema.tables where table_schema = 'main'")).map((r) => r.table_name)).toEqual(['other']);
  });

  it('exits 1 when a model of the pipeline fails, and 2 for a pipeline that does not exist', async () => {
    const dir = makeProject({ ...models, 'models/broken.sql': 'select * from missing_table\n', 'pipelines/broken_one.yml': 'select: [broken, other]\n' });
    const failed = await dpf(['pipeline', 'run', 'broken_one'], { cwd: dir, env: env(dir) });
    expect(failed.code, failed.output).toBe(1);
    expect(failed.output).toMatch(/other/);
    const missing = await dpf(['pipeline', 'run', 'broken_on'], { cwd: dir, env: env(dir) });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/DPF902[\s\S]*"broken_on"[\s\S]*Did you mean "broken_one"\?[\s\S]*The pipelines are: broken_one/);
  });
});

describe('a pipeline run notifies its channels', () => {
  it("sends the run's failure and its late start to the pipeline's notify: channel, besides the rules' channels", async () => {
    const bodies: { text: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(JSON.parse(body) as { text: string });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const dir = makeProject(
        { ...models, 'models/broken.sql': 'select * from no_such_table\n', 'pipelines/nightly.yml': 'select: broken\nnotify: [ops]\n' },
        // The rules send failures to nobody but the team: only notify: brings ops in.
        `name: proj\nmonitors: off\nalerts:\n  channels:\n    team: { type: webhook, url: "{{env 'TEAM_URL'}}" }\n    ops: { type: webhook, url: "{{env 'OPS_URL'}}" }\n  rules:\n    - on: [failure, late_start]\n      channels: [team]\n`,
      );
      const scheduledAt = new Date(Date.now() - 10 * 60_000);
      const outcome = await runPipeline('nightly', { projectDir: dir, env: { HOME: dir, OPS_URL: url, TEAM_URL: 'http://127.0.0.1:1/unreachable' }, scheduledAt });
      expect(outcome.exitCode).toBe(1);
      const texts = bodies.map((b) => b.text).join('\n');
      expect(texts).toMatch(/broken/);
      expect(texts).toMatch(/nightly[\s\S]*started \d+ s later/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('names an undeclared notify: channel and pool at their lines, with the closest names', async () => {
    const dir = makeProject(
      { ...models, 'pipelines/nightly.yml': 'select: raw_a\npool: warehuose\nnotify:\n  - teem\n' },
      `name: proj\npools:\n  warehouse: 1\nalerts:\n  channels:\n    team: { type: webhook, url: "{{env 'TEAM_URL'}}" }\n`,
    );
    const run = await dpf(['pipeline', 'ls'], { cwd: dir, env: env(dir) });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toMatch(/DPF907[\s\S]*"warehuose"[\s\S]*Did you mean "warehouse"\?/);
    expect(run.stderr).toContain('pipelines/nightly.yml:2:7');
    expect(run.stderr).toMatch(/DPF908[\s\S]*"teem"[\s\S]*Did you mean "team"\?/);
    expect(run.stderr).toContain('pipelines/nightly.yml:4:5');
  });
});
