/**
 * Source freshness: how long ago each source last got data (the newest loaded_at_field, or
 * what loaded_at_query returns), judged against warn_after and error_after. Timestamps without
 * a time zone are read as UTC; the clock is dpf's, so the engine's session time zone does
 * not matter.
 */
import type { Adapter } from '../adapters/adapter.js';
import { DpfError, diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import type { FreshnessRule, SourceNode } from '../compiler/manifest.js';
import { SqlTemplates } from '../adapters/sql-templates.js';

export type FreshnessStatus = 'pass' | 'warn' | 'error' | 'runtime error';

export interface FreshnessResult {
  readonly uniqueId: string;
  readonly sourceName: string;
  readonly tableName: string;
  readonly status: FreshnessStatus;
  /** ISO-8601, UTC. */
  readonly maxLoadedAt?: string;
  readonly snapshottedAt: string;
  readonly maxLoadedAtTimeAgoInS?: number;
  readonly criteria: { warnAfter?: FreshnessRule; errorAfter?: FreshnessRule; filter?: string };
  readonly executionTime: number;
  readonly error?: Diagnostic;
}

const SECONDS: Record<FreshnessRule['period'], number> = { minute: 60, hour: 3600, day: 86400 };
export const ruleSeconds = (r: FreshnessRule) => r.count * SECONDS[r.period];

/**
 * Reads an engine timestamp as a Date: "2024-06-30 10:00:00" (UTC), with an offset ("+02",
 * "+02:00"), or with a zone name as Trino writes it ("... UTC", "... Europe/Paris").
 */
export function parseTimestamp(value: unknown): Date | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value;
  const zoned = /^(\S+ \S+) ([A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*)$/.exec(String(value).trim());
  if (zoned) return inZone(zoned[1]!, zoned[2]!);
  let text = String(value).trim().replace(' ', 'T').replace(/\s+(?=[+-]\d{2})/, '');
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) text += 'T00:00:00';
  if (!/([zZ]|[+-]\d{2}(:?\d{2})?)$/.test(text)) text += 'Z';
  else text = text.replace(/([+-]\d{2})$/, '$1:00');
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * A wall-clock time in a named zone. The zone's offset is taken at the wall-clock time read as
 * UTC, then again at the instant that gives, which is right across daylight-saving changes.
 */
function inZone(wallClock: string, zone: string): Date | undefined {
  const asUtc = parseTimestamp(wallClock);
  if (!asUtc) return undefined;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
  } catch {
    return undefined; // not a zone this runtime knows
  }
  const offsetAt = (instant: Date): number => {
    const name = format.formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? '';
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000 : 0;
  };
  const first = new Date(asUtc.getTime() - offsetAt(asUtc));
  return new Date(asUtc.getTime() - offsetAt(first));
}

export function judgeFreshness(ageSeconds: number, f: { warnAfter?: FreshnessRule; errorAfter?: FreshnessRule }): FreshnessStatus {
  if (f.errorAfter && ageSeconds > ruleSeconds(f.errorAfter)) return 'error';
  if (f.warnAfter && ageSeconds > ruleSeconds(f.warnAfter)) return 'warn';
  return 'pass';
}

export async function checkFreshness(
  sources: readonly SourceNode[],
  adapter: Adapter,
  onResult: (result: FreshnessResult, index: number, total: number) => void = () => undefined,
  now: () => Date = () => new Date(),
): Promise<FreshnessResult[]> {
  const templates = new SqlTemplates(adapter.name);
  const results: FreshnessResult[] = [];
  for (const [i, source] of sources.entries()) {
    const f = source.freshness!;
    const t0 = Date.now();
    const criteria = { warnAfter: f.warnAfter, errorAfter: f.errorAfter, filter: f.filter };
    const base = { uniqueId: source.uniqueId, sourceName: source.sourceName, tableName: source.tableName, criteria };
    let result: FreshnessResult;
    try {
      const sql = f.loadedAtQuery ?? templates.render('source_freshness', { loaded_at_field: f.loadedAtField, relation: source.relationName, filter: f.filter });
      const value = await adapter.withConnection(async (c) => (await c.query(sql)).rows[0]?.[0]);
      const snapshot = now();
      const loaded = parseTimestamp(value);
      if (!loaded) {
        result = {
          ...base,
          status: 'error',
          snapshottedAt: snapshot.toISOString(),
          executionTime: (Date.now() - t0) / 1000,
          error: diagnostic('FreshnessNoData', { source: `${source.sourceName}.${source.tableName}`, value: String(value) }, source.location),
        };
      } else {
        const age = Math.max(0, (snapshot.getTime() - loaded.getTime()) / 1000);
        result = {
          ...base,
          status: judgeFreshness(age, f),
          maxLoadedAt: loaded.toISOString(),
          snapshottedAt: snapshot.toISOString(),
          maxLoadedAtTimeAgoInS: age,
          executionTime: (Date.now() - t0) / 1000,
        };
      }
    } catch (err) {
      const error =
        err instanceof DpfError
          ? err.first
          : diagnostic('QueryFailed', { engine: adapter.engine, detail: (err as Error).message }, source.location);
      result = { ...base, status: 'runtime error', snapshottedAt: now().toISOString(), executionTime: (Date.now() - t0) / 1000, error };
    }
    results.push(result);
    onResult(result, i + 1, sources.length);
  }
  return results;
}
