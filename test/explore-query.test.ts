/** The public API's read-only `query` (the Explore page's engine side), in process on DuckDB. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { query, queryToFile } from '../src/index.js';
import { DpfError } from '../src/errors/dpf-error.js';
import { dpf, makeProject, tempDir } from './helpers/run-dpf.js';

const codeOf = (err: unknown) => (err instanceof DpfError ? err.diagnostics[0]!.code : String(err));

describe('query (read-only)', () => {
  it('says to build first, and creates no database file, when there is none', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' });
    expect(await query({ projectDir: dir, sql: 'select 1' }).catch(codeOf)).toBe('DPF184');
    expect(existsSync(join(dir, 'target', 'dev.duckdb'))).toBe(false);
  });

  it('returns rows up to the limit, says when it cut, cancels past the time limit, and writes CSV and Parquet', async () => {
    const dir = makeProject({ 'models/a.sql': 'select range as id from range(30)\n' }, 'name: proj\nmodels:\n  proj:\n    +materialized: table\n');
    expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    const cut = await query({ projectDir: dir, sql: 'select id from main.a order by id', limit: 10 });
    expect(cut).toMatchObject({ rowCount: 10, truncated: true, columns: [{ name: 'id' }] });
    expect(cut.rows.map((r) => Number(r[0]))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await query({ projectDir: dir, sql: 'select id from main.a', limit: 30 })).toMatchObject({ rowCount: 30, truncated: false });
    const slow = 'select count(*) from range(1000000000) a, range(1000000000) b';
    expect(await query({ projectDir: dir, sql: slow, timeoutMs: 300 }).catch(codeOf)).toBe('DPF183');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stopped by the caller')), 300);
    await expect(query({ projectDir: dir, sql: slow, signal: controller.signal })).rejects.toThrow('stopped by the caller');
    expect(await query({ projectDir: dir, sql: 'drop table main.a' }).catch(codeOf)).toBe('DPF180');
    expect(await query({ projectDir: dir, sql: 'select * from main.nope' }).catch(codeOf)).toBe('DPF601');

    const out = tempDir();
    await queryToFile({ projectDir: dir, sql: 'select id from main.a where id < 3 order by id', format: 'csv', file: join(out, 'a.csv') });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(out, 'a.csv'), 'utf8').trim().split(/\r?\n/)).toEqual(['id', '0', '1', '2']);
    await queryToFile({ projectDir: dir, sql: 'select id from main.a', format: 'parquet', file: join(out, 'a.parquet') });
    expect(readFileSync(join(out, 'a.parquet')).subarray(0, 4).toString()).toBe('PAR1');
    // Still there, still 30 rows: nothing above wrote to it.
    expect(await query({ projectDir: dir, sql: 'select count(*) from main.a' }).then((r) => Number(r.rows[0]![0]))).toBe(30);
  });
});
