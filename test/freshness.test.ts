/** Source freshness, file sources and source_status:fresher+ on a real DuckDB file. */
import { readFileSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../src/compiler/schema-validators.js';
import { judgeFreshness, parseTimestamp } from '../src/tests/check-freshness.js';
import { dpf, makeProject, tempDir } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const iso = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3600_000).toISOString().replace('T', ' ').slice(0, 19);

function eventsCsv(hoursAgo: number[]): string {
  return ['id,loaded_at', ...hoursAgo.map((h, i) => `${i + 1},${iso(h)}`)].join('\n') + '\n';
}

function freshnessProject(loadedHoursAgo: Record<string, number[]>): string {
  const tables = Object.keys(loadedHoursAgo)
    .map((t) => `      - name: ${t}\n        external_location: data/${t}.csv\n`)
    .join('');
  const files: Record<string, string> = {
    'models/sources.yml': `version: 2
sources:
  - name: feed
    loaded_at_field: "cast(loaded_at as timestamp)"
    freshness:
      warn_after: {count: 2, period: hour}
      error_after: {count: 1, period: day}
    tables:
${tables}      - name: opted_out
        external_location: data/opted_out.csv
        freshness: null
`,
    'data/opted_out.csv': eventsCsv([1000]),
    'models/downstream_a.sql': '{{config materialized="table"}}\nselect count(*) as n from {{source "feed" "a"}}\n',
  };
  for (const [t, hours] of Object.entries(loadedHoursAgo)) files[`data/${t}.csv`] = eventsCsv(hours);
  return makeProject(files);
}

describe('dpf source freshness', () => {
  it('passes, warns and errors by the age of the newest row, writes sources.json, exits 1 on an error', async () => {
    const dir = freshnessProject({ a: [30, 1], b: [5, 4], c: [48, 72] });
    const run = await dpf(['source', 'freshness', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(1);
    expect(run.stdout).toMatch(/PASS +freshness +feed\.a .*\[age 1h/);
    expect(run.stdout).toMatch(/WARN +freshness +feed\.b .*\[age 4h/);
    expect(run.stdout).toMatch(/ERROR +freshness +feed\.c .*\[age 2d/);
    expect(run.stdout).not.toContain('opted_out');
    expect(run.stdout).toContain('1 fresh, 1 warning, 1 error');
    // A stale table says when it was loaded and which rule its age broke; a fresh one says nothing more.
    expect(run.stdout).toMatch(/feed\.b .*\n    newest row loaded at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, 4h( \d+m)? ago: older than warn_after \(2 hours\)\n/);
    expect(run.stdout).toMatch(/feed\.c .*\n    newest row loaded at .* UTC, 2d( \d+h)? ago: older than error_after \(1 day\)\n/);
    expect(run.stdout).not.toMatch(/feed\.a .*\n    newest row/);
    const doc = JSON.parse(readFileSync(join(dir, 'target/sources.json'), 'utf8'));
    const valid = schemaValidator('sources');
    expect(valid(doc), JSON.stringify(valid.errors)).toBe(true);
    const byTable = Object.fromEntries(doc.results.map((r: { tableName: string }) => [r.tableName, r]));
    expect(byTable.a.status).toBe('pass');
    expect(byTable.c.status).toBe('error');
    expect(byTable.b.maxLoadedAtTimeAgoInS).toBeGreaterThan(4 * 3600 - 120);
    expect(byTable.b.maxLoadedAtTimeAgoInS).toBeLessThan(4 * 3600 + 120);
  });

  it('exits 0 when the worst is a warning, and --select limits the check', async () => {
    const dir = freshnessProject({ a: [1], b: [5], c: [100] });
    const run = await dpf(['source', 'freshness', '--project-dir', dir, '--select', 'source:feed.a', 'source:feed.b'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('Checking the freshness of 2 source tables');
    expect(run.stdout).not.toContain('feed.c');
  });

  it('reports a runtime error at the source declaration when the loaded_at_field does not exist', async () => {
    const dir = makeProject({
      'models/sources.yml': 'sources:\n  - name: feed\n    loaded_at_field: loaded_att\n    freshness:\n      warn_after: {count: 1, period: hour}\n    tables:\n      - name: a\n        external_location: data/a.csv\n',
      'data/a.csv': eventsCsv([1]),
    });
    const run = await dpf(['source', 'freshness', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/ERROR +freshness +feed\.a/);
    expect(run.stdout).toContain('models/sources.yml:7');
    expect(run.stdout).toContain('loaded_att');
  });

  it('rejects an unknown period and a freshness block without a load time, naming file and line', async () => {
    const badPeriod = makeProject({
      'models/sources.yml': 'sources:\n  - name: feed\n    loaded_at_field: t\n    freshness:\n      warn_after: {count: 1, period: week}\n    tables:\n      - name: a\n',
    });
    const run = await dpf(['source', 'freshness', '--project-dir', badPeriod], { cwd: badPeriod });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('models/sources.yml:5');
    expect(run.stderr).toMatch(/must be one of "minute", "hour", "day"/);
    const noField = makeProject({
      'models/sources.yml': 'sources:\n  - name: feed\n    freshness:\n      warn_after: {count: 1, period: day}\n    tables:\n      - name: a\n',
    });
    const run2 = await dpf(['source', 'freshness', '--project-dir', noField], { cwd: noField });
    expect(run2.code).toBe(2);
    expect(run2.stderr).toContain('DPF217');
    expect(run2.stderr).toContain('models/sources.yml:6');
  });
});

describe('loaded_at_query and filter', () => {
  it('uses loaded_at_query when given, and the filter limits the rows loaded_at_field reads', async () => {
    const dir = makeProject({
      'models/sources.yml': `sources:
  - name: feed
    freshness:
      warn_after: {count: 2, period: hour}
    tables:
      - name: by_query
        external_location: data/a.csv
        loaded_at_query: "select timestamp '${iso(30)}'"
      - name: filtered
        external_location: data/b.csv
        loaded_at_field: "cast(loaded_at as timestamp)"
        freshness:
          warn_after: {count: 2, period: hour}
          filter: "id = 1"
`,
      'data/a.csv': eventsCsv([1]),
      'data/b.csv': eventsCsv([50, 1]),
    });
    const run = await dpf(['source', 'freshness', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    // The query says 30 hours although the file has a row from 1 hour ago.
    expect(run.stdout).toMatch(/WARN +freshness +feed\.by_query .*\[age 1d 6h/);
    // Only id = 1 (50 hours old) is read, not id = 2 (1 hour old).
    expect(run.stdout).toMatch(/WARN +freshness +feed\.filtered .*\[age 2d 2h/);
  });
});

describe('source_status:fresher+', () => {
  it('selects only what is downstream of sources that got new data since the state\'s check', async () => {
    const dir = freshnessProject({ a: [10], b: [10] });
    writeFileSync(join(dir, 'models/downstream_b.sql'), '{{config materialized="table"}}\nselect count(*) as n from {{source "feed" "b"}}\n');
    await dpf(['source', 'freshness', '--project-dir', dir], { cwd: dir });
    const state = tempDir();
    cpSync(join(dir, 'target/sources.json'), join(state, 'sources.json'));

    // Only feed.a gets a new export.
    writeFileSync(join(dir, 'data/a.csv'), eventsCsv([10, 0.5]));
    await dpf(['source', 'freshness', '--project-dir', dir], { cwd: dir });
    const ls = await dpf(['ls', '--output', 'name', '--project-dir', dir, '--select', 'source_status:fresher+', '--state', state, '--resource-type', 'model'], { cwd: dir });
    expect(ls.code, ls.output).toBe(0);
    expect(ls.stdout.trim()).toBe('downstream_a');
    const build = await dpf(['build', '--project-dir', dir, '--select', 'source_status:fresher+', '--state', state], { cwd: dir });
    expect(build.code, build.output).toBe(0);
    expect(build.stdout).toMatch(/OK +table +main\.downstream_a/);
    expect(build.stdout).not.toContain('downstream_b');
  });

  it('explains what is missing without --state', async () => {
    const dir = freshnessProject({ a: [1] });
    await dpf(['source', 'freshness', '--project-dir', dir], { cwd: dir });
    const run = await dpf(['build', '--project-dir', dir, '--select', 'source_status:fresher+'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--state');
  });
});

describe('file sources (external_location)', () => {
  it('reads CSV, Parquet and JSON files in place, with globs, relative to the project folder', async () => {
    const dir = makeProject({
      'models/sources.yml':
        'sources:\n  - name: files\n    tables:\n      - name: parts\n        external_location: data/parts_*.csv\n      - name: pq\n        external_location: data/p.parquet\n      - name: js\n        external_location: data/j.json\n',
      'data/parts_1.csv': 'id,v\n1,10\n2,20\n',
      'data/parts_2.csv': 'id,v\n3,30\n',
      'data/j.json': '[{"id": 1, "name": "x"}, {"id": 2, "name": "y"}]',
      'models/summary.sql':
        '{{config materialized="table"}}\nselect (select sum(v) from {{source "files" "parts"}}) as total, (select count(*) from {{source "files" "pq"}}) as pq_rows, (select count(*) from {{source "files" "js"}}) as js_rows\n',
    });
    mkdirSync(join(dir, 'target'), { recursive: true });
    await queryDuckDB(join(tempDir(), 'x.duckdb'), `copy (select 1 as id union all select 2 union all select 3) to '${join(dir, 'data/p.parquet')}' (format parquet)`);
    const run = await dpf(['build', '--project-dir', dir], { cwd: tempDir() });
    expect(run.code, run.output).toBe(0);
    expect(await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select total::int as total, pq_rows::int as pq_rows, js_rows::int as js_rows from main.summary')).toEqual([
      { total: 60, pq_rows: 3, js_rows: 2 },
    ]);
  });
});

describe('freshness arithmetic', () => {
  it('reads timestamps without a zone as UTC and judges against the rules', () => {
    expect(parseTimestamp('2024-06-30 10:00:00')!.toISOString()).toBe('2024-06-30T10:00:00.000Z');
    expect(parseTimestamp('2024-06-30 10:00:00+02')!.toISOString()).toBe('2024-06-30T08:00:00.000Z');
    expect(parseTimestamp('2024-06-30')!.toISOString()).toBe('2024-06-30T00:00:00.000Z');
    // Trino writes timestamps with time zone with the zone's name and up to microseconds.
    expect(parseTimestamp('2024-06-30 10:00:00.123456 UTC')!.toISOString()).toBe('2024-06-30T10:00:00.123Z');
    expect(parseTimestamp('2024-06-30 10:00:00.000 America/New_York')!.toISOString()).toBe('2024-06-30T14:00:00.000Z');
    expect(parseTimestamp('2024-01-15 10:00:00 Europe/Paris')!.toISOString()).toBe('2024-01-15T09:00:00.000Z');
    expect(parseTimestamp('2024-06-30 10:00:00 +02:00')!.toISOString()).toBe('2024-06-30T08:00:00.000Z');
    expect(parseTimestamp('2024-06-30 10:00:00 Not/AZone')).toBeUndefined();
    // Around daylight-saving changes (Paris: +01 -> +02 on 31 March, +02 -> +01 on 27 October).
    expect(parseTimestamp('2024-03-31 01:30:00 Europe/Paris')!.toISOString()).toBe('2024-03-31T00:30:00.000Z');
    expect(parseTimestamp('2024-03-31 03:30:00 Europe/Paris')!.toISOString()).toBe('2024-03-31T01:30:00.000Z');
    expect(parseTimestamp('2024-10-27 01:30:00 Europe/Paris')!.toISOString()).toBe('2024-10-26T23:30:00.000Z');
    expect(parseTimestamp(null)).toBeUndefined();
    const rules = { warnAfter: { count: 1, period: 'hour' as const }, errorAfter: { count: 2, period: 'day' as const } };
    expect(judgeFreshness(3599, rules)).toBe('pass');
    expect(judgeFreshness(3601, rules)).toBe('warn');
    expect(judgeFreshness(2 * 86400 + 1, rules)).toBe('error');
  });
});
