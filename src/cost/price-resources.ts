/**
 * Cost arithmetic (docs/cost.md): pure functions from measured figures and the target's rates
 * to money. Units are decimal, as clouds bill: a TB is 10^12 bytes, a GB 10^9, a month 30 days.
 * A part whose rate is set but whose figure was not measured is unknown, not zero: a cost is
 * the sum of the parts that are known, and null when no part is.
 */
import type { CostRates } from './cost-rates.js';

export const MS_PER_HOUR = 3_600_000;
export const BYTES_PER_TB = 1e12;
export const BYTES_PER_GB = 1e9;
export const DAYS_PER_MONTH = 30;

/** What compute is priced from: a node run's, a run's or a model's summed figures. */
export interface ComputeFigures {
  readonly cpuMs?: number | null;
  readonly bytesScanned?: number | null;
}

/** Money for CPU time and bytes scanned; null when no rate applies to a figure that was measured. */
export function computeCost(figures: ComputeFigures, rates: CostRates | undefined): number | null {
  if (!rates) return null;
  const parts: number[] = [];
  if (rates.perCpuHour !== undefined && figures.cpuMs != null) parts.push((figures.cpuMs / MS_PER_HOUR) * rates.perCpuHour);
  if (rates.perTbScanned !== undefined && figures.bytesScanned != null) parts.push((figures.bytesScanned / BYTES_PER_TB) * rates.perTbScanned);
  return parts.length === 0 ? null : round(parts.reduce((a, b) => a + b, 0));
}

/** Money for keeping `bytes` stored for `days` days; null without a storage rate or a size. */
export function storageCost(bytes: number | null | undefined, days: number, rates: CostRates | undefined): number | null {
  if (rates?.perGbMonth === undefined || bytes == null) return null;
  return round((bytes / BYTES_PER_GB) * rates.perGbMonth * (days / DAYS_PER_MONTH));
}

/** Sums amounts, of which some may be unknown: null only when every one is. */
export function sumCosts(amounts: readonly (number | null | undefined)[]): number | null {
  const known = amounts.filter((a): a is number => a != null);
  return known.length === 0 ? null : round(known.reduce((a, b) => a + b, 0));
}

/** To a millionth of a money unit: enough for per-statement costs, and sums stay stable. */
function round(amount: number): number {
  return Math.round(amount * 1e6) / 1e6;
}
