/**
 * Nothing dpf writes carries personal data or a secret (issue 14, "Bad input"): a project with
 * planted emails and names in its data, classified, and a secret in its environment, goes
 * through build (with tests that fail on the personal-data columns), the PII scanner (its
 * findings in dpf_meta.pii_findings and the catalog), the catalog, the audit, and status; then every file under target/ and every text value of the
 * dpf_meta tables (history, audit log) is searched for each planted value. The data itself is
 * in the warehouse's own tables, which is where it belongs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryDuckDB } from './helpers/query-duckdb.js';
import { dpf, makeProject } from './helpers/run-dpf.js';

const EMAILS = ['zelda.planted@example.org', 'yannick.planted@example.net', 'xenia.planted@example.com'];
const NAMES = ['Zeldaplanted', 'Yannickplanted', 'Xeniaplanted'];
const SECRET = 'sk_live_PLANTEDsecret0123456789';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? filesUnder(path) : [path];
  });
}

describe('nothing dpf writes carries a planted value', () => {
  it('build, docs generate, scan pii, audit and status leave no personal data or secret in target/ or dpf_meta', async () => {
    const rows = EMAILS.map((e, i) => `${i + 1},${NAMES[i]},${e},${i === 0 ? 'Oslo' : 'Rome'}`);
    const dir = makeProject(
      {
        'classifications.yml': 'levels:\n  - name: internal\n  - name: restricted\n    readers: [legal]\npii:\n  - name: email\n    level: restricted\n  - name: name\n    level: restricted\n',
        // The second email repeats the first: unique fails on a personal-data column.
        'seeds/people.csv': `id,first_name,email,city\n${rows[0]}\n${rows[1]!.replace(EMAILS[1]!, EMAILS[0]!)}\n${rows[2]}\n`,
        'seeds/_seeds.yml':
          'seeds:\n  - name: people\n    columns:\n      - name: first_name\n        pii: name\n      - name: email\n        pii: email\n        data_tests:\n          - unique:\n              config: {severity: warn}\n',
        'models/contacts.sql': '{{config materialized="table"}}\nselect id, upper(first_name) as shout, email, city from {{ref "people"}}\n',
        'models/contacts.yml': 'models:\n  - name: contacts\n    data_tests:\n      - expression_is_true:\n          expression: "length(email) < 3"\n          config: {severity: warn}\n',
        'pipelines/nightly.yml': 'select: contacts\nschedule: {cron: "0 3 * * *"}\n',
      },
      'name: proj\n',
    );
    const env = { HOME: dir, SERVICE_TOKEN: SECRET };
    // The secret reaches the run through the profile, as a password would.
    const profiles = readFileSync(join(dir, 'profiles.yml'), 'utf8').replace('threads: 2 }', "threads: 2, settings: {custom_user_agent: \"{{env 'SERVICE_TOKEN'}}\"} }");
    (await import('node:fs')).writeFileSync(join(dir, 'profiles.yml'), profiles);

    const outputs: string[] = [];
    // The scan before the catalog: the site shows its findings.
    for (const args of [['build'], ['scan', 'pii'], ['docs', 'generate'], ['audit'], ['status'], ['build', '--log-format', 'json']]) {
      const run = await dpf(args, { cwd: dir, env });
      expect(run.code === 0 || run.code === 1, `${args.join(' ')}: ${run.output}`).toBe(true);
      outputs.push(run.output);
    }
    const planted = [...EMAILS, ...NAMES, NAMES.map((n) => n.toUpperCase())].flat();
    planted.push(SECRET);
    const leaks: string[] = [];
    const look = (where: string, text: string) => {
      for (const value of planted) if (text.includes(value)) leaks.push(`${where}: ${value}`);
    };
    outputs.forEach((o, i) => look(`output of command ${i + 1}`, o));
    for (const file of filesUnder(join(dir, 'target'))) {
      if (file.endsWith('.duckdb') || file.endsWith('.wal')) continue;
      if (statSync(file).size > 20_000_000) continue;
      look(file.slice(dir.length + 1), readFileSync(file, 'latin1'));
    }
    const db = join(dir, 'target/dev.duckdb');
    const tables = await queryDuckDB(db, "select table_name from information_schema.tables where table_schema = 'dpf_meta'");
    expect(tables.length).toBeGreaterThan(3);
    // The scanner's findings are among them, and in the site: the check reads what the scan wrote.
    expect(tables.map((t) => t.table_name)).toContain('pii_findings');
    expect(readFileSync(join(dir, 'target/site/data/index.js'), 'utf8')).toContain('piiScan');
    for (const { table_name } of tables) {
      const all = await queryDuckDB(db, `select * from dpf_meta."${String(table_name)}"`);
      look(`dpf_meta.${table_name}`, JSON.stringify(all));
    }
    expect(leaks).toEqual([]);
    // The data is where it belongs: in the model's table.
    expect((await queryDuckDB(db, 'select count(*) as n from main.contacts where email like \'%planted%\''))[0]!.n).toBe('3');
  }, 240_000);
});
