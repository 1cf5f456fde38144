/**
 * What one sampled value says: for each category, how strongly the value is one (0 not at all,
 * 1 certainly). Validation is left to well-kept libraries: `validator` for e-mail addresses,
 * IBANs (with their mod-97 check), payment cards (issuer prefixes and the Luhn check) and IP
 * addresses; `libphonenumber-js` with its full metadata for phone numbers (a valid number of a
 * real numbering plan, not just a count of digits). The rest are patterns with their invalid
 * ranges excluded (US SSNs never start with 000, 666 or 9). Values stay in this module's
 * memory: nothing here logs, returns or stores one.
 */
import validator from 'validator';
import { findPhoneNumbersInText, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { COMMON_GIVEN_NAMES } from './common-given-names.js';
import type { PiiCategory } from './pii-categories.js';

export interface DetectContext {
  /** Numbers written without a country code are read as numbers of this region (default US). */
  readonly phoneRegion: CountryCode;
  /** Dates of birth lie between these years (people aged 0 to 110 today). */
  readonly birthYears: readonly [number, number];
}

export type ValueDetector = (value: string, ctx: DetectContext) => number;

const PHONE_SHAPE = /^\+?[\d\s().\-/]{6,24}(\s*(x|ext\.?)\s*\d{1,5})?$/i;
const CARD_SHAPE = /^\d(?:[ -]?\d){12,18}$/;
const SSN = /^(\d{3})-(\d{2})-(\d{4})$/;
const SSN_BARE = /^(\d{3})(\d{2})(\d{4})$/;
const NINO = /^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]$/i;
const STREET_SUFFIX = 'street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|way|court|ct|place|pl|square|sq|terrace|parkway|pkwy|highway|hwy|circle|cir|crescent|close|row';
const ADDRESS_PATTERNS = [
  new RegExp(`^\\d+[a-z]?,?\\s+(?:[\\p{L}.'-]+\\s+){0,4}(?:${STREET_SUFFIX})\\b\\.?`, 'iu'),
  /^[\p{L}.' -]*(?:straße|strasse|str\.|weg|gasse|platz|allee|laan|straat|gade|vej|gatan)\s*\d+/iu,
  /^\d+,?\s+(?:rue|avenue|boulevard|bd|place|chemin|allée|impasse|quai)\s+\p{L}/iu,
  /^(?:calle|c\/|via|viale|avenida|av\.|rua|piazza|plaza)\s+[\p{L} .'-]+,?\s*\d+/iu,
  /^p\.?\s?o\.?\s+box\s+\d+/i,
];
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$|^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$/;
const NAME_WORD = /^\p{L}[\p{L}'’-]*\.?$/u;
const EMBEDDED_EMAIL = /[^\s<>()[\],;:"']+@[^\s<>()[\],;:"']+\.[a-z]{2,}/gi;
const EMBEDDED_DIGITS = /\+?\d[\d -]{7,22}\d/g;

const digitsOf = (value: string) => value.replace(/[^\d]/g, '');

function validSsnParts(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  return a !== 0 && a !== 666 && a < 900 && group !== '00' && serial !== '0000';
}

export function isEmail(value: string): boolean {
  return value.length <= 254 && value.includes('@') && validator.isEmail(value, { require_tld: true, allow_display_name: false });
}

/** Shapes that pass PHONE_SHAPE but are something else: IPv4 addresses, dates, decimals. */
const NOT_PHONE = /^\d+(\.\d+){3}$|^\d{4}-\d{2}-\d{2}|^\d{1,2}[/.]\d{1,2}[/.]\d{4}$|^-?\d+\.\d+$/;

export function isPhone(value: string, ctx: DetectContext): number {
  // Parsing against the numbering plans costs about 0.1 ms a value: cheap checks first.
  const digits = digitsOf(value).length;
  if (digits < 7 || digits > 15 || !PHONE_SHAPE.test(value) || NOT_PHONE.test(value)) return 0;
  const phone = parsePhoneNumberFromString(value, ctx.phoneRegion);
  if (!phone?.isValid()) return 0;
  // Ten bare digits are as often an account or order number as a phone: written as a phone
  // number (+, spaces, dashes, brackets) is stronger evidence.
  return /^\d+$/.test(value) ? 0.6 : 1;
}

export function isPaymentCard(value: string): boolean {
  return CARD_SHAPE.test(value) && validator.isCreditCard(value.replace(/[ -]/g, ''));
}

export function isNationalId(value: string): number {
  const dashed = SSN.exec(value);
  if (dashed) return validSsnParts(dashed[1]!, dashed[2]!, dashed[3]!) ? 1 : 0;
  if (NINO.test(value)) return 1;
  // Nine bare digits are an SSN only if the column's name says so (score-column.ts).
  const bare = SSN_BARE.exec(value);
  return bare && validSsnParts(bare[1]!, bare[2]!, bare[3]!) ? 0.3 : 0;
}

/** A person's name: a few capitalized words of letters, stronger with a common given name. */
export function isPersonName(value: string): number {
  if (value.length < 2 || value.length > 60 || /\d/.test(value)) return 0;
  const words = value.split(/[\s,]+/).filter((w) => w.length > 0);
  if (words.length === 0 || words.length > 4 || !words.every((w) => NAME_WORD.test(w))) return 0;
  if (words.some((w) => COMMON_GIVEN_NAMES.has(w.toLowerCase().replace(/[.,]$/, '')))) return 1;
  return words.every((w) => /^\p{Lu}/u.test(w)) ? 0.35 : 0.2;
}

export function isStreetAddress(value: string): boolean {
  return value.length <= 200 && ADDRESS_PATTERNS.some((p) => p.test(value));
}

export function isBirthDate(value: string, ctx: DetectContext): boolean {
  const m = DATE_TEXT.exec(value);
  if (!m) return false;
  const year = Number(m[1] ?? m[6]);
  return year >= ctx.birthYears[0] && year <= ctx.birthYears[1];
}

/**
 * Text that mentions a person's data: an e-mail address, a phone number, a card number, an SSN
 * or an IBAN inside a sentence, or a common given name followed by a capitalized word (a full
 * name). Only text counts: a value of a few words at least.
 */
export function isTextWithPii(value: string, ctx: DetectContext): number {
  if (value.length < 20 || !/\s\S+\s/.test(value)) return 0;
  const text = value.length > 2000 ? value.slice(0, 2000) : value;
  for (const match of text.matchAll(EMBEDDED_EMAIL)) if (isEmail(match[0].replace(/[.]+$/, ''))) return 1;
  for (const match of text.matchAll(EMBEDDED_DIGITS)) {
    const candidate = match[0].trim();
    if (isPaymentCard(candidate) || isNationalId(candidate) === 1) return 1;
  }
  if (/[A-Z]{2}\d{2}/.test(text)) {
    for (const word of text.split(/[\s,;:()]+/)) if (word.length >= 15 && validator.isIBAN(word)) return 1;
  }
  if (digitsOf(text).length >= 7 && findPhoneNumbersInText(text, ctx.phoneRegion).length > 0) return 1;
  const words = text.split(/\s+/);
  for (let i = 0; i + 1 < words.length; i++) {
    if (COMMON_GIVEN_NAMES.has(words[i]!.toLowerCase()) && /^\p{Lu}\p{Ll}+[.,;:!?]?$/u.test(words[i + 1]!) && /^\p{Lu}/u.test(words[i]!)) return 0.7;
  }
  return 0;
}

/** Each category's detector, over a value already trimmed. */
export const VALUE_DETECTORS: { readonly [C in PiiCategory]: ValueDetector } = {
  email: (v) => (isEmail(v) ? 1 : 0),
  phone: isPhone,
  name: isPersonName,
  address: (v) => (isStreetAddress(v) ? 1 : 0),
  national_id: isNationalId,
  payment_card: (v) => (isPaymentCard(v) ? 1 : 0),
  iban: (v) => (v.length >= 15 && v.length <= 42 && validator.isIBAN(v.replace(/\s/g, '')) ? 1 : 0),
  ip_address: (v) => (validator.isIP(v) ? 1 : 0),
  date_of_birth: (v, ctx) => (isBirthDate(v, ctx) ? 1 : 0),
  free_text: isTextWithPii,
};
