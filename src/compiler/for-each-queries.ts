/**
 * The queries of query-driven for_each models (docs/configuration.md#for_each), run against
 * the target while the project compiles, their rows cached in target/for_each_cache.json
 * keyed by the query as written and the target (type, name, database, schema). A cached
 * result is used as long as the query renders to the same SQL; `refresh` runs every query
 * again. A query that fails falls back to its cached result (a warning), else fails the
 * compile with what to build first (or, with `skipFailed`, generates no models, a warning).
 * Each query runs alone, wrapped as a subquery, so it can only read.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DpfError, diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import type { TargetConfig } from '../adapters/adapter.js';
import { adapterFactory } from '../adapters/index.js';
import type { ForEachAnswer, ForEachQuery } from './expand-for-each.js';
import { readJsonArtifact } from './read-json-artifact.js';
import { redactStrings, secretRedactor } from './redact-secrets.js';
import { writeFileAtomic } from './write-file-atomic.js';

const FILE = 'for_each_cache.json';

type Row = Readonly<Record<string, string | number | boolean | null>>;

interface CacheEntry {
  readonly query: string;
  readonly sql: string;
  readonly target: string;
  readonly ranAt: string;
  readonly rows: readonly Row[];
}

export interface ForEachQueryOptions {
  /** Run every for_each query again instead of reading its cached result. */
  readonly refresh?: boolean;
  /** A query that fails with no cached result generates no models (a warning) instead of failing the compile. */
  readonly skipFailed?: boolean;
}

export class ForEachQueries {
  private readonly entries: Record<string, CacheEntry>;
  private readonly answers = new Map<string, ForEachAnswer>();
  private changed = false;
  /** Warnings of this compile (a cached result used instead, a file skipped). */
  readonly warnings: Diagnostic[] = [];
  /** Some file generated no models because its query failed: this compile must not be reused. */
  skipped = false;

  constructor(
    private readonly targetPath: string,
    private readonly target: TargetConfig,
    private readonly projectDir: string,
    private readonly options: ForEachQueryOptions = {},
  ) {
    const file = join(targetPath, FILE);
    // A damaged cache is no cache: the queries run again.
    this.entries = readJsonArtifact<{ entries?: Record<string, CacheEntry> }>(file, () => undefined)?.entries ?? {};
  }

  private key(query: ForEachQuery): string {
    const t = this.target;
    return createHash('sha256').update(JSON.stringify([t.type, t.targetName, t.database ?? '', t.schema, query.text])).digest('hex');
  }

  private cached(query: ForEachQuery): CacheEntry | undefined {
    const entry = this.entries[this.key(query)];
    return entry?.sql === query.sql ? entry : undefined;
  }

  /** ParseContext.forEachRows: this compile's answer, else the cache (unless refreshing), else 'pending'. */
  readonly lookup = (query: ForEachQuery): ForEachAnswer => {
    const key = this.key(query);
    const answered = this.answers.get(key);
    if (answered) return answered;
    if (!this.options.refresh) {
      const entry = this.cached(query);
      if (entry) return entry.rows;
    }
    return 'pending';
  };

  /** Runs the queries parsing asked for, on one connection, and records their answers. */
  async run(queries: readonly ForEachQuery[]): Promise<void> {
    const redact = secretRedactor(this.target.secrets.filter((s) => s.length > 0));
    const failed = (query: ForEachQuery, err: unknown): void => {
      const detail = redactStrings((err instanceof DpfError ? err.diagnostics.map((d) => d.message).join(' ') : (err as Error).message).split('\n')[0]!, redact);
      const entry = this.entries[this.key(query)];
      if (entry) {
        this.answers.set(this.key(query), entry.rows);
        this.warnings.push(diagnostic('ForEachCacheUsed', { detail, at: entry.ranAt }, query.location, 'warning'));
      } else if (this.options.skipFailed) {
        this.answers.set(this.key(query), { skipped: detail });
        this.skipped = true;
      } else {
        throw new DpfError([diagnostic('ForEachQueryFailed', { detail, reads: query.reads.join(' ') }, query.location)]);
      }
    };
    const adapter = adapterFactory(this.target.type).create(this.target, this.projectDir);
    try {
      await adapter.open();
    } catch (err) {
      for (const query of queries) failed(query, err);
      return;
    }
    try {
      for (const query of queries) {
        try {
          const result = await adapter.withConnection((c) => c.query(`select * from (\n${query.sql}\n) as dpf_for_each`));
          const rows = result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c.name, jsonValue((r as unknown[])[i], c.type)])));
          const entry: CacheEntry = { query: query.text, sql: query.sql, target: this.target.targetName, ranAt: new Date().toISOString(), rows };
          this.entries[this.key(query)] = entry;
          this.answers.set(this.key(query), rows);
          this.changed = true;
        } catch (err) {
          failed(query, err);
        }
      }
    } finally {
      await adapter.close().catch(() => undefined);
    }
  }

  /** Writes the cache when a query ran. */
  save(): void {
    if (this.changed) writeFileAtomic(join(this.targetPath, FILE), JSON.stringify({ entries: this.entries }, null, 2));
  }
}

/** A value as the cache (JSON) and the generated names hold it; a whole number the adapter gave as text (bigint) is a number again where it fits. */
function jsonValue(v: unknown, type: string): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' && /int/i.test(type) && /^-?\d+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  return String(v);
}
