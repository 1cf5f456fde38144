/**
 * Who read classified relations, from a real Trino's query log (docs/governance.md#who-read-classified-data):
 * on the server with file-based access control (scripts/test-trino.sh), a small project is built
 * as admin and its grants applied; users query the customers as themselves, and `dpf audit
 * --warehouse --output json` reports them per user from system.runtime.queries — analyst (a
 * reader) as info, business (refused) as medium. After a hand edit lets business read the
 * customers, a second report shows only the queries since the first: business, high. The
 * queries' literals (an e-mail address) appear nowhere in what dpf prints.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BasicAuth, Trino } from 'trino-client';
import type { AuditReport } from '../../src/index.js';
import { dpf, makeProject } from '../helpers/run-dpf.js';

const url = process.env.DPF_TRINO_URL;
const rulesFile = process.env.DPF_TRINO_RULES;
if (!url || !rulesFile) throw new Error('this suite needs DPF_TRINO_URL and DPF_TRINO_RULES (npm run test:trino sets both)');
const server = new URL(url);
const schema = `qlog_${randomBytes(4).toString('hex')}`;

async function queryAs(user: string, sql: string): Promise<unknown[][]> {
  const client = Trino.create({ server: url, catalog: 'iceberg', schema, auth: new BasicAuth(user) });
  const rows: unknown[][] = [];
  for await (const page of await client.query(sql)) {
    if (page.error) throw new Error(`${page.error.errorName}: ${page.error.message}`);
    rows.push(...(page.data ?? []));
  }
  return rows;
}
const attempt = (user: string, sql: string) => queryAs(user, sql).then(() => 'allowed', (err: Error) => err.message);

const dir = makeProject({
  'classifications.yml': 'levels:\n  - name: public\n  - name: internal\n  - name: restricted\n    readers: [analyst, platform_engineer]\npii:\n  - name: email\n    level: restricted\n    masking: hash\n',
  'roles.yml': `roles:
  - name: platform_engineer
    trino: {users: [admin]}
    manage: true
  - name: analyst
    trino: {users: [analyst]}
    read: {up_to: restricted}
  - name: business_user
    trino: {users: [business]}
    read: {select: [segment_counts], up_to: internal}
`,
  'seeds/raw_customers.csv': 'id,email,segment\n1,ann@example.com,retail\n2,bo@example.com,wholesale\n',
  'seeds/_seeds.yml': 'seeds:\n  - name: raw_customers\n    columns:\n      - name: email\n        pii: email\n',
  'models/dim_customers.sql': '{{config materialized="table"}}\nselect id, email, segment from {{ref "raw_customers"}}\n',
  'models/segment_counts.sql': '{{config materialized="table"}}\nselect segment, count(*) as customers from {{ref "raw_customers"}} group by segment\n',
  'profiles.yml': `proj:
  target: ${schema}
  outputs:
    ${schema}:
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
// The target is named after the schema: dpf_meta.audit_log keeps the last report's time per target, and other runs share the server.
const run = (...args: string[]) => dpf([...args, '--project-dir', dir], { cwd: dir, env: { HOME: dir } });
const report = async () => {
  const result = await run('audit', '--warehouse', '--output', 'json', '--fail-on', 'high');
  expect(result.output).not.toMatch(/ann@example\.com|bo@example\.com/);
  return { code: result.code, report: JSON.parse(result.stdout) as AuditReport };
};
const dim = `iceberg.${schema}.dim_customers`;

afterAll(async () => {
  for (const relation of ['dim_customers', 'segment_counts', 'raw_customers']) await queryAs('admin', `drop table if exists ${schema}.${relation}`).catch(() => undefined);
  await queryAs('admin', `drop schema if exists ${schema}`).catch(() => undefined);
});

async function until(user: string, sql: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if ((await attempt(user, sql)) === 'allowed') return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('dpf audit --warehouse on a real Trino: queries over classified relations', () => {
  it('reports each user once per report, since the last one, with ids and times but never a query', async () => {
    expect((await run('build')).code).toBe(0);
    expect((await run('grants', 'apply')).code).toBe(0);
    await until('analyst', 'select count(*) from dim_customers');
    // A first report sets where the next starts: what ran before it (the build, other suites on this server) is not counted again.
    const start = await report();
    expect(start.report.warnings).toEqual([]);
    expect(start.report.access!.since).toBeNull();

    expect(await queryAs('analyst', "select id from dim_customers where email = 'ann@example.com'")).toEqual([[1]]);
    expect(await attempt('business', `select * from "${schema}"."DIM_CUSTOMERS"`)).toMatch(/Access Denied/);
    expect(await queryAs('business', 'select count(*) from segment_counts')).toEqual([[2]]);

    const first = await report();
    expect(first.report.warnings).toEqual([]);
    const access = first.report.access!;
    expect(access).toMatchObject({ engine: 'trino', source: 'system.runtime.queries', since: start.report.access!.until });
    const analyst = access.users.find((u) => u.user === 'analyst')!;
    expect(analyst).toMatchObject({ roles: ['analyst'], severity: 'info', queries: 1, failed: 0, notAllowed: [] });
    expect(analyst.relations).toEqual([dim]);
    expect(analyst.queries).toBe(analyst.queryIds.length);
    expect(analyst.queryIds.every((id) => /^\d{8}_\d{6}_\d{5}_\w+$/.test(id))).toBe(true);
    // business was refused every time: medium; segment_counts holds no personal data and is not counted.
    const business = access.users.find((u) => u.user === 'business')!;
    expect(business).toMatchObject({ roles: ['business_user'], severity: 'medium', queries: 1, failed: 1, relations: [dim], notAllowed: [dim] });
    expect(first.report.findings.filter((f) => f.kind === 'classified_access').map((f) => [f.severity, f.rule])).toEqual([['medium', 'classified-read-refused']]);
    // Only the two users who named a classified relation since the start: not the builder, not the audit's own reads.
    expect(access.users.map((u) => u.user)).toEqual(['analyst', 'business']);

    // A hand edit lets business read the customers: what it reads now is high.
    const edited = JSON.parse(readFileSync(rulesFile!, 'utf8')) as { tables: unknown[] };
    edited.tables.unshift({ user: 'business', catalog: 'iceberg', schema, table: 'dim_customers', privileges: ['SELECT'] });
    writeFileSync(rulesFile!, JSON.stringify(edited));
    await until('business', `select count(*) from iceberg.${schema}.dim_customers`);
    expect(await queryAs('business', "select email from dim_customers where email like 'bo@%'")).toEqual([['bo@example.com']]);

    const second = await report();
    expect(second.code).toBe(1);
    const since = second.report.access!;
    expect(since.since).toBe(access.until);
    // Only what came after the first report: analyst's query is not counted again.
    expect(since.users.map((u) => u.user)).not.toContain('analyst');
    const reader = since.users.find((u) => u.user === 'business')!;
    expect(reader).toMatchObject({ severity: 'high', relations: [dim], notAllowed: [dim] });
    expect(reader.queryIds.some((id) => business.queryIds.includes(id))).toBe(false);
    expect(reader.first >= access.until).toBe(true);
    const high = second.report.findings.find((f) => f.kind === 'classified_access')!;
    expect(high).toMatchObject({ severity: 'high', rule: 'classified-read-without-role', file: 'roles.yml' });
    expect(high.message).toContain(`trino user "business" (role business_user) read ${dim} (readers: analyst, platform_engineer)`);

    // The text report: one line per user, no query.
    const text = await run('audit', '--warehouse');
    expect(text.stdout).toMatch(/Queries over classified relations in system\.runtime\.queries, since the last report \(/);
    expect(text.stdout).not.toMatch(/select|ann@|bo@/i);
    expect((await run('grants', 'apply')).code).toBe(0);
  });
});
