/** Microbatch models: backfill by range, independent batches, and a failed batch reported by its range. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchesBetween } from '../src/runner/materializations/microbatch-strategy.js';
import { dpf, makeProject } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const events = (v3: string) => `{{config materialized="table" event_time="ts"}}
select 1 as id, timestamp '2024-01-01 10:00' as ts, '10' as v
union all select 2, timestamp '2024-01-02 10:00', '20'
union all select 3, timestamp '2024-01-03 10:00', '${v3}'
union all select 4, timestamp '2024-01-04 10:00', '40'
`;
const daily = '{{config materialized="incremental" incremental_strategy="microbatch" event_time="ts" batch_size="day" begin="2024-01-01"}}\nselect id, ts, cast(v as integer) as v from {{ref "events"}}\n';

describe('microbatch models', () => {
  it('backfills a range in daily batches, reading only each batch from upstream, and replaces one batch on its own', async () => {
    const dir = makeProject({ 'models/events.sql': events('30'), 'models/daily.sql': daily });
    const db = join(dir, 'target/dev.duckdb');
    const run = await dpf(['build', '--project-dir', dir, '--event-time-start', '2024-01-01', '--event-time-end', '2024-01-04'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/OK +incr +main\.daily .*\[3 rows in/);
    expect(await queryDuckDB(db, 'select id, v from main.daily order by id')).toEqual([
      { id: 1, v: 10 },
      { id: 2, v: 20 },
      { id: 3, v: 30 },
    ]);
    const manifest = JSON.parse((await import('node:fs')).readFileSync(join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.nodes['model.proj.daily'].compiledIncrementalCode).toMatch(/"ts" >= __DPF_BATCH_START__ and "ts" < __DPF_BATCH_END__/);

    // Upstream changes days 2 and 3; rebuilding day 2 alone leaves day 3 as it was.
    writeFileSync(join(dir, 'models/events.sql'), events('33').replace("'20'", "'22'"));
    expect((await dpf(['run', '--project-dir', dir, '--select', 'events'], { cwd: dir })).code).toBe(0);
    const one = await dpf(['run', '--project-dir', dir, '--select', 'daily', '--event-time-start', '2024-01-02', '--event-time-end', '2024-01-03'], { cwd: dir });
    expect(one.code, one.output).toBe(0);
    expect(await queryDuckDB(db, 'select id, v from main.daily order by id')).toEqual([
      { id: 1, v: 10 },
      { id: 2, v: 22 },
      { id: 3, v: 30 },
    ]);
  });

  it('keeps the batches that worked when one fails, and names the failed range and how to rebuild it', async () => {
    const dir = makeProject({ 'models/events.sql': events('oops'), 'models/daily.sql': daily });
    const run = await dpf(['build', '--project-dir', dir, '--event-time-start', '2024-01-01', '--event-time-end', '2024-01-05'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('DPF606');
    expect(run.stdout).toContain('1 of 4 batches failed: [2024-01-03 to 2024-01-04)');
    expect(run.stdout).toContain('dpf run --select daily --event-time-start 2024-01-03 --event-time-end 2024-01-04');
    expect(await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select id from main.daily order by id')).toEqual([{ id: 1 }, { id: 2 }, { id: 4 }]);
  });

  it('splits ranges on batch boundaries', () => {
    const days = batchesBetween(new Date('2024-01-30T05:00Z'), new Date('2024-02-02T00:00Z'), 'day').map(([s]) => s.toISOString().slice(0, 10));
    expect(days).toEqual(['2024-01-30', '2024-01-31', '2024-02-01']);
    const months = batchesBetween(new Date('2024-01-15Z'), new Date('2024-03-01Z'), 'month').map(([s, e]) => `${s.toISOString().slice(0, 7)}..${e.toISOString().slice(0, 7)}`);
    expect(months).toEqual(['2024-01..2024-02', '2024-02..2024-03']);
  });

  it('requires event_time, batch_size and begin', async () => {
    const dir = makeProject({ 'models/m.sql': '{{config materialized="incremental" incremental_strategy="microbatch" event_time="ts"}}\nselect 1 as ts\n' });
    const run = await dpf(['compile', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('batch_size');
    expect(run.stderr).toContain('models/m.sql:1');
  });
});
