/**
 * The built-in `files` sink: a model's rows written by `dpf build` as one Parquet file, a CSV
 * file, or a folder of hive partitions read back with DuckDB's own readers; every delivery
 * replaces the last whole, and a delivery that fails part-way (or a kill's leftovers) leaves the
 * last one complete. The streaming path (no ctx.copyTo, as on Trino) is forced by calling the
 * plugin's write with a context that has no copyTo.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sink } from '../src/plugins/builtin/files.js';
import { nextPath, oldPath } from '../src/plugins/builtin/support/replace-path.js';
import type { PluginColumn, SinkContext } from '../src/plugins/define-plugin.js';
import { queryDuckDB } from './helpers/query-duckdb.js';
import { dpf, makeProject, tempDir, writeFiles } from './helpers/run-dpf.js';

const ORDERS = `{{config materialized="table"}}
select id, region, amount::double as amount, ordered_at from (values
  (1, 'north', 9.5, timestamp '2024-01-02 03:04:05'),
  (2, 'south', 20.0, timestamp '2024-01-03 00:00:00'),
  ({{var "third" 3}}, '{{var "region" "north"}}', 5.25, timestamp '2024-02-01 12:00:00')
) as t(id, region, amount, ordered_at)
`;

function project(exportEntry: string): string {
  return makeProject(
    {
      'models/orders.sql': ORDERS,
      'models/schema.yml': `models:\n  - name: orders\n    exports:\n${exportEntry}`,
    },
    'name: proj\nmonitors: off\n',
  );
}

const read = (sql: string) => queryDuckDB(':memory:', sql);
/** What is in a folder besides the deliveries: any side path left over is a bug. */
const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.includes('.dpf_'));

describe('the built-in files sink through dpf build (DuckDB writes the files itself)', () => {
  it('writes one Parquet file, replaced whole by the next delivery', async () => {
    const dir = project('      - plugin: files\n        path: out/orders.parquet\n');
    const built = await dpf(['build'], { cwd: dir });
    expect(built.code, built.output).toBe(0);
    expect(built.stdout).toMatch(/OK +exp +orders_files \.+ \[3 rows to out\/orders\.parquet in/);
    const file = join(dir, 'out/orders.parquet');
    expect(await read(`select id::int as id, region, amount, strftime(ordered_at, '%Y-%m-%d %H:%M:%S') as at from read_parquet('${file}') order by id`)).toEqual([
      { id: 1, region: 'north', amount: 9.5, at: '2024-01-02 03:04:05' },
      { id: 2, region: 'south', amount: 20, at: '2024-01-03 00:00:00' },
      { id: 3, region: 'north', amount: 5.25, at: '2024-02-01 12:00:00' },
    ]);
    // The COPY wrote beside the target, and the swap left nothing behind.
    expect(readFileSync(join(dir, 'target/run/proj/exports/orders_files.sql'), 'utf8')).toMatch(/copy \(select \* from "main"\."orders"\) to '.*\/out\/\.orders\.parquet\.dpf_next' \(format parquet\)/);

    const again = await dpf(['build', '--vars', '{third: 4}'], { cwd: dir });
    expect(again.code, again.output).toBe(0);
    expect((await read(`select id::int as id from read_parquet('${file}') order by id`)).map((r) => r.id)).toEqual([1, 2, 4]);
    expect(leftovers(join(dir, 'out'))).toEqual([]);
  });

  it('writes CSV with a header, gzip-compressed when asked', async () => {
    const dir = project('      - name: orders_csv\n        plugin: files\n        path: out/orders.csv\n      - name: orders_gz\n        plugin: files\n        path: out/orders.csv.gz\n        compression: gzip\n');
    const built = await dpf(['build'], { cwd: dir });
    expect(built.code, built.output).toBe(0);
    const text = readFileSync(join(dir, 'out/orders.csv'), 'utf8').trim().split('\n');
    expect(text[0]).toBe('id,region,amount,ordered_at');
    expect(text.slice(1)).toEqual(['1,north,9.5,2024-01-02 03:04:05', '2,south,20.0,2024-01-03 00:00:00', '3,north,5.25,2024-02-01 12:00:00']);
    // gzip's magic number, and DuckDB reads it back.
    expect([...readFileSync(join(dir, 'out/orders.csv.gz')).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(await read(`select count(*)::int as n from read_csv('${join(dir, 'out/orders.csv.gz')}')`)).toEqual([{ n: 3 }]);
  });

  it('writes a folder of hive partitions, read back with read_parquet, and replaces the whole folder', async () => {
    const dir = project('      - plugin: files\n        path: out/orders\n        partition_by: [region]\n        compression: zstd\n');
    const built = await dpf(['build'], { cwd: dir });
    expect(built.code, built.output).toBe(0);
    expect(readdirSync(join(dir, 'out/orders')).sort()).toEqual(['region=north', 'region=south']);
    const all = (root: string) => read(`select id::int as id, region from read_parquet('${root}/**/*.parquet', hive_partitioning = true) order by id`);
    expect(await all(join(dir, 'out/orders'))).toEqual([
      { id: 1, region: 'north' },
      { id: 2, region: 'south' },
      { id: 3, region: 'north' },
    ]);
    // The third row moves to a new region: the new folder has it, and nothing of the old one is kept.
    const again = await dpf(['build', '--vars', '{region: west}'], { cwd: dir });
    expect(again.code, again.output).toBe(0);
    expect(readdirSync(join(dir, 'out/orders')).sort()).toEqual(['region=north', 'region=south', 'region=west']);
    expect(await all(join(dir, 'out/orders'))).toEqual([
      { id: 1, region: 'north' },
      { id: 2, region: 'south' },
      { id: 3, region: 'west' },
    ]);
    expect(leftovers(join(dir, 'out'))).toEqual([]);
  });

  it('keeps the last delivery when a delivery fails, and says why at the exports: entry', async () => {
    const dir = project('      - plugin: files\n        path: out/orders\n        partition_by: [region]\n');
    expect((await dpf(['build'], { cwd: dir })).code).toBe(0);
    writeFiles(dir, { 'models/schema.yml': 'models:\n  - name: orders\n    exports:\n      - plugin: files\n        path: out/orders\n        partition_by: [country]\n' });
    const failed = await dpf(['build', '--vars', '{third: 4}'], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.output).toContain('DPF807');
    expect(failed.output).toContain('partition_by names country, which is not a column of orders (id, region, amount, ordered_at)');
    expect(failed.output).toMatch(/models[/\\]schema\.yml:4/);
    expect((await read(`select id::int as id from read_parquet('${join(dir, 'out/orders')}/**/*.parquet') order by id`)).map((r) => r.id)).toEqual([1, 2, 3]);
    expect(leftovers(join(dir, 'out'))).toEqual([]);

    writeFiles(dir, { 'models/schema.yml': 'models:\n  - name: orders\n    exports:\n      - plugin: files\n        path: out/orders.parquet\n        compression: none\n' });
    const wrongCodec = await dpf(['build'], { cwd: dir });
    expect(wrongCodec.code).toBe(1);
    expect(wrongCodec.output).toContain('compression none is not one for parquet files: use snappy, zstd, gzip, uncompressed');
  });
});

// ---------------------------------------------------------------- the plugin's write, called directly

const COLUMNS: PluginColumn[] = [
  { name: 'id', type: 'integer' },
  { name: 'big', type: 'bigint' },
  { name: 'label', type: 'text' },
  { name: 'score', type: 'double' },
  { name: 'day', type: 'date' },
  { name: 'at', type: 'timestamp' },
  { name: 'ok', type: 'boolean' },
];

function context(projectDir: string, copyTo?: SinkContext['copyTo']): SinkContext {
  return {
    signal: new AbortController().signal,
    projectDir,
    env: process.env,
    export: 'orders_files',
    model: { name: 'orders', relation: '"main"."orders"', columns: COLUMNS },
    runId: 'run-1',
    fetch: globalThis.fetch,
    ...(copyTo ? { copyTo } : {}),
  };
}

/** Rows as the export step streams them from a warehouse: objects, values as the engine's JSON gives them. */
async function* rowsOf(batches: Record<string, unknown>[][], failAfter?: number): AsyncGenerator<Record<string, unknown>[]> {
  let n = 0;
  for (const batch of batches) {
    if (failAfter !== undefined && n++ >= failAfter) throw new Error('the warehouse connection was lost');
    yield batch;
  }
}

const row = (id: number, label = `n${id}`) => ({ id, big: String(9007199254740993n + BigInt(id)), label, score: id / 4, day: '2024-03-01', at: '2024-03-01 10:00:00.123456', ok: id % 2 === 0 });

describe('the files sink without copyTo (the streaming path of engines that do not write files)', () => {
  it('streams the rows into an in-memory DuckDB and writes partitioned Parquet with the columns\' types', async () => {
    const dir = tempDir();
    const batches = [Array.from({ length: 3000 }, (_, i) => row(i + 1)), [row(3001, "it's"), { ...row(3002), label: null, at: null }]];
    const result = await sink.write(rowsOf(batches), { path: 'out/orders', partition_by: ['ok'] }, context(dir));
    expect(result).toEqual({ rows: 3002, location: 'out/orders' });
    expect(readdirSync(join(dir, 'out/orders')).sort()).toEqual(['ok=false', 'ok=true']);
    const root = join(dir, 'out/orders');
    expect(await read(`select count(*)::int as n, sum(id)::int as total from read_parquet('${root}/**/*.parquet')`)).toEqual([{ n: 3002, total: (3002 * 3003) / 2 }]);
    const types = await read(`describe select * from read_parquet('${root}/**/*.parquet', hive_partitioning = false)`);
    expect(types.map((t) => `${t.column_name} ${t.column_type}`)).toEqual(['id INTEGER', 'big BIGINT', 'label VARCHAR', 'score DOUBLE', 'day DATE', 'at TIMESTAMP']);
    expect(
      await read(`select big::varchar as big, label, score, day::varchar as day, strftime("at", '%Y-%m-%d %H:%M:%S.%f') as "at" from read_parquet('${root}/**/*.parquet') where id in (1, 3001, 3002) order by id`),
    ).toEqual([
      { big: '9007199254740994', label: 'n1', score: 0.25, day: '2024-03-01', at: '2024-03-01 10:00:00.123456' },
      { big: '9007199254743994', label: "it's", score: 750.25, day: '2024-03-01', at: '2024-03-01 10:00:00.123456' },
      { big: '9007199254743995', label: null, score: 750.5, day: '2024-03-01', at: null },
    ]);
  });

  it('keeps the last delivery when the rows fail part-way, and when a value does not fit its column', async () => {
    const dir = tempDir();
    const config = { path: 'out/orders.csv' };
    await sink.write(rowsOf([[row(1), row(2)]]), config, context(dir));
    const delivered = readFileSync(join(dir, 'out/orders.csv'), 'utf8');
    const lost = await sink.write(rowsOf([[row(3)], [row(4)], [row(5)]], 2), config, context(dir)).catch((e: Error) => e);
    expect((lost as Error).message).toBe('the warehouse connection was lost');
    const misfit = await sink.write(rowsOf([[row(3), { ...row(4), id: 'four' }]]), config, context(dir)).catch((e: Error) => e);
    expect((misfit as Error).message).toMatch(/row 2, column "id" \(INTEGER\): "four" is not a INTEGER value/);
    expect(readFileSync(join(dir, 'out/orders.csv'), 'utf8')).toBe(delivered);
    expect(leftovers(join(dir, 'out'))).toEqual([]);
  });
});

describe('the files sink\'s atomic replace', () => {
  it('keeps the last delivery when the warehouse\'s COPY fails after writing part of the files', async () => {
    const dir = tempDir();
    const config = { path: 'out/orders', partition_by: ['ok'] };
    await sink.write(rowsOf([[row(1), row(2)]]), config, context(dir));
    const failingCopy: SinkContext['copyTo'] = async (path) => {
      mkdirSync(join(path, 'ok=true'), { recursive: true });
      writeFileSync(join(path, 'ok=true', 'data_0.parquet'), 'half a file');
      throw new Error('IO Error: No space left on device');
    };
    const failed = await sink.write(rowsOf([]), config, context(dir, failingCopy)).catch((e: Error) => e);
    expect((failed as Error).message).toBe('IO Error: No space left on device');
    expect(await read(`select id::int as id from read_parquet('${join(dir, 'out/orders')}/**/*.parquet') order by id`)).toEqual([{ id: 1 }, { id: 2 }]);
    expect(leftovers(join(dir, 'out'))).toEqual([]);
  });

  it('recovers from a kill between the swap\'s renames: the folder set aside is put back, or dropped once the new one is in', async () => {
    const dir = tempDir();
    const target = join(dir, 'out/orders');
    const config = { path: 'out/orders', partition_by: ['ok'] };
    await sink.write(rowsOf([[row(1), row(2)]]), config, context(dir));

    // Killed after the old folder was renamed aside and before the new one was renamed in, with
    // the new one half written: the next delivery (failing too, here) finds the last one restored.
    const { renameSync } = await import('node:fs');
    renameSync(target, oldPath(target));
    mkdirSync(join(nextPath(target), 'ok=true'), { recursive: true });
    writeFileSync(join(nextPath(target), 'ok=true', 'data_0.parquet'), 'half');
    await expect(sink.write(rowsOf([[row(9)]], 0), config, context(dir))).rejects.toThrow('the warehouse connection was lost');
    expect(await read(`select id::int as id from read_parquet('${target}/**/*.parquet') order by id`)).toEqual([{ id: 1 }, { id: 2 }]);
    expect(leftovers(join(dir, 'out'))).toEqual([]);

    // Killed after the new folder was renamed in, before the old one was deleted: the old one goes.
    mkdirSync(join(oldPath(target), 'ok=true'), { recursive: true });
    await sink.write(rowsOf([[row(7)]]), config, context(dir));
    expect(await read(`select id::int as id from read_parquet('${target}/**/*.parquet') order by id`)).toEqual([{ id: 7 }]);
    expect(existsSync(oldPath(target))).toBe(false);
    expect(leftovers(join(dir, 'out'))).toEqual([]);
  });
});
