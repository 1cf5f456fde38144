/**
 * A profile secret holding " and \ (which JSON writes as \" and \\) and a newline never reaches
 * --log-format json or target/run_results.json, in any form: values are redacted before they
 * are serialized. The secret reaches an error message the way it does in CI: a var fed from the
 * same environment variable, echoed by the database in a failed cast.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, REPO_ROOT } from './helpers/run-dpf.js';

const SECRET = 'pa"ss\\wo\nrd-42';

describe('a secret with quotes, backslashes and a newline', () => {
  it('appears in no form in --log-format json output or in run_results.json and node_results.json', () => {
    const dir = makeProject({
      'profiles.yml': `proj:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/dev.duckdb, schema: main, threads: 1, password: "{{env 'DPF_TEST_PW'}}" }\n`,
      'models/tokens.sql': `{{config materialized="table"}}\nselect '{{var "token"}}' as token\n`,
      'models/parsed.sql': '{{config materialized="table"}}\nselect cast(token as integer) as n from {{ref "tokens"}}\n',
    });
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/dpf.js'), 'build', '--log-format', 'json', '--vars', JSON.stringify({ token: SECRET })], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, HOME: dir, DPF_TEST_PW: SECRET },
    });
    expect(run.status, run.stderr).toBe(1);
    const events = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { event: string; uniqueId?: string; message?: string });
    const failed = events.find((e) => e.event === 'node_finished' && e.uniqueId === 'model.proj.parsed');
    // The database did echo the value, and what it echoed was redacted.
    expect(failed?.message).toContain('Could not convert string');
    expect(failed?.message).toContain('****');

    const runResults = readFileSync(join(dir, 'target/run_results.json'), 'utf8');
    const nodeResults = readFileSync(join(dir, 'target/node_results.json'), 'utf8');
    expect(runResults).toContain('****');
    const escaped = JSON.stringify(SECRET).slice(1, -1);
    const forms = [SECRET, escaped, JSON.stringify(escaped).slice(1, -1), Buffer.from(SECRET).toString('base64'), 'pa"ss\\wo', 'pa\\"ss\\\\wo'];
    for (const [name, text] of [['stdout', run.stdout], ['stderr', run.stderr], ['run_results.json', runResults], ['node_results.json', nodeResults]]) {
      for (const form of forms) expect(text.includes(form), `${name} holds ${JSON.stringify(form)}`).toBe(false);
    }
  });
});
