/**
 * `dpf scan pii` end to end on a real DuckDB file: a generated table set (seeds loaded by
 * `dpf seed`, one view model over them) with planted PII columns and look-alikes — order numbers
 * that pass Luhn, product codes shaped like phone numbers, version strings shaped like IPs,
 * "mail" in names of columns that hold none, free text without PII, product names shaped like
 * person names. The scanner's precision and recall are computed here from the test's own ground
 * truth and must both reach 0.9; the findings are compared with the columns' meta: {pii: …};
 * and no planted value appears in anything dpf prints or writes under target/.
 *
 * The data is generated from a fixed seed, so a run is repeatable; its generators produce valid
 * values (Luhn and issuer prefixes for cards, mod-97 for IBANs, real numbering plans for phones,
 * SSNs outside the invalid ranges) and look-alikes as they occur in real tables.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { audit, scanPii, type PiiReport } from '../src/index.js';
import { DpfError } from '../src/errors/dpf-error.js';
import { queryDuckDB } from './helpers/query-duckdb.js';
import { dpf, makeProject, REPO_ROOT } from './helpers/run-dpf.js';

// ---- generated data ---------------------------------------------------------------------

/** mulberry32: a small seeded generator, so every run plants the same values. */
function generator(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;
  const digits = (n: number) => Array.from({ length: n }, () => int(0, 9)).join('');
  return { next, int, pick, digits };
}
const rnd = generator(20240607);
const ROWS = 400;

function luhnDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}
const withLuhn = (body: string) => body + luhnDigit(body);

function cardNumber(): string {
  const [prefix, length] = rnd.pick([['4', 16], ['51', 16], ['53', 16], ['55', 16], ['34', 15], ['37', 15], ['6011', 16], ['4', 13]] as const);
  const number = withLuhn(prefix + rnd.digits(length - prefix.length - 1));
  return rnd.next() < 0.4 && length === 16 ? number.replace(/(\d{4})(?=\d)/g, '$1 ') : number;
}

function iban(): string {
  const [country, bban] = rnd.pick([
    ['DE', () => rnd.digits(18)],
    ['GB', () => rnd.pick(['NWBK', 'BARC', 'HBUK', 'LOYD']) + rnd.digits(14)],
    ['NL', () => rnd.pick(['ABNA', 'RABO', 'INGB']) + rnd.digits(10)],
    ['FR', () => rnd.digits(23)],
  ] as const);
  const body = bban();
  const numeric = (body + country + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let mod = 0;
  for (const ch of numeric) mod = (mod * 10 + Number(ch)) % 97;
  return `${country}${String(98 - mod).padStart(2, '0')}${body}`;
}

const AREA_CODES = ['212', '415', '312', '617', '206', '303', '404', '512', '646', '718', '213', '305'];
function usPhone(): string {
  const area = rnd.pick(AREA_CODES);
  const exchange = `${rnd.int(2, 9)}${rnd.int(0, 9)}${rnd.int(2, 9)}`;
  const line = rnd.digits(4);
  return rnd.pick([`(${area}) ${exchange}-${line}`, `${area}-${exchange}-${line}`, `+1 ${area} ${exchange} ${line}`, `${area}.${exchange}.${line}`]);
}
const ukPhone = () => `+44 20 7${rnd.digits(3)} ${rnd.digits(4)}`;

function ssn(): string {
  let area = rnd.int(1, 899);
  if (area === 666) area = 665;
  return `${String(area).padStart(3, '0')}-${String(rnd.int(1, 99)).padStart(2, '0')}-${String(rnd.int(1, 9999)).padStart(4, '0')}`;
}

// Half of the first names are in the scanner's list of common given names, half are not.
const FIRST = ['Maria', 'James', 'Olivia', 'Mohammed', 'Sofia', 'Lukas', 'Priya', 'Wei', 'Emma', 'Carlos', 'Aurelio', 'Bronwen', 'Ximena', 'Tadeusz', 'Oluwaseun', 'Siobhan', 'Thandiwe', 'Leocadia', 'Ragnhild', 'Eero'];
const LAST = ['Garcia', 'Okonkwo', 'Nakamura', 'Kowalczyk', 'Lindqvist', 'Fitzgerald', 'Abernathy', 'Delacroix', 'Van Houten', "O'Sullivan", 'Haddad', 'Papadopoulos', 'Castellanos', 'Wojciechowski', 'Achterberg'];
const STREETS = ['Oak', 'Maple', 'Evergreen', 'Sunset', 'Harbor View', 'Mill Creek', 'Lincoln', 'Cedar'];
const SUFFIXES = ['Street', 'St', 'Avenue', 'Ave', 'Road', 'Lane', 'Drive', 'Boulevard', 'Terrace', 'Court'];
const usAddress = () => `${rnd.int(1, 9999)} ${rnd.pick(STREETS)} ${rnd.pick(SUFFIXES)}${rnd.next() < 0.5 ? `, ${rnd.pick(['Springfield', 'Portland', 'Austin', 'Denver'])}` : ''}`;
const euAddress = () =>
  rnd.pick([
    () => `${rnd.pick(['Haupt', 'Linden', 'Garten', 'Bahnhof'])}straße ${rnd.int(1, 200)}, ${rnd.digits(5)} Berlin`,
    () => `${rnd.pick(['Kalver', 'Leidse', 'Utrechtse'])}straat ${rnd.int(1, 200)}, Amsterdam`,
    () => `${rnd.int(1, 120)} rue ${rnd.pick(['de la Paix', 'Victor Hugo', 'des Lilas'])}, Paris`,
    () => `${rnd.int(1, 300)} ${rnd.pick(STREETS)} Road, London`,
  ])();
const fullName = () => `${rnd.pick(FIRST)} ${rnd.pick(LAST)}`;
const email = () => `${rnd.pick(FIRST).toLowerCase()}.${rnd.pick(LAST).toLowerCase().replace(/[^a-z]/g, '')}${rnd.int(1, 999)}@${rnd.pick(['example.com', 'mail.example.org', 'shop.example.co.uk'])}`;
const isoDate = (from: number, to: number) => `${rnd.int(from, to)}-${String(rnd.int(1, 12)).padStart(2, '0')}-${String(rnd.int(1, 28)).padStart(2, '0')}`;

const withPii = () =>
  rnd.pick([
    () => `Customer ${fullName()} called from ${usPhone()} about a late parcel.`,
    () => `Please send the corrected invoice to ${email()} before Friday.`,
    () => `The charge on card ${cardNumber()} was taken twice, refund requested.`,
    () => `Refund the deposit to IBAN ${iban()} as agreed on the phone.`,
    () => `Reach me at ${email()} or on ${ukPhone()} after six.`,
  ])();
const TEXT_WITHOUT_PII = [
  'The parcel arrived two days late and the box was crushed.',
  'Item does not match the size chart, exchange for a larger one.',
  'Refund of 25 USD issued after 3 days, customer satisfied.',
  'Escalated to tier 2, ticket 48213 reopened by the warehouse.',
  'Order 1002345 re-shipped on 2024-03-02 with express delivery.',
  'Colour is darker than on the website photos, keeping it anyway.',
  'Lid of the travel mug leaks when the mug is tipped over.',
  'Asked whether the sweater can be machine washed at 40 degrees.',
];
const DESCRIPTIONS = [
  'Soft organic cotton tee with a relaxed fit, machine washable.',
  'Insulated steel travel mug that keeps drinks hot for 8 hours.',
  'Merino wool sweater knitted in Portugal, ribbed cuffs.',
  'Water resistant backpack with a padded 15 inch laptop sleeve.',
  'Set of 4 stoneware plates, dishwasher and microwave safe.',
];

interface Planted {
  readonly csv: string;
  /** Ground truth per column: its PII category, or null for a column that holds none. */
  readonly truth: Record<string, string | null>;
}

function csvOf(columns: Record<string, () => string | number>): string {
  const quote = (v: string | number) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
  const names = Object.keys(columns);
  const rows = Array.from({ length: ROWS }, () => names.map((n) => quote(columns[n]!())).join(','));
  return [names.join(','), ...rows].join('\n') + '\n';
}

/** A table: its column generators and each column's truth. */
function table(columns: Record<string, [() => string | number, string | null]>): Planted {
  return {
    csv: csvOf(Object.fromEntries(Object.entries(columns).map(([n, [gen]]) => [n, gen]))),
    truth: Object.fromEntries(Object.entries(columns).map(([n, [, truth]]) => [n, truth])),
  };
}

const counter = () => {
  let i = 0;
  return () => ++i;
};
const orderNumbers = (base: number) => {
  let i = 0;
  return () => withLuhn(String(base + i++));
};

const SEEDS: Record<string, Planted> = {
  customers: table({
    customer_id: [counter(), null],
    first_name: [() => rnd.pick(FIRST), 'name'],
    surname: [() => rnd.pick(LAST), 'name'],
    email: [email, 'email'],
    mobile: [usPhone, 'phone'],
    date_of_birth: [() => isoDate(1940, 2005), 'date_of_birth'],
    signup_date: [() => isoDate(2019, 2024), null],
    mail_opt_in: [() => rnd.pick(['yes', 'no']), null],
    loyalty_tier: [() => rnd.pick(['Gold', 'Silver', 'Bronze']), null],
    work_email: [() => (rnd.next() < 0.2 ? '' : rnd.next() < 0.5 ? email().toUpperCase() : email()), 'email'],
    email_hash: [() => Array.from({ length: 64 }, () => rnd.int(0, 15).toString(16)).join(''), null],
    phone_verified: [() => rnd.pick(['true', 'false']), null],
  }),
  payments: table({
    payment_id: [counter(), null],
    order_number: [orderNumbers(400012345678900), null],
    card_number: [cardNumber, 'payment_card'],
    iban: [iban, 'iban'],
    amount: [() => (rnd.int(100, 50000) / 100).toFixed(2), null],
    reference: [() => `REF-2024-${rnd.digits(6)}`, null],
    cc: [() => cardNumber().replace(/ /g, '-'), 'payment_card'],
  }),
  web_events: table({
    event_id: [counter(), null],
    client_ip: [() => (rnd.next() < 0.85 ? `${rnd.int(1, 223)}.${rnd.int(0, 255)}.${rnd.int(0, 255)}.${rnd.int(1, 254)}` : `2001:db8:${rnd.int(0, 65535).toString(16)}::${rnd.int(1, 65535).toString(16)}`), 'ip_address'],
    app_version: [() => `${rnd.int(1, 4)}.${rnd.int(0, 20)}.${rnd.int(0, 9)}.${rnd.int(0, 30)}`, null],
    user_agent: [() => rnd.pick(['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15', 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0']), null],
    page_url: [() => `/products/${rnd.int(100, 999)}?ref=${rnd.pick(['home', 'search', 'mail'])}`, null],
    session_token: [() => Array.from({ length: 32 }, () => rnd.int(0, 15).toString(16)).join(''), null],
  }),
  support_tickets: table({
    ticket_id: [counter(), null],
    body: [() => (rnd.next() < 0.35 ? withPii() : rnd.pick(TEXT_WITHOUT_PII)), 'free_text'],
    subject: [() => rnd.pick(['Damaged parcel', 'Late delivery', 'Wrong size', 'Refund question', 'Leaking lid']), null],
    status: [() => rnd.pick(['open', 'pending', 'closed']), null],
    contact: [email, 'email'],
    agent_notes: [() => rnd.pick(TEXT_WITHOUT_PII), null],
    callback: [() => (rnd.next() < 0.4 ? '' : rnd.next() < 0.1 ? 'n/a' : usPhone()), 'phone'],
  }),
  products: table({
    product_code: [() => `${rnd.int(1, 9)}${rnd.digits(2)}-${rnd.digits(3)}-${rnd.digits(4)}`, null],
    sku: [() => `SKU-${rnd.digits(5)}`, null],
    product_name: [() => `${rnd.pick(['Merino', 'Travel', 'Organic', 'Classic', 'Urban', 'Alpine'])} ${rnd.pick(['Sweater', 'Mug', 'Backpack', 'Tee', 'Plates', 'Jacket'])}`, null],
    category: [() => rnd.pick(['Apparel', 'Kitchen', 'Outdoor']), null],
    description: [() => rnd.pick(DESCRIPTIONS), null],
    mailer_template: [() => rnd.pick(['welcome_v2', 'winback_q3', 'newsletter_weekly']), null],
    part_number: [() => `${rnd.digits(3)}-${rnd.digits(2)}-${rnd.digits(4)}`, null],
    isbn: [() => `978${rnd.digits(10)}`, null],
  }),
  employees: table({
    badge: [() => `B-${rnd.digits(5)}`, null],
    ssn: [ssn, 'national_id'],
    full_name: [fullName, 'name'],
    home_address: [usAddress, 'address'],
    emergency_phone: [ukPhone, 'phone'],
    hire_date: [() => isoDate(2000, 2024), null],
    dob: [() => `${String(rnd.int(1, 12)).padStart(2, '0')}/${String(rnd.int(1, 28)).padStart(2, '0')}/${rnd.int(1950, 2000)}`, 'date_of_birth'],
    notes: [() => (rnd.next() < 0.3 ? `Met with ${fullName()} on Monday about onboarding.` : rnd.pick(TEXT_WITHOUT_PII)), 'free_text'],
  }),
  devices: table({
    device_id: [counter(), null],
    col_a: [orderNumbers(510098765432100), null],
    msisdn: [() => `1${rnd.pick(AREA_CODES)}${rnd.int(2, 9)}${rnd.digits(2)}${rnd.digits(4)}`, 'phone'],
    mac_address: [() => Array.from({ length: 6 }, () => rnd.int(0, 255).toString(16).padStart(2, '0')).join(':'), null],
    postal_address: [euAddress, 'address'],
    last_ip: [() => (rnd.next() < 0.5 ? `10.0.${rnd.int(0, 3)}.${rnd.int(1, 254)}` : `192.168.${rnd.int(0, 9)}.${rnd.int(1, 254)}`), 'ip_address'],
  }),
};

/** A view over customers: PII carried into a model under other names. */
const MODEL_SQL = "{{config materialized='view'}}\nselect customer_id, email as primary_email, first_name || ' ' || surname as customer_name from {{ref 'customers'}}\n";
const MODEL_TRUTH: Record<string, string | null> = { customer_id: null, primary_email: 'email', customer_name: 'name' };

// Classifications: to compare with. contact is declared not PII (dismissed), mobile as the
// wrong category (mismatch), loyalty_tier as PII the sample will not show (not_found); the
// view's columns carry email and name over column lineage (classifications.yml).
const CLASSIFICATIONS_YML = `levels:
  - name: public
  - name: restricted
pii:
  - name: email
    level: restricted
  - name: name
    level: restricted
`;
const SEEDS_YML = `seeds:
  - name: customers
    columns:
      - name: email
        meta: {pii: email}
      - name: first_name
        meta: {pii: name}
      - name: mobile
        meta: {pii: email}
      - name: loyalty_tier
        meta: {pii: name}
  - name: support_tickets
    columns:
      - name: contact
        pii: false
`;

const PROFILE = 'proj:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: warehouse/dev.duckdb, schema: main, threads: 2 }\n';

/** Every planted value of the PII columns that is long enough to mean something when found in a file. */
function plantedValues(): string[] {
  const values = new Set<string>();
  for (const planted of Object.values(SEEDS)) {
    const [header, ...lines] = planted.csv.trimEnd().split('\n');
    const names = header!.split(',');
    for (const line of lines) {
      const cells = line.match(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"'));
      names.forEach((name, i) => {
        const cell = cells[i] ?? '';
        if (planted.truth[name] && cell.length >= 6) values.add(cell);
      });
    }
  }
  return [...values];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

// ---- the tests ----------------------------------------------------------------------------

describe('dpf scan pii', () => {
  let dir: string;
  beforeAll(async () => {
    const files: Record<string, string> = { 'profiles.yml': PROFILE, 'classifications.yml': CLASSIFICATIONS_YML, 'seeds/_seeds.yml': SEEDS_YML, 'models/customer_contacts.sql': MODEL_SQL };
    for (const [name, planted] of Object.entries(SEEDS)) files[`seeds/${name}.csv`] = planted.csv;
    dir = makeProject(files);
    const build = await dpf(['build'], { cwd: dir });
    expect(build.code, build.output).toBe(0);
  }, 120_000);

  it('finds the planted PII columns with precision and recall of at least 0.9', async () => {
    const { report } = await scanPii({ projectDir: dir, cwd: dir, env: { HOME: dir } });
    const truth = new Map<string, string | null>();
    for (const [name, planted] of Object.entries(SEEDS)) for (const [column, category] of Object.entries(planted.truth)) truth.set(`main.${name}.${column}`, category);
    for (const [column, category] of Object.entries(MODEL_TRUTH)) truth.set(`main.customer_contacts.${column}`, category);
    expect(truth.size).toBeGreaterThanOrEqual(30);
    expect(report.columns).toBe(truth.size);

    const found = new Map(report.findings.filter((f) => f.category !== null).map((f) => [`${f.relation}.${f.column}`, f.category]));
    const positives = [...truth].filter(([, category]) => category !== null);
    const truePositives = [...found].filter(([key, category]) => truth.get(key) === category);
    const precision = truePositives.length / found.size;
    const recall = truePositives.length / positives.length;
    const wrong = [...found].filter(([key, category]) => truth.get(key) !== category).map(([key, category]) => `${key}: found ${category}, is ${truth.get(key)}`);
    const missed = positives.filter(([key, category]) => found.get(key) !== category).map(([key, category]) => `${key}: ${category}`);
    console.log(`PII scanner on ${truth.size} columns (${positives.length} with PII): precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}` + `${wrong.length ? `; wrong: ${wrong.join('; ')}` : ''}${missed.length ? `; missed: ${missed.join('; ')}` : ''}`);
    expect(precision, wrong.join('\n')).toBeGreaterThanOrEqual(0.9);
    expect(recall, missed.join('\n')).toBeGreaterThanOrEqual(0.9);
    // Each finding says how many of the sampled values matched, and the look-alikes are not among them.
    for (const f of report.findings.filter((f) => f.category !== null)) {
      expect(f.sampled).toBeGreaterThan(0);
      expect(f.matched).toBeLessThanOrEqual(f.sampled);
      expect(f.confidence).toBeGreaterThanOrEqual(report.minConfidence);
    }
    for (const lookAlike of ['payments.order_number', 'devices.col_a', 'products.product_code', 'web_events.app_version', 'customers.mail_opt_in', 'products.mailer_template', 'support_tickets.agent_notes', 'products.product_name', 'customers.email_hash']) {
      expect(found.has(`main.${lookAlike}`), lookAlike).toBe(false);
    }
  });

  it('compares findings with meta: {pii: …} and lineage: new, classified, mismatch, dismissed, not found', async () => {
    const { report, diagnostics } = await scanPii({ projectDir: dir, cwd: dir, env: { HOME: dir }, select: ['customers', 'support_tickets', 'customer_contacts'] });
    const finding = (relation: string, column: string) => report.findings.find((f) => f.relation === `main.${relation}` && f.column === column);
    const status = (relation: string, column: string) => finding(relation, column)?.status;
    expect(status('customers', 'email')).toBe('classified');
    expect(status('customers', 'first_name')).toBe('classified');
    expect(status('customers', 'mobile')).toBe('mismatch');
    expect(status('customers', 'loyalty_tier')).toBe('not_found');
    expect(status('customers', 'surname')).toBe('new');
    expect(status('support_tickets', 'contact')).toBe('dismissed');
    expect(status('support_tickets', 'body')).toBe('new');
    // A column computed from a classified one is classified by it, over column lineage.
    expect(finding('customer_contacts', 'primary_email')).toMatchObject({ status: 'classified', classified: true, classifiedAs: 'email', inheritedFrom: 'seed.proj.customers.email' });
    expect(finding('customer_contacts', 'customer_name')).toMatchObject({ status: 'classified', classifiedAs: 'name' });
    expect(finding('customers', 'surname')).toMatchObject({ classified: false, classifiedAs: null, inheritedFrom: null });
    expect(report.counts).toMatchObject({ classified: 4, mismatch: 1, not_found: 1, dismissed: 1 });
    // Warnings without --strict: one per new or mismatched column, at the YAML that would classify it.
    const unclassified = diagnostics.filter((d) => d.code === 'DPF942');
    expect(unclassified.map((d) => d.severity)).toEqual(Array(report.counts.new).fill('warning'));
    const mismatch = diagnostics.find((d) => d.code === 'DPF943')!;
    expect(mismatch.message).toMatch(/^Column "mobile" of seed "customers" is classified as pii: email, but looks like phone number \(confidence \d\.\d\d: \d+ of \d+ sampled values match\)\.$/);
    // At the line that classifies it.
    expect(mismatch.location).toMatchObject({ file: 'seeds/_seeds.yml', line: SEEDS_YML.split('\n').indexOf('      - name: mobile') + 2 });
    expect(mismatch.hint).toContain('meta: {pii: phone}');
  });

  it('prints a table, exits 1 with --strict, and writes target/pii_findings.json that the schema accepts', async () => {
    const text = await dpf(['scan', 'pii', '--select', 'customers', 'payments', '--sample', '200'], { cwd: dir });
    expect(text.code, text.output).toBe(0);
    expect(text.stdout).toContain('Scanned 2 relations, 19 columns (up to 200 rows each) in target dev.');
    expect(text.stdout).toMatch(/\| main\.payments\s+\| card_number\s+\| payment_card\s+\|\s+\| 1\.00\s+\| 200 of 200\s+\| new\s+\|/);
    expect(text.stderr).toContain('warning DPF942 Unclassified PII');

    const strict = await dpf(['scan', 'pii', '--select', 'customers', '--strict'], { cwd: dir });
    expect(strict.code, strict.output).toBe(1);
    expect(strict.stderr).toContain('error DPF942 Unclassified PII');
    expect(strict.stderr).toContain('error DPF943 PII classified as another category');

    const json = await dpf(['scan', 'pii', '--output', 'json'], { cwd: dir });
    expect(json.code, json.output).toBe(0);
    const printed = JSON.parse(json.stdout) as PiiReport;
    const written = JSON.parse(readFileSync(join(dir, 'target/pii_findings.json'), 'utf8')) as PiiReport;
    expect(written).toEqual(printed);
    const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas/pii_findings.schema.json'), 'utf8'));
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    expect(validate(written), JSON.stringify(validate.errors)).toBe(true);
    expect(written.relations).toBe(Object.keys(SEEDS).length + 1);
    // dpf audit reads the file: its unclassified PII is exactly the new findings.
    const security = await audit({ projectDir: dir, cwd: dir });
    expect(security.findings.filter((f) => f.kind === 'pii_unclassified')).toHaveLength(written.counts.new);
  });

  it('never prints or writes a sampled value: stdout, stderr, JSON logs and every file under target/', async () => {
    const runs = [
      await dpf(['scan', 'pii'], { cwd: dir }),
      await dpf(['scan', 'pii', '--strict', '--log-format', 'json'], { cwd: dir }),
      await dpf(['scan', 'pii', '--output', 'json', '--sample', '50'], { cwd: dir }),
    ];
    const planted = plantedValues();
    expect(planted.length).toBeGreaterThan(2000);
    // The check can fail: the planted values are in the warehouse and in seeds/.
    expect(planted.some((v) => readFileSync(join(dir, 'seeds/customers.csv'), 'utf8').includes(v))).toBe(true);
    const texts = [...runs.flatMap((r) => [r.stdout, r.stderr]), ...filesUnder(join(dir, 'target')).map((f) => readFileSync(f, 'latin1'))];
    expect(filesUnder(join(dir, 'target')).some((f) => f.endsWith('pii_findings.json'))).toBe(true);
    const leaks = planted.filter((value) => texts.some((t) => t.includes(value) || t.includes(value.replace(/[ -]/g, ''))));
    expect(leaks).toEqual([]);
  });

  it('reports bad input as DpfErrors: a sample that is not a whole number above 0, a relation not built yet, one that cannot be read', async () => {
    for (const bad of ['0', '-5', '1.5', 'many']) {
      const run = await dpf(['scan', 'pii', '--sample', bad], { cwd: dir });
      expect(run.code, bad).toBe(2);
      expect(run.stderr).toContain(`DPF940`);
      expect(run.stderr).toContain(`got "${bad}"`);
    }
    await expect(scanPii({ projectDir: dir, cwd: dir, env: { HOME: dir }, sample: 0 })).rejects.toThrow(DpfError);
    const region = await dpf(['scan', 'pii', '--phone-region', 'XX'], { cwd: dir });
    expect(region.code).toBe(2);
    expect(region.stderr).toContain('DPF946');

    // A model added but not built yet: a warning with the command that builds it; the rest is scanned.
    // And a view that fails when read, with a sampled value in the engine's message.
    const unbuilt = makeProject({
      'profiles.yml': PROFILE,
      'seeds/customers.csv': SEEDS.customers!.csv,
      'models/later.sql': 'select 1 as x\n',
      'models/broken.sql': "{{config materialized='view'}}\nselect cast(email as integer) as x from {{ref 'customers'}}\n",
    });
    const built = await dpf(['build', '--select', 'customers', 'broken'], { cwd: unbuilt });
    expect(built.code, built.output).toBe(0);
    const run = await dpf(['scan', 'pii'], { cwd: unbuilt });
    expect(run.code, run.output).toBe(0);
    expect(run.stderr).toContain('warning DPF941 Relation not in the target');
    expect(run.stderr).toContain('The relation of model "later" (main.later) does not exist in target "dev", so it was not scanned.');
    expect(run.stderr).toContain('hint: Build it first: dpf build --select later');
    expect(run.stdout).toContain('Scanned 1 relation, 12 columns (up to 1000 rows each) in target dev; 2 not scanned (warnings above).');
    expect(run.stderr).toContain('warning DPF944 Relation could not be sampled');
    expect(run.stderr).toMatch(/Reading a sample of the model "broken" \(main\.broken\) failed, so it was not scanned: Conversion Error: Could not convert string '…' to INT32/);
    expect(run.stderr).not.toContain('@example');
    const report = JSON.parse(readFileSync(join(unbuilt, 'target/pii_findings.json'), 'utf8')) as PiiReport;
    expect(report.skipped.map((s) => [s.relation, s.reason])).toEqual([['main.later', 'missing'], ['main.broken', 'unreadable']]);
  });
});

describe('dpf scan pii records its findings in dpf_meta.pii_findings', () => {
  const people = (rows: number, withPhone: boolean) =>
    [`id,email${withPhone ? ',phone' : ''},note`, ...Array.from({ length: rows }, (_, i) => `${i + 1},person${i}@example.org${withPhone ? `,(212) 555-${String(1000 + i)}` : ''},n${i}`)].join('\n') + '\n';

  it('reports what is new and what is gone since the previous scan, and stores counts, never values', async () => {
    const dir = makeProject({
      'profiles.yml': PROFILE,
      'seeds/people.csv': people(40, false),
      'seeds/_seeds.yml': 'seeds:\n  - name: people\n    columns:\n      - name: email\n        pii: email\n',
      'seeds/other.csv': 'id,label\n1,a\n2,b\n',
    });
    expect((await dpf(['seed'], { cwd: dir })).code).toBe(0);
    const first = await scanPii({ projectDir: dir, cwd: dir, env: { HOME: dir } });
    // The first scan of a relation: every finding is new.
    expect(first.report.changes).toMatchObject({ compared: 0, previousScanAt: null, resolved: [] });
    expect(first.report.changes!.new.map((f) => `${f.relation}.${f.column}:${f.category}:${f.classified}`)).toEqual(['main.people.email:email:true']);

    // The email column dropped (its YAML still classifies it), a phone column added.
    writeFileSync(join(dir, 'seeds/people.csv'), people(40, true).replace('id,email,', 'id,ref,').replace(/person(\d+)@example\.org/g, 'R$1'));
    expect((await dpf(['seed'], { cwd: dir })).code).toBe(0);
    const second = await dpf(['scan', 'pii', '--select', 'people'], { cwd: dir });
    expect(second.code, second.output).toBe(0);
    expect(second.stdout).toContain(`Since the previous scan (${first.report.generatedAt}): 1 newly found, 1 gone.`);
    expect(second.stdout).toContain('Newly found:\n  main.people.phone: phone, not classified');
    expect(second.stdout).toContain('Gone (resolved):\n  main.people.email: email');
    expect(second.stdout).toContain('written to target/pii_findings.json and dpf_meta.pii_findings.');
    const written = JSON.parse(readFileSync(join(dir, 'target/pii_findings.json'), 'utf8')) as PiiReport;
    expect(written.changes).toMatchObject({ compared: 1, new: [{ column: 'phone', category: 'phone', classified: false }], resolved: [{ column: 'email', category: 'email' }] });

    // The same data again: nothing changed.
    const third = await scanPii({ projectDir: dir, cwd: dir, env: { HOME: dir }, select: ['people'] });
    expect(third.report.changes).toMatchObject({ compared: 1, new: [], resolved: [] });
    // --no-history neither records nor compares.
    const off = await dpf(['scan', 'pii', '--no-history', '--output', 'json'], { cwd: dir });
    expect((JSON.parse(off.stdout) as PiiReport).changes).toBeUndefined();

    const rows = await queryDuckDB(join(dir, 'warehouse/dev.duckdb'), 'select * from dpf_meta.pii_findings order by scanned_at, unique_id, column_name nulls first');
    // Three recorded scans: relation rows for both seeds, then the people seed alone twice; finding rows per finding.
    const relationRows = rows.filter((r) => r.column_name === null);
    expect(relationRows.map((r) => r.unique_id)).toEqual(['seed.proj.other', 'seed.proj.people', 'seed.proj.people', 'seed.proj.people']);
    expect(relationRows.every((r) => r.sampled === '40' || (r.unique_id === 'seed.proj.other' && r.sampled === '2'))).toBe(true);
    expect(rows.filter((r) => r.column_name !== null).map((r) => `${r.column_name}:${r.status}:${r.category}`)).toEqual(['email:classified:email', 'email:not_found:null', 'phone:new:phone', 'email:not_found:null', 'phone:new:phone']);
    expect(new Set(rows.map((r) => r.command))).toEqual(new Set(['scan']));
    const history = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas/history.schema.json'), 'utf8'));
    expect(Object.keys(history.definitions.pii_findings.properties)).toEqual(Object.keys(rows[0]!));
    expect(JSON.stringify(rows)).not.toMatch(/@example\.org|555-1/);
  }, 120_000);
});

describe('dpf build --scan-pii', () => {
  it('scans what the build built and records the findings under the build\'s run id; without the flag, nothing', async () => {
    const people = ['id,email,note', ...Array.from({ length: 30 }, (_, i) => `${i + 1},person${i}@example.org,n${i}`)].join('\n') + '\n';
    const dir = makeProject({
      'profiles.yml': PROFILE,
      'seeds/people.csv': people,
      'models/contacts.sql': "{{config materialized='table'}}\nselect id, email from {{ref 'people'}}\n",
    });
    const plain = await dpf(['build'], { cwd: dir });
    expect(plain.code, plain.output).toBe(0);
    expect(plain.stdout).not.toContain('Scanned');
    expect((await queryDuckDB(join(dir, 'warehouse/dev.duckdb'), 'select count(*) as n from dpf_meta.pii_findings'))[0]!.n).toBe('0');

    const scanned = await dpf(['build', '--scan-pii', '--rebuild-all'], { cwd: dir });
    expect(scanned.code, scanned.output).toBe(0);
    expect(scanned.stdout).toContain('Scanned 2 relations, 5 columns (up to 1000 rows each) in target dev.');
    expect(scanned.stdout).toContain('PII found in 2 columns: 2 new, 0 classified');
    // Unclassified PII is a warning, as in dpf scan pii: the build still succeeds.
    expect(scanned.stderr).toContain('DPF942');
    const runId = (JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8')) as { metadata: { invocationId: string } }).metadata.invocationId;
    const rows = await queryDuckDB(join(dir, 'warehouse/dev.duckdb'), 'select run_id, command, unique_id, column_name, category from dpf_meta.pii_findings order by unique_id, column_name nulls first');
    expect(rows.map((r) => `${r.unique_id}:${r.column_name}:${r.category}`)).toEqual(['model.proj.contacts:null:null', 'model.proj.contacts:email:email', 'seed.proj.people:null:null', 'seed.proj.people:email:email']);
    expect(new Set(rows.map((r) => `${r.run_id}:${r.command}`))).toEqual(new Set([`${runId}:build`]));
    expect(scanned.output).not.toContain('@example.org');

    // Without the flag a build records nothing more; a build that reused everything scans nothing.
    expect((await dpf(['build', '--rebuild-all'], { cwd: dir })).code).toBe(0);
    const reused = await dpf(['build', '--scan-pii'], { cwd: dir });
    expect(reused.code, reused.output).toBe(0);
    expect(reused.stdout).not.toContain('Scanned');
    expect((await queryDuckDB(join(dir, 'warehouse/dev.duckdb'), 'select count(*) as n from dpf_meta.pii_findings'))[0]!.n).toBe(String(rows.length));
  }, 180_000);
});
