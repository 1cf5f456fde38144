/**
 * dpf benchmarks (`npm run bench`; `node dist-bench/bench/run-bench.js --quick` for a fast check).
 *
 * 1. Compile: for N models (1,000 / 5,000 / 10,000; quick: 200 / 500 / 1,000), generate a
 *    project and time `node bin/dpf.js compile` as a child process: wall time and peak RSS.
 * 2. Build vs raw DuckDB: 1,000 small table models (quick: 200). Time `dpf build --threads 1`
 *    and `dpf build` (profile default, 4 threads) on a fresh database, and a script that runs
 *    the same compiled statements on DuckDB by hand (bench/raw-duckdb.ts). Print the ratios.
 * 3. Print a markdown table (for the README) and write bench/.work/results.json (+ results.md).
 *
 * Benchmarks report figures; they never fail because something is slow. The exit code is 1
 * only when a command itself fails (dpf exits non-zero or a build has errors).
 *
 * 4. Docs: the catalog site of a 10,000-model project (quick: 1,000): generate time, file
 *    sizes, first page and search latency in headless Chromium (bench/docs-site.ts).
 * 5. Reuse: full, no-op, changed-source and cone builds of a project with DuckDB source tables
 *    and an incremental model, each result compared with a from-scratch build (bench/reuse-bench.ts).
 *    Unlike the timings, its checks (every node reused, exactly the cone run, equal tables)
 *    fail the benchmark when broken.
 *
 * 6. Seed load: `dpf seed` of a 1,000,000-row CSV (quick: 100,000) against DuckDB's own
 *    read_csv of the same file in the same run (bench/seed-load.ts).
 *
 * 7. Bulk I/O: Connection.appendRows of 1,000,000 rows (quick: 100,000) against DuckDB's
 *    appender used directly, and queryStream of 10,000,000 rows (quick: 1,000,000) with its
 *    peak RSS (bench/bulk-io.ts).
 *
 * 8. Monitors: `dpf build` of the build benchmark's models as tables, with and without monitors,
 *    and the detection proof on generated 60-day histories (bench/monitor-bench.ts).
 *
 * 9. Extract: a plugin's 1,000,000 rows (quick: 100,000) landed by `dpf build`, rows/s, against
 *    DuckDB's appender fed the same batches directly (bench/extract-sink.ts).
 * 10. Sink: the same rows exported to Parquet by the files sink against DuckDB's own COPY … TO,
 *    and the sink's streaming path (bench/extract-sink.ts).
 *
 * 11. Scheduler: schedule() with 1,000 pipelines on varied crons for 60 s (quick: 35 s, so that a 30-second boundary falls in it): its CPU
 *    time per minute and how late each due tick started (bench/schedule-bench.ts).
 *
 * 12. Charts: the site's chart module redrawing 100,000 points in headless Chromium (bench/chart-bench.ts).
 *
 * 13. Explore: the demo's `select * from <model> limit 100` run from the Explore page of `dpf docs
 *    serve` in headless Chromium, from the click to the table on screen (bench/explore-bench.ts).
 *
 * Flags: --quick, --repeats N (default 3, quick 1), --only compile|build|tests|reuse|docs|explore|seed|bulk|monitors|extract|sink|schedule|charts
 * (or a comma list), --rss-wrapper (use the in-process maxRSS wrapper even when /usr/bin/time
 * exists), --sizes 1000,5000, --build-models N, --docs-models N, --reuse-models N, --seed-rows N,
 * --extract-rows N.
 */
import { benchTestOverhead, testOverheadMarkdown, TEST_TARGET_MS, type TestOverheadResult } from './test-overhead.js';
import { benchDocs, docsMarkdown, DOCS_TARGETS, type DocsBenchResult } from './docs-site.js';
import { benchExplore, exploreMarkdown, EXPLORE_TARGETS, type ExploreBenchResult } from './explore-bench.js';
import { benchReuse, reuseMarkdown, REUSE_TARGETS, type ReuseBenchResult } from './reuse-bench.js';
import { benchSeedLoad, seedLoadMarkdown, SEED_TARGET_RATIO, type SeedLoadResult } from './seed-load.js';
import { benchBulkIo, bulkIoMarkdown, BULK_TARGETS, type BulkIoResult } from './bulk-io.js';
import { benchExtract, benchSink, extractMarkdown, sinkMarkdown, EXTRACT_SINK_TARGETS, type ExtractResult, type SinkResult } from './extract-sink.js';
import { benchCharts, chartsMarkdown, CHART_TARGETS, type ChartBenchResult } from './chart-bench.js';
import { benchSchedule, scheduleMarkdown, SCHEDULE_TARGETS, type ScheduleBenchResult } from './schedule-bench.js';
import { benchMonitorOverhead, detectionProof, monitorsMarkdown, MONITOR_TARGETS, type DetectionResult, type MonitorOverheadResult } from './monitor-bench.js';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateProject, type GeneratedProject } from './generate-project.js';
import type { MeasuredCli } from './measure-cli.js';
import type { RawResult } from './raw-duckdb.js';

const BENCH_JS_DIR = dirname(fileURLToPath(import.meta.url)); // dist-bench/bench
const REPO_ROOT = resolve(BENCH_JS_DIR, '..', '..');
const WORK = join(REPO_ROOT, 'bench', '.work');
const DPF_BIN = join(REPO_ROOT, 'bin', 'dpf.js');
const RAW_JS = join(BENCH_JS_DIR, 'raw-duckdb.js');
const MEASURE_JS = join(BENCH_JS_DIR, 'measure-cli.js');
const BULK_JS = join(BENCH_JS_DIR, 'bulk-io.js');
const EXTRACT_SINK_JS = join(BENCH_JS_DIR, 'extract-sink.js');
const SCHEDULE_JS = join(BENCH_JS_DIR, 'schedule-bench.js');
const TIMEOUT_MS = 15 * 60 * 1000;
const MiB = 1024 * 1024;

// ---------------------------------------------------------------- arguments

const PARTS = ['compile', 'build', 'tests', 'reuse', 'docs', 'explore', 'seed', 'bulk', 'monitors', 'extract', 'sink', 'schedule', 'charts'] as const;
type Part = (typeof PARTS)[number];

interface Args {
  readonly quick: boolean;
  readonly repeats: number;
  /** The parts to run; all when undefined. */
  readonly only?: ReadonlySet<Part>;
  readonly rssWrapper: boolean;
  readonly sizes: number[];
  readonly buildModels: number;
  readonly docsModels: number;
  readonly reuseModels: number;
  readonly seedRows: number;
  readonly extractRows: number;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const onlyList = value('--only')?.split(',');
  for (const part of onlyList ?? []) if (!(PARTS as readonly string[]).includes(part)) throw new Error(`--only takes ${PARTS.join(', ')} or a comma list of them, not ${part}`);
  const only = onlyList ? new Set(onlyList as Part[]) : undefined;
  const sizes = value('--sizes')?.split(',').map(Number) ?? (quick ? [200, 500, 1000] : [1000, 5000, 10000]);
  const repeats = Number(value('--repeats') ?? (quick ? 1 : 3));
  const buildModels = Number(value('--build-models') ?? (quick ? 200 : 1000));
  const docsModels = Number(value('--docs-models') ?? (quick ? 1000 : 10000));
  const reuseModels = Number(value('--reuse-models') ?? buildModels);
  const seedRows = Number(value('--seed-rows') ?? (quick ? 100_000 : 1_000_000));
  const extractRows = Number(value('--extract-rows') ?? (quick ? 100_000 : 1_000_000));
  for (const n of [...sizes, repeats, buildModels, docsModels, reuseModels, seedRows, extractRows]) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`expected positive integers, got ${n}`);
  }
  return { quick, repeats, only, rssWrapper: argv.includes('--rss-wrapper'), sizes, buildModels, docsModels, reuseModels, seedRows, extractRows };
}

// ---------------------------------------------------------------- measuring child processes

interface Measured {
  readonly wallSeconds: number;
  readonly peakRssMiB?: number;
  readonly exitCode: number;
  readonly timedOut: boolean;
  readonly logFile: string;
}

function hasGnuTime(): boolean {
  if (!existsSync('/usr/bin/time')) return false;
  const probe = join(WORK, 'time-probe.txt');
  const r = spawnSync('/usr/bin/time', ['-v', '-o', probe, process.execPath, '-e', '0'], { stdio: 'ignore' });
  const ok = r.status === 0 && existsSync(probe) && readFileSync(probe, 'utf8').includes('Maximum resident set size');
  rmSync(probe, { force: true });
  return ok;
}

let rssMethod: 'gnu-time' | 'in-process-wrapper' = 'gnu-time';

/**
 * Runs `node <script> <args>` as a child, output to a log file, and measures its wall time
 * (performance.now() around the child's whole life) and peak RSS (GNU time's "Maximum
 * resident set size", or for dpf commands without it, the in-process wrapper's maxRSS).
 */
async function measureNode(script: string, args: string[], logName: string, cwd = REPO_ROOT): Promise<Measured> {
  mkdirSync(join(WORK, 'logs'), { recursive: true });
  const logFile = join(WORK, 'logs', `${logName}.log`);
  const statsFile = join(WORK, 'logs', `${logName}.stats`);
  rmSync(statsFile, { force: true });
  let command: string;
  let commandArgs: string[];
  if (rssMethod === 'gnu-time') {
    command = '/usr/bin/time';
    commandArgs = ['-v', '-o', statsFile, process.execPath, script, ...args];
  } else if (script === DPF_BIN) {
    command = process.execPath;
    commandArgs = [MEASURE_JS, statsFile, ...args];
  } else {
    command = process.execPath;
    commandArgs = [script, ...args];
  }
  const fd = openSync(logFile, 'w');
  const t0 = performance.now();
  let timedOut = false;
  const exitCode = await new Promise<number>((resolveExit) => {
    const child = spawn(command, commandArgs, { cwd, stdio: ['ignore', fd, fd] });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      writeFileSync(logFile, `failed to start ${command}: ${err.message}\n`, { flag: 'a' });
      resolveExit(127);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveExit(code ?? 137);
    });
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  closeSync(fd);
  let peakRssMiB: number | undefined;
  if (existsSync(statsFile)) {
    const stats = readFileSync(statsFile, 'utf8');
    if (rssMethod === 'gnu-time') {
      const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(stats)?.[1];
      if (kb) peakRssMiB = (Number(kb) * 1024) / MiB;
    } else {
      peakRssMiB = ((JSON.parse(stats) as MeasuredCli).maxRssKiB * 1024) / MiB;
    }
  }
  return { wallSeconds, peakRssMiB, exitCode, timedOut, logFile };
}

const failures: string[] = [];

function checkRun(what: string, m: Measured, extra?: string): boolean {
  if (m.exitCode === 0 && !m.timedOut && !extra) return true;
  const tail = readFileSync(m.logFile, 'utf8').split('\n').slice(-25).join('\n');
  const why = m.timedOut ? `timed out after ${TIMEOUT_MS / 1000}s` : extra ?? `exited with code ${m.exitCode}`;
  const message = `${what} ${why} after ${m.wallSeconds.toFixed(2)}s (log: ${relative(REPO_ROOT, m.logFile)})\n${tail}`;
  failures.push(message);
  process.stderr.write(`\n!! ${message}\n`);
  return false;
}

// ---------------------------------------------------------------- statistics and formatting

const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
const sec = (x: number | undefined, digits = 2) => (x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
const mib = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(0));
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? undefined : a / b;
const fmtRatio = (x: number | undefined) => (x === undefined ? 'n/a' : `${x.toFixed(2)}×`);
const thousands = (n: number) => n.toLocaleString('en-US');
const log = (s: string) => process.stdout.write(`${s}\n`);

// ---------------------------------------------------------------- 1. compile

interface CompileResult {
  readonly models: number;
  readonly project: Omit<GeneratedProject, 'dir'> & { dir: string };
  readonly generateSeconds: number;
  /** Median over the repeats of a warm compile: the project compiled before, unchanged (partial parsing). */
  readonly wallSeconds: number;
  /** Median over the repeats of a cold compile: target/ deleted first, so no cache and no compiled files. */
  readonly coldWallSeconds: number;
  readonly peakRssMiB?: number;
  /** What dpf itself prints ("Compiled in Xs"): from reading files to writing artifacts. */
  readonly reportedCompileSeconds?: number;
  readonly samples: { wallSeconds: number; peakRssMiB?: number; reportedCompileSeconds?: number; exitCode: number }[];
  readonly ok: boolean;
}

async function benchCompile(n: number, repeats: number): Promise<CompileResult> {
  const dir = join(WORK, `compile-${n}`);
  const g0 = performance.now();
  const project = generateProject(dir, n);
  const generateSeconds = (performance.now() - g0) / 1000;
  log(`compile ${thousands(n)} models: generated ${project.files} files (${project.folders} folders, ${project.edges} refs) in ${sec(generateSeconds)}s`);
  const samples: CompileResult['samples'] = [];
  let ok = true;
  const coldSamples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    rmSync(join(dir, 'target'), { recursive: true, force: true });
    const cold = await measureNode(DPF_BIN, ['compile', '--project-dir', dir], `compile-${n}-cold-${r + 1}`);
    if (!checkRun(`dpf compile (${n} models, cold)`, cold)) {
      ok = false;
      break;
    }
    coldSamples.push(cold.wallSeconds);
    log(`  run ${r + 1}/${repeats} cold (no target/): ${sec(cold.wallSeconds)}s wall`);
    const m = await measureNode(DPF_BIN, ['compile', '--project-dir', dir], `compile-${n}-${r + 1}`);
    const text = readFileSync(m.logFile, 'utf8');
    const reported = /Compiled in ([\d.]+)s/.exec(text)?.[1];
    samples.push({ wallSeconds: m.wallSeconds, peakRssMiB: m.peakRssMiB, reportedCompileSeconds: reported ? Number(reported) : undefined, exitCode: m.exitCode });
    log(`  run ${r + 1}/${repeats} warm: ${sec(m.wallSeconds)}s wall, ${mib(m.peakRssMiB)} MiB peak RSS${reported ? ` (dpf reports ${reported}s)` : ''}`);
    if (!checkRun(`dpf compile (${n} models)`, m)) {
      ok = false;
      break;
    }
  }
  return {
    models: n,
    project: { ...project, dir: relative(REPO_ROOT, project.dir) },
    generateSeconds,
    wallSeconds: median(samples.map((s) => s.wallSeconds)),
    coldWallSeconds: median(coldSamples),
    peakRssMiB: median(defined(samples.map((s) => s.peakRssMiB))),
    reportedCompileSeconds: median(defined(samples.map((s) => s.reportedCompileSeconds))),
    samples,
    ok,
  };
}

// ---------------------------------------------------------------- 2. build vs raw DuckDB

interface DpfBuildRuns {
  readonly label: string;
  readonly args: string[];
  /** Median wall time of the whole `node bin/dpf.js build` process. */
  readonly wallSeconds: number;
  /** Median of run_results.json elapsedTime: the runner phase (schemas to last model). */
  readonly runnerSeconds: number;
  readonly peakRssMiB?: number;
  readonly samples: { wallSeconds: number; runnerSeconds?: number; peakRssMiB?: number; exitCode: number; errors?: number }[];
}

interface RawSummary {
  /** Median in-process time of the raw script (open, seeds, models, close). */
  readonly inProcessSeconds: number;
  /** Median of the same without the final close (DuckDB's checkpoint of the file). */
  readonly executionSeconds: number;
  /** Median time of closing the database (checkpoint). */
  readonly closeSeconds: number;
  /** Median wall time of `node raw-duckdb.js`: node startup + DuckDB load + manifest read + execution. */
  readonly wallSeconds: number;
  readonly peakRssMiB?: number;
  readonly statements: number;
  readonly order: string;
  readonly duckdbVersion: string;
  readonly samples: (RawResult & { wallSeconds: number; peakRssMiB?: number })[];
}

function summarizeRaw(samples: RawSummary['samples']): RawSummary {
  return {
    inProcessSeconds: median(samples.map((s) => s.seconds)),
    executionSeconds: median(samples.map((s) => s.seconds - s.closeSeconds)),
    closeSeconds: median(samples.map((s) => s.closeSeconds)),
    wallSeconds: median(samples.map((s) => s.wallSeconds)),
    peakRssMiB: median(defined(samples.map((s) => s.peakRssMiB))),
    statements: samples[0]!.statements,
    order: samples[0]!.order,
    duckdbVersion: samples[0]!.duckdbVersion,
    samples,
  };
}

interface BuildResult {
  readonly models: number;
  readonly project: Omit<GeneratedProject, 'dir'> & { dir: string };
  /** Bare `node -e 0`, median of 5. */
  readonly nodeStartupSeconds: number;
  /** `dpf compile` on the build project: node startup + load + parse + compile + artifacts. */
  readonly dpfStartupCompileSeconds: number;
  readonly raw: RawSummary;
  /** Diagnostic: the same models through dpf's statement sequence (tmp, count, swap), by hand. */
  readonly rawSwap: RawSummary;
  readonly dpf: DpfBuildRuns[];
  /** `dpf build` again with nothing changed (default threads): every model reused. */
  readonly noopWallSeconds: number;
  /** noop build wall / full default build wall; target < 0.1. */
  readonly noopVsFull?: number;
  /** The default build ÷ the same build with engine_stats: false (wall, and the runner phase). */
  readonly statsOverhead: { readonly wall?: number; readonly runner?: number };
  readonly ratios: {
    readonly label: string;
    /** dpf build wall / (raw in-process + bare node startup): the headline, target <= 1.5. */
    readonly buildWallVsRawPlusNodeStartup?: number;
    /** dpf build wall / raw script wall (node + DuckDB module load + execution). */
    readonly buildWallVsRawScriptWall?: number;
    /** dpf build wall / raw in-process execution only. */
    readonly buildWallVsRawInProcess?: number;
    /** dpf runner phase (run_results elapsedTime) / raw execution without the close (checkpoint). */
    readonly runnerVsRawExecution?: number;
    /** dpf runner phase / dpf's statement sequence run by hand (without close): dpf's JS overhead. */
    readonly runnerVsRawSwapExecution?: number;
  }[];
}

async function benchBuild(n: number, repeats: number): Promise<BuildResult | undefined> {
  const dir = join(WORK, `build-${n}`);
  const project = generateProject(dir, n, { allTables: true, threads: 4 });
  log(`build ${thousands(n)} table models: generated ${project.files} files in ${relative(REPO_ROOT, dir)}`);

  const nodeSamples: number[] = [];
  for (let r = 0; r < 5; r++) nodeSamples.push((await measureNode('-e', ['0'], `node-startup-${r + 1}`)).wallSeconds);
  const nodeStartupSeconds = median(nodeSamples);
  log(`  node startup (node -e 0): ${sec(nodeStartupSeconds, 3)}s`);

  const compileSamples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    rmSync(join(dir, 'target'), { recursive: true, force: true });
    const m = await measureNode(DPF_BIN, ['compile', '--project-dir', dir], `build-${n}-compile-${r + 1}`);
    if (!checkRun(`dpf compile (build project, ${n} models)`, m)) return undefined;
    compileSamples.push(m.wallSeconds);
  }
  const dpfStartupCompileSeconds = median(compileSamples);
  log(`  dpf startup + compile (dpf compile): ${sec(dpfStartupCompileSeconds)}s`);
  const manifestCopy = join(WORK, `build-${n}.manifest.json`);
  copyFileSync(join(dir, 'target', 'manifest.json'), manifestCopy);

  const rawDb = join(WORK, `build-${n}-raw.duckdb`);
  const rawSamples: RawSummary['samples'] = [];
  const swapSamples: RawSummary['samples'] = [];
  const noopSamples: number[] = [];
  const runs: { label: string; args: string[]; samples: DpfBuildRuns['samples'] }[] = [
    { label: 'dpf build --threads 1', args: ['--threads', '1'], samples: [] },
    { label: 'dpf build (default: 4 threads from profiles.yml)', args: [], samples: [] },
    // The same build without engine stats (docs/cost.md): their overhead is the ratio of the two.
    { label: 'dpf build --target nostats (4 threads, engine_stats: false)', args: ['--target', 'nostats'], samples: [] },
  ];
  // Interleave raw, threads 1, default, per repeat, so that drift affects all alike.
  for (let r = 0; r < repeats; r++) {
    const rawOut = join(WORK, 'logs', `build-${n}-raw-${r + 1}.json`);
    rmSync(rawOut, { force: true });
    const m = await measureNode(RAW_JS, [manifestCopy, dir, rawDb, rawOut], `build-${n}-raw-${r + 1}`);
    if (!checkRun('raw DuckDB script', m)) return undefined;
    const raw = JSON.parse(readFileSync(rawOut, 'utf8')) as RawResult;
    rawSamples.push({ ...raw, wallSeconds: m.wallSeconds, peakRssMiB: m.peakRssMiB });
    log(
      `  run ${r + 1}/${repeats}: raw DuckDB ${sec(raw.seconds)}s in-process (${raw.statements} statements; close ${sec(raw.closeSeconds)}s), ${sec(m.wallSeconds)}s wall`,
    );

    const swapOut = join(WORK, 'logs', `build-${n}-raw-swap-${r + 1}.json`);
    rmSync(swapOut, { force: true });
    const ms = await measureNode(RAW_JS, [manifestCopy, dir, rawDb, swapOut, '--swap'], `build-${n}-raw-swap-${r + 1}`);
    if (!checkRun('raw DuckDB script (--swap)', ms)) return undefined;
    const swap = JSON.parse(readFileSync(swapOut, 'utf8')) as RawResult;
    swapSamples.push({ ...swap, wallSeconds: ms.wallSeconds, peakRssMiB: ms.peakRssMiB });
    log(
      `  run ${r + 1}/${repeats}: raw DuckDB, dpf's statement sequence: ${sec(swap.seconds)}s in-process (${swap.statements} statements; close ${sec(swap.closeSeconds)}s)`,
    );

    for (const run of runs) {
      for (const f of ['dev.duckdb', 'dev.duckdb.wal', 'run_results.json']) rmSync(join(dir, 'target', f), { force: true });
      const b = await measureNode(DPF_BIN, ['build', '--project-dir', dir, ...run.args], `build-${n}-${run.args[0] === '--threads' ? 'threads1' : run.args.length ? 'nostats' : 'default'}-${r + 1}`);
      let runnerSeconds: number | undefined;
      let errors: number | undefined;
      const resultsFile = join(dir, 'target', 'run_results.json');
      if (existsSync(resultsFile)) {
        const doc = JSON.parse(readFileSync(resultsFile, 'utf8')) as { elapsedTime: number; counts: { error: number; skipped: number } };
        runnerSeconds = doc.elapsedTime;
        errors = doc.counts.error + doc.counts.skipped;
      }
      run.samples.push({ wallSeconds: b.wallSeconds, runnerSeconds, peakRssMiB: b.peakRssMiB, exitCode: b.exitCode, errors });
      log(`  run ${r + 1}/${repeats}: ${run.label}: ${sec(b.wallSeconds)}s wall, runner ${sec(runnerSeconds)}s, ${mib(b.peakRssMiB)} MiB`);
      if (!checkRun(run.label, b, errors ? `finished with ${errors} failed or skipped nodes` : undefined)) return undefined;
    }
    // The database now holds the last build: a build with nothing changed reuses every model.
    const noop = await measureNode(DPF_BIN, ['build', '--project-dir', dir], `build-${n}-noop-${r + 1}`);
    if (!checkRun('dpf build (nothing changed)', noop)) return undefined;
    noopSamples.push(noop.wallSeconds);
    log(`  run ${r + 1}/${repeats}: dpf build with nothing changed: ${sec(noop.wallSeconds)}s wall`);
  }

  const raw = summarizeRaw(rawSamples);
  const rawSwap = summarizeRaw(swapSamples);
  const dpf: DpfBuildRuns[] = runs.map((run) => ({
    label: run.label,
    args: run.args,
    wallSeconds: median(run.samples.map((s) => s.wallSeconds)),
    runnerSeconds: median(defined(run.samples.map((s) => s.runnerSeconds))),
    peakRssMiB: median(defined(run.samples.map((s) => s.peakRssMiB))),
    samples: run.samples,
  }));
  const ratios = dpf.map((d) => ({
    label: d.label,
    buildWallVsRawPlusNodeStartup: ratio(d.wallSeconds, raw.inProcessSeconds + nodeStartupSeconds),
    buildWallVsRawScriptWall: ratio(d.wallSeconds, raw.wallSeconds),
    buildWallVsRawInProcess: ratio(d.wallSeconds, raw.inProcessSeconds),
    runnerVsRawExecution: ratio(d.runnerSeconds, raw.executionSeconds),
    runnerVsRawSwapExecution: ratio(d.runnerSeconds, rawSwap.executionSeconds),
  }));
  return {
    models: n,
    project: { ...project, dir: relative(REPO_ROOT, project.dir) },
    nodeStartupSeconds,
    dpfStartupCompileSeconds,
    raw,
    rawSwap,
    dpf,
    noopWallSeconds: median(noopSamples),
    noopVsFull: ratio(median(noopSamples), dpf[1]?.wallSeconds),
    statsOverhead: { wall: ratio(dpf[1]?.wallSeconds, dpf[2]?.wallSeconds), runner: ratio(dpf[1]?.runnerSeconds, dpf[2]?.runnerSeconds) },
    ratios,
  };
}

// ---------------------------------------------------------------- 3. report

const COMPILE_TARGET = { models: 10_000, seconds: 5, mib: 1024 };
const BUILD_TARGET_RATIO = 1.5;

function markdown(compile: CompileResult[], build: BuildResult | undefined, meta: { machine: string; repeats: number; rssMethod: string }): string {
  const out: string[] = [];
  out.push(`Machine: ${meta.machine}. Median of ${meta.repeats} run(s); peak RSS by ${meta.rssMethod}.`, '');
  if (compile.length > 0) {
    out.push(
      '**Compile** (`dpf compile`, child process, wall time incl. node startup; warm = compiled before and unchanged, as in a development loop; cold = target/ deleted first)',
      '',
      '| Models | Files | Warm wall (s) | dpf-reported warm (s) | Cold wall (s) | Peak RSS (MiB) |',
      '|---:|---:|---:|---:|---:|---:|',
    );
    for (const c of compile) {
      out.push(
        `| ${thousands(c.models)} | ${thousands(c.project.files)} | ${c.ok ? sec(c.wallSeconds) : 'failed'} | ${sec(c.reportedCompileSeconds)} | ${sec(c.coldWallSeconds)} | ${mib(c.peakRssMiB)} |`,
      );
    }
    const at = compile.find((c) => c.models === COMPILE_TARGET.models);
    if (at) {
      const t = at.ok && at.wallSeconds < COMPILE_TARGET.seconds;
      const m = at.peakRssMiB !== undefined && at.peakRssMiB < COMPILE_TARGET.mib;
      out.push(
        '',
        `Target at 10,000 models: under ${COMPILE_TARGET.seconds} s — warm ${t ? 'met' : 'not met'} (${sec(at.wallSeconds)} s), cold ${at.coldWallSeconds < COMPILE_TARGET.seconds ? 'met' : 'not met'} (${sec(at.coldWallSeconds)} s); ` +
          `under 1 GiB — ${m ? 'met' : 'not met'} (${mib(at.peakRssMiB)} MiB).`,
      );
    }
    out.push('');
  }
  if (build) {
    out.push(
      `**Build vs raw DuckDB** (${thousands(build.models)} table models of ≤ 20 rows, ${build.project.seeds} seeds; fresh database each run; DuckDB ${build.raw.duckdbVersion})`,
      '',
      '| Measurement | Time (s) |',
      '|---|---:|',
      `| node startup (\`node -e 0\`) | ${sec(build.nodeStartupSeconds, 3)} |`,
      `| dpf startup + compile (\`dpf compile\`, same project) | ${sec(build.dpfStartupCompileSeconds)} |`,
      `| raw DuckDB, in-process (${thousands(build.raw.statements)} statements, one connection) | ${sec(build.raw.inProcessSeconds)} |`,
      `| … of which closing the database (checkpoint) | ${sec(build.raw.closeSeconds)} |`,
      `| raw DuckDB script, wall (node + DuckDB load + execution) | ${sec(build.raw.wallSeconds)} |`,
      `| diagnostic: raw DuckDB running the tmp + count + swap sequence dpf uses on engines without atomic replace (${thousands(build.rawSwap.statements)} statements), in-process without close | ${sec(build.rawSwap.executionSeconds)} |`,
    );
    for (const d of build.dpf) {
      out.push(`| \`${d.label}\`, wall | ${sec(d.wallSeconds)} |`, `| \`${d.label}\`, runner phase (run_results elapsedTime) | ${sec(d.runnerSeconds)} |`);
    }
    out.push('', `| Ratio | ${build.ratios.map((r) => (r.label.includes('--threads 1') ? 'threads 1' : r.label.includes('nostats') ? 'threads 4, engine_stats: false' : 'threads 4 (default)')).join(' | ')} |`);
    out.push(`|---|${build.ratios.map(() => '---:').join('|')}|`);
    const row = (label: string, pick: (r: BuildResult['ratios'][number]) => number | undefined) =>
      out.push(`| ${label} | ${build.ratios.map((r) => fmtRatio(pick(r))).join(' | ')} |`);
    row(`**dpf build wall ÷ (raw in-process + node startup)** — target ≤ ${BUILD_TARGET_RATIO}`, (r) => r.buildWallVsRawPlusNodeStartup);
    row('dpf build wall ÷ raw script wall (node + DuckDB load + execution)', (r) => r.buildWallVsRawScriptWall);
    row('dpf build wall ÷ raw in-process execution only', (r) => r.buildWallVsRawInProcess);
    row('dpf runner phase ÷ raw execution without close (per-model overhead, engine + dpf)', (r) => r.runnerVsRawExecution);
    row("dpf runner phase ÷ dpf's statement sequence by hand, without close (dpf's own overhead)", (r) => r.runnerVsRawSwapExecution);
    out.push(
      '',
      `**Engine stats** (docs/cost.md): the default build with engine stats ÷ the same build with \`engine_stats: false\`: ${fmtRatio(build.statsOverhead.wall)} wall, ${fmtRatio(build.statsOverhead.runner)} runner phase (target ≤ 1.05).`,
      '',
      `**No-op build, ledger shortcut**: \`dpf build\` again straight after a build, nothing changed, takes ${sec(build.noopWallSeconds)} s, ${fmtRatio(build.noopVsFull)} of the full default build: every model is reused, answered from target/reuse_ledger.json without opening the unchanged database file (see the reuse benchmark for a no-op that has to look at the data).`,
    );
    out.push('');
  }
  return out.join('\n');
}

function gitInfo(): { commit?: string; srcDirty?: boolean } {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const status = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return {
    commit: head.status === 0 ? head.stdout.trim() : undefined,
    srcDirty: status.status === 0 ? status.stdout.trim().length > 0 : undefined,
  };
}

const runs = (args: Args, part: Part) => args.only === undefined || args.only.has(part);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(WORK, { recursive: true });
  rmSync(join(WORK, 'logs'), { recursive: true, force: true });
  rssMethod = !args.rssWrapper && hasGnuTime() ? 'gnu-time' : 'in-process-wrapper';
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Linux ${release()}, node ${process.version}`;
  const rssLabel = rssMethod === 'gnu-time' ? '/usr/bin/time -v' : 'process.resourceUsage().maxRSS (in-process wrapper)';
  log(`dpf benchmarks${args.quick ? ' (quick)' : ''}: ${machine}; repeats ${args.repeats}; peak RSS by ${rssLabel}`);
  const loadBefore = loadavg();
  log(`load average (1/5/15 min): ${loadBefore.map((l) => l.toFixed(2)).join(' ')}; another busy process on the machine skews every figure`);
  log(`work directory: ${relative(REPO_ROOT, WORK)}\n`);
  const started = performance.now();

  const compile: CompileResult[] = [];
  if (runs(args, 'compile')) {
    for (const n of args.sizes) {
      const result = await benchCompile(n, args.repeats);
      compile.push(result);
    }
    log('');
  }
  let build: BuildResult | undefined;
  if (runs(args, 'build')) build = await benchBuild(args.buildModels, args.repeats);
  let tests: TestOverheadResult | undefined;
  if (runs(args, 'tests')) {
    log(`test overhead: ${thousands(args.buildModels)} models with not_null and unique on every id`);
    const nodeStartup = (await measureNode('-e', ['0'], 'tests-node-startup').catch(() => undefined))?.wallSeconds ?? 0.07;
    tests = await benchTestOverhead(WORK, args.buildModels, (a, name) => measureNode(DPF_BIN, a, name), nodeStartup);
    if (!tests) failures.push('dpf run/test on the test benchmark project failed; see bench/.work/logs/tests-*');
    else log(`  ${tests.tests} tests: overhead ${tests.overheadMsPerTest.toFixed(2)} ms per test (target <= ${TEST_TARGET_MS})\n`);
  }

  let reuse: ReuseBenchResult | undefined;
  if (runs(args, 'reuse')) {
    reuse = await benchReuse(WORK, args.reuseModels, args.repeats, {
      measure: (a, name) => measureNode(DPF_BIN, a, name),
      check: (what, m, problem) => checkRun(what, { ...m, peakRssMiB: undefined }, problem),
      log,
    });
    if (!reuse && failures.length === 0) failures.push('the reuse benchmark stopped; see bench/.work/logs/reuse-*');
    log('');
  }

  let docs: DocsBenchResult | undefined;
  if (runs(args, 'docs')) {
    docs = await benchDocs(WORK, args.docsModels, args.repeats, (a, name) => measureNode(DPF_BIN, a, name), log);
    if (!docs) failures.push('dpf docs generate on the docs benchmark project failed; see bench/.work/logs/docs-*');
    log('');
  }

  let explore: ExploreBenchResult | undefined;
  if (runs(args, 'explore')) {
    explore = await benchExplore(WORK, REPO_ROOT, DPF_BIN, args.repeats, (a, name) => measureNode(DPF_BIN, a, name), log).catch((err: Error) => {
      log(`  explore: ${err.message}`);
      return undefined;
    });
    if (!explore) failures.push('the explore benchmark failed; see bench/.work/logs/explore-*');
    log('');
  }

  let seed: SeedLoadResult | undefined;
  if (runs(args, 'seed')) {
    const nodeStartup = (await measureNode('-e', ['0'], 'seed-node-startup').catch(() => undefined))?.wallSeconds ?? 0.07;
    seed = await benchSeedLoad(WORK, args.seedRows, (script, a, name) => measureNode(script === 'dpf' ? DPF_BIN : RAW_JS, a, name), nodeStartup, log);
    if (!seed) failures.push('the seed load benchmark failed; see bench/.work/logs/seed-*');
    log('');
  }

  let bulk: BulkIoResult | undefined;
  if (runs(args, 'bulk')) {
    const [appendRows, streamRows] = args.quick ? [100_000, 1_000_000] : [1_000_000, 10_000_000];
    bulk = await benchBulkIo(WORK, appendRows, streamRows, args.repeats, (a, name) => measureNode(BULK_JS, a, name), log);
    if (!bulk) failures.push('the bulk I/O benchmark failed; see bench/.work/logs/bulk-*');
    log('');
  }

  const extractSinkMeasure = (script: 'dpf' | 'child', a: string[], name: string) => measureNode(script === 'dpf' ? DPF_BIN : EXTRACT_SINK_JS, a, name);
  let extract: ExtractResult | undefined;
  if (runs(args, 'extract')) {
    extract = await benchExtract(WORK, args.extractRows, args.repeats, extractSinkMeasure, log);
    if (!extract) failures.push('the extract benchmark failed; see bench/.work/logs/extract-*');
    log('');
  }
  let sink: SinkResult | undefined;
  if (runs(args, 'sink')) {
    sink = await benchSink(WORK, args.extractRows, args.repeats, extractSinkMeasure, log);
    if (!sink) failures.push('the sink benchmark failed; see bench/.work/logs/sink-*');
    log('');
  }

  let scheduler: ScheduleBenchResult | undefined;
  if (runs(args, 'schedule')) {
    scheduler = await benchSchedule(WORK, args.quick ? 35 : 60, (_script, a, name) => measureNode(SCHEDULE_JS, a, name), log);
    if (!scheduler) failures.push('the scheduler benchmark failed; see bench/.work/logs/schedule*');
    log('');
  }

  let charts: ChartBenchResult | undefined;
  if (runs(args, 'charts')) {
    charts = await benchCharts(WORK, CHART_TARGETS.points, args.repeats, log);
    log('');
  }

  let monitors: { overhead?: MonitorOverheadResult; detection: DetectionResult } | undefined;
  if (runs(args, 'monitors')) {
    const overhead = await benchMonitorOverhead(WORK, args.buildModels, args.repeats, (a, name) => measureNode(DPF_BIN, a, name), log);
    if (!overhead) failures.push('the monitors benchmark failed; see bench/.work/logs/monitors-*');
    const detection = detectionProof();
    const all = detection.rows.filter((r) => r.series === 'all');
    for (const r of all) log(`  detection, seasonality ${r.seasonality ? 'day_of_week' : 'none'}: precision ${r.precision.toFixed(2)}, recall ${r.recall.toFixed(2)}`);
    log(`  alerts on the stable control series: ${detection.rows.filter((r) => r.series === 'control').reduce((n, r) => n + r.falsePositives, 0)}\n`);
    monitors = { overhead, detection };
  }

  const totalSeconds = (performance.now() - started) / 1000;
  const table =
    markdown(compile, build, { machine, repeats: args.repeats, rssMethod: rssLabel }) +
    (tests ? `\n\n${testOverheadMarkdown(tests)}` : '') +
    (reuse ? `\n\n${reuseMarkdown(reuse)}` : '') +
    (docs ? `\n\n${docsMarkdown(docs)}` : '') +
    (explore ? `\n\n${exploreMarkdown(explore)}` : '') +
    (seed ? `\n\n${seedLoadMarkdown(seed)}` : '') +
    (bulk ? `\n\n${bulkIoMarkdown(bulk)}` : '') +
    (monitors ? `\n\n${monitorsMarkdown(monitors.overhead, monitors.detection)}` : '') +
    (extract ? `\n\n${extractMarkdown(extract)}` : '') +
    (sink ? `\n\n${sinkMarkdown(sink)}` : '') +
    (scheduler ? `\n\n${scheduleMarkdown(scheduler)}` : '') +
    (charts ? `\n\n${chartsMarkdown(charts)}` : '');
  const results = {
    generatedAt: new Date().toISOString(),
    mode: args.quick ? 'quick' : 'full',
    repeats: args.repeats,
    statistic: 'median',
    rssMethod,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim(),
      totalMemGiB: totalmem() / 1024 ** 3,
      kernel: release(),
      node: process.version,
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadavg(),
    },
    git: gitInfo(),
    targets: { compile: COMPILE_TARGET, buildRatio: BUILD_TARGET_RATIO, docs: DOCS_TARGETS, explore: EXPLORE_TARGETS, reuse: REUSE_TARGETS, seedRatio: SEED_TARGET_RATIO, bulk: BULK_TARGETS, monitors: MONITOR_TARGETS, extractSink: EXTRACT_SINK_TARGETS, schedule: SCHEDULE_TARGETS, charts: CHART_TARGETS },
    compile,
    build,
    tests,
    reuse,
    docs,
    explore,
    seed,
    bulk,
    monitors,
    extract,
    sink,
    scheduler,
    charts,
    failures,
    totalSeconds,
  };
  writeFileSync(join(WORK, 'results.json'), JSON.stringify(results, null, 2));
  writeFileSync(join(WORK, 'results.md'), table + '\n');
  log(`\n${table}`);
  log(`Results: ${relative(REPO_ROOT, join(WORK, 'results.json'))} and results.md; logs in ${relative(REPO_ROOT, join(WORK, 'logs'))}/. Total ${sec(totalSeconds, 0)}s.`);
  if (failures.length > 0) {
    log(`\n${failures.length} command(s) failed; see above and the logs.`);
    process.exitCode = 1;
  }
}

await main();
