/**
 * The PII categories the scanner knows, as data: the id a column's `meta: {pii: …}` names, and
 * the spellings of the same category that a classification may use instead. Comparing a
 * finding with a classification goes through `categoryOf`, so `pii: ssn` and a `national_id`
 * finding agree.
 */

export const PII_CATEGORIES = ['email', 'phone', 'name', 'address', 'national_id', 'payment_card', 'iban', 'ip_address', 'date_of_birth', 'free_text'] as const;
export type PiiCategory = (typeof PII_CATEGORIES)[number];

/** How users call each category, in the text report. */
export const CATEGORY_LABELS: { readonly [C in PiiCategory]: string } = {
  email: 'email address',
  phone: 'phone number',
  name: 'person name',
  address: 'street address',
  national_id: 'national id',
  payment_card: 'payment card number',
  iban: 'IBAN',
  ip_address: 'IP address',
  date_of_birth: 'date of birth',
  free_text: 'free text with PII',
};

/** Other spellings of a category in `meta: {pii: …}` (lower case, separators removed). */
const ALIASES: Readonly<Record<string, PiiCategory>> = {
  emailaddress: 'email',
  mail: 'email',
  phonenumber: 'phone',
  telephone: 'phone',
  mobile: 'phone',
  msisdn: 'phone',
  personname: 'name',
  fullname: 'name',
  streetaddress: 'address',
  postaladdress: 'address',
  nationalid: 'national_id',
  ssn: 'national_id',
  paymentcard: 'payment_card',
  creditcard: 'payment_card',
  card: 'payment_card',
  pan: 'payment_card',
  ip: 'ip_address',
  ipaddress: 'ip_address',
  dateofbirth: 'date_of_birth',
  dob: 'date_of_birth',
  birthdate: 'date_of_birth',
  freetext: 'free_text',
  text: 'free_text',
};

/**
 * The category a classification names, if the scanner knows it: `email`, `Email`, `e-mail`,
 * `credit_card` … A category the scanner does not know (one of classifications.yml's own)
 * stays undefined; the comparison then reports it as it is.
 */
export function categoryOf(value: string): PiiCategory | undefined {
  const key = value.toLowerCase().replace(/[^a-z]/g, '');
  return PII_CATEGORIES.find((c) => c.replace(/_/g, '') === key) ?? ALIASES[key];
}
