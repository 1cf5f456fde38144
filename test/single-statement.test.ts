/**
 * One statement per execution, on a real DuckDB file: a var that closes a string literal is
 * refused before anything runs (its `drop table` included), `literal` quotes the same value
 * safely, and models that end with a semicolon or a comment still build.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject } from './helpers/run-dpf.js';
import { queryDuckDB, relationsIn } from './helpers/query-duckdb.js';

const INJECTION = "'); drop table main.s1; select * from (select '";

async function projectWithTable(files: Record<string, string>): Promise<{ dir: string; db: string }> {
  const dir = makeProject(files);
  const db = join(dir, 'target/dev.duckdb');
  mkdirSync(join(dir, 'target'));
  await queryDuckDB(db, 'create table main.s1 as select * from range(3) as t(id)');
  return { dir, db };
}

describe('one statement per execution', () => {
  it('refuses a var that adds statements: DPF608 at the model line, exit 1, and s1 keeps its rows', async () => {
    const { dir, db } = await projectWithTable({
      'models/quoted.sql': '{{config materialized="table"}}\n-- a greeting\nselect\n  \'{{var "v"}}\' as c\n',
    });
    const run = await dpf(['build', '--project-dir', dir, '--select', 'quoted', '--vars', JSON.stringify({ v: INJECTION })], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/error DPF608 More than one statement — models\/quoted\.sql:4\b/);
    expect(run.output).toContain('The second begins: drop table main.s1;');
    expect(run.output).toContain('{{literal (var "name")}}');
    expect(run.output).not.toMatch(/^\s+at /m); // no stack trace
    expect(await queryDuckDB(db, 'select count(*)::int as n from main.s1')).toEqual([{ n: 3 }]);
    expect(await relationsIn(db)).not.toContain('main.quoted');
  });

  it('builds the same value through literal: the one row holds exactly the text', async () => {
    const tricky = `${INJECTION} \\' \\\\ ünïcødé ✓ -- /*`;
    const { dir, db } = await projectWithTable({
      'models/safe.sql': '{{config materialized="table"}}\nselect {{literal (var "v")}} as c, {{literal (var "w")}} as d\n',
    });
    const run = await dpf(['build', '--project-dir', dir, '--select', 'safe', '--vars', JSON.stringify({ v: INJECTION, w: tricky })], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(await queryDuckDB(db, 'select c, d from main.safe')).toEqual([{ c: INJECTION, d: tricky }]);
    expect(await queryDuckDB(db, 'select count(*)::int as n from main.s1')).toEqual([{ n: 3 }]);
  });

  it('builds models that end with a semicolon, a comment, or both, and a semicolon inside a string', async () => {
    const dir = makeProject({
      'models/semicolon.sql': '{{config materialized="table"}}\nselect 1 as a;\n',
      'models/comment.sql': '{{config materialized="table"}}\nselect 2 as a -- the last line\n',
      'models/both.sql': '{{config materialized="table"}}\nselect 3 as a; -- done\n/* really */\n',
      'models/in_string.sql': "{{config materialized=\"table\"}}\nselect 'x; -- y;' as a;\n",
    });
    const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const db = join(dir, 'target/dev.duckdb');
    const all = await queryDuckDB(
      db,
      "select (select a from main.semicolon) as s, (select a from main.comment) as c, (select a from main.both) as b, (select a from main.in_string) as i",
    );
    expect(all).toEqual([{ s: 1, c: 2, b: 3, i: 'x; -- y;' }]);
  });
});
