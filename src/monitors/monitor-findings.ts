/**
 * What a monitor step measures and finds, as plain data: the table's stats (written to
 * dpf_meta.table_stats by the history recorder) and its findings (dpf_meta.monitor_results).
 * The headline finding rides on the step's NodeResult as `monitor` (the shape the alerts read).
 */

export type MonitorName = 'volume' | 'schema_change' | 'column_drift' | 'duration' | 'freshness';

export interface ColumnStats {
  readonly column: string;
  readonly dataType: string;
  /** Share of null values, 0–100. */
  readonly nullPct: number | null;
  /** Approximate distinct values over non-null values, 0–100. */
  readonly distinctPct: number | null;
  /** Extremes as text (numbers, dates, timestamps, strings). */
  readonly min: string | null;
  readonly max: string | null;
  /** Numbers only. */
  readonly mean: number | null;
  readonly stddev: number | null;
  /** Strings only: mean length in characters. */
  readonly meanLength: number | null;
}

export interface TableStats {
  readonly relation: string;
  /** ISO-8601, when the stats query ran. */
  readonly measuredAt: string;
  readonly rowCount: number;
  /** Rows added since the last measurement (growing relations: incremental models, snapshots). */
  readonly rowsAdded: number | null;
  /** Rows measured when the table was sampled (`monitors: {sample: N}`); null: every row. */
  readonly sampledRows: number | null;
  /** Sources with loaded_at_field: seconds between the newest loaded_at value and the measurement. */
  readonly freshnessLagSeconds: number | null;
  /** Every watched column and its type as the engine names it (schema changes). */
  readonly schema: readonly ColumnType[];
  /** The columns whose values were measured (`column_stats`); empty without. */
  readonly columns: readonly ColumnStats[];
}

export interface ColumnType {
  readonly name: string;
  readonly type: string;
}

/** table_stats.columns_json back into its columns; null when absent (written before dpf_meta version 5) or unreadable. */
export function parseColumnTypes(json: unknown): ColumnType[] | null {
  if (typeof json !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.map((c: { name?: unknown; type?: unknown }) => ({ name: String(c?.name), type: String(c?.type ?? '') })) : null;
  } catch {
    return null;
  }
}

/** The agreed shape on NodeResult.monitor (shared with the alerts). */
export interface MonitorFacts {
  readonly monitor: string;
  readonly metric?: string;
  readonly column?: string;
  readonly value?: number;
  readonly expected?: { readonly low: number; readonly high: number };
  readonly detail?: string;
}

export interface MonitorFinding extends MonitorFacts {
  readonly monitor: MonitorName;
  readonly status: 'pass' | 'warn' | 'fail';
  /** The expected value (centre of the band) and the z-score, where a band was computed. */
  readonly center?: number;
  readonly z?: number;
}

const RANK = { pass: 0, warn: 1, fail: 2 } as const;

/** The worst status among findings (pass when none). */
export function worstStatus(findings: readonly MonitorFinding[]): 'pass' | 'warn' | 'fail' {
  return findings.reduce<'pass' | 'warn' | 'fail'>((worst, f) => (RANK[f.status] > RANK[worst] ? f.status : worst), 'pass');
}

/** The finding the step's result shows: the first of the worst. */
export function headline(findings: readonly MonitorFinding[]): MonitorFinding | undefined {
  const worst = worstStatus(findings);
  return findings.find((f) => f.status === worst);
}

const round = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toString() : Number(n.toPrecision(3)).toString());

/** One line per finding: "volume: row_count 5000 outside 940–1060". */
export function describeFinding(f: MonitorFinding): string {
  if (f.detail) return `${f.monitor}: ${f.detail}`;
  const what = [f.metric, f.column && `of ${f.column}`].filter(Boolean).join(' ');
  const band = f.expected ? ` outside ${round(f.expected.low)}–${round(f.expected.high)}` : '';
  return `${f.monitor}: ${what} ${f.value === undefined ? '' : round(f.value)}${f.status === 'pass' ? '' : band}`.trim();
}
