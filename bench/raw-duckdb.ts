/**
 * The baseline of the build benchmark: the SQL that dpf compiled, executed by hand on DuckDB,
 * with none of dpf's machinery (no temporary relations, no row counts, no swaps, no artifacts).
 *
 * Reads target/manifest.json (written by `dpf compile`), opens a fresh DuckDB file with
 * @duckdb/node-api, and in ONE connection:
 *   1. creates every schema the nodes live in;
 *   2. loads each seed with `create table <seed> as select * from read_csv(<csv>, columns = {...})`,
 *      using the column types dpf inferred (manifest `seedColumns`);
 *   3. runs `create table <relation> as (<compiledCode>)` for each table model (`create view` for
 *      a view; ephemeral models are skipped, dpf inlined them), in topological order: Kahn's
 *      algorithm over manifest.parentMap, taking ready nodes in manifest order.
 * The time reported is measured in-process, from opening the database to closing it, so it
 * excludes node's own startup and the loading of the DuckDB module.
 *
 * With --swap (a diagnostic, not the baseline), each table model instead runs the statements
 * dpf's table materialization runs (see target/run/): drop <tmp> if exists, create <tmp> as,
 * select count(*) from <tmp>, then begin / alter table <tmp> rename / commit. The difference
 * between the two modes is the engine cost of dpf's atomic build-and-swap; the difference
 * between --swap and dpf's runner phase is dpf's own (JavaScript) overhead.
 *
 * Usage: node dist-bench/bench/raw-duckdb.js <manifest.json> <projectDir> <db file> <out.json> [--swap]
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ExecutableNode, Manifest } from '../src/compiler/manifest.js';
import { executableNode, isExecutable } from '../src/compiler/node-kinds.js';

export interface RawResult {
  /** In-process seconds: open database, schemas, seeds, models, close. */
  readonly seconds: number;
  readonly seedSeconds: number;
  /** Opening the database, schemas and models (everything before close but the seeds). */
  readonly modelSeconds: number;
  readonly closeSeconds: number;
  readonly statements: number;
  readonly seeds: number;
  readonly models: number;
  readonly duckdbVersion: string;
  readonly order: string;
  readonly mode: 'plain' | 'swap';
  readonly maxRssKiB: number;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Kahn's algorithm over parentMap, ready nodes taken in manifest order (stable). */
export function topologicalOrder(manifest: Manifest): ExecutableNode[] {
  const ids = Object.values(manifest.nodes).filter(isExecutable).map((n) => n.uniqueId);
  const index = new Map(ids.map((id, i) => [id, i]));
  const waiting = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const id of ids) {
    const parents = (manifest.parentMap[id] ?? []).filter((p) => index.has(p));
    waiting.set(id, parents.length);
    for (const p of parents) children.set(p, [...(children.get(p) ?? []), id]);
  }
  // A simple binary heap on manifest index keeps the order deterministic.
  const heap: number[] = [];
  const push = (v: number) => {
    heap.push(v);
    for (let i = heap.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (heap[p]! <= heap[i]!) break;
      [heap[p], heap[i]] = [heap[i]!, heap[p]!];
      i = p;
    }
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l]! < heap[m]!) m = l;
        if (r < heap.length && heap[r]! < heap[m]!) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    return top;
  };
  ids.forEach((id, i) => waiting.get(id) === 0 && push(i));
  const order: ExecutableNode[] = [];
  while (heap.length > 0) {
    const id = ids[pop()]!;
    order.push(executableNode(manifest, id)!);
    for (const c of children.get(id) ?? []) {
      const left = waiting.get(c)! - 1;
      waiting.set(c, left);
      if (left === 0) push(index.get(c)!);
    }
  }
  if (order.length !== ids.length) throw new Error(`manifest has a cycle: ordered ${order.length} of ${ids.length} nodes`);
  return order;
}

export async function runRaw(manifestPath: string, projectDir: string, dbPath: string, mode: 'plain' | 'swap' = 'plain'): Promise<RawResult> {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const order = topologicalOrder(manifest);
  for (const f of [dbPath, `${dbPath}.wal`]) rmSync(f, { force: true });

  const t0 = performance.now();
  const instance = await DuckDBInstance.create(dbPath);
  const conn = await instance.connect();
  let statements = 0;
  const run = async (sql: string) => {
    statements++;
    await conn.run(sql);
  };
  const schemas = new Set<string>();
  for (const node of order) {
    const r = node.relation;
    schemas.add(r.database ? `${quoteIdent(r.database)}.${quoteIdent(r.schema)}` : quoteIdent(r.schema));
  }
  for (const s of schemas) await run(`create schema if not exists ${s}`);

  let seeds = 0;
  let models = 0;
  let seedSeconds = 0;
  for (const node of order) {
    if (node.kind === 'seed') {
      const t = performance.now();
      const csv = isAbsolute(node.originalFilePath) ? node.originalFilePath : join(projectDir, node.originalFilePath);
      const columns = node.seedColumns.map((c) => `${quote(c.name)}: ${quote(c.type)}`).join(', ');
      await run(
        `create table ${node.relationName} as select * from read_csv(${quote(csv)}, header = true, delim = ${quote(node.config.delimiter)}, columns = {${columns}})`,
      );
      seedSeconds += (performance.now() - t) / 1000;
      seeds++;
    } else if (node.kind === 'model' && node.config.materialized !== 'ephemeral') {
      if (node.compiledCode === undefined) throw new Error(`${node.uniqueId} has no compiledCode: run dpf compile first`);
      const kind = node.config.materialized === 'view' ? 'view' : 'table';
      if (mode === 'swap' && kind === 'table') {
        const r = node.relation;
        const tmp = `${r.database ? `${quoteIdent(r.database)}.` : ''}${quoteIdent(r.schema)}.${quoteIdent(`${r.identifier}__dpf_tmp`)}`;
        await run(`drop table if exists ${tmp}`);
        await run(`create table ${tmp} as (\n${node.compiledCode.trimEnd()}\n)`);
        statements++;
        await conn.runAndReadAll(`select count(*) from ${tmp}`);
        await run('begin transaction');
        await run(`alter table ${tmp} rename to ${quoteIdent(r.identifier)}`);
        await run('commit');
      } else {
        await run(`create ${kind} ${node.relationName} as (\n${node.compiledCode.trimEnd()}\n)`);
      }
      models++;
    }
  }
  const tModels = performance.now();
  const version = await conn.runAndReadAll('select version()');
  const duckdbVersion = String(version.getRows()[0]?.[0] ?? 'unknown');
  conn.closeSync();
  instance.closeSync();
  const tEnd = performance.now();
  return {
    seconds: (tEnd - t0) / 1000,
    seedSeconds,
    modelSeconds: (tModels - t0) / 1000 - seedSeconds,
    closeSeconds: (tEnd - tModels) / 1000,
    statements,
    seeds,
    models,
    duckdbVersion,
    order: 'Kahn over manifest.parentMap, ready nodes in manifest order',
    mode,
    maxRssKiB: process.resourceUsage().maxRSS,
  };
}

async function main(argv: string[]): Promise<void> {
  const mode = argv.includes('--swap') ? 'swap' : 'plain';
  const [manifestPath, projectDir, dbPath, outPath] = argv.filter((a) => a !== '--swap');
  if (!manifestPath || !projectDir || !dbPath || !outPath) {
    process.stderr.write('usage: node dist-bench/bench/raw-duckdb.js <manifest.json> <projectDir> <db file> <out.json> [--swap]\n');
    process.exitCode = 2;
    return;
  }
  if (!existsSync(manifestPath)) throw new Error(`no manifest at ${manifestPath}: run dpf compile first`);
  const result = await runRaw(resolve(manifestPath), resolve(projectDir), resolve(dbPath), mode);
  writeFileSync(outPath, JSON.stringify(result, null, 2));
  process.stdout.write(`raw DuckDB (${mode}): ${result.statements} statements in ${result.seconds.toFixed(3)}s (in-process)\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main(process.argv.slice(2));
