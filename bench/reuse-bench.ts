/**
 * 5. Data-aware reuse (`--only reuse`): what a build costs when dpf must prove that what it keeps
 * is what a build from scratch would give, and whether it does give that.
 *
 * On an N-model table project (4 threads) whose first 2 seeds are DuckDB source tables
 * (raw.raw_seed_0/1, landed in-process before the first build) and whose biggest staging hub
 * is an incremental model merged on id:
 *   a. full build from an empty database (sources landed first): T_full;
 *   b. no-op builds: straight after a build (answered from target/reuse_ledger.json without
 *      opening the database), and after another process wrote to the database file (a table
 *      created and dropped in schema bench_touch), which changes the file's stamp, so dpf opens
 *      the database, reads its records and fingerprints the sources: T_noop. Every node must be
 *      reused;
 *   c. 100 rows of raw.raw_seed_0 updated, then `dpf build`: T_changed, N_changed models run;
 *   d. 100 rows updated again, then `dpf build --select source:raw.raw_seed_0+ --rebuild-all`:
 *      T_cone, N_cone. c must run exactly the models d runs, which are the source's descendants;
 *   e. after every c and d, the database equals a from-scratch build: the project folder is
 *      copied (without target/reuse_ledger.json), `dpf build --full-refresh` runs in the copy,
 *      and every table of schema main is compared with EXCEPT ALL both ways.
 * Each change is a different one (amount + a new delta), so every c and d has something to do.
 * A broken check (a node not reused, a cone that differs, a table that differs) is a failure
 * of the benchmark, reported like a failed command.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateProject, landSourcesSql, PROJECT_NAME, SOURCE_NAME, type GeneratedProject } from './generate-project.js';

export const REUSE_TARGETS = { noopVsFull: 0.15, changedVsCone: 1.5 };
const ROWS_PER_SOURCE = 1000;
/** Rows of the source each change updates (ids 1..ROWS_CHANGED). */
const ROWS_CHANGED = 100;

/** What run-bench gives this benchmark: its way to run dpf, and to record a failure. */
export interface ReuseBenchContext {
  readonly measure: (args: string[], logName: string) => Promise<{ wallSeconds: number; exitCode: number; timedOut: boolean; logFile: string }>;
  /** Records a failed command or check (with the log's tail); false when it failed. */
  readonly check: (what: string, m: { wallSeconds: number; exitCode: number; timedOut: boolean; logFile: string }, problem?: string) => boolean;
  readonly log: (line: string) => void;
}

export interface ReuseBenchResult {
  readonly models: number;
  readonly project: Omit<GeneratedProject, 'dir'> & { dir: string };
  readonly rowsPerSource: number;
  readonly changedSource: string;
  readonly rowsChanged: number;
  /** a: full build from an empty database, median wall. */
  readonly fullWallSeconds: number;
  /** b: no-op straight after a build: from the ledger, database not opened. */
  readonly noopLedgerWallSeconds: number;
  /** b: no-op after another process wrote to the file: records read and sources fingerprinted. */
  readonly noopWallSeconds: number;
  /** c: after 100 rows of one source changed. */
  readonly changedWallSeconds: number;
  /** d: that source's cone with --rebuild-all, after another change. */
  readonly coneWallSeconds: number;
  /** Models run by each c and each d; equal when the build ran exactly the cone. */
  readonly changedRan: number[];
  readonly coneRan: number[];
  /** Descendants of the changed source in the manifest. */
  readonly coneInManifest: number;
  /** Nodes (models and seeds) of the project, all reused by every no-op. */
  readonly nodes: number;
  readonly comparisons: { readonly after: string; readonly tables: number; readonly differing: string[] }[];
  readonly ratios: { readonly noopVsFull?: number; readonly noopLedgerVsFull?: number; readonly changedVsCone?: number };
  readonly samples: Record<'full' | 'noopLedger' | 'noop' | 'changed' | 'cone', number[]>;
}

interface RunResults {
  readonly counts: Record<string, number>;
  readonly results: { readonly uniqueId: string; readonly resourceType: string; readonly status: string; readonly reason?: string }[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : undefined);
const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Runs statements on a DuckDB file from this process, as another tool would, and closes it. */
async function withDatabase<T>(path: string, work: (run: (sql: string) => Promise<unknown[][]>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    return await work(async (sql) => (await connection.runAndReadAll(sql)).getRows());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** dpf's stamp of a DuckDB file (duckdb-adapter.ts fileStamp): the ledger holds only while it matches. */
function fileStamp(path: string): string {
  return [path, `${path}.wal`]
    .map((file) => statSync(file, { bigint: true, throwIfNoEntry: false }))
    .map((s) => (s ? `${s.ino}:${s.size}:${s.mtimeNs}` : '-'))
    .join('|');
}

/** Descendants of one manifest node (a source here), through parentMap. */
function descendants(manifestPath: string, id: string): Set<string> {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { parentMap: Record<string, string[]> };
  const children = new Map<string, string[]>();
  for (const [child, parents] of Object.entries(manifest.parentMap)) for (const p of parents) children.set(p, [...(children.get(p) ?? []), child]);
  const seen = new Set<string>();
  const queue = [id];
  while (queue.length > 0) {
    for (const child of children.get(queue.pop()!) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      queue.push(child);
    }
  }
  return seen;
}

export async function benchReuse(workDir: string, n: number, repeats: number, ctx: ReuseBenchContext): Promise<ReuseBenchResult | undefined> {
  const dir = join(workDir, `reuse-${n}`);
  const rowsPerSource = ROWS_PER_SOURCE;
  const project = generateProject(dir, n, { allTables: true, threads: 4, sources: 2, incrementalHub: true, exactAmounts: true, seedRows: rowsPerSource });
  const source = project.sourceTables[0]!;
  const sourceRelation = `${source.schema}.${source.name}`;
  const db = join(dir, 'target', 'dev.duckdb');
  const resultsFile = join(dir, 'target', 'run_results.json');
  const { log } = ctx;
  log(
    `reuse ${n.toLocaleString('en-US')} table models: ${project.sourceTables.length} DuckDB source tables of ${rowsPerSource} rows, ${project.seeds} seeds, ` +
      `incremental ${project.incrementalModel} (merge on id), decimal amounts; ${dir}`,
  );

  const samples: ReuseBenchResult['samples'] = { full: [], noopLedger: [], noop: [], changed: [], cone: [] };
  const changedRan: number[] = [];
  const coneRan: number[] = [];
  const comparisons: ReuseBenchResult['comparisons'][number][] = [];
  let nodes = 0;

  /** Runs `dpf build <args>` and reads its run_results.json; undefined when it failed. */
  const build = async (args: string[], logName: string): Promise<{ wallSeconds: number; results: RunResults; logFile: string } | undefined> => {
    rmSync(resultsFile, { force: true });
    const m = await ctx.measure(['build', '--project-dir', dir, ...args], logName);
    const results = existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as RunResults) : undefined;
    const bad = results ? results.results.filter((r) => r.status === 'error' || r.status === 'skipped').length : 0;
    if (!ctx.check(`dpf build ${args.join(' ')}`.trim(), m, !results ? 'wrote no run_results.json' : bad > 0 ? `finished with ${bad} failed or skipped nodes` : undefined)) return undefined;
    return { wallSeconds: m.wallSeconds, results: results!, logFile: m.logFile };
  };
  const fail = (what: string, m: { wallSeconds: number; logFile: string }, problem: string) => {
    ctx.check(what, { ...m, exitCode: 0, timedOut: false }, problem);
  };
  const noneBuilt = (what: string, b: { wallSeconds: number; results: RunResults; logFile: string }) => {
    const built = b.results.results.filter((r) => r.status !== 'reused');
    if (built.length > 0) fail(what, b, `${built.length} of ${b.results.results.length} nodes were not reused, e.g. ${built[0]!.uniqueId}: ${built[0]!.status} (${built[0]!.reason ?? 'no reason'})`);
  };
  const ledgerStamp = () => {
    const file = join(dir, 'target', 'reuse_ledger.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { stamp: string }).stamp : undefined;
  };
  let delta = 0;
  const changeSource = () =>
    withDatabase(db, (run) => run(`update ${sourceRelation} set amount = amount + ${++delta} where id between 1 and ${ROWS_CHANGED}`));

  for (let r = 0; r < repeats; r++) {
    for (const f of ['dev.duckdb', 'dev.duckdb.wal', 'reuse_ledger.json']) rmSync(join(dir, 'target', f), { force: true });
    mkdirSync(join(dir, 'target'), { recursive: true });
    await withDatabase(db, (run) => run(landSourcesSql(project.sourceTables, dir)));
    const full = await build([], `reuse-${n}-full-${r + 1}`);
    if (!full) return undefined;
    samples.full.push(full.wallSeconds);
    nodes = full.results.results.length;

    // The ledger no-op measures the shortcut only if the ledger matches the file; the touched
    // no-op measures the full check only if the touch changed the file's stamp.
    if (ledgerStamp() !== fileStamp(db)) fail('dpf build (full)', full, 'left no target/reuse_ledger.json matching the database file');
    const ledger = await build([], `reuse-${n}-noop-ledger-${r + 1}`);
    if (!ledger) return undefined;
    noneBuilt('dpf build (nothing changed, ledger)', ledger);
    samples.noopLedger.push(ledger.wallSeconds);

    await withDatabase(db, async (run) => {
      await run('create schema if not exists bench_touch');
      await run('create or replace table bench_touch.touched as select 1 as n');
      await run('drop table bench_touch.touched');
    });
    if (ledgerStamp() === fileStamp(db)) fail('touching the database', ledger, 'did not change the stamp the ledger holds: the next no-op would measure the shortcut');
    const noop = await build([], `reuse-${n}-noop-touched-${r + 1}`);
    if (!noop) return undefined;
    noneBuilt('dpf build (nothing changed, database touched)', noop);
    samples.noop.push(noop.wallSeconds);
    log(
      `  run ${r + 1}/${repeats}: full ${full.wallSeconds.toFixed(2)}s; no-op from the ledger ${ledger.wallSeconds.toFixed(2)}s; ` +
        `no-op after another process wrote to the file ${noop.wallSeconds.toFixed(2)}s`,
    );
  }

  const cone = descendants(join(dir, 'target', 'manifest.json'), `source.${PROJECT_NAME}.${SOURCE_NAME}.${source.name}`);
  for (let r = 0; r < repeats; r++) {
    await changeSource();
    const changed = await build([], `reuse-${n}-changed-${r + 1}`);
    if (!changed) return undefined;
    const ranChanged = changed.results.results.filter((x) => x.status === 'success').map((x) => x.uniqueId);
    changedRan.push(ranChanged.length);
    samples.changed.push(changed.wallSeconds);
    comparisons.push(await compareWithScratch(dir, `change ${r + 1}`, ctx));

    await changeSource();
    const coneBuild = await build(['--select', `source:${sourceRelation}+`, '--rebuild-all'], `reuse-${n}-cone-${r + 1}`);
    if (!coneBuild) return undefined;
    const ranCone = coneBuild.results.results.filter((x) => x.status === 'success').map((x) => x.uniqueId);
    coneRan.push(ranCone.length);
    samples.cone.push(coneBuild.wallSeconds);
    comparisons.push(await compareWithScratch(dir, `cone build ${r + 1}`, ctx));

    const sorted = (xs: Iterable<string>) => [...xs].sort().join('\n');
    if (sorted(ranChanged) !== sorted(ranCone)) fail('dpf build after a source change', changed, `ran ${ranChanged.length} models, the cone build ${ranCone.length}: not the same set`);
    if (sorted(ranCone) !== sorted(cone)) fail('dpf build --select source:…+ --rebuild-all', coneBuild, `ran ${ranCone.length} models; the source has ${cone.size} descendants`);
    log(
      `  run ${r + 1}/${repeats}: ${ROWS_CHANGED} rows of ${sourceRelation} changed: build ${changed.wallSeconds.toFixed(2)}s (${ranChanged.length} models ran); ` +
        `cone with --rebuild-all ${coneBuild.wallSeconds.toFixed(2)}s (${ranCone.length} models); tables equal to a from-scratch build: ` +
        comparisons.slice(-2).map((c) => (c.differing.length === 0 ? `${c.tables} of ${c.tables}` : `${c.differing.length} DIFFER`)).join(', '),
    );
  }

  const m = (xs: number[]) => median(xs);
  return {
    models: n,
    project: { ...project, dir: basename(dir) },
    rowsPerSource,
    changedSource: sourceRelation,
    rowsChanged: ROWS_CHANGED,
    fullWallSeconds: m(samples.full),
    noopLedgerWallSeconds: m(samples.noopLedger),
    noopWallSeconds: m(samples.noop),
    changedWallSeconds: m(samples.changed),
    coneWallSeconds: m(samples.cone),
    changedRan,
    coneRan,
    coneInManifest: cone.size,
    nodes,
    comparisons,
    ratios: {
      noopVsFull: ratio(m(samples.noop), m(samples.full)),
      noopLedgerVsFull: ratio(m(samples.noopLedger), m(samples.full)),
      changedVsCone: ratio(m(samples.changed), m(samples.cone)),
    },
    samples,
  };
}

/**
 * Copies the project (its database included, without the ledger), rebuilds everything from
 * scratch there with --full-refresh on the same source tables, and compares every table of
 * schema main of both databases with EXCEPT ALL, both ways.
 */
async function compareWithScratch(dir: string, after: string, ctx: ReuseBenchContext): Promise<ReuseBenchResult['comparisons'][number]> {
  const copy = `${dir}-scratch`;
  rmSync(copy, { recursive: true, force: true });
  cpSync(dir, copy, { recursive: true, filter: (src) => basename(src) !== 'reuse_ledger.json' });
  const name = `${basename(dir)}-scratch-${after.replace(/\s+/g, '-')}`;
  const m = await ctx.measure(['build', '--project-dir', copy, '--full-refresh'], name);
  if (!ctx.check(`dpf build --full-refresh (from-scratch copy, after ${after})`, m)) return { after, tables: 0, differing: ['(the from-scratch build failed)'] };
  const differing: string[] = [];
  let tables = 0;
  await withDatabase(':memory:', async (run) => {
    await run(`attach ${quoteString(join(dir, 'target', 'dev.duckdb'))} as a (read_only)`);
    await run(`attach ${quoteString(join(copy, 'target', 'dev.duckdb'))} as b (read_only)`);
    const list = async (db: string) =>
      (await run(`select table_name from duckdb_tables() where database_name = '${db}' and schema_name = 'main' order by table_name`)).map((row) => String(row[0]));
    const [inA, inB] = [await list('a'), await list('b')];
    for (const t of inA.filter((x) => !inB.includes(x))) differing.push(`${t} (only in the incremental build)`);
    for (const t of inB.filter((x) => !inA.includes(x))) differing.push(`${t} (only in the from-scratch build)`);
    for (const t of inA.filter((x) => inB.includes(x))) {
      const [a, b] = [`a.main.${quoteIdent(t)}`, `b.main.${quoteIdent(t)}`];
      const row = (await run(`select (select count(*) from (select * from ${a} except all select * from ${b})), (select count(*) from (select * from ${b} except all select * from ${a}))`))[0]!;
      tables++;
      if (Number(row[0]) > 0 || Number(row[1]) > 0) differing.push(`${t} (${row[0]} rows only in the incremental build, ${row[1]} only in the from-scratch one)`);
    }
  });
  if (differing.length > 0) {
    ctx.check(`tables after ${after}`, { ...m, exitCode: 0, timedOut: false }, `${differing.length} of ${tables} tables differ from a from-scratch build: ${differing.slice(0, 5).join('; ')}`);
  }
  return { after, tables, differing };
}

export function reuseMarkdown(r: ReuseBenchResult): string {
  const s = (x: number) => x.toFixed(2);
  const x = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(2)}×`);
  const met = (v: number | undefined, target: number) => (v === undefined ? '' : v <= target ? ' (met)' : ' (**not met**)');
  const equal = r.comparisons.filter((c) => c.differing.length === 0).length;
  const counts = (xs: number[]) => [...new Set(xs)].join(' / ');
  return [
    `**Data-aware reuse** (${r.models.toLocaleString('en-US')} table models, ${r.project.sourceTables.length} DuckDB source tables of ${r.rowsPerSource.toLocaleString('en-US')} rows, ${r.project.seeds} seeds, incremental ${r.project.incrementalModel} merged on id, decimal amounts; 4 threads)`,
    '',
    '| Measurement | Time (s) | ÷ full build |',
    '|---|---:|---:|',
    `| a. full build from an empty database | ${s(r.fullWallSeconds)} | 1.00× |`,
    `| b. no-op, another process wrote to the database file (records read, sources fingerprinted) — target ≤ ${REUSE_TARGETS.noopVsFull}× | ${s(r.noopWallSeconds)} | **${x(r.ratios.noopVsFull)}**${met(r.ratios.noopVsFull, REUSE_TARGETS.noopVsFull)} |`,
    `| b. no-op straight after a build (target/reuse_ledger.json, database not opened) | ${s(r.noopLedgerWallSeconds)} | ${x(r.ratios.noopLedgerVsFull)} |`,
    `| c. ${r.rowsChanged} rows of ${r.changedSource} changed, \`dpf build\` (${counts(r.changedRan)} models ran) | ${s(r.changedWallSeconds)} | |`,
    `| d. changed again, \`dpf build --select source:${r.changedSource}+ --rebuild-all\` (${counts(r.coneRan)} models) | ${s(r.coneWallSeconds)} | |`,
    '',
    `c ÷ d: **${x(r.ratios.changedVsCone)}** (target ≤ ${REUSE_TARGETS.changedVsCone}×)${met(r.ratios.changedVsCone, REUSE_TARGETS.changedVsCone)}. ` +
      `Models run after the change: ${r.changedRan.join(', ')}; in the cone build: ${r.coneRan.join(', ')}; the source's descendants in the manifest: ${r.coneInManifest}. ` +
      `Every no-op reused all ${r.nodes} nodes. ` +
      `Tables equal to a from-scratch build (\`--full-refresh\` on a copy, EXCEPT ALL both ways): ${equal} of ${r.comparisons.length} comparisons, ${r.comparisons[0]?.tables ?? 0} tables each.`,
  ].join('\n');
}
