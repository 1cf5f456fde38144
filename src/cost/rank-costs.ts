/**
 * `dpf cost`'s report from history already summed per node and per day (read by src/history)
 * and the tables' current sizes: the models that cost most in compute over a period and in
 * storage for that long, and the cost per day. Pure: the rates are the target's now, so a
 * changed rate prices the whole period alike.
 */
import type { CostRates } from './cost-rates.js';
import { computeCost, storageCost, sumCosts } from './price-resources.js';

/** One node's figures over the period, as summed from dpf_meta.node_runs. */
export interface CostRow {
  readonly uniqueId: string;
  readonly name: string;
  readonly kind: string;
  /** Node runs in the period (reused and skipped ones too). */
  readonly runs: number;
  readonly cpuMs: number | null;
  readonly bytesScanned: number | null;
  readonly rowsScanned: number | null;
}

/** A table's size now, read from the warehouse's metadata. */
export interface TableSize {
  readonly uniqueId: string;
  readonly name: string;
  readonly kind: string;
  readonly storageBytes: number;
}

/** One day's figures (UTC), as summed from dpf_meta.node_runs. */
export interface DayRow {
  readonly day: string;
  readonly runs: number;
  readonly cpuMs: number | null;
  readonly bytesScanned: number | null;
}

export interface ModelCompute extends CostRow {
  readonly computeCost: number | null;
}

export interface ModelStorage extends TableSize {
  /** Keeping that size for the period, at per_gb_month. */
  readonly storageCost: number | null;
}

export interface DayCost extends DayRow {
  readonly computeCost: number | null;
}

export interface CostReport {
  readonly days: number;
  /** The period's start (ISO-8601, UTC); it ends now. */
  readonly since: string;
  /** The rates used; absent when the target has no cost: block (figures only). */
  readonly rates?: CostRates;
  readonly totals: {
    readonly cpuMs: number | null;
    readonly bytesScanned: number | null;
    readonly computeCost: number | null;
    readonly storageBytes: number | null;
    readonly storageCost: number | null;
  };
  /** Highest compute first (by cost, else CPU time, else bytes scanned). */
  readonly compute: readonly ModelCompute[];
  /** Largest tables first: the project's tables as they are now (target/manifest.json), sized from metadata. */
  readonly storage: readonly ModelStorage[];
  /** Oldest day first. */
  readonly perDay: readonly DayCost[];
}

export function rankCosts(rows: readonly CostRow[], perDay: readonly DayRow[], sizes: readonly TableSize[], options: { readonly days: number; readonly since: string; readonly top: number; readonly rates?: CostRates }): CostReport {
  const { rates, top, days } = options;
  const compute = rows
    .filter((r) => r.cpuMs != null || r.bytesScanned != null)
    .map((r): ModelCompute => ({ ...r, computeCost: computeCost(r, rates) }))
    .sort((a, b) => (b.computeCost ?? 0) - (a.computeCost ?? 0) || (b.cpuMs ?? 0) - (a.cpuMs ?? 0) || (b.bytesScanned ?? 0) - (a.bytesScanned ?? 0) || a.name.localeCompare(b.name));
  const storage = sizes
    .map((r): ModelStorage => ({ ...r, storageCost: storageCost(r.storageBytes, days, rates) }))
    .sort((a, b) => b.storageBytes - a.storageBytes || a.name.localeCompare(b.name));
  return {
    days,
    since: options.since,
    ...(rates ? { rates } : {}),
    totals: {
      cpuMs: sumCosts(compute.map((r) => r.cpuMs)),
      bytesScanned: sumCosts(compute.map((r) => r.bytesScanned)),
      computeCost: sumCosts(compute.map((r) => r.computeCost)),
      storageBytes: sumCosts(storage.map((r) => r.storageBytes)),
      storageCost: sumCosts(storage.map((r) => r.storageCost)),
    },
    compute: compute.slice(0, top),
    storage: storage.slice(0, top),
    perDay: [...perDay].sort((a, b) => a.day.localeCompare(b.day)).map((d) => ({ ...d, computeCost: computeCost(d, rates) })),
  };
}
