/**
 * Classification over column lineage (docs/governance.md), through the real CLI on temporary
 * DuckDB projects: classifications.yml's levels and kinds of personal data; a column computed
 * from a classified one carries it (through renames, joins, `select *` and aggregates), with the
 * path it came by, into target/manifest.json; `declassify` stops it, with a reason; a public
 * model exposing personal data fails the compile at its access: line with the path; unknown
 * names and a declassify of no column are errors at their lines.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../src/compiler/manifest.js';
import { build } from '../src/index.js';
import { CLASSIFICATIONS } from './helpers/governance-fixtures.js';
import { dpf, makeProject } from './helpers/run-dpf.js';

const SOURCES = `sources:
  - name: raw
    schema: main
    tables:
      - name: customers
        columns:
          - name: id
          - name: email
            pii: email
          - name: name
            meta: {pii: name}
          - name: segment
            classification: internal
      - name: orders
        columns:
          - name: id
          - name: customer_id
          - name: amount
`;

const files = (extra: Record<string, string> = {}) => ({
  'classifications.yml': CLASSIFICATIONS,
  'models/sources.yml': SOURCES,
  'models/stg_customers.sql': 'select id, lower(email) as email_norm, name as full_name, segment from {{source "raw" "customers"}}\n',
  'models/stg_all.sql': 'select * from {{ref "stg_customers"}}\n',
  'models/fct_orders.sql':
    'select o.id, o.amount, c.email_norm as customer_email, c.segment\nfrom {{source "raw" "orders"}} o\njoin {{ref "stg_customers"}} c on c.id = o.customer_id\n',
  'models/segment_counts.sql': 'select segment, count(*) as customers, count(distinct email_norm) as emails from {{ref "stg_customers"}} group by segment\n',
  ...extra,
});

const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8')) as Manifest;

describe('classification over column lineage', () => {
  it('carries classifications through renames, joins, select * and aggregates, with their paths, into the manifest', async () => {
    const dir = makeProject(files());
    const run = await dpf(['compile'], { cwd: dir, env: { HOME: dir } });
    expect(run.code, run.output).toBe(0);
    const g = manifestOf(dir).governance!;
    expect(g.levels).toEqual(['public', 'internal', 'confidential', 'restricted']);
    const col = (model: string, column: string) => g.columns[model]?.[column];
    expect(col('source.proj.raw.customers', 'email')).toEqual({ level: 'restricted', pii: ['email'], declared: true, path: ['source.proj.raw.customers.email'] });
    expect(col('model.proj.stg_customers', 'email_norm')).toEqual({
      level: 'restricted',
      pii: ['email'],
      declared: false,
      path: ['model.proj.stg_customers.email_norm', 'source.proj.raw.customers.email'],
    });
    expect(col('model.proj.stg_customers', 'full_name')).toMatchObject({ level: 'confidential', pii: ['name'] });
    expect(col('model.proj.stg_customers', 'id')).toBeUndefined();
    // select * passes every column on, classifications with them.
    expect(col('model.proj.stg_all', 'email_norm')).toMatchObject({ level: 'restricted', pii: ['email'], path: ['model.proj.stg_all.email_norm', 'model.proj.stg_customers.email_norm', 'source.proj.raw.customers.email'] });
    expect(col('model.proj.stg_all', 'segment')).toMatchObject({ level: 'internal', pii: [] });
    // Through a join: the mart's email is the customer's.
    expect(col('model.proj.fct_orders', 'customer_email')).toMatchObject({ level: 'restricted', pii: ['email'] });
    expect(col('model.proj.fct_orders', 'amount')).toBeUndefined();
    // An aggregate of emails is still derived from them until declassified.
    expect(col('model.proj.segment_counts', 'emails')).toMatchObject({ level: 'restricted', pii: ['email'] });
    expect(g.untraced).toEqual([]);
  });

  it('fails the compile when a public model exposes personal data, naming the column and the lineage path; declassify with a reason clears it', async () => {
    const dir = makeProject(files({ 'models/marts.yml': 'models:\n  - name: segment_counts\n    access: public\n  - name: fct_orders\n    access: public\n' }));
    const run = await dpf(['compile'], { cwd: dir, env: { HOME: dir } });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toMatch(/DPF961[\s\S]*"fct_orders" is access: public, but its column "customer_email" is personal data \(email\) through column lineage: fct_orders\.customer_email ← stg_customers\.email_norm ← raw\.customers\.email/);
    expect(run.stderr).toMatch(/DPF961[\s\S]*"segment_counts"[\s\S]*"emails"/);
    expect(run.stderr).toContain('models/marts.yml:5:13');
    expect(run.stderr).toContain('models/marts.yml:3:13');
    // A build stops the same way, before anything runs.
    const build = await dpf(['build'], { cwd: dir, env: { HOME: dir } });
    expect(build.code).toBe(2);
    expect(build.stderr).toContain('DPF961');

    const fixed = makeProject(
      files({
        'models/marts.yml':
          'models:\n  - name: segment_counts\n    access: public\n    declassify:\n      - column: emails\n        reason: a count of distinct addresses per segment identifies no one\n',
      }),
    );
    const ok = await dpf(['compile'], { cwd: fixed, env: { HOME: fixed } });
    expect(ok.code, ok.output).toBe(0);
    expect(manifestOf(fixed).governance!.columns['model.proj.segment_counts']!.emails).toEqual({
      pii: [],
      declared: false,
      path: ['model.proj.segment_counts.emails'],
      declassified: 'a count of distinct addresses per segment identifies no one',
    });
  });

  it('names an unknown level or kind, a declassify of no column and a declassify without a reason at their lines', async () => {
    const dir = makeProject(
      files({
        'models/sources.yml': SOURCES.replace('pii: email', 'pii: emial').replace('classification: internal', 'classification: internl'),
        'models/marts.yml': 'models:\n  - name: segment_counts\n    declassify:\n      - column: emials\n        reason: counts only\n',
      }),
    );
    const run = await dpf(['compile'], { cwd: dir, env: { HOME: dir } });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toMatch(/DPF960[\s\S]*"emial"[\s\S]*Did you mean "email"\?/);
    expect(run.stderr).toContain('models/sources.yml:9:18');
    expect(run.stderr).toContain('models/sources.yml:13:29');
    expect(run.stderr).toMatch(/DPF960[\s\S]*"internl"[\s\S]*Did you mean "internal"\?/);
    expect(run.stderr).toMatch(/DPF962[\s\S]*"emials"[\s\S]*Did you mean "emails"\?/);
    expect(run.stderr).toContain('models/marts.yml:4:9');

    const noReason = makeProject(files({ 'models/marts.yml': 'models:\n  - name: segment_counts\n    declassify:\n      - column: emails\n' }));
    const bad = await dpf(['compile'], { cwd: noReason, env: { HOME: noReason } });
    expect(bad.code, bad.output).toBe(2);
    expect(bad.stderr).toMatch(/DPF103[\s\S]*reason/);
    expect(bad.stderr).toContain('models/marts.yml:4');
  });
});

describe('failing rows never show personal data', () => {
  it('masks the values of personal-data columns in test samples, in run_results.json and on screen, declared or by lineage', async () => {
    const dir = makeProject({
      'classifications.yml': CLASSIFICATIONS,
      'seeds/people.csv': 'id,email,city\n1,ann.planted@example.com,Oslo\n2,ann.planted@example.com,Rome\n3,bob.planted@example.com,Rome\n',
      'seeds/_seeds.yml':
        'seeds:\n  - name: people\n    columns:\n      - name: email\n        pii: email\n        data_tests:\n          - unique:\n              config: {severity: warn}\n      - name: city\n        data_tests:\n          - accepted_values:\n              values: [Oslo]\n              config: {severity: warn}\n',
      'models/contacts.sql': 'select * from {{ref "people"}}\n',
      'models/contacts.yml': 'models:\n  - name: contacts\n    data_tests:\n      - expression_is_true:\n          expression: "length(email) < 5"\n',
    });
    const outcome = await build({ projectDir: dir, env: { HOME: dir } });
    expect(outcome.exitCode).toBe(1);
    const sampleOf = (name: string) => outcome.summary!.results.find((r) => r.name.startsWith(name))!.sample!;
    // On the personal-data column itself: the value masked, the count kept.
    expect(sampleOf('unique_people_email').rows).toEqual([['<personal data>', '2']]);
    // A model test's rows: contacts.email is personal data by lineage (select * from people).
    const rows = sampleOf('expression_is_true_contacts');
    const email = rows.columns.findIndex((c) => c.name === 'email');
    expect(rows.rows.length).toBeGreaterThan(0);
    expect(rows.rows.every((r) => r[email] === '<personal data>')).toBe(true);
    // What is not personal data is shown as it is: the city that failed accepted_values.
    expect(sampleOf('accepted_values_people_city').rows).toEqual([['Rome', '2']]);
    const run = await dpf(['build'], { cwd: dir, env: { HOME: dir } });
    for (const text of [run.output, readFileSync(join(dir, 'target/run_results.json'), 'utf8')]) expect(text).not.toContain('planted@example.com');
    expect(run.output).toContain('<personal data>');
  });
});

describe('dpf audit reports the personal data the rules expose', () => {
  it('a public model carrying personal data (high, exit 1), and a kind of personal data no role is limited from (medium)', async () => {
    const open = CLASSIFICATIONS.replace('  - name: name\n    level: confidential\n', '  - name: name\n    level: internal\n');
    const dir = makeProject(files({ 'classifications.yml': open, 'models/marts.yml': 'models:\n  - name: fct_orders\n    access: public\n' }));
    const run = await dpf(['audit', '--output', 'json'], { cwd: dir, env: { HOME: dir } });
    expect(run.code, run.output).toBe(1);
    const report = JSON.parse(run.stdout) as { findings: { kind: string; rule: string; severity: string; file: string; line: number; message: string }[] };
    const exposures = report.findings.filter((f) => f.kind === 'pii_exposure');
    expect(exposures.find((f) => f.rule === 'public-model-pii')).toMatchObject({ severity: 'high', file: 'models/marts.yml', line: 3, message: expect.stringContaining('fct_orders.customer_email ← stg_customers.email_norm ← raw.customers.email') });
    // name is at internal, which names no readers, and so is the kind: every role reads raw.customers.name.
    expect(exposures.find((f) => f.rule === 'pii-without-readers')).toMatchObject({ severity: 'medium', file: 'classifications.yml', message: expect.stringContaining('customers.name holds personal data (name) that every role may read') });
    const clean = makeProject(files());
    const ok = await dpf(['audit'], { cwd: clean, env: { HOME: clean } });
    expect(ok.code, ok.output).toBe(0);
  });
});

describe('roles.yml is checked with the classifications on every compile', () => {
  it('names a reader that is no role, and a role level that is no level, at their lines', async () => {
    const dir = makeProject(
      files({
        'classifications.yml': CLASSIFICATIONS.replace('readers: [analyst, data_engineer]', 'readers: [analist, data_engineer]'),
        'roles.yml':
          'roles:\n  - name: analyst\n    trino: {users: [ana]}\n    read: {up_to: confidental}\n  - name: data_engineer\n    manage: true\n    trino: {users: [dee]}\n  - name: legal\n    trino: {users: [lea]}\n',
      }),
    );
    const run = await dpf(['compile'], { cwd: dir, env: { HOME: dir } });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toMatch(/DPF970[\s\S]*"analist"[\s\S]*Did you mean "analyst"\?/);
    expect(run.stderr).toContain('classifications.yml:5:15');
    expect(run.stderr).toMatch(/DPF971[\s\S]*"confidental"[\s\S]*Did you mean "confidential"\?/);
    expect(run.stderr).toContain('roles.yml:4:19');
  });
});

describe('the governance pass kept between compiles', () => {
  it('answers as a full pass does, and again when a model, classifications.yml or a column changes', async () => {
    const dir = makeProject(files());
    const compileGov = async () => {
      const run = await dpf(['compile'], { cwd: dir, env: { HOME: dir } });
      expect(run.code, run.output).toBe(0);
      return manifestOf(dir).governance!;
    };
    const fresh = async () => {
      rmSync(join(dir, 'target/governance_cache.json'), { force: true });
      return compileGov();
    };
    const first = await compileGov();
    expect(existsSync(join(dir, 'target/governance_cache.json'))).toBe(true);
    expect(await compileGov()).toEqual(first);
    // A model no longer reads the email: its column loses the classification, kept or not.
    writeFileSync(join(dir, 'models/stg_customers.sql'), "select id, 'hidden' as email_norm, name as full_name, segment from {{source \"raw\" \"customers\"}}\n");
    const changed = await compileGov();
    expect(changed.columns['model.proj.stg_customers']!.email_norm).toBeUndefined();
    expect(changed).toEqual(await fresh());
    // Legal raises name to restricted.
    writeFileSync(join(dir, 'classifications.yml'), CLASSIFICATIONS.replace('  - name: name\n    level: confidential', '  - name: name\n    level: restricted'));
    const raised = await compileGov();
    expect(raised.columns['model.proj.stg_customers']!.full_name!.level).toBe('restricted');
    expect(raised).toEqual(await fresh());
    // A column declared personal data in YAML.
    writeFileSync(join(dir, 'models/stg.yml'), 'models:\n  - name: stg_customers\n    columns:\n      - name: segment\n        pii: true\n');
    const declared = await compileGov();
    expect(declared.columns['model.proj.stg_customers']!.segment!.pii).toEqual(['pii']);
    expect(declared).toEqual(await fresh());
  });
});
