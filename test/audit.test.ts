/**
 * The audit trail and the security report (docs/governance.md#audit-log-and-dpf-audit), end to
 * end: `dpf audit` finds planted secrets (a literal password in profiles.yml, an AWS key in a
 * SQL comment, a Slack webhook in a YAML description, a token in a target/ artifact) and an
 * unquoted var, each at its file:line, exits 1 at --fail-on and never prints or writes a
 * secret; a clean project exits 0. A build in a git repository writes dpf_meta.audit_log rows
 * (who, command, target, commit, the relations it created, replaced or updated) on real DuckDB,
 * and so do dpf ci's clean-up (the schemas it drops) and dpf clone (the views it creates).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSchema } from '../src/compiler/schema-validators.js';
import { audit, type AuditReport } from '../src/index.js';
import { dpf, makeProject, REPO_ROOT, tempDir, writeFiles } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

// Made up, and put together at run time so that no secret scanner flags dpf's own repository.
const PASSWORD = ['Sup3r', 'S3cret', 'Passw0rd'].join('-');
const AWS_KEY = ['AKIA', 'Q3EGRKJ7ZLXW5M4P'].join('');
const WEBHOOK_SECRET = ['T024BE7LD', 'B01ABCDEF9G', 'Qx7vR2mK9pL4sT8wZ1yN3bC6'].join('/');
const GITHUB_TOKEN = ['ghp', 'R8mV2xK7pQ4wL9sT3yN6bC1dF5gH0jZ2aE8u'].join('_');
const SECRETS = [PASSWORD, AWS_KEY, WEBHOOK_SECRET, GITHUB_TOKEN];

const LEAKY = {
  'profiles.yml': `proj:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/dev.duckdb\n      schema: main\n      password: "${PASSWORD}"\n`,
  'models/orders.sql': `-- loaded with ${AWS_KEY}\nselect 1 as id, 10 as amount\n`,
  'models/big_orders.sql': `select *\nfrom {{ref "orders"}}\nwhere amount > {{var "min_amount"}}\n`,
  'models/schema.yml': `models:\n  - name: orders\n    description: "alerts go to https://hooks.slack.com/services/${WEBHOOK_SECRET}"\n`,
  // An artifact that holds a secret, as a compile of a leaky model would write it.
  'target/run/proj/models/leak.sql': `select 1 -- ${GITHUB_TOKEN}\n`,
};

/** Every text under a folder, for grepping what was written. */
function textsUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'latin1'));
}

const validateReport = compileSchema(JSON.parse(readFileSync(join(REPO_ROOT, 'schemas/audit.schema.json'), 'utf8')) as object);

describe('dpf audit', () => {
  it('reports each planted secret and the unquoted var at file:line, exits 1, and never shows or writes a secret', async () => {
    const dir = makeProject(LEAKY);
    const before = textsUnder(join(dir, 'target')).length;
    const text = await dpf(['audit'], { cwd: dir });
    expect(text.code, text.output).toBe(1);
    expect(text.stdout).toContain('profiles.yml:8:');
    expect(text.stdout).toMatch(/HIGH +profiles\.yml:8:\d+ +secret \(literal-secret-in-config\): Sup3…\(21 chars\)/);
    expect(text.stdout).toMatch(/HIGH +models\/orders\.sql:1:\d+ +secret \(aws-access-key-id\): AKIA…\(20 chars\)/);
    expect(text.stdout).toMatch(/HIGH +models\/schema\.yml:3:\d+ +secret \(slack-webhook\)/);
    expect(text.stdout).toMatch(/HIGH +target\/run\/proj\/models\/leak\.sql:1:\d+ +secret \(github-token\)/);
    expect(text.stdout).toMatch(/MEDIUM +models\/big_orders\.sql:3:16 +SQL injection \(unquoted-var\)/);
    expect(text.stdout).toContain('{{literal (var "min_amount")}}');

    const json = await dpf(['audit', '--output', 'json', '--fail-on', 'high'], { cwd: dir });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as AuditReport;
    expect(validateReport(report), JSON.stringify(validateReport.errors)).toBe(true);
    const found = report.findings.map((f) => `${f.rule} ${f.file}:${f.line}${f.artifact ? ' artifact' : ''}`);
    expect(found.sort()).toEqual(
      [
        'literal-secret-in-config profiles.yml:8',
        'aws-access-key-id models/orders.sql:1',
        'slack-webhook models/schema.yml:3',
        'github-token target/run/proj/models/leak.sql:1 artifact',
        'unquoted-var models/big_orders.sql:3',
      ].sort(),
    );
    expect(report.counts).toEqual({ high: 4, medium: 1, low: 0 });

    // No secret in anything printed, nor in anything under target/ but the planted artifact.
    for (const run of [text, json]) for (const secret of SECRETS) expect(run.output).not.toContain(secret);
    const texts = textsUnder(join(dir, 'target'));
    expect(texts.length).toBe(before);
    for (const secret of [PASSWORD, AWS_KEY, WEBHOOK_SECRET]) for (const t of texts) expect(t).not.toContain(secret);
  });

  it('exits 0 on a clean project: env passwords, literal() vars, vars in comments, vendor example keys', async () => {
    const dir = makeProject({
      'profiles.yml': "proj:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/dev.duckdb, schema: main, password: \"{{env 'DB_PASSWORD'}}\" }\n",
      'models/a.sql': '-- AWS docs: AKIAIOSFODNN7EXAMPLE; {{var "not_rendered"}} in a comment\nselect {{literal (var "region" "eu")}} as region\n/* {{var "also_comment"}} */\n',
      'models/schema.yml': 'models:\n  - name: a\n    description: "postgres://analyst:{{env \'PG_PW\'}}@db/x"\n',
    });
    const run = await dpf(['audit'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('No findings.');
    const strict = await dpf(['audit', '--fail-on', 'low'], { cwd: dir });
    expect(strict.code, strict.output).toBe(0);
  });

  it('fails at --fail-on: a quoted var is low, an unquoted var medium; an unknown severity is DPF950', async () => {
    const dir = makeProject({ 'models/a.sql': "select '{{var \"day\"}}' as d, {{var \"n\"}} as n\n" });
    const report = await audit({ projectDir: dir });
    expect(report.findings.map((f) => [f.rule, f.severity, f.line, f.column])).toEqual([
      ['unquoted-var', 'medium', 1, 30],
      ['quoted-var', 'low', 1, 9],
    ]);
    expect((await dpf(['audit'], { cwd: dir })).code).toBe(0);
    expect((await dpf(['audit', '--fail-on', 'medium'], { cwd: dir })).code).toBe(1);
    const bad = await dpf(['audit', '--fail-on', 'hihg'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('DPF950');
    expect(bad.stderr).toContain('Did you mean "high"?');
  });

  it("reports the PII scanner's unclassified findings, and warns (DPF952) when its file cannot be read", async () => {
    const dir = makeProject({
      'models/a.sql': 'select 1 as id\n',
      'target/pii_findings.json': JSON.stringify({
        findings: [
          { node: 'model.proj.customers', column: 'email', category: 'email', confidence: 0.98, classified: false },
          { node: 'model.proj.customers', column: 'phone', category: 'phone', confidence: 0.9, classified: true, classification: 'confidential' },
        ],
      }),
    });
    const report = await audit({ projectDir: dir });
    expect(report.scanned.piiFindings).toBe(true);
    expect(report.findings.map((f) => [f.kind, f.rule, f.file])).toEqual([['pii_unclassified', 'pii-email', 'target/pii_findings.json']]);
    expect(report.findings[0]!.message).toContain('Column email of model.proj.customers');
    writeFileSync(join(dir, 'target/pii_findings.json'), '{"findings": [');
    const run = await dpf(['audit'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stderr).toContain('DPF952');
  });

  it('reads the repository as git lists it: untracked files count, ignored ones do not', async () => {
    const dir = makeProject({ '.gitignore': 'target/\n.env\n', '.env': `TOKEN=${GITHUB_TOKEN}\n`, 'notes.txt': `old key ${AWS_KEY}\n` });
    git(dir, 'init', '-q');
    const report = await audit({ projectDir: dir });
    expect(report.findings.map((f) => `${f.rule} ${f.file}`)).toEqual(['aws-access-key-id notes.txt']);
  });
});

describe('dpf_meta.audit_log', () => {
  it('records who built what: the command row and one row per relation created, replaced or updated', async () => {
    const dir = makeProject({
      'models/a.sql': 'select 1 as id\n',
      'models/b.sql': "{{config materialized='table'}}\nselect * from {{ref 'a'}}\n",
      'models/inc.sql': "{{config materialized='incremental'}}\nselect * from {{ref 'a'}}\n",
      'models/other.sql': 'select 2 as id\n',
    });
    git(dir, 'init', '-q');
    git(dir, 'config', 'user.name', 'Ada Auditor');
    git(dir, 'config', 'user.email', 'ada@example.org');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'first');
    const commit = git(dir, 'rev-parse', 'HEAD').trim();
    const env = { HOME: dir, GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'octo-auditor' };

    const first = await dpf(['build', '--select', 'a+'], { cwd: dir, env });
    expect(first.code, first.output).toBe(0);
    writeFiles(dir, { 'models/a.sql': 'select 1 as id union all select 3\n' });
    const second = await dpf(['build', '--select', 'a+'], { cwd: dir, env });
    expect(second.code, second.output).toBe(0);

    const rows = await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select * from dpf_meta.audit_log order by started_at, action, relation');
    const commands = rows.filter((r) => r.action === 'command');
    expect(commands).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({
        command: 'build',
        selector: '--select a+',
        target: 'dev',
        git_commit: commit,
        os_user: userInfo().username,
        git_user_name: 'Ada Auditor',
        git_user_email: 'ada@example.org',
        ci_actor: 'octo-auditor',
        ci_system: 'github',
      });
      expect(row.started_at).not.toBeNull();
      expect(row.ended_at).not.toBeNull();
    }
    expect(commands.map((r) => r.status)).toEqual(['success', 'success']);
    // The second build ran with models/a.sql changed since the commit.
    expect(commands.map((r) => r.git_dirty)).toEqual([false, true]);
    const [run1, run2] = commands.map((r) => String(r.run_id));
    const changes = (runId: string) =>
      rows
        .filter((r) => r.run_id === runId && r.action !== 'command')
        .map((r) => `${r.action} ${String(r.relation).replace(/"/g, '')} ${r.materialized}`)
        .sort();
    expect(changes(run1!)).toEqual(['created main.a view', 'created main.b table', 'created main.inc incremental']);
    expect(changes(run2!)).toEqual(['replaced main.a view', 'replaced main.b table', 'updated main.inc incremental']);

    // The runs table and the audit log agree on the run ids.
    const runs = await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select run_id from dpf_meta.runs order by started_at');
    expect(runs.map((r) => r.run_id)).toEqual([run1, run2]);
  });
});

describe('dpf_meta.audit_log outside the executor', () => {
  it('records the schemas dpf ci drops and the views dpf clone creates', async () => {
    const dir = makeProject({
      'models/orders.sql': '{{config materialized="table"}}\nselect range as id from range(10)\n',
      'models/big_orders.sql': '{{config materialized="table"}}\nselect id from {{ref "orders"}} where id >= 5\n',
      'profiles.yml':
        'proj:\n  target: prod\n  outputs:\n    prod: { type: duckdb, path: target/wh.duckdb, schema: prod }\n    ci: { type: duckdb, path: target/wh.duckdb, schema: ci }\n    dev: { type: duckdb, path: target/wh.duckdb, schema: dev }\n',
    });
    const env = { HOME: dir, GITLAB_CI: 'true', GITLAB_USER_LOGIN: 'gl-auditor' };
    expect((await dpf(['build'], { cwd: dir, env })).code).toBe(0);
    const prod = tempDir();
    cpSync(join(dir, 'target/manifest.json'), join(prod, 'manifest.json'));
    writeFiles(dir, { 'models/big_orders.sql': '{{config materialized="table"}}\nselect id from {{ref "orders"}} where id >= 7\n' });
    const ci = await dpf(['ci', '--state', prod, '--target', 'ci', '--branch', 'b1'], { cwd: dir, env });
    expect(ci.code, ci.output).toBe(0);
    const clone = await dpf(['clone', '--state', prod, '--target', 'dev', '--select', 'orders'], { cwd: dir, env });
    expect(clone.code, clone.output).toBe(0);

    const rows = await queryDuckDB(join(dir, 'target/wh.duckdb'), "select * from dpf_meta.audit_log where command in ('ci', 'clone') order by command, action, relation");
    expect(rows.map((r) => [r.command, r.target, r.action, String(r.relation).replace(/"/g, ''), r.materialized, r.selector])).toEqual([
      ['ci', 'ci', 'command', 'null', null, null],
      ['ci', 'ci', 'dropped', 'ci_b1', 'schema', null],
      ['ci', 'ci', 'dropped', 'ci_b1_dpf_audit', 'schema', null],
      ['clone', 'dev', 'command', 'null', null, '--select orders'],
      ['clone', 'dev', 'created', 'dev.orders', 'view', '--select orders'],
    ]);
    for (const row of rows) expect(row).toMatchObject({ ci_system: 'gitlab', ci_actor: 'gl-auditor', os_user: userInfo().username });
    // dpf ci's build itself is a build of the ci target, with its own rows.
    const built = await queryDuckDB(join(dir, 'target/wh.duckdb'), "select relation from dpf_meta.audit_log where command = 'build' and target = 'ci' and action <> 'command'");
    expect(built.map((r) => String(r.relation).replace(/"/g, ''))).toEqual(['ci_b1.big_orders']);
  });
});

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' } });
}

describe('dpf audit: broad roles and grants drift', () => {
  const files = {
    'classifications.yml': `levels:
  - name: public
  - name: internal
  - name: restricted
    readers: [data_engineer]
pii:
  - name: email
    level: restricted
    masking: hash
  - name: phone
    level: internal
`,
    'roles.yml': `roles:
  - name: data_engineer
    read: {up_to: restricted}
  - name: business_user
    broad: true
    read: {up_to: restricted}
  - name: support
    read: {select: [contacts], up_to: restricted}
`,
    'seeds/raw_contacts.csv': 'id,email,phone\n1,ann@example.com,555-0100\n',
    'seeds/_seeds.yml': 'seeds:\n  - name: raw_contacts\n    columns:\n      - name: email\n        pii: email\n      - name: phone\n        pii: phone\n',
    'models/contacts.sql': 'select id, email, phone from {{ref "raw_contacts"}}\n',
  };

  it('reports a broad role reading personal data in clear at its line, and drift of the enforced grants with --warehouse', async () => {
    const dir = makeProject(files);
    const env = { HOME: dir };
    const report = await audit({ projectDir: dir, cwd: dir, env });
    const broad = report.findings.filter((f) => f.rule === 'pii-to-broad-role');
    // business_user is broad: phone (no readers) is in clear for it, email is masked (hash). support is not broad; data_engineer reads email by right.
    expect(broad.map((f) => [f.severity, f.file, f.line])).toEqual([
      ['high', 'roles.yml', 4],
      ['high', 'roles.yml', 4],
    ]);
    expect(broad.map((f) => f.message.split(':')[0]).sort()).toEqual(['Role "business_user" is broad (broad', 'Role "business_user" is broad (broad']);
    expect(broad.some((f) => f.message.includes('in contacts: phone (phone)') && !f.message.includes('email'))).toBe(true);
    expect(broad.some((f) => f.message.includes('in raw_contacts: phone (phone)'))).toBe(true);
    expect(report.failed).toBe(true);
    // Without --warehouse the engine is not read: no drift, although nothing was ever applied.
    expect(report.findings.some((f) => f.kind === 'grants_drift')).toBe(false);

    expect((await dpf(['build'], { cwd: dir, env })).code).toBe(0);
    expect((await dpf(['grants', 'apply'], { cwd: dir, env })).code).toBe(0);
    const applied = await audit({ projectDir: dir, cwd: dir, env, warehouse: true });
    expect(applied.scanned.warehouse).toBe(true);
    expect(applied.findings.filter((f) => f.kind === 'grants_drift')).toEqual([]);

    // Someone drops a role's masked view by hand: the engine no longer enforces what roles.yml says.
    const db = join(dir, 'target/dev.duckdb');
    const schemas = await queryDuckDB(db, "select distinct table_schema as s from information_schema.tables where table_schema like '%support%'");
    expect(schemas).toHaveLength(1);
    await queryDuckDB(db, `drop view "${String(schemas[0]!.s)}".contacts`);
    const cli = await dpf(['audit', '--warehouse', '--fail-on', 'high'], { cwd: dir, env });
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/HIGH\s+roles\.yml:1:1\s+grants drift \(grants-missing\)/);
    expect(cli.stdout).toContain(', the engine');
    const json = await dpf(['audit', '--warehouse', '--output', 'json'], { cwd: dir, env });
    const parsed = JSON.parse(json.stdout) as AuditReport;
    expect(parsed.findings.filter((f) => f.kind === 'grants_drift').map((f) => f.severity)).toEqual(['high']);
    expect(validateReport(parsed), JSON.stringify(validateReport.errors)).toBe(true);

    // A Trino target without access_control_file: the drift check cannot run, one warning, the rest reported.
    writeFileSync(join(dir, 'profiles.yml'), readFileSync(join(dir, 'profiles.yml'), 'utf8').replace('outputs:', 'outputs:\n    lake: { type: trino, host: localhost, port: 1, catalog: memory, schema: s, user: u }'));
    const skipped = await dpf(['audit', '--warehouse', '--target', 'lake'], { cwd: dir, env });
    expect(skipped.stderr).toContain('warning DPF954 Engine check not run');
    expect(skipped.stderr).toContain('could not check grants drift: DPF972: Role "data_engineer" names no trino user or group');
  }, 120_000);
});
