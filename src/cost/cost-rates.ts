/**
 * The target's `cost:` block of profiles.yml as typed rates (docs/cost.md). Values may come from
 * `{{env}}`, so they may arrive as text: a value that is not a number at least 0 is DPF740.
 */
import { fail, type SourceLocation } from '../errors/dpf-error.js';

export interface CostRates {
  /** Money per hour of engine CPU time. */
  readonly perCpuHour?: number;
  /** Money per terabyte (10^12 bytes) read from storage. */
  readonly perTbScanned?: number;
  /** Money per gigabyte (10^9 bytes) stored for a month (30 days). */
  readonly perGbMonth?: number;
  /** A label printed with the amounts (USD, EUR, credits ...); dpf does no conversion. */
  readonly currency?: string;
}

const KEYS = { per_cpu_hour: 'perCpuHour', per_tb_scanned: 'perTbScanned', per_gb_month: 'perGbMonth' } as const;

/** The rates of a target's settings (`target` names it in an error); undefined when it has no cost block. */
export function costRatesOf(settings: Readonly<Record<string, unknown>>, target: string, location?: SourceLocation): CostRates | undefined {
  const block = settings.cost;
  if (block === undefined || block === null) return undefined;
  const raw = block as Record<string, unknown>;
  const rates: { -readonly [K in keyof CostRates]: CostRates[K] } = {};
  for (const [key, field] of Object.entries(KEYS)) {
    const value = raw[key];
    if (value === undefined || value === null || value === '') continue;
    const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    if (!Number.isFinite(number) || number < 0) fail('InvalidCostRate', { key: `outputs.${target}.cost.${key}`, value: String(value) }, location);
    rates[field] = number;
  }
  if (typeof raw.currency === 'string' && raw.currency.trim() !== '') rates.currency = raw.currency.trim();
  return rates;
}
