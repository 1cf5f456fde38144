/**
 * Sources landed by a plugin (`extract:`, docs/plugins.md), end to end on real DuckDB files: the
 * extract is a step of dpf build before what reads the source; it runs every build and its
 * readers follow; a plugin that throws, hangs or gives rows of the wrong shape leaves the table
 * as its last extract left it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { schemaValidator } from '../src/compiler/schema-validators.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const NUMBERS = `import { defineSource } from 'dpf';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Config { count: number; fail_after?: number; hang_after?: number; shape?: 'objects' | 'extra_key' | 'short' }

export default defineSource<Config>({
  config: {
    type: 'object',
    required: ['count'],
    properties: { count: { type: 'integer', minimum: 0 }, fail_after: { type: 'integer' }, hang_after: { type: 'integer' }, shape: { enum: ['objects', 'extra_key', 'short'] } },
  },
  columns: [{ name: 'id', type: 'integer' }, { name: 'label', type: 'text' }],
  async *extract(config, ctx) {
    ctx.signal.addEventListener('abort', () => writeFileSync(join(ctx.projectDir, 'aborted.txt'), 'yes'));
    for (let i = 1; i <= config.count; i++) {
      if (config.fail_after !== undefined && i > config.fail_after) throw new Error('the partner API answered 503');
      if (config.hang_after !== undefined && i > config.hang_after) await new Promise(() => undefined);
      if (config.shape === 'objects') yield [{ id: i, label: 'n' + i }];
      else if (config.shape === 'extra_key') yield [{ id: i, label: 'n' + i, colour: 'red' }];
      else if (config.shape === 'short') yield [[i]];
      else yield [[i, 'n' + i]];
    }
  },
});
`;

const sources = (extract: string) => `sources:\n  - name: raw\n    tables:\n      - name: numbers\n        extract: {plugin: numbers, ${extract}}\n`;

function project(extract: string): string {
  return makeProject(
    {
      'plugins/numbers.ts': NUMBERS,
      'models/sources.yml': sources(extract),
      'models/total.sql': '{{config materialized="table"}}\nselect count(*) as n, sum(id) as total from {{source "raw" "numbers"}}\n',
    },
    'name: proj\nmonitors: off\n',
  );
}

const db = (dir: string) => join(dir, 'target/dev.duckdb');
const numbers = async (dir: string) => (await queryDuckDB(db(dir), 'select id, label from main_raw.numbers order by id')).map((r) => [Number(r.id), r.label]);
const total = async (dir: string) => (await queryDuckDB(db(dir), 'select n::int as n, total::int as total from main.total'))[0];
const leftovers = async (dir: string) => (await queryDuckDB(db(dir), "select table_name from information_schema.tables where table_name like '%__dpf_%'")).map((r) => r.table_name);
const setExtract = (dir: string, extract: string) => writeFileSync(join(dir, 'models/sources.yml'), sources(extract));

describe('a source landed by its plugin', () => {
  it('lands before what reads it, as the plugin declares its columns, and lands again every build with its readers', async () => {
    const dir = project('count: 5');
    const first = await dpf(['build'], { cwd: dir });
    expect(first.code, first.output).toBe(0);
    expect(first.stdout).toMatch(/OK +extr +main_raw\.numbers \.+ \[5 rows landed in/);
    expect(await numbers(dir)).toEqual([1, 2, 3, 4, 5].map((i) => [i, `n${i}`]));
    expect(await queryDuckDB(db(dir), "select column_name, data_type from information_schema.columns where table_schema = 'main_raw' and table_name = 'numbers' order by ordinal_position")).toEqual([
      { column_name: 'id', data_type: 'INTEGER' },
      { column_name: 'label', data_type: 'VARCHAR' },
    ]);
    expect(await total(dir)).toEqual({ n: 5, total: 15 });
    expect(await leftovers(dir)).toEqual([]);
    const results = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8')) as { results: { uniqueId: string; resourceType: string; materialized: string }[] };
    expect(schemaValidator('run_results')(results), JSON.stringify(schemaValidator('run_results').errors)).toBe(true);
    expect(results.results[0]).toMatchObject({ uniqueId: 'source.proj.raw.numbers', resourceType: 'source', materialized: 'extract' });

    // Every build extracts again, and what reads the source follows.
    setExtract(dir, 'count: 6');
    const second = await dpf(['build'], { cwd: dir });
    expect(second.code, second.output).toBe(0);
    expect(second.stdout).toMatch(/OK +extr +main_raw\.numbers \.+ \[6 rows landed in/);
    expect(second.stdout).toMatch(/OK +table +main\.total .*source raw\.numbers is extracted in this run/);
    expect(await total(dir)).toEqual({ n: 6, total: 21 });
    // The reader's record holds what the extract landed: built alone, it is reused.
    const alone = await dpf(['build', '-s', 'total'], { cwd: dir });
    expect(alone.stdout).toMatch(/REUSE +table +main\.total/);
    const explained = await dpf(['build', '--explain'], { cwd: dir });
    expect(explained.stdout).toMatch(/RUN +extr +main_raw\.numbers \.+ \[extracted every run\]/);
  });

  it('lands the extract alone, and its reader built later reads the new rows (not the ones it was built from)', async () => {
    const dir = project('count: 3');
    expect((await dpf(['build'], { cwd: dir })).code).toBe(0);
    setExtract(dir, 'count: 4');
    const extractOnly = await dpf(['build', '-s', 'source:raw.numbers'], { cwd: dir });
    expect(extractOnly.code, extractOnly.output).toBe(0);
    expect(extractOnly.stdout).not.toMatch(/main\.total/);
    // The table changed under total: built alone now, total is rebuilt, not reused.
    const after = await dpf(['build', '-s', 'total'], { cwd: dir });
    expect(after.stdout).toMatch(/OK +table +main\.total .*source raw\.numbers changed/);
    expect(await total(dir)).toEqual({ n: 4, total: 10 });
  });

  it('lands into the target\'s own schema, so a dev or CI build never replaces the table production reads', async () => {
    const dir = project('count: 3');
    writeFileSync(
      join(dir, 'profiles.yml'),
      'proj:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/dev.duckdb, schema: main, threads: 2 }\n    prod: { type: duckdb, path: target/dev.duckdb, schema: prod, threads: 2 }\n',
    );
    expect((await dpf(['build', '--target', 'prod'], { cwd: dir })).code).toBe(0);
    setExtract(dir, 'count: 5');
    const dev = await dpf(['build'], { cwd: dir });
    expect(dev.code, dev.output).toBe(0);
    expect(dev.stdout).toMatch(/OK +extr +main_raw\.numbers/);
    expect((await queryDuckDB(db(dir), 'select count(*)::int as n from prod_raw.numbers'))[0]).toEqual({ n: 3 });
    expect((await queryDuckDB(db(dir), 'select count(*)::int as n from main_raw.numbers'))[0]).toEqual({ n: 5 });
    expect((await queryDuckDB(db(dir), 'select n::int as n from prod.total'))[0]).toEqual({ n: 3 });
  });

  it('keeps the last extract when the plugin throws part-way, hangs past its timeout, or gives rows of the wrong shape', async () => {
    const dir = project('count: 3');
    expect((await dpf(['build'], { cwd: dir })).code).toBe(0);
    const cases: [string, RegExp, RegExp][] = [
      ['count: 5, fail_after: 2', /DPF803/, /the partner API answered 503/],
      ['count: 5, hang_after: 1, timeout_seconds: 1', /DPF804/, /did not finish landing raw\.numbers in 1 s/],
      ['count: 5, shape: extra_key', /DPF805/, /has the key "colour", which is no column/],
      ['count: 5, shape: short', /DPF805/, /has 1 values for 2 columns/],
    ];
    for (const [extract, code, message] of cases) {
      setExtract(dir, extract);
      const run = await dpf(['build'], { cwd: dir });
      expect(run.code, extract).toBe(1);
      expect(run.output, extract).toMatch(code);
      expect(run.output, extract).toMatch(message);
      expect(run.output, extract).toMatch(/models\/sources\.yml:5/);
      expect(run.output, extract).not.toMatch(/^\s+at /m);
      expect(run.stdout, extract).toMatch(/SKIP +table +main\.total/);
      expect(await numbers(dir), extract).toEqual([1, 2, 3].map((i) => [i, `n${i}`]));
      expect(await leftovers(dir), extract).toEqual([]);
    }
    // The hanging plugin was told to stop.
    expect(existsSync(join(dir, 'aborted.txt'))).toBe(true);
    // Objects by column name land as lists do.
    setExtract(dir, 'count: 2, shape: objects');
    expect((await dpf(['build'], { cwd: dir })).code).toBe(0);
    expect(await numbers(dir)).toEqual([[1, 'n1'], [2, 'n2']]);
  });
});
