/**
 * Targets with `masking: true` (docs/governance.md#masked-copies-for-dev-and-ci), through the
 * real CLI on one DuckDB file that production and development share: personal data is masked
 * where it enters the target (a source's classified columns through a masked view, a seed's as
 * it loads), so every model computes from masked values; --defer, `dpf ci` and `dpf clone` read
 * production through the same masks. Each test compares with the unmasked production build:
 * the other columns equal, the personal ones exactly the masked production values, and no
 * planted value anywhere in the masked target.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLASSIFICATIONS } from './helpers/governance-fixtures.js';
import { queryDuckDB } from './helpers/query-duckdb.js';
import { dpf, makeProject, tempDir } from './helpers/run-dpf.js';

const EMAILS = ['ada.lovelace@example.com', 'grace.hopper@example.org', 'ALAN.TURING@Example.net'];
const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing'];
const PHONES = ['+44 20 7946 0018', '+1 212 555 0147', '+44 161 496 0752'];

const PROFILES = (masking: { dev?: string } = {}) => `proj:
  target: prod
  outputs:
    prod: { type: duckdb, path: target/warehouse.duckdb, schema: prod, threads: 2 }
    dev: { type: duckdb, path: target/warehouse.duckdb, schema: dev, threads: 2${masking.dev ?? ', masking: true'} }
    ci: { type: duckdb, path: target/warehouse.duckdb, schema: ci, threads: 2, masking: true }
    copy: { type: duckdb, path: target/warehouse.duckdb, schema: copy, threads: 2, masking: true }
`;

const SOURCES = `sources:
  - name: raw
    schema: raw
    tables:
      - name: customers
        columns:
          - name: id
          - name: email
            pii: email
            data_tests: [not_null]
          - name: segment
          - name: signed_up
            pii: email
      - name: orders
`;

const SEEDS = `seeds:
  - name: contacts
    columns:
      - name: full_name
        pii: name
      - name: phone
        pii: phone
`;

const files = () => ({
  'classifications.yml': `${CLASSIFICATIONS}  - name: phone\n    level: confidential\n    masking: redact\n`,
  'models/sources.yml': SOURCES,
  'seeds/contacts.csv': `id,full_name,phone\n${NAMES.map((n, i) => `${i + 1},${n},${PHONES[i]}`).join('\n')}\n`,
  'seeds/_seeds.yml': SEEDS,
  'models/stg_customers.sql': 'select id, lower(email) as email, segment, signed_up from {{source "raw" "customers"}}\n',
  'models/fct_orders.sql':
    'select o.id, o.amount, c.email as customer_email, c.segment, k.full_name as contact\nfrom {{source "raw" "orders"}} o\njoin {{ref "stg_customers"}} c on c.id = o.customer_id\njoin {{ref "contacts"}} k on k.id = o.customer_id\n',
  // In dpf ci only fct_orders changes: the test reads the deferred stg_customers through its masked view, hash against hash.
  'models/_models.yml': 'models:\n  - name: fct_orders\n    columns:\n      - name: customer_email\n        data_tests:\n          - relationships: {to: ref(\'stg_customers\'), field: email}\n',
  'models/email_counts.sql': 'select segment, count(distinct email) as emails from {{ref "stg_customers"}} group by segment\n',
});

const RAW = [
  'create schema raw',
  `create table raw.customers as select * from (values ${EMAILS.map((e, i) => `(${i + 1}, '${e}', '${i % 2 ? 'b2b' : 'retail'}', date '2024-0${i + 1}-15')`).join(', ')}) t(id, email, segment, signed_up)`,
  'create table raw.orders as select * from (values (10, 1, 12.5), (11, 2, 40.0), (12, 3, 7.25), (13, 1, 3.0)) t(id, customer_id, amount)',
];

async function project(): Promise<{ dir: string; db: string }> {
  const dir = makeProject({ ...files(), 'profiles.yml': PROFILES() });
  const db = join(dir, 'target/warehouse.duckdb');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'target'), { recursive: true });
  for (const sql of RAW) await queryDuckDB(db, sql);
  return { dir, db };
}

const run = async (dir: string, args: string[]) => {
  const result = await dpf(args, { cwd: dir, env: { HOME: dir } });
  expect(result.code, result.output).toBe(0);
  return result;
};

const rows = (db: string, sql: string) => queryDuckDB(db, sql);

/** Whether each order's customer email in this schema is the hash of the raw one. */
const HASHED = (schema: string) =>
  `select d.customer_email = sha256(c.email) as hashed from ${schema}.fct_orders d join raw.orders o on o.id = d.id join raw.customers c on c.id = o.customer_id order by d.id`;

/** Every text value of every relation in these schemas. */
async function textValues(db: string, schemas: string[]): Promise<string[]> {
  const columns = await rows(
    db,
    `select table_schema, table_name, column_name from information_schema.columns where table_schema in (${schemas.map((s) => `'${s}'`).join(', ')}) and data_type = 'VARCHAR'`,
  );
  const values: string[] = [];
  for (const c of columns) {
    for (const r of await rows(db, `select "${c.column_name}" as v from "${c.table_schema}"."${c.table_name}"`)) if (r.v !== null) values.push(String(r.v));
  }
  return values;
}

const planted = [...EMAILS, ...EMAILS.map((e) => e.toLowerCase()), ...NAMES, ...PHONES];

describe('masking: true targets', () => {
  let dir: string;
  let db: string;
  let state: string;

  beforeAll(async () => {
    ({ dir, db } = await project());
    await run(dir, ['build', '--target', 'prod']);
    // Production's artifacts, as a deploy keeps them for --defer, dpf ci and dpf clone.
    state = join(tempDir(), 'prod-state');
    cpSync(join(dir, 'target'), state, { recursive: true, filter: (src) => !src.endsWith('.duckdb') && !src.endsWith('.wal') });
  }, 120_000);

  it('builds every personal column masked and every other column as production has it', async () => {
    await run(dir, ['build', '--target', 'dev']);
    // The email is hashed where it enters (the source's view), then lower-cased by the model: the hash of the raw value.
    const dev = await rows(db, 'select c.id, c.email, r.email as raw from dev.stg_customers c join raw.customers r using (id) order by id');
    for (const r of dev) expect(r.email).toBe((await rows(db, `select sha256('${String(r.raw)}') as h`))[0]!.h);
    // A date column is personal data too here: it cannot hold a hash, so it is nulled, its type kept.
    expect(await rows(db, "select data_type from information_schema.columns where table_schema = 'dev' and table_name = 'stg_customers' and column_name = 'signed_up'")).toEqual([{ data_type: 'DATE' }]);
    expect(await rows(db, 'select count(signed_up) as n from dev.stg_customers')).toEqual([{ n: '0' }]);
    // The seed's name is partial and its phone redacted, as classifications.yml says.
    expect(await rows(db, 'select id, full_name, phone from dev.contacts order by id')).toEqual(NAMES.map((n, i) => ({ id: i + 1, full_name: `${n[0]}***`, phone: '***' })));
    // Carried through a join, the mart's email is the masked one; amounts and segments are production's.
    expect(await rows(db, 'select id, amount, segment from dev.fct_orders except all select id, amount, segment from prod.fct_orders')).toEqual([]);
    expect(await rows(db, 'select id, amount, segment from prod.fct_orders except all select id, amount, segment from dev.fct_orders')).toEqual([]);
    expect(await rows(db, HASHED('dev'))).toEqual(Array(4).fill({ hashed: true }));
    // A hash keeps distinctness: counts over masked emails equal production's.
    expect(await rows(db, 'select * from dev.email_counts except all select * from prod.email_counts')).toEqual([]);
    // Production itself is in clear; nothing in the dev schemas is.
    expect(await rows(db, 'select count(*) as n from prod.fct_orders where customer_email like \'%@%\'')).toEqual([{ n: '4' }]);
    const values = await textValues(db, ['dev', 'dev_dpf_masked']);
    expect(values.length).toBeGreaterThan(10);
    for (const value of planted) expect(values).not.toContain(value);
  });

  it('reads production through masked views with --defer and in dpf ci', async () => {
    await run(dir, ['build', '--target', 'ci', '--select', 'fct_orders', '--defer', '--state', state]);
    expect(await rows(db, "select table_name from information_schema.tables where table_schema = 'ci' order by 1")).toEqual([{ table_name: 'fct_orders' }]);
    expect(await rows(db, 'select d.customer_email = sha256(p.customer_email) as hashed, d.contact = left(p.contact, 1) || \'***\' as partial from ci.fct_orders d join prod.fct_orders p using (id)')).toEqual(
      Array(4).fill({ hashed: true, partial: true }),
    );
    for (const value of planted) expect(await textValues(db, ['ci', 'ci_dpf_masked'])).not.toContain(value);

    // dpf ci builds what changed into its own schema, deferring the rest, and drops its schemas after.
    writeFileSync(join(dir, 'models/fct_orders.sql'), `${readFileSync(join(dir, 'models/fct_orders.sql'), 'utf8')}where o.amount > 5\n`);
    const ci = await run(dir, ['ci', '--state', state, '--target', 'ci', '--branch', 'pr7', '--keep']);
    expect(ci.stdout).toContain('ci_pr7');
    expect(ci.stdout).toMatch(/PASS +test +relationships_fct_orders_customer_email/);
    expect(await rows(db, 'select count(*) as n from ci_pr7.fct_orders')).toEqual([{ n: '3' }]);
    for (const value of planted) expect(await textValues(db, ['ci_pr7', 'ci_pr7_dpf_masked'])).not.toContain(value);
    await run(dir, ['ci', '--state', state, '--target', 'ci', '--branch', 'pr8']);
    expect(await rows(db, "select count(*) as n from information_schema.schemata where schema_name like 'ci_pr8%'")).toEqual([{ n: '0' }]);
  });

  it('copies production masked with dpf clone', async () => {
    await run(dir, ['clone', '--state', state, '--target', 'copy']);
    expect(await rows(db, "select table_name, table_type from information_schema.tables where table_schema = 'copy' order by 1")).toEqual(
      ['contacts', 'email_counts', 'fct_orders', 'stg_customers'].map((t) => ({ table_name: t, table_type: 'VIEW' })),
    );
    expect(await rows(db, 'select d.customer_email = sha256(p.customer_email) as hashed, d.amount = p.amount as same from copy.fct_orders d join prod.fct_orders p using (id)')).toEqual(Array(4).fill({ hashed: true, same: true }));
    expect(await rows(db, 'select phone from copy.contacts')).toEqual(Array(3).fill({ phone: '***' }));
    for (const value of planted) expect(await textValues(db, ['copy'])).not.toContain(value);
  });
});

describe('masking: true and reuse', () => {
  it('rebuilds what masking changes: turning it on, and changing how a kind is masked', async () => {
    const { dir, db } = await project();
    writeFileSync(join(dir, 'profiles.yml'), PROFILES({ dev: '' }));
    await run(dir, ['build', '--target', 'dev']);
    expect(await rows(db, 'select count(*) as n from dev.fct_orders where customer_email like \'%@%\'')).toEqual([{ n: '4' }]);
    // Reuse must not serve the unmasked tables once the target masks.
    writeFileSync(join(dir, 'profiles.yml'), PROFILES());
    await run(dir, ['build', '--target', 'dev']);
    for (const value of planted) expect(await textValues(db, ['dev'])).not.toContain(value);
    // Nothing changed: everything is reused, and stays masked.
    const again = await run(dir, ['build', '--target', 'dev']);
    expect(again.stdout).toMatch(/reused|unchanged/i);
    for (const value of planted) expect(await textValues(db, ['dev'])).not.toContain(value);
    // Another masking in classifications.yml rebuilds the seed and what reads the source.
    writeFileSync(join(dir, 'classifications.yml'), readFileSync(join(dir, 'classifications.yml'), 'utf8').replace('masking: hash', 'masking: redact'));
    await run(dir, ['build', '--target', 'dev']);
    expect(await rows(db, 'select distinct customer_email from dev.fct_orders')).toEqual([{ customer_email: '***' }]);
  }, 120_000);

  it('refuses to build a masking target whose classified columns nothing says how to mask (DPF963)', async () => {
    const { dir } = await project();
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, 'classifications.yml'));
    const result = await dpf(['build', '--target', 'dev'], { cwd: dir, env: { HOME: dir } });
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).toContain('DPF963');
    expect(result.stderr).toContain('masking: true');
    // At the classified column's line, where the fix starts.
    expect(result.stderr).toMatch(/(seeds\/_seeds|models\/sources)\.yml:\d+:\d+/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
