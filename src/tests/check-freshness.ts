/**
 * Source freshness: how long ago each source last got data (the newest loaded_at_field, or
 * what loaded_at_query returns), judged against warn_after and error_after. Timestamps without
 * a time zone are read as UTC; the clock is dpf's, so the engine's session time zone does
 * not matter.
 */
import { DpfError, diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import type { FreshnessRule, SourceNode } from '../compiler/manifest.js';
import type { SqlTemplates } from '../adapters/sql-templates.js';

export type FreshnessStatus = 'pass' | 'warn' | 'error' | 'runtime error';

/** What one check found about one source table: the facts a freshness step's result carries. */
export interface FreshnessFacts {
  readonly sourceName: string;
  readonly tableName: string;
  readonly status: FreshnessStatus;
  /** ISO-8601, UTC. */
  readonly maxLoadedAt?: string;
  readonly snapshottedAt: string;
  readonly maxLoadedAtTimeAgoInS?: number;
  readonly criteria: { warnAfter?: FreshnessRule; errorAfter?: FreshnessRule; filter?: string };
}

/** One source table's line of target/sources.json. */
export interface FreshnessResult extends FreshnessFacts {
  readonly uniqueId: string;
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

/**
 * Checks one source table: its newest load time (loaded_at_query, or the newest
 * loaded_at_field through the filter), judged against its rules. A query the engine rejects is
 * a runtime error at the table's declaration, not a thrown error, so that it keeps its facts.
 */
export async function checkSourceFreshness(
  source: SourceNode,
  ctx: { readonly templates: SqlTemplates; readonly engine: string; queryValue(sql: string): Promise<unknown> },
  now: () => Date = () => new Date(),
): Promise<{ readonly facts: FreshnessFacts; readonly error?: Diagnostic }> {
  const f = source.freshness;
  if (!f) throw new Error(`a freshness check needs a source with a freshness rule: ${source.uniqueId}`);
  const base = { sourceName: source.sourceName, tableName: source.tableName, criteria: { warnAfter: f.warnAfter, errorAfter: f.errorAfter, filter: f.filter } };
  try {
    const sql = f.loadedAtQuery ?? ctx.templates.render('source_freshness', { loaded_at_field: f.loadedAtField, relation: source.relationName, filter: f.filter });
    const value = await ctx.queryValue(sql);
    const snapshot = now();
    const loaded = parseTimestamp(value);
    if (!loaded) {
      return {
        facts: { ...base, status: 'error', snapshottedAt: snapshot.toISOString() },
        error: diagnostic('FreshnessNoData', { source: `${source.sourceName}.${source.tableName}`, value: String(value) }, source.location),
      };
    }
    const age = Math.max(0, (snapshot.getTime() - loaded.getTime()) / 1000);
    return { facts: { ...base, status: judgeFreshness(age, f), maxLoadedAt: loaded.toISOString(), snapshottedAt: snapshot.toISOString(), maxLoadedAtTimeAgoInS: age } };
  } catch (err) {
    const error = err instanceof DpfError ? err.first : diagnostic('QueryFailed', { engine: ctx.engine, detail: (err as Error).message }, source.location);
    return { facts: { ...base, status: 'runtime error', snapshottedAt: now().toISOString() }, error };
  }
}

/** A freshness step's result as a line of target/sources.json; undefined for a step that never checked (skipped). */
export function freshnessResultOf(result: {
  readonly uniqueId: string;
  readonly executionTime: number;
  readonly error?: Diagnostic;
  readonly freshness?: FreshnessFacts;
}): FreshnessResult | undefined {
  if (!result.freshness) return undefined;
  const f = result.freshness;
  return {
    uniqueId: result.uniqueId,
    sourceName: f.sourceName,
    tableName: f.tableName,
    status: f.status,
    maxLoadedAt: f.maxLoadedAt,
    snapshottedAt: f.snapshottedAt,
    maxLoadedAtTimeAgoInS: f.maxLoadedAtTimeAgoInS,
    criteria: f.criteria,
    executionTime: result.executionTime,
    ...(result.error ? { error: result.error } : {}),
  };
}
