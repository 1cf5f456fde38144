/**
 * Column lineage of every model in a manifest (step 4 of `dpf docs generate`, and what
 * governance will propagate over), by handing its compiled SQL and the columns of the
 * relations it reads to column-lineage.ts (which parses the SQL; this module never looks
 * inside SQL itself). The caller names the cache file.
 *
 * - The relations of a model are its parents. An ephemeral parent has no relation: its SQL is
 *   inlined into the model as a CTE, so the ephemeral model's own parents stand in for it, and
 *   lineage passes through it to real relations.
 * - Columns of a relation come from the warehouse catalog, or, when it was skipped or the
 *   relation is not built, from the columns declared in YAML (seeds: the CSV header).
 * - Parsing costs about a millisecond per model, so results are cached by content (the site
 *   uses target/docs_lineage_cache.json), and large projects parse on worker threads.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../compiler/write-file-atomic.js';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DPF_VERSION } from '../compiler/package-paths.js';
import type { ExecutableNode, Manifest, SourceNode } from '../compiler/manifest.js';
import { nodesOfKind, isEphemeral, isTypescriptModel } from '../compiler/node-kinds.js';
import { columnLineage, type ColumnLineage, type LineageEngine, type LineageRelation } from './column-lineage.js';

export type { LineageEngine };
const ENGINES: readonly LineageEngine[] = ['duckdb', 'trino'];

export interface LineageJob {
  readonly nodeId: string;
  readonly sql: string;
  readonly engine: LineageEngine;
  readonly relations: LineageRelation[];
}

/** The SQL dialect the parser should read for an adapter, if it knows it. */
export function lineageEngine(adapterType: string): LineageEngine | undefined {
  return ENGINES.find((e) => e === adapterType);
}

/** One job per model with compiled SQL. */
export function lineageJobs(manifest: Manifest, engine: LineageEngine, columnsOf: (id: string) => string[]): LineageJob[] {
  const jobOf = lineageJobMaker(manifest, engine, columnsOf);
  return nodesOfKind(manifest, 'model', 'snapshot').flatMap((node) => jobOf(node) ?? []);
}

/**
 * A function making one model's job, asking `columnsOf` for its inputs' columns when called:
 * a caller walking the DAG upstream first (governance) gives each model its parents' traced columns.
 * Undefined for a node without SQL to read (a TypeScript model, whose lineage is declared).
 */
export function lineageJobMaker(manifest: Manifest, engine: LineageEngine, columnsOf: (id: string) => string[]): (node: ExecutableNode) => LineageJob | undefined {
  const byId = new Map<string, ExecutableNode | SourceNode>(nodesOfKind(manifest, 'model', 'snapshot', 'seed', 'source').map((n) => [n.uniqueId, n]));
  const relationsOf = (parents: readonly string[], seen = new Set<string>()): LineageRelation[] => {
    const out: LineageRelation[] = [];
    for (const id of parents) {
      if (seen.has(id)) continue;
      seen.add(id);
      const node = byId.get(id);
      if (!node) continue;
      if (isEphemeral(node)) {
        out.push(...relationsOf(node.dependsOn, seen));
        continue;
      }
      const r = node.kind === 'source' && node.readThrough ? node.readThrough : node.relation;
      out.push({ nodeId: id, ...(r.database ? { database: r.database } : {}), schema: r.schema, identifier: r.identifier, columns: columnsOf(id) });
    }
    return out;
  };
  return (node) => {
    // A TypeScript model's SQL only reads its own table: its lineage is declared (below), not parsed.
    if (node.kind === 'seed' || !node.compiledCode || isTypescriptModel(node)) return undefined;
    return withFileSourcesNamed({ nodeId: node.uniqueId, sql: node.compiledCode, engine, relations: relationsOf(node.dependsOn) }, byId);
  };
}

/**
 * TypeScript models' lineage: their declared columns exist, and depend on their inputs as a
 * whole (docs/typescript-models.md); dpf cannot see which input column feeds which.
 */
export function typescriptModelLineage(manifest: Manifest): Map<string, ColumnLineage> {
  const out = new Map<string, ColumnLineage>();
  for (const node of nodesOfKind(manifest, 'model')) {
    if (!isTypescriptModel(node)) continue;
    out.set(node.uniqueId, {
      status: 'partial',
      reason: `${node.originalFilePath} is a TypeScript model: its columns depend on what it reads (${node.dependsOn.length} inputs) as a whole, not column by column.`,
      columns: {},
      unresolved: node.transform.columns.map((c) => c.name),
    });
  }
  return out;
}

/** The placeholder schema that names file sources for the parser (see withFileSourcesNamed). */
const FILE_SOURCE_SCHEMA = 'dpf_file_source';

/**
 * A source read from files renders as an expression (read_csv_auto('...') on DuckDB, an
 * inlined VALUES list on Trino), which the parser would take for a table function whose columns
 * come from nowhere. In the SQL given to the parser, that expression becomes a plain relation
 * name, so the source's known columns are traced like any table's.
 */
function withFileSourcesNamed(job: LineageJob, byId: ReadonlyMap<string, ExecutableNode | SourceNode>): LineageJob {
  let sql = job.sql;
  const relations = job.relations.map((relation, i) => {
    const node = byId.get(relation.nodeId);
    if (node?.kind !== 'source' || !node.externalLocation || node.readThrough || !sql.includes(node.relationName)) return relation;
    const stand = { schema: FILE_SOURCE_SCHEMA, identifier: `source_${i}` };
    sql = sql.split(node.relationName).join(`"${stand.schema}"."${stand.identifier}"`);
    return { nodeId: relation.nodeId, ...stand, columns: relation.columns };
  });
  return { ...job, sql, relations };
}

/** Never throws: a parser crash is that model's "unparsed" result. */
export function lineageOf(job: LineageJob): ColumnLineage {
  try {
    return columnLineage({ sql: job.sql, engine: job.engine, relations: job.relations });
  } catch (err) {
    return { status: 'unparsed', reason: String((err as Error)?.message ?? err).split('\n')[0], columns: {}, unresolved: [] };
  }
}

export interface LineageOptions {
  /** Cache file (target/docs_lineage_cache.json); none: no cache. */
  readonly cacheFile?: string;
  /** Worker threads for uncached jobs; 0 parses on the main thread. Default: by job count and CPUs. */
  readonly workers?: number;
}

const MODULE_URL = import.meta.url;
/** Cached results are only valid for the parser that produced them. */
function implementationKey(): string {
  const ext = MODULE_URL.endsWith('.ts') ? 'ts' : 'js';
  const entry = fileURLToPath(new URL(`./column-lineage.${ext}`, MODULE_URL));
  const folder = fileURLToPath(new URL('./column-lineage/', MODULE_URL));
  const parts = existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith(`.${ext}`) && !f.includes('.test.')).sort().map((f) => join(folder, f)) : [];
  const hash = createHash('sha256').update(DPF_VERSION);
  for (const file of [entry, ...parts]) hash.update('\0').update(existsSync(file) ? readFileSync(file, 'utf8') : '');
  return hash.digest('hex').slice(0, 16);
}

interface CacheFile {
  readonly implementation: string;
  readonly entries: Record<string, ColumnLineage>;
}

function readCache(file: string, implementation: string): Record<string, ColumnLineage> {
  if (!existsSync(file)) return {};
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    return doc.implementation === implementation ? doc.entries : {};
  } catch {
    return {};
  }
}

const jobKey = (job: LineageJob) => createHash('sha256').update(JSON.stringify(job)).digest('base64url');

export async function computeColumnLineage(jobs: readonly LineageJob[], options: LineageOptions = {}): Promise<Map<string, ColumnLineage>> {
  const implementation = implementationKey();
  const cached = options.cacheFile ? readCache(options.cacheFile, implementation) : {};
  const keys = jobs.map(jobKey);
  const results = new Map<string, ColumnLineage>();
  const todo: { job: LineageJob; key: string }[] = [];
  jobs.forEach((job, i) => {
    const hit = cached[keys[i]!];
    if (hit) results.set(job.nodeId, hit);
    else todo.push({ job, key: keys[i]! });
  });
  const fresh = await parseAll(todo.map((t) => t.job), options.workers);
  todo.forEach((t, i) => results.set(t.job.nodeId, fresh[i]!));
  if (options.cacheFile) {
    const entries: Record<string, ColumnLineage> = {};
    jobs.forEach((job, i) => (entries[keys[i]!] = results.get(job.nodeId)!));
    mkdirSync(dirname(options.cacheFile), { recursive: true });
    writeFileAtomic(options.cacheFile, JSON.stringify({ implementation, entries } satisfies CacheFile));
  }
  return results;
}

/** Worker threads pay off from a few hundred models; they need the compiled .js (not under vitest). */
const WORKER_THRESHOLD = 400;
const BATCH = 100;

async function parseAll(jobs: LineageJob[], workers?: number): Promise<ColumnLineage[]> {
  const canFork = !MODULE_URL.endsWith('.ts');
  const count = workers ?? (canFork && jobs.length >= WORKER_THRESHOLD ? Math.min(4, availableParallelism()) : 0);
  if (count <= 0 || !canFork) return jobs.map(lineageOf);
  const results = new Array<ColumnLineage>(jobs.length);
  let next = 0;
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(new URL('./lineage-worker.js', MODULE_URL));
      const send = () => {
        if (next >= jobs.length) {
          void worker.terminate().then(() => resolve());
          return;
        }
        const start = next;
        next = Math.min(jobs.length, next + BATCH);
        worker.postMessage({ start, jobs: jobs.slice(start, next) });
      };
      worker.on('message', (msg: { start: number; results: ColumnLineage[] }) => {
        msg.results.forEach((r, i) => (results[msg.start + i] = r));
        send();
      });
      worker.on('error', reject);
      send();
    });
  await Promise.all(Array.from({ length: count }, runWorker));
  return results;
}
