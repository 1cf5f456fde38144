/**
 * 9. Extract (`--only extract`) and 10. sink (`--only sink`): issue 12's two throughput targets,
 * on one project (bench/.work/extract-sink/) whose plugin yields N rows (default 1,000,000) in
 * batches of 10,000 arrays of 4 columns: integer, text, double, timestamp (a JS Date).
 *
 * - Extract: `dpf build -s source:bench.rows` as a child process, like every dpf command here.
 *   Rows/s from the extract step's executionTime in run_results.json (staging table, the
 *   plugin's batches through appendRows, the swap, the data version) and from the command's
 *   wall time. In the same run, the floor: a child that loads the same plugin file with dpf's
 *   loader, iterates the same batches, and appends them with @duckdb/node-api's appender
 *   directly (data chunks of 2,048 rows, written value by value: the client's fastest path),
 *   into a fresh table of a DuckDB file, timed from the first batch to the appender's close; and
 *   the plugin's batches alone, iterated without appending. Target: ≥ 500,000 rows/s.
 * - Sink: the same rows, copied into a table model, exported by the built-in files sink to
 *   Parquet: `dpf build -s export:rows_parquet` (DuckDB writes the file: one COPY … TO, written
 *   aside and renamed in), against a child running DuckDB's own `COPY (select * from …) TO
 *   'x.parquet' (format parquet)` on the same table, in-process. Target: the export step ≤ 1.5×
 *   the COPY. Also the streaming path engines without COPY … TO take (Trino): a child calling the
 *   files sink's write with no ctx.copyTo, the rows read through queryStream as the export step
 *   reads them (objects of 10,000 rows), appended to the sink's in-memory DuckDB and copied out.
 *
 * Runs are interleaved per repeat (floor, dpf; then COPY, dpf export, streaming), medians shown.
 *
 * As a script (the child): node dist-bench/bench/extract-sink.js floor <projectDir> <out.json>
 *                          node dist-bench/bench/extract-sink.js copy <projectDir> <out.json>
 *                          node dist-bench/bench/extract-sink.js stream <projectDir> <out.json>
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TargetConfig } from '../src/adapters/adapter.js';

export const EXTRACT_SINK_TARGETS = { extractRowsPerSecond: 500_000, sinkRatio: 1.5 } as const;

const PROJECT = 'extract_bench';
const SOURCE_ID = `source.${PROJECT}.bench.rows`;
const EXPORT_ID = `export.${PROJECT}.rows_parquet`;
const TABLE = 'rows_table';

const PLUGIN = `import { defineSource } from 'dpf';

// N rows in batches of arrays: an id, a label, an amount and a timestamp.
export default defineSource<{ rows: number; batch_rows?: number }>({
  config: { type: 'object', required: ['rows'], properties: { rows: { type: 'integer', minimum: 1 }, batch_rows: { type: 'integer', minimum: 1 } } },
  columns: [
    { name: 'id', type: 'integer' },
    { name: 'label', type: 'text' },
    { name: 'amount', type: 'double' },
    { name: 'created_at', type: 'timestamp' },
  ],
  *extract(config) {
    const size = config.batch_rows ?? 10000;
    const base = Date.UTC(2024, 0, 1);
    for (let start = 0; start < config.rows; start += size) {
      const n = Math.min(size, config.rows - start);
      const batch = new Array(n);
      for (let i = 0; i < n; i++) {
        const id = start + i;
        batch[i] = [id, 'label ' + (id % 1000), id * 0.25, new Date(base + id * 1000)];
      }
      yield batch;
    }
  },
});
`;

function writeProject(dir: string, rows: number): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'plugins'), { recursive: true });
  mkdirSync(join(dir, 'models'), { recursive: true });
  writeFileSync(join(dir, 'dpf_project.yml'), `name: ${PROJECT}\nversion: "1.0"\nprofile: ${PROJECT}\nmonitors: off\n`);
  writeFileSync(join(dir, 'profiles.yml'), `${PROJECT}:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/dev.duckdb, schema: main, threads: 1 }\n`);
  writeFileSync(join(dir, 'plugins', 'bench_rows.ts'), PLUGIN);
  writeFileSync(join(dir, 'models', 'sources.yml'), `sources:\n  - name: bench\n    schema: bench\n    tables:\n      - name: rows\n        extract: {plugin: bench_rows, rows: ${rows}}\n`);
  writeFileSync(join(dir, 'models', `${TABLE}.sql`), `{{config materialized="table"}}\nselect * from {{source "bench" "rows"}}\n`);
  writeFileSync(join(dir, 'models', 'schema.yml'), `models:\n  - name: ${TABLE}\n    exports:\n      - name: rows_parquet\n        plugin: files\n        path: out/rows.parquet\n`);
}

interface Timed {
  readonly wallSeconds: number;
  readonly stepSeconds: number;
}

export interface ExtractResult {
  readonly rows: number;
  readonly dpf: Timed & { readonly samples: Timed[] };
  /** The appender fed directly with the plugin's batches (generation included). */
  readonly floorSeconds: number;
  /** The plugin's batches alone, iterated without appending. */
  readonly generateSeconds: number;
  readonly duckdbVersion: string;
}

export interface SinkResult {
  readonly rows: number;
  readonly dpf: Timed & { readonly samples: Timed[] };
  /** DuckDB's own COPY … TO of the same table, in-process. */
  readonly copySeconds: number;
  /** The files sink's write without copyTo: rows through queryStream into its in-memory DuckDB, then COPY. */
  readonly streamSeconds: number;
  readonly parquetMiB: number;
  readonly duckdbVersion: string;
}

export type Measure = (script: 'dpf' | 'child', args: string[], logName: string) => Promise<{ wallSeconds: number; peakRssMiB?: number; exitCode: number }>;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (rows: number, seconds: number) => Math.round(rows / seconds).toLocaleString('en-US');

function stepSeconds(dir: string, uniqueId: string): { seconds: number; rows?: number } {
  const doc = JSON.parse(readFileSync(join(dir, 'target', 'run_results.json'), 'utf8')) as { results: { uniqueId: string; status: string; executionTime: number; rowsAffected?: number }[] };
  const result = doc.results.find((r) => r.uniqueId === uniqueId);
  if (!result || result.status !== 'success') throw new Error(`${uniqueId} did not succeed: ${JSON.stringify(result)}`);
  return { seconds: result.executionTime, rows: result.rowsAffected };
}

const projectDir = (workDir: string) => join(workDir, 'extract-sink');

export async function benchExtract(workDir: string, rows: number, repeats: number, measure: Measure, log: (s: string) => void): Promise<ExtractResult | undefined> {
  const dir = projectDir(workDir);
  writeProject(dir, rows);
  log(`extract: ${rows.toLocaleString('en-US')} rows × 4 columns from a plugin into DuckDB (${repeats} repeats, interleaved with the appender floor)`);
  const samples: Timed[] = [];
  const floors: number[] = [];
  const generates: number[] = [];
  let duckdbVersion = '';
  for (let r = 0; r < repeats; r++) {
    const out = join(dir, `floor-${r}.json`);
    const floor = await measure('child', ['floor', dir, out], `extract-floor-${r + 1}`);
    if (floor.exitCode !== 0) return undefined;
    const f = JSON.parse(readFileSync(out, 'utf8')) as { seconds: number; generateSeconds: number; rows: number; duckdbVersion: string };
    if (f.rows !== rows) throw new Error(`the floor appended ${f.rows} rows, not ${rows}`);
    floors.push(f.seconds);
    generates.push(f.generateSeconds);
    duckdbVersion = f.duckdbVersion;
    const run = await measure('dpf', ['build', '-s', 'source:bench.rows', '--project-dir', dir], `extract-dpf-${r + 1}`);
    if (run.exitCode !== 0) return undefined;
    const step = stepSeconds(dir, SOURCE_ID);
    if (step.rows !== rows) throw new Error(`the extract landed ${step.rows} rows, not ${rows}`);
    samples.push({ wallSeconds: run.wallSeconds, stepSeconds: step.seconds });
    log(
      `  run ${r + 1}/${repeats}: appender floor ${f.seconds.toFixed(2)}s (${rate(rows, f.seconds)} rows/s; batches alone ${f.generateSeconds.toFixed(2)}s), ` +
        `dpf extract step ${step.seconds.toFixed(2)}s (${rate(rows, step.seconds)} rows/s), dpf build wall ${run.wallSeconds.toFixed(2)}s`,
    );
  }
  return {
    rows,
    dpf: { wallSeconds: median(samples.map((s) => s.wallSeconds)), stepSeconds: median(samples.map((s) => s.stepSeconds)), samples },
    floorSeconds: median(floors),
    generateSeconds: median(generates),
    duckdbVersion,
  };
}

export async function benchSink(workDir: string, rows: number, repeats: number, measure: Measure, log: (s: string) => void): Promise<SinkResult | undefined> {
  const dir = projectDir(workDir);
  writeProject(dir, rows);
  log(`sink: ${rows.toLocaleString('en-US')} rows × 4 columns exported to Parquet (${repeats} repeats, interleaved with DuckDB's COPY … TO and the streaming path)`);
  // The source landed and the table model built once; each export then delivers the table as it is.
  const built = await measure('dpf', ['build', '--project-dir', dir], 'sink-build');
  if (built.exitCode !== 0) return undefined;
  const samples: Timed[] = [];
  const copies: number[] = [];
  const streams: number[] = [];
  let duckdbVersion = '';
  for (let r = 0; r < repeats; r++) {
    const copyOut = join(dir, `copy-${r}.json`);
    const copy = await measure('child', ['copy', dir, copyOut], `sink-copy-${r + 1}`);
    if (copy.exitCode !== 0) return undefined;
    const c = JSON.parse(readFileSync(copyOut, 'utf8')) as { seconds: number; rows: number; duckdbVersion: string };
    if (c.rows !== rows) throw new Error(`COPY wrote ${c.rows} rows, not ${rows}`);
    copies.push(c.seconds);
    duckdbVersion = c.duckdbVersion;
    const run = await measure('dpf', ['build', '-s', 'export:rows_parquet', '--project-dir', dir], `sink-dpf-${r + 1}`);
    if (run.exitCode !== 0) return undefined;
    const step = stepSeconds(dir, EXPORT_ID);
    if (step.rows !== rows) throw new Error(`the export wrote ${step.rows} rows, not ${rows}`);
    samples.push({ wallSeconds: run.wallSeconds, stepSeconds: step.seconds });
    const streamOut = join(dir, `stream-${r}.json`);
    const stream = await measure('child', ['stream', dir, streamOut], `sink-stream-${r + 1}`);
    if (stream.exitCode !== 0) return undefined;
    const s = JSON.parse(readFileSync(streamOut, 'utf8')) as { seconds: number; rows: number };
    if (s.rows !== rows) throw new Error(`the streaming path wrote ${s.rows} rows, not ${rows}`);
    streams.push(s.seconds);
    log(
      `  run ${r + 1}/${repeats}: DuckDB COPY … TO ${c.seconds.toFixed(2)}s, dpf export step ${step.seconds.toFixed(2)}s (${(step.seconds / c.seconds).toFixed(2)}×), ` +
        `dpf build -s export wall ${run.wallSeconds.toFixed(2)}s, streaming path ${s.seconds.toFixed(2)}s`,
    );
  }
  return {
    rows,
    dpf: { wallSeconds: median(samples.map((s) => s.wallSeconds)), stepSeconds: median(samples.map((s) => s.stepSeconds)), samples },
    copySeconds: median(copies),
    streamSeconds: median(streams),
    parquetMiB: statSync(join(dir, 'out', 'rows.parquet')).size / (1024 * 1024),
    duckdbVersion,
  };
}

export function extractMarkdown(r: ExtractResult): string {
  const s = (x: number) => x.toFixed(2);
  return [
    `**Extract** (a plugin yielding ${r.rows.toLocaleString('en-US')} rows × 4 columns, integer/text/double/timestamp, in batches of 10,000 arrays, landed into a DuckDB file; median of ${r.dpf.samples.length}, interleaved; DuckDB ${r.duckdbVersion})`,
    '',
    '| Measurement | Time (s) | Rows/s |',
    '|---|---:|---:|',
    `| the plugin's batches alone (no appending) | ${s(r.generateSeconds)} | ${rate(r.rows, r.generateSeconds)} |`,
    `| floor: the same batches, @duckdb/node-api appender used directly (data chunks) | ${s(r.floorSeconds)} | ${rate(r.rows, r.floorSeconds)} |`,
    `| dpf's extract step (staging table, appendRows, swap, data version; run_results executionTime) | ${s(r.dpf.stepSeconds)} | ${rate(r.rows, r.dpf.stepSeconds)} |`,
    `| \`dpf build -s source:bench.rows\`, wall (node startup, compile, plugin load, step, close) | ${s(r.dpf.wallSeconds)} | ${rate(r.rows, r.dpf.wallSeconds)} |`,
    '',
    '| Ratio | Value |',
    '|---|---:|',
    `| **dpf's extract step, rows/s** — target ≥ ${EXTRACT_SINK_TARGETS.extractRowsPerSecond.toLocaleString('en-US')} | ${rate(r.rows, r.dpf.stepSeconds)} |`,
    `| dpf's extract step ÷ appender floor | ${s(r.dpf.stepSeconds / r.floorSeconds)}× |`,
    `| dpf build wall ÷ appender floor | ${s(r.dpf.wallSeconds / r.floorSeconds)}× |`,
  ].join('\n');
}

export function sinkMarkdown(r: SinkResult): string {
  const s = (x: number) => x.toFixed(2);
  return [
    `**Sink** (the same ${r.rows.toLocaleString('en-US')} rows, as a table model, exported to one Parquet file of ${r.parquetMiB.toFixed(0)} MiB by the built-in files sink; median of ${r.dpf.samples.length}, interleaved; DuckDB ${r.duckdbVersion})`,
    '',
    '| Measurement | Time (s) | Rows/s |',
    '|---|---:|---:|',
    `| DuckDB's own \`COPY (select * from …) TO 'x.parquet' (format parquet)\`, in-process | ${s(r.copySeconds)} | ${rate(r.rows, r.copySeconds)} |`,
    `| dpf's export step (columns, COPY … TO beside the target, rename; run_results executionTime) | ${s(r.dpf.stepSeconds)} | ${rate(r.rows, r.dpf.stepSeconds)} |`,
    `| \`dpf build -s export:rows_parquet\`, wall (node startup, compile, step, close) | ${s(r.dpf.wallSeconds)} | ${rate(r.rows, r.dpf.wallSeconds)} |`,
    `| the streaming path (no \`ctx.copyTo\`, as on Trino): queryStream → the sink's in-memory DuckDB → COPY | ${s(r.streamSeconds)} | ${rate(r.rows, r.streamSeconds)} |`,
    '',
    '| Ratio | Value |',
    '|---|---:|',
    `| **dpf's export step ÷ DuckDB's COPY** — target ≤ ${EXTRACT_SINK_TARGETS.sinkRatio} | ${s(r.dpf.stepSeconds / r.copySeconds)}× |`,
    `| dpf build wall ÷ DuckDB's COPY | ${s(r.dpf.wallSeconds / r.copySeconds)}× |`,
    `| streaming path ÷ DuckDB's COPY | ${s(r.streamSeconds / r.copySeconds)}× |`,
  ].join('\n');
}

// ---------------------------------------------------------------- the child processes

const target = (dir: string): TargetConfig => ({
  profileName: PROJECT,
  targetName: 'dev',
  type: 'duckdb',
  schema: 'main',
  threads: 1,
  settings: { path: join(dir, 'target', 'dev.duckdb') },
  secrets: [],
});

/** The plugin's batches through the appender directly, into a fresh DuckDB file; and the batches alone. */
async function childFloor(dir: string, out: string): Promise<void> {
  const duckdb = await import('@duckdb/node-api');
  const { loadSourcePlugin } = await import('../src/plugins/index.js');
  const plugin = await loadSourcePlugin(dir, { name: 'bench_rows', path: 'plugins/bench_rows.ts' });
  const config = { rows: Number(/rows: (\d+)/.exec(readFileSync(join(dir, 'models', 'sources.yml'), 'utf8'))![1]) };
  const ctx = { signal: new AbortController().signal, source: { name: 'bench', table: 'rows' }, projectDir: dir, env: process.env, fetch: globalThis.fetch };

  let t0 = performance.now();
  let generated = 0;
  for await (const batch of plugin.extract(config, ctx)) generated += batch.length;
  const generateSeconds = (performance.now() - t0) / 1000;

  const file = join(dir, 'floor.duckdb');
  for (const f of [file, `${file}.wal`]) rmSync(f, { force: true });
  const instance = await duckdb.DuckDBInstance.create(file);
  const conn = await instance.connect();
  await conn.run('create table main.floor (id integer, label varchar, amount double, created_at timestamp)');
  t0 = performance.now();
  const appender = await conn.createAppender('floor', 'main');
  const types = [0, 1, 2, 3].map((i) => appender.columnType(i));
  const size = duckdb.DuckDBVector.standardSize();
  const chunk = duckdb.DuckDBDataChunk.create(types, size);
  const pending: unknown[][] = [];
  let rows = 0;
  const emit = (count: number) => {
    chunk.reset();
    chunk.rowCount = count;
    const [id, label, amount, at] = [0, 1, 2, 3].map((c) => chunk.getColumnVector(c) as InstanceType<typeof duckdb.DuckDBVector>);
    for (let r = 0; r < count; r++) {
      const row = pending[r]!;
      id!.setItem(r, row[0] as number);
      label!.setItem(r, row[1] as string);
      amount!.setItem(r, row[2] as number);
      at!.setItem(r, new duckdb.DuckDBTimestampValue(BigInt((row[3] as Date).getTime()) * 1000n));
    }
    for (const v of [id, label, amount, at]) v!.flush();
    appender.appendDataChunk(chunk);
    pending.length = 0;
  };
  for await (const batch of plugin.extract(config, ctx)) {
    for (const row of batch as unknown[][]) {
      pending.push(row);
      rows++;
      if (pending.length === size) emit(size);
    }
  }
  if (pending.length > 0) emit(pending.length);
  appender.closeSync();
  const seconds = (performance.now() - t0) / 1000;
  const counted = Number((await conn.runAndReadAll('select count(*) from main.floor')).getRows()[0]![0]);
  if (counted !== rows || generated !== rows) throw new Error(`the floor appended ${counted} of ${rows} rows (${generated} generated)`);
  const duckdbVersion = String((await conn.runAndReadAll('select version()')).getRows()[0]![0]);
  conn.closeSync();
  instance.closeSync();
  for (const f of [file, `${file}.wal`]) rmSync(f, { force: true });
  writeFileSync(out, JSON.stringify({ seconds, generateSeconds, rows, duckdbVersion }));
}

/** DuckDB's own COPY … TO of the model's table, on the project's database file. */
async function childCopy(dir: string, out: string): Promise<void> {
  const duckdb = await import('@duckdb/node-api');
  const instance = await duckdb.DuckDBInstance.create(join(dir, 'target', 'dev.duckdb'));
  const conn = await instance.connect();
  const file = join(dir, 'out', 'raw.parquet');
  rmSync(file, { force: true });
  mkdirSync(join(dir, 'out'), { recursive: true });
  const t0 = performance.now();
  const result = await conn.runAndReadAll(`copy (select * from main.${TABLE}) to '${file}' (format parquet)`);
  const seconds = (performance.now() - t0) / 1000;
  const rows = Number(result.getRows()[0]![0]);
  const duckdbVersion = String((await conn.runAndReadAll('select version()')).getRows()[0]![0]);
  conn.closeSync();
  instance.closeSync();
  writeFileSync(out, JSON.stringify({ seconds, rows, duckdbVersion }));
}

/** The files sink's write without copyTo, fed as the export step feeds it (queryStream, objects of 10,000 rows). */
async function childStream(dir: string, out: string): Promise<void> {
  const { duckdbAdapterFactory } = await import('../src/adapters/duckdb/duckdb-adapter.js');
  const { logicalTypeOf } = await import('../src/adapters/logical-type.js');
  const { sink } = await import('../src/plugins/builtin/files.js');
  const adapter = duckdbAdapterFactory.create(target(dir), dir);
  await adapter.open();
  let rows = 0;
  let seconds = 0;
  await adapter.withConnection(async (c) => {
    const relation = { schema: 'main', identifier: TABLE };
    const columns = (await c.getColumns(relation)).map((col) => ({ name: col.name, type: logicalTypeOf(col.type) }));
    const t0 = performance.now();
    async function* stream() {
      for await (const batch of c.queryStream(`select * from "main"."${TABLE}"`, { batchRows: 10_000 })) {
        const names = batch.columns.map((col) => col.name);
        yield batch.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])));
      }
    }
    const result = await sink.write(stream(), { path: 'out/stream.parquet' }, {
      signal: new AbortController().signal,
      projectDir: dir,
      env: process.env,
      export: 'rows_stream',
      model: { name: TABLE, relation: `"main"."${TABLE}"`, columns },
      runId: 'bench',
      fetch: globalThis.fetch,
    });
    seconds = (performance.now() - t0) / 1000;
    rows = result?.rows ?? 0;
  });
  await adapter.close();
  writeFileSync(out, JSON.stringify({ seconds, rows }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [mode, dir, out] = process.argv.slice(2);
  if (mode === 'floor') await childFloor(dir!, out!);
  else if (mode === 'copy') await childCopy(dir!, out!);
  else if (mode === 'stream') await childStream(dir!, out!);
  else throw new Error('usage: extract-sink.js floor|copy|stream <projectDir> <out.json>');
}
