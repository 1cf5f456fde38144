/** State: skipping unchanged nodes, state:/result: selection against another run's artifacts. */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { dpf, makeProject, REPO_ROOT, tempDir } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

const files = {
  'models/a.sql': '{{config materialized="table"}}\nselect {{var "n" 1}} as n\n',
  'models/b.sql': '{{config materialized="table"}}\nselect n * 2 as m from {{ref "a"}}\n',
  'models/c.sql': 'select 1 as x\n',
  'models/c.yml': 'models:\n  - name: c\n    config: {tags: [one]}\n',
};

const status = (out: string, name: string) => new RegExp(`(OK|REUSE) +\\w+ +main\\.${name} `).exec(out)?.[1];

describe('skipping unchanged models', () => {
  it('rebuilds only what changed or sits downstream of a change, and what was dropped', async () => {
    const dir = makeProject(files);
    const db = join(dir, 'target/dev.duckdb');
    expect((await dpf(['run', '--project-dir', dir], { cwd: dir })).code).toBe(0);

    const same = await dpf(['run', '--project-dir', dir], { cwd: dir });
    expect([status(same.stdout, 'a'), status(same.stdout, 'b'), status(same.stdout, 'c')]).toEqual(['REUSE', 'REUSE', 'REUSE']);

    // A var changes a's compiled SQL: a and b (downstream) rebuild, c does not.
    const vars = await dpf(['run', '--project-dir', dir, '--vars', '{n: 5}'], { cwd: dir });
    expect([status(vars.stdout, 'a'), status(vars.stdout, 'b'), status(vars.stdout, 'c')]).toEqual(['OK', 'OK', 'REUSE']);
    expect(await queryDuckDB(db, 'select m from main.b')).toEqual([{ m: 10 }]);

    // A relation dropped behind dpf's back is built again.
    await queryDuckDB(db, 'drop table main.b');
    const dropped = await dpf(['run', '--project-dir', dir, '--vars', '{n: 5}'], { cwd: dir });
    expect([status(dropped.stdout, 'a'), status(dropped.stdout, 'b')]).toEqual(['REUSE', 'OK']);

    const records = await queryDuckDB(db, 'select count(*)::int as n from dpf_meta.relation_builds where complete');
    expect(records[0]!.n).toBe(3);
  });
});

describe('a build with nothing to do', () => {
  it('answers from target/reuse_ledger.json without opening the database while nothing else wrote to it', async () => {
    const dir = makeProject(files);
    const db = join(dir, 'target/dev.duckdb');
    expect((await dpf(['run', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    // Another process holds the database file: only a run that never opens it can succeed.
    const holder = spawn(process.execPath, ['--input-type=module', '-e', HOLD_DATABASE, db], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      const noop = await dpf(['run', '--project-dir', dir], { cwd: dir });
      expect(noop.code, noop.output).toBe(0);
      expect([status(noop.stdout, 'a'), status(noop.stdout, 'b'), status(noop.stdout, 'c')]).toEqual(['REUSE', 'REUSE', 'REUSE']);
      // A change needs the database, which is busy: dpf says so instead of guessing.
      const changed = await dpf(['run', '--project-dir', dir, '--vars', '{n: 2}'], { cwd: dir });
      expect(changed.code).toBe(2);
      expect(changed.output).toContain('DPF305');
    } finally {
      holder.kill();
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    // Written behind dpf's back: the ledger no longer matches the file, so dpf reads the warehouse.
    // a is rebuilt, and b, which reads it, too: a build of a gives a new data version.
    await queryDuckDB(db, 'drop table main.a');
    const after = await dpf(['run', '--project-dir', dir], { cwd: dir });
    expect([status(after.stdout, 'a'), status(after.stdout, 'b'), status(after.stdout, 'c')]).toEqual(['OK', 'OK', 'REUSE']);
  });
});

/** Opens a DuckDB file read-write (which locks it), says so, and waits to be killed. */
const HOLD_DATABASE = `
import { DuckDBInstance } from '@duckdb/node-api';
const instance = await DuckDBInstance.create(process.argv[1]);
await instance.connect();
process.stdout.write('open');
setInterval(() => {}, 1000);
`;

describe('state: and result: selection', () => {
  it('selects new and modified nodes (body, configs) and what is downstream', async () => {
    const dir = makeProject(files);
    expect((await dpf(['compile', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    const state = tempDir();
    cpSync(join(dir, 'target/manifest.json'), join(state, 'manifest.json'));

    writeFileSync(join(dir, 'models/a.sql'), '{{config materialized="table"}}\nselect {{var "n" 1}} + 0 as n\n');
    writeFileSync(join(dir, 'models/c.yml'), 'models:\n  - name: c\n    config: {tags: [two]}\n');
    writeFileSync(join(dir, 'models/d.sql'), 'select 4 as d\n');
    const ls = async (selector: string) =>
      (await dpf(['ls', '--output', 'name', '--project-dir', dir, '--select', selector, '--state', state, '--resource-type', 'model'], { cwd: dir })).stdout.trim().split('\n').sort();
    expect(await ls('state:new')).toEqual(['d']);
    expect(await ls('state:modified.body')).toEqual(['a']);
    expect(await ls('state:modified.configs')).toEqual(['c']);
    expect(await ls('state:modified')).toEqual(['a', 'c', 'd']);
    expect(await ls('state:modified+')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('selects by last result with result:error+, and explains a missing or foreign state', async () => {
    const dir = makeProject({ ...files, 'models/b.sql': 'select nope from {{ref "a"}}\n', 'models/e.sql': 'select * from {{ref "b"}}\n' });
    expect((await dpf(['run', '--project-dir', dir], { cwd: dir })).code).toBe(1);
    const ls = await dpf(['ls', '--output', 'name', '--project-dir', dir, '--select', 'result:error+', '--state', join(dir, 'target')], { cwd: dir });
    expect(ls.code, ls.output).toBe(0);
    expect(ls.stdout.trim().split('\n').sort()).toEqual(['b', 'e']);

    const empty = tempDir();
    const missing = await dpf(['ls', '--output', 'name', '--project-dir', dir, '--select', 'state:modified', '--state', empty], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('DPF504');
    mkdirSync(join(empty, 'x'), { recursive: true });
    writeFileSync(join(empty, 'manifest.json'), JSON.stringify({ metadata: { dpfSchemaVersion: 'https://dpf.dev/schemas/manifest/v0.json' } }));
    const foreign = await dpf(['ls', '--output', 'name', '--project-dir', dir, '--select', 'state:modified', '--state', empty], { cwd: dir });
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain('DPF505');
    const none = await dpf(['ls', '--output', 'name', '--project-dir', dir, '--select', 'state:modified'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('needs --state');
  });
});

describe('--defer and dpf retry', () => {
  it('--defer reads unselected parents missing in this target from the state environment', async () => {
    const dir = makeProject(files);
    writeFileSync(
      join(dir, 'profiles.yml'),
      'proj:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/wh.duckdb, schema: dev }\n    prod: { type: duckdb, path: target/wh.duckdb, schema: prod }\n',
    );
    expect((await dpf(['run', '--project-dir', dir, '--target', 'prod', '--vars', '{n: 21}'], { cwd: dir })).code).toBe(0);
    const prodArtifacts = tempDir();
    cpSync(join(dir, 'target/manifest.json'), join(prodArtifacts, 'manifest.json'));

    const run = await dpf(['run', '--project-dir', dir, '--select', 'b', '--defer', '--state', prodArtifacts], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('Deferring 1 unselected node missing here');
    const db = join(dir, 'target/wh.duckdb');
    expect(await queryDuckDB(db, 'select m from dev.b')).toEqual([{ m: 42 }]);
    expect((await queryDuckDB(db, "select count(*)::int as n from information_schema.tables where table_schema = 'dev' and table_name = 'a'"))[0]!.n).toBe(0);
    const compiled = JSON.parse((await import('node:fs')).readFileSync(join(dir, 'target/manifest.json'), 'utf8'));
    expect(compiled.nodes['model.proj.b'].compiledCode).toContain('"prod"."a"');
  });

  it('retry runs the last command again for what failed or was skipped', async () => {
    const dir = makeProject({ ...files, 'models/b.sql': '{{config materialized="table"}}\nselect nope from {{ref "a"}}\n', 'models/e.sql': 'select * from {{ref "b"}}\n' });
    const first = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(first.code).toBe(1);
    writeFileSync(join(dir, 'models/b.sql'), '{{config materialized="table"}}\nselect n from {{ref "a"}}\n');
    const retry = await dpf(['retry', '--project-dir', dir], { cwd: dir });
    expect(retry.code, retry.output).toBe(0);
    // b, its monitor (skipped with it) and e.
    expect(retry.stdout).toContain('Retrying 3 nodes of the last dpf build');
    expect(retry.stdout).toMatch(/Running 3 nodes/);
    expect(retry.stdout).toMatch(/PASS +mon +main\.b/);
    expect(retry.stdout).toMatch(/OK +table +main\.b/);
    expect(retry.stdout).toMatch(/OK +view +main\.e/);
    const nothing = await dpf(['retry', '--project-dir', dir], { cwd: dir });
    expect(nothing.stdout).toContain('Nothing to retry');
    const fresh = makeProject(files);
    const never = await dpf(['retry', '--project-dir', fresh], { cwd: fresh });
    expect(never.code).toBe(2);
    expect(never.stderr).toContain('DPF506');
    expect(never.stderr).toContain('target/run_results.json');
  });
});

describe('dpf clone', () => {
  it('makes views over the state environment\'s relations, keeping what exists unless --full-refresh', async () => {
    const dir = makeProject(files);
    writeFileSync(
      join(dir, 'profiles.yml'),
      'proj:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/wh.duckdb, schema: dev }\n    prod: { type: duckdb, path: target/wh.duckdb, schema: prod }\n',
    );
    expect((await dpf(['run', '--project-dir', dir, '--target', 'prod', '--vars', '{n: 3}'], { cwd: dir })).code).toBe(0);
    const prod = tempDir();
    cpSync(join(dir, 'target/manifest.json'), join(prod, 'manifest.json'));
    expect((await dpf(['run', '--project-dir', dir, '--select', 'c'], { cwd: dir })).code).toBe(0);

    const clone = await dpf(['clone', '--project-dir', dir, '--state', prod], { cwd: dir });
    expect(clone.code, clone.output).toBe(0);
    expect(clone.stdout).toContain('Cloned 2 relations as views');
    expect(clone.stdout).toContain('kept 1 that already exist here');
    const db = join(dir, 'target/wh.duckdb');
    expect(await queryDuckDB(db, 'select m from dev.b')).toEqual([{ m: 6 }]);
    const types = await queryDuckDB(db, "select table_name, table_type from information_schema.tables where table_schema = 'dev' order by 1");
    expect(types).toEqual([
      { table_name: 'a', table_type: 'VIEW' },
      { table_name: 'b', table_type: 'VIEW' },
      { table_name: 'c', table_type: 'VIEW' },
    ]);
  });
});
