/**
 * Access by role (docs/governance.md#access-by-role) without a Trino server: roles.yml and the
 * classifications of a temporary project made into Trino's access rules (who reads which model,
 * which columns are masked how, row filters, owners first), DuckDB's masked views per role built
 * and checked for drift through the real CLI, and roles.yml's mistakes at their lines.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trinoDialect } from '../src/adapters/trino/trino-dialect.js';
import { compileFromDisk } from '../src/compiler/compile-pipeline.js';
import { withGovernance } from '../src/governance/classification/classify-project.js';
import { loadClassifications } from '../src/governance/classification/load-classifications.js';
import { compareRules } from '../src/governance/access/compare-rules.js';
import { loadRoles } from '../src/governance/access/load-roles.js';
import { planAccess } from '../src/governance/access/plan-access.js';
import { trinoRules, type TrinoTableRule } from '../src/governance/access/trino-rules.js';
import { CLASSIFICATIONS as SHARED } from './helpers/governance-fixtures.js';
import { copyDemoProject, dpf, makeProject } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const CLASSIFICATIONS = `${SHARED}  - name: phone
    level: confidential
`;

const ROLES = `roles:
  - name: platform_engineer
    trino: {users: [admin]}
    manage: true
  - name: data_engineer
    trino: {users: [data_engineer]}
    read: {up_to: restricted}
  - name: analyst
    trino: {users: [analyst], groups: [analysts]}
    read:
      select: [customers, segment_counts]
      up_to: restricted
      filters:
        - model: segment_counts
          where: segment = 'retail'
  - name: business_user
    trino: {users: [business]}
    read: {up_to: internal}
  - name: legal
    trino: {users: [legal]}
    read: {select: [customers], up_to: restricted}
`;

const FILES = {
  'classifications.yml': CLASSIFICATIONS,
  'roles.yml': ROLES,
  'seeds/raw_customers.csv': 'id,email,name,phone,segment\n1,ann@example.com,Ann,555-0100,retail\n2,bo@example.com,Bo,555-0101,wholesale\n',
  'seeds/_seeds.yml': `seeds:
  - name: raw_customers
    columns:
      - name: email
        pii: email
      - name: name
        pii: name
      - name: phone
        pii: phone
      - name: segment
        classification: internal
`,
  'models/customers.sql': 'select id, email, name, phone, segment from {{ref "raw_customers"}}\n',
  'models/segment_counts.sql': 'select segment, count(*) as customers from {{ref "raw_customers"}} group by segment\n',
};

async function planOf(dir: string) {
  const compiled = withGovernance(await compileFromDisk({ projectDir: dir, env: { HOME: dir }, writeArtifacts: false }), dir, false);
  const classifications = loadClassifications(dir);
  return planAccess(compiled.manifest, compiled.graph, loadRoles(dir, classifications)!, classifications);
}

const rulesFor = (tables: readonly TrinoTableRule[], who: string, table: string) => tables.filter((t) => (t.user === who || t.group === who) && t.table === table);

describe('access by role: the Trino rules', () => {
  it('gives each role the models up to its level, masks the columns it may not read as legal decided, filters rows, and puts the owners first', async () => {
    const dir = makeProject(FILES);
    const plan = await planOf(dir);
    const rules = trinoRules({ plan, catalog: 'lake', dialect: trinoDialect, columnTypes: new Map() });
    // The managing role owns the whole catalog, first: rules are read top-down.
    expect(rules.catalogs[0]).toEqual({ user: 'admin', catalog: 'lake', allow: 'all' });
    expect(rules.schemas).toEqual([{ user: 'admin', catalog: 'lake', schema: '.*', owner: true }]);
    expect(rules.tables[0]).toEqual({ user: 'admin', catalog: 'lake', privileges: ['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP', 'GRANT_SELECT'] });
    // analyst: customers with the email hashed (restricted, not among its readers), the name in
    // clear (confidential, among them), the phone hidden (no masking declared); its group too.
    const hash = 'to_hex(sha256(to_utf8(cast("email" as varchar))))';
    for (const who of ['analyst', 'analysts']) {
      expect(rulesFor(rules.tables, who, 'customers')).toEqual([
        { ...(who === 'analyst' ? { user: who } : { group: who }), catalog: 'lake', schema: 'main', table: 'customers', privileges: ['SELECT'], columns: [{ name: 'email', mask: hash }] },
      ]);
    }
    expect(rulesFor(rules.tables, 'analyst', 'segment_counts')).toEqual([{ user: 'analyst', catalog: 'lake', schema: 'main', table: 'segment_counts', privileges: ['SELECT'], filter: "segment = 'retail'" }]);
    expect(rulesFor(rules.tables, 'analyst', 'raw_customers')).toEqual([]);
    // legal: the name partly shown and the phone hidden, the email in clear.
    expect(rulesFor(rules.tables, 'legal', 'customers')[0]!.columns).toEqual([
      { name: 'name', mask: `substr(cast("name" as varchar), 1, 1) || '***'` },
      { name: 'phone', allow: false },
    ]);
    // business_user reads up to internal: the restricted models are refused, the counts are not.
    expect(rulesFor(rules.tables, 'business', 'customers')).toEqual([]);
    expect(rulesFor(rules.tables, 'business', 'segment_counts')).toHaveLength(1);
    expect(plan.roles.find((r) => r.role.name === 'business_user')!.refused.map((r) => r.nodeId).sort()).toEqual(['model.proj.customers', 'seed.proj.raw_customers']);
    // data_engineer reads everything in clear.
    expect(rulesFor(rules.tables, 'data_engineer', 'customers')[0]!.columns).toBeUndefined();
    expect(rules.catalogs.filter((c) => c.allow === 'read-only').map((c) => c.user ?? c.group)).toEqual(['data_engineer', 'analyst', 'analysts', 'business', 'legal']);
  });

  it('masks a column that cannot hold a hash with a null of its type, and reports drift rule by rule', async () => {
    const dir = makeProject(FILES);
    const plan = await planOf(dir);
    const types = new Map([['\u0000main\u0000customers', new Map([['email', 'bigint']])]]);
    const rules = trinoRules({ plan, catalog: 'lake', dialect: trinoDialect, columnTypes: types });
    expect(rulesFor(rules.tables, 'analyst', 'customers')[0]!.columns).toEqual([{ name: 'email', mask: 'cast(null as bigint)' }]);
    expect(compareRules(rules, JSON.parse(JSON.stringify(rules)))).toEqual([]);
    // Someone gave business the customers table by hand, and dropped analyst's mask.
    const edited = JSON.parse(JSON.stringify(rules)) as { tables: Record<string, unknown>[] };
    edited.tables.push({ user: 'business', catalog: 'lake', schema: 'main', table: 'customers', privileges: ['SELECT'] });
    const analyst = edited.tables.find((t) => t.user === 'analyst' && t.table === 'customers')!;
    delete analyst.columns;
    const drift = compareRules(rules, edited);
    expect(drift.map((d) => `${d.change} ${d.section}: ${d.rule}`)).toEqual([
      'changed tables: user=analyst catalog=lake schema=main table=customers',
      'unexpected tables: user=business catalog=lake schema=main table=customers',
    ]);
  });
});

describe("access by role: the demo's roles.yml", () => {
  it('hashes the customers\' emails for analysts, refuses them to business users, and gives data engineers everything', async () => {
    const dir = copyDemoProject();
    const plan = await planOf(dir);
    const role = (name: string) => plan.roles.find((r) => r.role.name === name)!;
    const model = (name: string, id: string) => role(name).models.find((m) => m.nodeId === id);
    expect(plan.roles.map((r) => r.role.name)).toEqual(['platform_engineer', 'data_engineer', 'analytics_engineer', 'data_scientist', 'analyst', 'business_user', 'legal', 'security']);
    expect(model('analyst', 'model.shop.dim_customers')!.columns).toEqual([{ column: 'email', masking: 'hash' }]);
    expect(role('business_user').refused.map((r) => r.nodeId)).toEqual(['model.shop.dim_customers']);
    expect(model('business_user', 'model.shop.revenue_by_category')!.columns).toEqual([]);
    expect(role('data_engineer').models.every((m) => m.columns.length === 0)).toBe(true);
    expect(role('data_engineer').models.length).toBe(role('platform_engineer').models.length);
  });
});

describe('access by role: dpf grants on DuckDB', () => {
  it('builds a schema of masked views per role, drops what a role no longer reads, and dpf grants check exits 1 on drift', async () => {
    const dir = makeProject(FILES);
    const env = { HOME: dir };
    expect((await dpf(['build'], { cwd: dir, env })).code).toBe(0);
    const applied = await dpf(['grants', 'apply'], { cwd: dir, env });
    expect(applied.code, applied.output).toBe(0);
    const db = join(dir, 'target/dev.duckdb');
    const rows = await queryDuckDB(db, 'select * from main_analyst.customers order by id');
    expect(Object.keys(rows[0]!)).toEqual(['id', 'email', 'name', 'phone', 'segment']);
    expect(rows[0]!.email).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]!.name).toBe('Ann');
    expect(await queryDuckDB(db, 'select segment, customers from main_analyst.segment_counts')).toEqual([{ segment: 'retail', customers: '1' }]);
    // legal: the phone is hidden (no masking declared), the name partly shown, the email in clear.
    expect((await queryDuckDB(db, 'select * from main_legal.customers order by id'))[1]).toEqual({ id: 2, email: 'bo@example.com', name: 'B***', segment: 'wholesale' });
    const businessViews = await queryDuckDB(db, "select view_name from duckdb_views() where schema_name = 'main_business_user' order by 1");
    expect(businessViews.map((v) => v.view_name)).toEqual(['segment_counts']);
    expect((await dpf(['grants', 'check'], { cwd: dir, env })).code).toBe(0);

    // analyst no longer reads the counts: check lists the view as drift, apply drops it.
    writeFileSync(join(dir, 'roles.yml'), ROLES.replace('select: [customers, segment_counts]', 'select: [customers]').replace(/\n {6}filters:[\s\S]*?retail'\n/, '\n'));
    const check = await dpf(['grants', 'check'], { cwd: dir, env });
    expect(check.code, check.output).toBe(1);
    expect(check.stdout).toContain('unexpected views: main_analyst.segment_counts');
    expect((await dpf(['grants', 'apply'], { cwd: dir, env })).code).toBe(0);
    expect((await dpf(['grants', 'check'], { cwd: dir, env })).code).toBe(0);
  });
});

describe('access by role: mistakes in roles.yml', () => {
  it('reports an unknown level, an unknown reader, a filter on an unread model and a bad selector at their lines', async () => {
    const dir = makeProject({
      ...FILES,
      'classifications.yml': CLASSIFICATIONS.replace('readers: [data_engineer, legal]', 'readers: [data_engineer, legl]'),
      'roles.yml': ROLES.replace('read: {up_to: internal}', 'read: {up_to: intern}'),
    });
    const run = await dpf(['grants', 'apply'], { cwd: dir, env: { HOME: dir } });
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/DPF971 .* — roles\.yml:18:19/);
    expect(run.output).toContain('Did you mean "internal"?');
    expect(run.output).toMatch(/DPF970 .* — classifications\.yml:7:30/);
    expect(run.output).toContain('Did you mean "legal"?');

    writeFileSync(join(dir, 'classifications.yml'), CLASSIFICATIONS);
    writeFileSync(join(dir, 'roles.yml'), ROLES.replace('model: segment_counts', 'model: segment_count').replace('read: {select: [customers], up_to: restricted}', 'read: {select: ["tag:"], up_to: restricted}'));
    const second = await dpf(['grants', 'apply'], { cwd: dir, env: { HOME: dir } });
    expect(second.code).toBe(2);
    expect(second.output).toMatch(/DPF975 .* — roles\.yml:14:18/);
    expect(second.output).toContain('Did you mean "segment_counts"?');
    expect(second.output).toMatch(/DPF976 .* — roles\.yml:21:21/);
  });

  it('on Trino, refuses a role no user acts in, and a target with nowhere to write, before connecting', async () => {
    const dir = makeProject({ ...FILES, 'roles.yml': ROLES.replace('    trino: {users: [legal]}\n', '') });
    writeFileSync(
      join(dir, 'profiles.yml'),
      `${readFileSync(join(dir, 'profiles.yml'), 'utf8')}    trino: { type: trino, host: 127.0.0.1, port: 9, catalog: lake, schema: main }\n`,
    );
    const run = await dpf(['grants', 'apply', '--target', 'trino'], { cwd: dir, env: { HOME: dir } });
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/DPF972 .* — roles\.yml:19:11/);
    writeFileSync(join(dir, 'roles.yml'), ROLES);
    const unset = await dpf(['grants', 'check', '--target', 'trino'], { cwd: dir, env: { HOME: dir } });
    expect(unset.code).toBe(2);
    expect(unset.output).toContain('DPF974');
  });
});
