/**
 * Incremental extracts (docs/plugins.md, "Incremental extracts"), end to end on real DuckDB
 * files: `write: append | merge` add an extract's rows to the table, the plugin is given the
 * highest `cursor_field` value the table holds, a killed extract resumes without duplicates or
 * gaps (the result equals a from-scratch extract), and `on_bad_row` skips or quarantines rows.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { killMidRun } from './helpers/kill-mid-run.js';
import { queryDuckDB } from './helpers/query-duckdb.js';
import { dpf, makeProject } from './helpers/run-dpf.js';

// Serves data/events.json (the "system" the test changes between builds), past ctx.cursor, in
// order of version, one row per batch; logs each cursor it was given to cursors.log.
const EVENTS = `import { defineSource } from 'dpf';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Config { inclusive?: boolean; slow_ms?: number; extra_column?: boolean }
interface Event { id: number; status: string; version: number }

export default defineSource<Config>({
  config: { type: 'object', properties: { inclusive: { type: 'boolean' }, slow_ms: { type: 'integer' }, extra_column: { type: 'boolean' } } },
  columns: (config) => [
    { name: 'id', type: 'integer' },
    { name: 'status', type: 'text' },
    { name: 'version', type: 'bigint' },
    ...(config.extra_column ? [{ name: 'channel', type: 'text' as const }] : []),
  ],
  async *extract(config, ctx) {
    appendFileSync(join(ctx.projectDir, 'cursors.log'), JSON.stringify(ctx.cursor ?? null) + '\\n');
    const events = JSON.parse(readFileSync(join(ctx.projectDir, 'data/events.json'), 'utf8')) as Event[];
    const past = ctx.cursor === undefined ? -Infinity : Number(ctx.cursor.value);
    const fresh = events.filter((e) => (config.inclusive ? e.version >= past : e.version > past));
    for (const e of fresh.sort((a, b) => a.version - b.version)) {
      if (config.slow_ms) await new Promise((done) => setTimeout(done, config.slow_ms));
      yield [{ ...e, ...(config.extra_column ? { channel: 'web' } : {}) }];
    }
  },
});
`;

const MIXED = `import { defineSource } from 'dpf';
export default defineSource({
  config: { type: 'object', properties: {} },
  columns: [{ name: 'id', type: 'integer' }, { name: 'label', type: 'text' }],
  *extract() {
    yield [[1, 'a'], ['one hundred', 'b'], [3], { id: 4, colour: 'red' }];
    yield [{ id: 5, label: 'e' }, [2147483648, 'f']];
  },
});
`;

interface Event {
  id: number;
  status: string;
  version: number;
}

const sources = (extract: string) => `sources:\n  - name: raw\n    tables:\n      - name: events\n        extract: {plugin: events, ${extract}}\n`;

function project(extract: string, events: Event[]): string {
  return makeProject(
    {
      'plugins/events.ts': EVENTS,
      'data/events.json': JSON.stringify(events),
      'models/sources.yml': sources(extract),
      'models/latest.sql': '{{config materialized="table"}}\nselect count(*) as n, max(version) as top from {{source "raw" "events"}}\n',
    },
    'name: proj\nmonitors: off\n',
  );
}

const events = (from: number, to: number, status = 'placed'): Event[] => Array.from({ length: to - from + 1 }, (_, i) => ({ id: from + i, status, version: from + i }));
const db = (dir: string) => join(dir, 'target/dev.duckdb');
const rows = async (dir: string) => (await queryDuckDB(db(dir), 'select id, status, version from main_raw.events order by id, version')).map((r) => [Number(r.id), r.status, Number(r.version)]);
const cursors = (dir: string) => readFileSync(join(dir, 'cursors.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
const setEvents = (dir: string, list: Event[]) => writeFileSync(join(dir, 'data/events.json'), JSON.stringify(list));
const messageOf = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8')) as { results: { uniqueId: string; message?: string }[] }).results.find((r) => r.uniqueId === 'source.proj.raw.events')?.message;

describe('incremental extracts', () => {
  it('write: append adds the rows past the cursor, which is the highest value the table holds', async () => {
    const dir = project('write: append, cursor_field: version', events(1, 3));
    const first = await dpf(['build'], { cwd: dir });
    expect(first.code, first.output).toBe(0);
    expect(await rows(dir)).toEqual(events(1, 3).map((e) => [e.id, e.status, e.version]));

    setEvents(dir, events(1, 5));
    const second = await dpf(['build'], { cwd: dir });
    expect(second.code, second.output).toBe(0);
    expect(await rows(dir)).toEqual(events(1, 5).map((e) => [e.id, e.status, e.version]));
    expect(cursors(dir)).toEqual([null, { field: 'version', value: '3' }]);
    expect(messageOf(dir)).toBe('2 rows appended, version 3 → 5');
    expect(second.stdout).toMatch(/OK +extr +main_raw\.events \.+ \[2 rows appended, version 3 → 5 in/);
    // What reads the source rebuilt on the new rows.
    expect((await queryDuckDB(db(dir), 'select n::int as n, top::int as top from main.latest'))[0]).toEqual({ n: 5, top: 5 });

    // Nothing new: nothing appended, nothing lost.
    const third = await dpf(['build'], { cwd: dir });
    expect(third.code, third.output).toBe(0);
    expect((await rows(dir)).length).toBe(5);
    expect(messageOf(dir)).toBe('0 rows appended');
  });

  it('write: merge replaces the rows of a key, the last row of a key in one extract winning', async () => {
    const dir = project('write: merge, unique_key: id, cursor_field: version, inclusive: true', [
      { id: 1, status: 'placed', version: 1 },
      { id: 2, status: 'placed', version: 2 },
    ]);
    expect((await dpf(['build'], { cwd: dir })).code).toBe(0);
    setEvents(dir, [
      { id: 1, status: 'placed', version: 1 },
      { id: 2, status: 'placed', version: 2 },
      { id: 1, status: 'shipped', version: 3 },
      { id: 3, status: 'placed', version: 4 },
      { id: 3, status: 'cancelled', version: 5 },
    ]);
    const second = await dpf(['build'], { cwd: dir });
    expect(second.code, second.output).toBe(0);
    expect(await rows(dir)).toEqual([
      [1, 'shipped', 3],
      [2, 'placed', 2],
      [3, 'cancelled', 5],
    ]);
    // inclusive: the plugin fetches from the cursor's own value again; merge drops the repeat.
    expect(cursors(dir)[1]).toEqual({ field: 'version', value: '2' });
    const third = await dpf(['build'], { cwd: dir });
    expect(third.code, third.output).toBe(0);
    expect(await rows(dir)).toEqual([
      [1, 'shipped', 3],
      [2, 'placed', 2],
      [3, 'cancelled', 5],
    ]);
    expect(await queryDuckDB(db(dir), "select table_name from information_schema.tables where table_name like '%dpf%'")).toEqual([]);
  });

  it('resumes a killed extract without duplicates or gaps: the table equals a from-scratch extract', async () => {
    const dir = project('write: append, cursor_field: version', events(1, 3));
    expect((await dpf(['build'], { cwd: dir })).code).toBe(0);
    setEvents(dir, events(1, 13));
    // Slow rows, killed while they are being staged.
    writeFileSync(join(dir, 'models/sources.yml'), sources('write: append, cursor_field: version, slow_ms: 150'));
    expect(await killMidRun(['build'], dir, 600)).toBe('SIGKILL');
    expect(await rows(dir)).toEqual(events(1, 3).map((e) => [e.id, e.status, e.version]));

    writeFileSync(join(dir, 'models/sources.yml'), sources('write: append, cursor_field: version'));
    const resumed = await dpf(['build'], { cwd: dir });
    expect(resumed.code, resumed.output).toBe(0);
    expect(await rows(dir)).toEqual(events(1, 13).map((e) => [e.id, e.status, e.version]));
    expect(cursors(dir).at(-1)).toEqual({ field: 'version', value: '3' });
    expect(await queryDuckDB(db(dir), "select table_name from information_schema.tables where table_name like '%dpf%'")).toEqual([]);

    // The same contents as landing everything from the start.
    const incremental = await rows(dir);
    const scratch = await dpf(['build', '--full-refresh'], { cwd: dir });
    expect(scratch.code, scratch.output).toBe(0);
    expect(cursors(dir).at(-1)).toBeNull();
    expect(await rows(dir)).toEqual(incremental);
  });

  it('refuses to append rows of other columns, and --full-refresh lands the table anew', async () => {
    const dir = project('write: append, cursor_field: version', events(1, 2));
    expect((await dpf(['build'], { cwd: dir })).code).toBe(0);
    writeFileSync(join(dir, 'models/sources.yml'), sources('write: append, cursor_field: version, extra_column: true'));
    setEvents(dir, events(1, 4));
    const refused = await dpf(['build'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('DPF806');
    expect(refused.output).toContain('added: channel');
    expect(refused.output).toMatch(/models[/\\]sources\.yml:5/);
    expect(refused.output).toContain('--full-refresh');
    expect((await rows(dir)).length).toBe(2);

    const again = await dpf(['build', '--full-refresh'], { cwd: dir });
    expect(again.code, again.output).toBe(0);
    expect(await queryDuckDB(db(dir), 'select count(*)::int as n, count(channel)::int as c from main_raw.events')).toEqual([{ n: 4, c: 4 }]);
  });

  it('on_bad_row: quarantine keeps bad rows with their reason, skip counts them, fail stops the extract', async () => {
    const files = (onBadRow: string) => ({
      'plugins/mixed.ts': MIXED,
      'models/sources.yml': `sources:\n  - name: raw\n    tables:\n      - name: mixed\n        extract: {plugin: mixed, on_bad_row: ${onBadRow}}\n`,
    });
    const dir = makeProject(files('quarantine'), 'name: proj\nmonitors: off\n');
    const built = await dpf(['build'], { cwd: dir });
    expect(built.code, built.output).toBe(0);
    expect((await queryDuckDB(db(dir), 'select id, label from main_raw.mixed order by id')).map((r) => [Number(r.id), r.label])).toEqual([
      [1, 'a'],
      [5, 'e'],
    ]);
    const kept = await queryDuckDB(db(dir), 'select batch, row_number, reason, row_json, _dpf_run_id from main_raw.mixed__quarantine order by batch, row_number');
    expect(kept.map((r) => [Number(r.batch), Number(r.row_number), r.row_json])).toEqual([
      [1, 2, '["one hundred","b"]'],
      [1, 3, '[3]'],
      [1, 4, '{"id":4,"colour":"red"}'],
      [2, 2, '[2147483648,"f"]'],
    ]);
    expect(kept[0]!.reason).toBe('has "one hundred" for id, which is integer');
    expect(kept[1]!.reason).toContain('has 1 values for 2 columns');
    expect(kept[2]!.reason).toContain('the key "colour"');
    expect(kept[3]!.reason).toBe('has 2147483648 for id, which is integer');
    expect(kept[0]!._dpf_run_id).toMatch(/\S/);

    writeFileSync(join(dir, 'models/sources.yml'), files('skip')['models/sources.yml']);
    const skipped = await dpf(['build'], { cwd: dir });
    expect(skipped.code, skipped.output).toBe(0);
    expect(await queryDuckDB(db(dir), 'select count(*)::int as n from main_raw.mixed')).toEqual([{ n: 2 }]);
    // Skipped rows are counted, not kept: the quarantine holds the first build's four only.
    expect(await queryDuckDB(db(dir), 'select count(*)::int as n from main_raw.mixed__quarantine')).toEqual([{ n: 4 }]);
    const results = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8')) as { results: { message?: string }[] };
    expect(results.results[0]!.message).toBe('2 rows landed, 4 bad rows skipped');

    writeFileSync(join(dir, 'models/sources.yml'), files('fail')['models/sources.yml']);
    const failed = await dpf(['build'], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.output).toMatch(/DPF609|DPF805/);
    expect(await queryDuckDB(db(dir), 'select count(*)::int as n from main_raw.mixed')).toEqual([{ n: 2 }]);
  });

  it('checks write, unique_key and cursor_field at compile time, at their lines', async () => {
    const dir = makeProject(
      {
        'plugins/events.ts': EVENTS,
        'models/a.yml': 'sources:\n  - name: a\n    tables:\n      - name: events\n        extract:\n          plugin: events\n          write: merge\n',
        'models/b.yml': 'sources:\n  - name: b\n    tables:\n      - name: events\n        extract:\n          plugin: events\n          write: append\n          cursor_field: verison\n',
        'models/c.yml': 'sources:\n  - name: c\n    tables:\n      - name: events\n        extract:\n          plugin: events\n          cursor_field: version\n',
      },
      'name: proj\n',
    );
    const compiled = await dpf(['compile'], { cwd: dir });
    expect(compiled.code).toBe(2);
    expect(compiled.output).toMatch(/models[/\\]a\.yml:7[\s\S]*merge needs unique_key/);
    expect(compiled.output).toMatch(/models[/\\]b\.yml:8[\s\S]*"verison" is not a column of the plugin \(id, status, version\); did you mean "version"\?/);
    expect(compiled.output).toMatch(/models[/\\]c\.yml:7[\s\S]*used by write: append or merge only/);
    expect(compiled.output).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'cursors.log'))).toBe(false);

    writeFileSync(join(dir, 'models/d.yml'), 'sources:\n  - name: d\n    tables:\n      - name: events\n        extract:\n          plugin: events\n          write: upsert\n');
    const unknown = await dpf(['compile'], { cwd: dir });
    expect(unknown.output).toMatch(/models[/\\]d\.yml:7[\s\S]*must be one of "replace", "append", "merge"/);
  });
});
