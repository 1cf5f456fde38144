/**
 * 5. Seed load: one seed of N rows (default 1,000,000), loaded by `dpf seed` and by DuckDB's own
 * `create table ... as select * from read_csv(...)` of the same file (bench/raw-duckdb.ts over
 * the manifest, with the types dpf inferred), in the same run. Target: dpf ≤ 3× DuckDB.
 *
 * `dpf seed` is measured twice, each on a fresh database: cold (target/ deleted, so the compile
 * reads the whole CSV to infer its column types, as after the file changed) and warm (the
 * compile of the unchanged file reused, as on a second `dpf seed` after `dpf compile`).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RawResult } from './raw-duckdb.js';

export interface SeedLoadResult {
  readonly rows: number;
  readonly csvMiB: number;
  /** raw-duckdb.js: open, read_csv into a table, close (in-process), and the whole script's wall time. */
  readonly raw: { readonly inProcessSeconds: number; readonly loadSeconds: number; readonly wallSeconds: number; readonly peakRssMiB?: number; readonly duckdbVersion: string };
  readonly dpfCold: DpfSeedRun;
  readonly dpfWarm: DpfSeedRun;
  readonly nodeStartupSeconds: number;
}

interface DpfSeedRun {
  readonly wallSeconds: number;
  readonly peakRssMiB?: number;
  /** The seed node's executionTime in run_results.json: staging table, load, swap. */
  readonly loadSeconds: number;
}

export const SEED_TARGET_RATIO = 3;

type Measure = (script: 'dpf' | 'raw', args: string[], logName: string) => Promise<{ wallSeconds: number; peakRssMiB?: number; exitCode: number }>;

/** Deterministic rows of every inferred type but boolean, with quoted text holding commas. */
function writeSeedProject(dir: string, rows: number): number {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'seeds'), { recursive: true });
  writeFileSync(join(dir, 'dpf_project.yml'), 'name: seed_bench\nversion: "1.0"\nprofile: seed_bench\nseed-paths: [seeds]\n');
  writeFileSync(join(dir, 'profiles.yml'), 'seed_bench:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/dev.duckdb, schema: main, threads: 1 }\n');
  const lines = ['id,group_id,amount,label,event_date,updated_at'];
  for (let i = 0; i < rows; i++) {
    const day = `${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
    lines.push(`${i},${i % 97},${((i * 37) % 100000) / 100},"label ${i % 1000}, group ${i % 97}",2024-${day},2024-${day} ${String(i % 24).padStart(2, '0')}:30:00`);
  }
  const text = `${lines.join('\n')}\n`;
  writeFileSync(join(dir, 'seeds', 'big.csv'), text);
  return Buffer.byteLength(text) / (1024 * 1024);
}

function seedExecutionSeconds(dir: string): number {
  const doc = JSON.parse(readFileSync(join(dir, 'target', 'run_results.json'), 'utf8')) as { results: { uniqueId: string; executionTime: number }[] };
  return doc.results.find((r) => r.uniqueId === 'seed.seed_bench.big')!.executionTime;
}

export async function benchSeedLoad(workDir: string, rows: number, measure: Measure, nodeStartupSeconds: number, log: (s: string) => void): Promise<SeedLoadResult | undefined> {
  const dir = join(workDir, `seed-${rows}`);
  const csvMiB = writeSeedProject(dir, rows);
  log(`seed load: ${rows.toLocaleString('en-US')} rows, ${csvMiB.toFixed(0)} MiB of CSV in ${dir}`);
  const db = join(dir, 'target', 'dev.duckdb');
  const freshDatabase = () => {
    for (const f of [db, `${db}.wal`, join(dir, 'target', 'run_results.json')]) rmSync(f, { force: true });
  };

  rmSync(join(dir, 'target'), { recursive: true, force: true });
  const cold = await measure('dpf', ['seed', '--project-dir', dir], `seed-${rows}-dpf-cold`);
  if (cold.exitCode !== 0) return undefined;
  const dpfCold = { wallSeconds: cold.wallSeconds, peakRssMiB: cold.peakRssMiB, loadSeconds: seedExecutionSeconds(dir) };
  log(`  dpf seed, cold (types inferred from the file): ${dpfCold.wallSeconds.toFixed(2)}s wall, load ${dpfCold.loadSeconds.toFixed(2)}s, ${dpfCold.peakRssMiB?.toFixed(0) ?? 'n/a'} MiB`);

  // The raw script reads the manifest the cold run compiled: the same file, the same types.
  const manifestCopy = join(workDir, `seed-${rows}.manifest.json`);
  writeFileSync(manifestCopy, readFileSync(join(dir, 'target', 'manifest.json')));
  const rawOut = join(workDir, 'logs', `seed-${rows}-raw.json`);
  const rawDb = join(workDir, `seed-${rows}-raw.duckdb`);
  const rawRun = await measure('raw', [manifestCopy, dir, rawDb, rawOut], `seed-${rows}-raw`);
  if (rawRun.exitCode !== 0) return undefined;
  const rawResult = JSON.parse(readFileSync(rawOut, 'utf8')) as RawResult;
  const raw = { inProcessSeconds: rawResult.seconds, loadSeconds: rawResult.seedSeconds, wallSeconds: rawRun.wallSeconds, peakRssMiB: rawRun.peakRssMiB, duckdbVersion: rawResult.duckdbVersion };
  log(`  DuckDB read_csv by hand: ${raw.inProcessSeconds.toFixed(2)}s in-process (load ${raw.loadSeconds.toFixed(2)}s), ${raw.wallSeconds.toFixed(2)}s wall`);

  freshDatabase();
  const warm = await measure('dpf', ['seed', '--project-dir', dir], `seed-${rows}-dpf-warm`);
  if (warm.exitCode !== 0) return undefined;
  const dpfWarm = { wallSeconds: warm.wallSeconds, peakRssMiB: warm.peakRssMiB, loadSeconds: seedExecutionSeconds(dir) };
  log(`  dpf seed, warm (compile reused): ${dpfWarm.wallSeconds.toFixed(2)}s wall, load ${dpfWarm.loadSeconds.toFixed(2)}s, ${dpfWarm.peakRssMiB?.toFixed(0) ?? 'n/a'} MiB`);
  return { rows, csvMiB, raw, dpfCold, dpfWarm, nodeStartupSeconds };
}

export function seedLoadMarkdown(r: SeedLoadResult): string {
  const s = (x: number) => x.toFixed(2);
  const mib = (x?: number) => (x === undefined ? 'n/a' : x.toFixed(0));
  const baseline = r.raw.inProcessSeconds + r.nodeStartupSeconds;
  return [
    `**Seed load** (one seed of ${r.rows.toLocaleString('en-US')} rows, ${r.csvMiB.toFixed(0)} MiB of CSV; fresh database each run; DuckDB ${r.raw.duckdbVersion})`,
    '',
    '| Measurement | Time (s) | Peak RSS (MiB) |',
    '|---|---:|---:|',
    `| DuckDB by hand: \`create table as select * from read_csv(...)\`, in-process (open, load, close) | ${s(r.raw.inProcessSeconds)} | |`,
    `| … the load statement alone | ${s(r.raw.loadSeconds)} | |`,
    `| … the whole script, wall (node + DuckDB load + manifest read) | ${s(r.raw.wallSeconds)} | ${mib(r.raw.peakRssMiB)} |`,
    `| \`dpf seed\`, cold (target/ deleted: the compile reads the CSV to infer types), wall | ${s(r.dpfCold.wallSeconds)} | ${mib(r.dpfCold.peakRssMiB)} |`,
    `| \`dpf seed\`, warm (compile reused), wall | ${s(r.dpfWarm.wallSeconds)} | ${mib(r.dpfWarm.peakRssMiB)} |`,
    `| dpf's seed step (staging table, load, swap; run_results executionTime) | ${s(r.dpfWarm.loadSeconds)} | |`,
    '',
    '| Ratio | Value |',
    '|---|---:|',
    `| **dpf seed wall, cold ÷ (DuckDB in-process + node startup)** — target ≤ ${SEED_TARGET_RATIO} | ${s(r.dpfCold.wallSeconds / baseline)}× |`,
    `| dpf seed wall, warm ÷ (DuckDB in-process + node startup) | ${s(r.dpfWarm.wallSeconds / baseline)}× |`,
    `| dpf seed wall, cold ÷ DuckDB script wall | ${s(r.dpfCold.wallSeconds / r.raw.wallSeconds)}× |`,
    `| dpf's seed step ÷ DuckDB's load statement | ${s(r.dpfWarm.loadSeconds / r.raw.loadSeconds)}× |`,
  ].join('\n');
}
