/**
 * One column's verdict: the PII category its name and its sampled values point to, with a
 * confidence in [0, 1], or none. Two pieces of evidence are combined as independent signals
 * (1 − (1 − name)(1 − values)):
 *
 * - the name (column-name-signals.ts): what columns of a category are called;
 * - the values: the share of sampled non-null values that validate (value-detectors.ts), times
 *   how much a valid value alone proves (an address that passes `isEmail` is an e-mail address;
 *   a date in a plausible range is a birth date only if the name says so).
 *
 * Values that contradict the name weaken it (a column `email` of hashes is no e-mail column); a
 * name that says "something else" (`order_no`, `sku`, `app_version`) scales the values' evidence
 * down. Two column-level checks catch look-alikes no single value shows: card numbers that are
 * a dense run of numbers (order numbers with a Luhn check digit), and IPv4-shaped values whose
 * every part is small (version strings such as 2.14.0.3).
 */
import { nameSignals } from './column-name-signals.js';
import { PII_CATEGORIES, type PiiCategory } from './pii-categories.js';
import { VALUE_DETECTORS, type DetectContext } from './value-detectors.js';

export interface ColumnSample {
  readonly name: string;
  /** The engine's type name, as the query reported it. */
  readonly type: string;
  /** The sampled non-null values, as text. */
  readonly values: readonly string[];
}

export interface ColumnVerdict {
  readonly category: PiiCategory;
  /** 0–1, rounded to two decimals. */
  readonly confidence: number;
  /** Non-null values sampled. */
  readonly sampled: number;
  /** Of those, the values the category's detector accepts (a name by its shape counts, weakly). */
  readonly matched: number;
}

/** How much one valid value proves on its own, per category. */
const RELIABILITY: { readonly [C in PiiCategory]: number } = {
  email: 1,
  iban: 1,
  payment_card: 0.95,
  ip_address: 0.9,
  phone: 0.85,
  national_id: 0.85,
  address: 0.85,
  free_text: 0.9,
  name: 0.8,
  date_of_birth: 0.35,
};

/** The share of values that must validate before they count as evidence (free text: of rows that mention PII). */
const MIN_SHARE = 0.5;
const MIN_TEXT_SHARE = 0.1;
/** Values looked at before a category that none of them shows is given up. */
const EARLY_LOOK = 100;
/** A finding needs at least this confidence. */
export const MIN_CONFIDENCE = 0.5;

/** Types whose values cannot hold PII the scanner recognizes. */
const SKIPPED_TYPE = /^(boolean|bool|blob|bytea|varbinary|binary|uuid|interval|time)\b|\[\]$|^(struct|map|list|array|row|union)\b/i;
/** Dates and timestamps can only be dates of birth. */
const DATE_TYPE = /^(date|timestamp|datetime)/i;
const NUMBER_TYPE = /^(tinyint|smallint|integer|int|bigint|hugeint|ubigint|uinteger|decimal|numeric|double|float|real)/i;

export function scoreColumn(column: ColumnSample, ctx: DetectContext): ColumnVerdict | undefined {
  if (SKIPPED_TYPE.test(column.type)) return undefined;
  const names = nameSignals(column.name);
  const values = column.values;
  const candidates = categoriesFor(column.type);
  let best: ColumnVerdict | undefined;
  for (const category of candidates) {
    const detect = VALUE_DETECTORS[category];
    let strength = 0;
    let matched = 0;
    for (let i = 0; i < values.length; i++) {
      // A category none of the first values show is not looked for further: even the sparsest
      // evidence that counts (free text, 1 value in 10) shows among 100 values but for a chance
      // of 0.9^100 (3 in 100,000), and most columns are not most categories.
      if (i === EARLY_LOOK && strength === 0) break;
      const s = detect(values[i]!, ctx);
      strength += s;
      if (s > 0) matched++;
    }
    const share = values.length === 0 ? 0 : (strength / values.length) * lookAlikeFactor(category, values);
    const confidence = combine(category, names[category], share, values.length);
    if (confidence >= MIN_CONFIDENCE && (!best || confidence > best.confidence)) {
      best = { category, confidence: Math.round(confidence * 100) / 100, sampled: values.length, matched };
    }
  }
  return best;
}

function categoriesFor(type: string): readonly PiiCategory[] {
  if (DATE_TYPE.test(type)) return ['date_of_birth'];
  // Numbers may be card numbers, phone numbers or SSNs stored as integers.
  if (NUMBER_TYPE.test(type)) return ['payment_card', 'phone', 'national_id'];
  return PII_CATEGORIES;
}

function combine(category: PiiCategory, name: number, share: number, sampled: number): number {
  const minShare = category === 'free_text' ? MIN_TEXT_SHARE : MIN_SHARE;
  const values = share >= minShare ? RELIABILITY[category] * Math.min(1, category === 'free_text' ? 0.5 + share : share) : 0;
  if (name < 0) return values * Math.max(0, 1 + name);
  // With nothing sampled the name is all there is; values that do not validate weaken it.
  const support = sampled === 0 ? 0.6 : share >= minShare ? 1 : share >= minShare / 5 ? 0.7 : 0.3;
  return 1 - (1 - name * support) * (1 - values);
}

/** Below 1 when the column as a whole looks like a known look-alike of the category. */
function lookAlikeFactor(category: PiiCategory, values: readonly string[]): number {
  if (category === 'payment_card' && isDenseRun(values)) return 0.2;
  if (category === 'ip_address' && isVersionLike(values)) return 0.3;
  // A handful of capitalized words over many rows is a list of categories (Gold, Silver), not people.
  if (category === 'name' && values.length >= 50 && new Set(values).size < 10) return 0.3;
  return 1;
}

/**
 * Numbers that fill a narrow range (order numbers, invoice numbers with a check digit): card
 * numbers, even of one issuer, spread over billions of account numbers.
 */
function isDenseRun(values: readonly string[]): boolean {
  const numbers = values.map((v) => v.replace(/[ -]/g, '')).filter((v) => /^\d{13,19}$/.test(v)).map(BigInt);
  if (numbers.length < 10) return false;
  let min = numbers[0]!;
  let max = numbers[0]!;
  for (const n of numbers) {
    if (n < min) min = n;
    if (n > max) max = n;
  }
  return (max - min) / BigInt(numbers.length) < 100_000n;
}

/** Most IPv4-shaped values have only parts below 32: version strings, not addresses. */
function isVersionLike(values: readonly string[]): boolean {
  const v4 = values.filter((v) => /^\d+\.\d+\.\d+\.\d+$/.test(v));
  if (v4.length === 0) return false;
  const small = v4.filter((v) => v.split('.').every((part) => Number(part) < 32)).length;
  return small / v4.length > 0.5;
}
