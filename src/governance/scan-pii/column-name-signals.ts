/**
 * What a column's name says about the PII it may hold: a score per category in [-1, 1]. Positive
 * when the name is one that columns of that category carry (`email`, `e_mail`, `msisdn`,
 * `surname`, `dob`); negative when it names something else that merely looks alike (`order_no`,
 * `sku`, `app_version`, `mail_status`). The name alone never makes a finding when the sampled
 * values contradict it (score-column.ts weighs both).
 */
import { PII_CATEGORIES, type PiiCategory } from './pii-categories.js';

export type CategoryScores = { readonly [C in PiiCategory]: number };

/** `customerEmail2` → [customer, email, 2]; `e-mail_Addr` → [e, mail, addr]. */
export function nameTokens(column: string): string[] {
  return column
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+|(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])/)
    .filter((t) => t.length > 0);
}

interface Rule {
  readonly category: PiiCategory;
  readonly score: number;
  /** The name's tokens (or pairs of neighbouring tokens joined, `first`+`name`) include one of these. */
  readonly words: readonly string[];
}

const PERSON_ROLES = ['customer', 'contact', 'person', 'patient', 'employee', 'holder', 'cardholder', 'recipient', 'sender', 'passenger', 'guest', 'client', 'member', 'buyer', 'shipping', 'billing', 'emergency', 'parent', 'spouse'];

const RULES: readonly Rule[] = [
  { category: 'email', score: 0.9, words: ['email', 'emailaddress', 'emails'] },
  { category: 'email', score: 0.3, words: ['mail'] },
  { category: 'phone', score: 0.9, words: ['phone', 'telephone', 'msisdn', 'phonenumber', 'tel', 'mobilenumber', 'cellphone', 'fax'] },
  { category: 'phone', score: 0.5, words: ['mobile', 'cell'] },
  { category: 'name', score: 0.9, words: ['firstname', 'lastname', 'surname', 'forename', 'givenname', 'familyname', 'fullname', 'middlename', 'maidenname', 'nickname'] },
  { category: 'name', score: 0.8, words: PERSON_ROLES.map((role) => `${role}name`) },
  { category: 'address', score: 0.85, words: ['address', 'addr', 'street', 'addressline', 'streetaddress', 'homeaddress', 'mailingaddress'] },
  { category: 'national_id', score: 0.9, words: ['ssn', 'socialsecurity', 'nationalid', 'nino', 'nin', 'taxid', 'tin', 'passport', 'passportnumber', 'sin', 'personnummer', 'bsn'] },
  { category: 'payment_card', score: 0.9, words: ['creditcard', 'cardnumber', 'cardno', 'ccnumber', 'ccnum', 'cc', 'pan', 'debitcard'] },
  { category: 'payment_card', score: 0.6, words: ['card'] },
  { category: 'iban', score: 0.95, words: ['iban'] },
  { category: 'iban', score: 0.5, words: ['bankaccount', 'accountnumber'] },
  { category: 'ip_address', score: 0.9, words: ['ip', 'ipv4', 'ipv6', 'ipaddress', 'ipaddr', 'remoteaddr', 'clientip'] },
  { category: 'date_of_birth', score: 0.9, words: ['dob', 'birth', 'birthday', 'birthdate', 'born', 'dateofbirth'] },
  { category: 'free_text', score: 0.3, words: ['comment', 'comments', 'note', 'notes', 'message', 'body', 'remarks', 'feedback', 'review', 'text', 'description', 'memo'] },
];

/** Words that name something other than a person's data: they pull every category down. */
const NOT_PII = new Set(['id', 'key', 'uuid', 'order', 'orders', 'invoice', 'sku', 'product', 'item', 'part', 'version', 'release', 'build', 'code', 'status', 'type', 'count', 'flag', 'is', 'has', 'hash', 'hashed', 'sha', 'md5', 'token', 'amount', 'total', 'price', 'qty', 'quantity', 'batch', 'tracking', 'serial', 'sequence', 'seq', 'template', 'campaign', 'format', 'domain', 'server', 'gateway', 'subnet', 'port', 'mask', 'store', 'company', 'brand', 'category', 'file', 'table', 'schema', 'event', 'model']);

/** `address` that belongs to another category (email_address, ip_address) is not a street address. */
const ADDRESS_OF_OTHER = new Set(['email', 'mail', 'ip', 'mac', 'web', 'url', 'wallet', 'ipv4', 'ipv6', 'remote', 'server', 'contract']);

const NEGATIVE = 0.6;

export function nameSignals(column: string): CategoryScores {
  const tokens = nameTokens(column);
  const words = new Set([...tokens, ...tokens.slice(1).map((t, i) => tokens[i]! + t), tokens.join('')]);
  const scores = Object.fromEntries(PII_CATEGORIES.map((c) => [c, 0])) as Record<PiiCategory, number>;
  for (const rule of RULES) {
    if (rule.words.some((w) => words.has(w))) scores[rule.category] = Math.max(scores[rule.category], rule.score);
  }
  if (tokens.some((t) => ADDRESS_OF_OTHER.has(t))) scores.address = 0;
  // "name" alone, or "name" after a word that is not a person's role (product_name), says little.
  if (scores.name === 0 && tokens.at(-1) === 'name') scores.name = tokens.length === 1 ? 0.4 : -NEGATIVE;
  if (tokens.some((t) => NOT_PII.has(t))) for (const c of PII_CATEGORIES) scores[c] -= NEGATIVE;
  return scores;
}
