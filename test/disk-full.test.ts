/**
 * A full disk, for real: a 12 MB tmpfs mounted in a mount namespace of its own (unshare -m, as
 * root here and in CI) holds the project, its DuckDB file and target/. The second build needs
 * more room than is left: it ends with DPF607 and no stack trace, the table keeps its old rows,
 * the previous run_results.json still parses, and once space is freed the next build succeeds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const BIN = join(REPO_ROOT, 'bin/dpf.js');

/** Each build's output goes to $OUT/<step>.{out,err,code}; copies of target/ to $OUT/<step>-target/. */
const SCRIPT = String.raw`
set -u
mount -t tmpfs -o size=12m tmpfs "$DISK"
mkdir -p "$DISK/p/models"
cd "$DISK/p"
printf 'name: proj\n' > dpf_project.yml
printf 'proj:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/dev.duckdb, schema: main, threads: 1 }\n' > profiles.yml
build() {
  "$NODE" "$BIN" build > "$OUT/$1.out" 2> "$OUT/$1.err"; echo $? > "$OUT/$1.code"
  cp -r target "$OUT/$1-target"
}
printf '{{config materialized="table"}}\nselect range as id, 1 as v from range(1000)\n' > models/t.sql
build first
# The new table takes about 5 MB; leave 1 MB free.
printf '{{config materialized="table"}}\nselect range as id, md5(range::varchar) as v from range(200000)\n' > models/t.sql
avail=$(df --output=avail -k "$DISK" | tail -1)
head -c $(( (avail - 1024) * 1024 )) /dev/zero > "$DISK/filler"
build full
rm "$DISK/filler"
build freed
`;

describe('a full disk', () => {
  it('ends the build with DPF607, keeps the old table and artifacts, and the next build succeeds', async () => {
    const out = tempDir('dpf-disk-full-');
    const disk = join(out, 'disk');
    const run = spawnSync('unshare', ['-m', 'sh', '-c', `mkdir -p "$DISK" && ${SCRIPT}`], {
      encoding: 'utf8',
      env: { ...process.env, DISK: disk, OUT: out, NODE: process.execPath, BIN, HOME: out },
    });
    expect(run.status, run.stderr).toBe(0);
    const step = (name: string) => ({
      code: Number(readFileSync(join(out, `${name}.code`), 'utf8')),
      stdout: readFileSync(join(out, `${name}.out`), 'utf8'),
      stderr: readFileSync(join(out, `${name}.err`), 'utf8'),
    });
    expect(step('first').code, step('first').stderr).toBe(0);

    const full = step('full');
    expect(full.code, full.stdout + full.stderr).toBe(1);
    expect(full.stderr).toMatch(/error DPF607 Disk full\n {2}\S+ could not be written: the disk is full \(/);
    for (const text of [full.stdout, full.stderr]) {
      expect(text).not.toContain('internal error');
      expect(text).not.toMatch(/^ {4}at /m);
    }
    // The table was not replaced: the failed commit left the old one.
    expect(await queryDuckDB(join(out, 'full-target/dev.duckdb'), 'select count(*)::int as n, max(v)::varchar as v from main.t')).toEqual([{ n: 1000, v: '1' }]);
    const previous = JSON.parse(readFileSync(join(out, 'full-target/run_results.json'), 'utf8')) as { results: { uniqueId: string; status: string }[] };
    expect(previous.results.map((r) => r.status)).toEqual(['success', 'pass']); // the table and its monitor
    expect(readFileSync(join(out, 'full-target/run_results.json'), 'utf8')).toBe(readFileSync(join(out, 'first-target/run_results.json'), 'utf8'));
    expect(existsSync(join(out, 'full-target/manifest.json'))).toBe(true);
    JSON.parse(readFileSync(join(out, 'full-target/manifest.json'), 'utf8'));

    const freed = step('freed');
    expect(freed.code, freed.stdout + freed.stderr).toBe(0);
    expect(await queryDuckDB(join(out, 'freed-target/dev.duckdb'), 'select count(*)::int as n from main.t')).toEqual([{ n: 200000 }]);
  });
});
