/**
 * Access by role, enforced by a real Trino (docs/governance.md#access-by-role): a server with
 * file-based access control reading DPF_TRINO_RULES every second (scripts/test-trino.sh starts
 * it). A small project is built as admin; `dpf grants apply` writes the rules file the target's
 * access_control_file names; then each user queries through trino-client as themselves:
 * analyst reads the customers with their emails hashed, business is refused them, data_engineer
 * reads everything, and a row filter holds. `dpf grants check` agrees, then finds a hand edit.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BasicAuth, Trino } from 'trino-client';
import { dpf, makeProject } from '../helpers/run-dpf.js';

const url = process.env.DPF_TRINO_URL;
const rulesFile = process.env.DPF_TRINO_RULES;
if (!url || !rulesFile) throw new Error('this suite needs DPF_TRINO_URL and DPF_TRINO_RULES (npm run test:trino sets both)');
const server = new URL(url);
const schema = `acl_${randomBytes(4).toString('hex')}`;

/** Runs one statement as this user; rows as objects, or Trino's error. */
async function queryAs(user: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = Trino.create({ server: url, catalog: 'iceberg', schema, auth: new BasicAuth(user) });
  const rows: Record<string, unknown>[] = [];
  let columns: string[] = [];
  for await (const page of await client.query(sql)) {
    if (page.error) throw new Error(`${page.error.errorName}: ${page.error.message}`);
    if (page.columns) columns = page.columns.map((c) => c.name);
    for (const row of page.data ?? []) rows.push(Object.fromEntries(columns.map((c, i) => [c, row[i]])));
  }
  return rows;
}
const refusal = (user: string, sql: string) => queryAs(user, sql).then(() => 'allowed', (err: Error) => err.message);

const FILES = {
  'classifications.yml': `levels:
  - name: public
  - name: internal
  - name: confidential
    readers: [analyst, data_engineer]
  - name: restricted
    readers: [data_engineer, legal]
pii:
  - name: email
    level: restricted
    masking: hash
  - name: name
    level: confidential
    masking: partial
`,
  'roles.yml': `roles:
  - name: platform_engineer
    trino: {users: [admin]}
    manage: true
  - name: data_engineer
    trino: {users: [data_engineer]}
    read: {up_to: restricted}
  - name: analyst
    trino: {users: [analyst]}
    read:
      select: [dim_customers, segment_counts]
      up_to: restricted
      filters:
        - model: segment_counts
          where: segment = 'retail'
  - name: business_user
    trino: {users: [business]}
    read: {select: [dim_customers, segment_counts], up_to: internal}
  - name: legal
    trino: {users: [legal]}
    read: {select: [dim_customers], up_to: restricted}
`,
  'seeds/raw_customers.csv': 'id,email,name,segment\n1,ann@example.com,Ann,retail\n2,bo@example.com,Bo,wholesale\n3,cy@example.com,Cy,retail\n',
  'seeds/_seeds.yml': `seeds:
  - name: raw_customers
    columns:
      - name: email
        pii: email
      - name: name
        pii: name
      - name: segment
        classification: internal
`,
  'models/dim_customers.sql': '{{config materialized="table"}}\nselect id, lower(email) as email, name, segment from {{ref "raw_customers"}}\n',
  'models/segment_counts.sql': '{{config materialized="view"}}\nselect segment, count(*) as customers from {{ref "raw_customers"}} group by segment\n',
};

const dir = makeProject({
  ...FILES,
  'profiles.yml': `proj:
  target: acl
  outputs:
    acl:
      type: trino
      host: ${server.hostname}
      port: ${server.port}
      user: admin
      catalog: iceberg
      schema: ${schema}
      threads: 2
      access_control_file: ${rulesFile}
`,
});
const run = (...args: string[]) => dpf([...args, '--project-dir', dir], { cwd: dir, env: { HOME: dir } });

afterAll(async () => {
  for (const relation of ['segment_counts']) await queryAs('admin', `drop view if exists ${schema}.${relation}`).catch(() => undefined);
  for (const relation of ['dim_customers', 'raw_customers']) await queryAs('admin', `drop table if exists ${schema}.${relation}`).catch(() => undefined);
  await queryAs('admin', `drop schema if exists ${schema}`).catch(() => undefined);
});

/** Trino re-reads the rules every second: wait until this user's view of the table is the new one. */
async function untilRulesApply(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if ((await refusal('analyst', 'select count(*) from dim_customers')) === 'allowed') return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('access by role on a real Trino', () => {
  it('analyst reads the customers with emails hashed, business is refused them, data_engineer reads everything', async () => {
    const build = await run('build');
    expect(build.code, build.output).toBe(0);
    // Before the grants, only admin (the bootstrap rules) reads anything.
    expect(await refusal('analyst', 'select count(*) from dim_customers')).toMatch(/Access Denied/);

    const apply = await run('grants', 'apply');
    expect(apply.code, apply.output).toBe(0);
    const rules = JSON.parse(readFileSync(rulesFile, 'utf8')) as { tables: { user?: string; table?: string; columns?: unknown[] }[] };
    expect(rules.tables.find((t) => t.user === 'analyst' && t.table === 'dim_customers')!.columns).toEqual([
      { name: 'email', mask: 'to_hex(sha256(to_utf8(cast("email" as varchar))))' },
    ]);
    await untilRulesApply();

    // analyst: every customer, the email hashed by the engine, the name in clear.
    const analyst = await queryAs('analyst', 'select id, email, name from dim_customers order by id');
    expect(analyst.map((r) => r.name)).toEqual(['Ann', 'Bo', 'Cy']);
    const expectedHash = await queryAs('admin', "select lower(to_hex(sha256(to_utf8('ann@example.com')))) as h");
    expect(String(analyst[0]!.email).toLowerCase()).toBe(expectedHash[0]!.h);
    expect(analyst.every((r) => /^[0-9A-F]{64}$/.test(String(r.email)))).toBe(true);
    // ... and the counts of its one segment only (a row filter, through a view).
    expect(await queryAs('analyst', 'select segment, customers from segment_counts')).toEqual([{ segment: 'retail', customers: 2 }]);
    // ... and nothing it was not given.
    expect(await refusal('analyst', 'select * from raw_customers')).toMatch(/Access Denied/);

    // business: dim_customers is restricted (its emails), above its level: refused; the counts are not.
    expect(await refusal('business', 'select count(*) from dim_customers')).toMatch(/Access Denied: Cannot select from table iceberg\.\w+\.dim_customers/);
    expect(await queryAs('business', 'select count(*) as n from segment_counts')).toEqual([{ n: 2 }]);

    // legal: the emails in clear, the names partly shown (confidential, not among its readers).
    expect(await queryAs('legal', 'select email, name from dim_customers where id = 2')).toEqual([{ email: 'bo@example.com', name: 'B***' }]);

    // data_engineer: everything, in clear, the seed too.
    expect(await queryAs('data_engineer', 'select email, name from dim_customers where id = 1')).toEqual([{ email: 'ann@example.com', name: 'Ann' }]);
    expect(await queryAs('data_engineer', 'select count(*) as n from raw_customers')).toEqual([{ n: 3 }]);
    expect(await queryAs('data_engineer', 'select count(*) as n from segment_counts')).toEqual([{ n: 2 }]);
    // None of the readers may change what it reads.
    expect(await refusal('data_engineer', 'delete from dim_customers where id = 1')).toMatch(/Access Denied/);

    // The file is what the YAML declares; a hand edit giving business the customers is drift.
    expect((await run('grants', 'check')).code).toBe(0);
    const edited = JSON.parse(readFileSync(rulesFile, 'utf8')) as { tables: unknown[] };
    edited.tables.push({ user: 'business', catalog: 'iceberg', schema, table: 'dim_customers', privileges: ['SELECT'] });
    writeFileSync(rulesFile, JSON.stringify(edited));
    const check = await run('grants', 'check');
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`unexpected tables: user=business catalog=iceberg schema=${schema} table=dim_customers`);
    expect((await run('grants', 'apply')).code).toBe(0);
    expect((await run('grants', 'check')).code).toBe(0);
  });
});
