import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdbDialect } from '../adapters/duckdb/duckdb-adapter.js';
import HandlebarsModule from 'handlebars';
import { analyzeTemplate } from './analyze-template.js';
import type { Manifest } from './manifest.js';
import { parseSimpleTemplate } from './parse-simple-template.js';
import { createHandlebars, injectCtes, renderModelSql, type RenderEnvironment } from './render-model-sql.js';

const CTES = [
  { name: '__dpf_cte__eph_a', sql: 'select 1 as id\n' },
  { name: '__dpf_cte__eph_b', sql: 'select id + 1 as id from "__dpf_cte__eph_a"   \n\n' },
];
const HEAD = 'with "__dpf_cte__eph_a" as (\nselect 1 as id\n),\n"__dpf_cte__eph_b" as (\nselect id + 1 as id from "__dpf_cte__eph_a"\n)';

// The injected SQL must also run: checked on an in-memory DuckDB.
let instance: DuckDBInstance;
let connection: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});
const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRowsJson();

describe('injectCtes', () => {
  it('returns the SQL unchanged when there is nothing to inject', () => {
    expect(injectCtes('select 1\n', [], duckdbDialect)).toBe('select 1\n');
    expect(injectCtes('with x as (select 1) select * from x', [], duckdbDialect)).toBe('with x as (select 1) select * from x');
  });

  it('prepends a WITH clause, in order and quoted, to a plain select', async () => {
    const sql = injectCtes('select * from "__dpf_cte__eph_b"\n', CTES, duckdbDialect);
    expect(sql).toBe(`${HEAD}\nselect * from "__dpf_cte__eph_b"\n`);
    expect(await rows(sql)).toEqual([[2]]);
  });

  it('merges into a model that has its own WITH, keeping a single WITH', async () => {
    const sql = injectCtes('with mine as (\n  select id * 10 as id from "__dpf_cte__eph_b"\n)\nselect * from mine\n', CTES, duckdbDialect);
    expect(sql).toBe(`${HEAD},\nmine as (\n  select id * 10 as id from "__dpf_cte__eph_b"\n)\nselect * from mine\n`);
    expect(sql.match(/\bwith\b/gi)).toHaveLength(1);
    expect(await rows(sql)).toEqual([[20]]);
  });

  it('recognises WITH in any case and after leading whitespace', async () => {
    const sql = injectCtes('\n  WITH mine AS (select * from "__dpf_cte__eph_a") select * from mine', CTES.slice(0, 1), duckdbDialect);
    expect(sql).toBe('\n  with "__dpf_cte__eph_a" as (\nselect 1 as id\n),\nmine AS (select * from "__dpf_cte__eph_a") select * from mine');
    expect(await rows(sql)).toEqual([[1]]);
  });

  it('keeps leading line and block comments before the merged WITH', async () => {
    const model = '-- revenue by day\n/* owner: finance\n   with love */\nwith mine as (select * from "__dpf_cte__eph_a")\nselect * from mine\n';
    const sql = injectCtes(model, CTES.slice(0, 1), duckdbDialect);
    expect(sql).toBe(
      '-- revenue by day\n/* owner: finance\n   with love */\nwith "__dpf_cte__eph_a" as (\nselect 1 as id\n),\nmine as (select * from "__dpf_cte__eph_a")\nselect * from mine\n',
    );
    expect(sql.match(/^with\b/gim)).toHaveLength(1);
    expect(await rows(sql)).toEqual([[1]]);
  });

  it('does not mistake a comment mentioning "with" for a WITH clause', async () => {
    const sql = injectCtes('-- built with care\nselect * from "__dpf_cte__eph_a"\n', CTES.slice(0, 1), duckdbDialect);
    expect(sql).toBe('with "__dpf_cte__eph_a" as (\nselect 1 as id\n)\n-- built with care\nselect * from "__dpf_cte__eph_a"\n');
    expect(await rows(sql)).toEqual([[1]]);
  });

  it('does not treat an identifier that starts with "with" as WITH', () => {
    const sql = injectCtes('without_tax as (select 1)', CTES.slice(0, 1), duckdbDialect);
    expect(sql.startsWith('with "__dpf_cte__eph_a" as (')).toBe(true);
    expect(sql.endsWith('\nwithout_tax as (select 1)')).toBe(true);
  });

  it('keeps RECURSIVE when merging into WITH RECURSIVE', async () => {
    const model = 'with recursive t(n) as (\n  select id from "__dpf_cte__eph_a"\n  union all select n + 1 from t where n < 3\n)\nselect n from t order by n\n';
    const sql = injectCtes(model, CTES.slice(0, 1), duckdbDialect);
    expect(sql).toBe(
      'with recursive "__dpf_cte__eph_a" as (\nselect 1 as id\n),\nt(n) as (\n  select id from "__dpf_cte__eph_a"\n  union all select n + 1 from t where n < 3\n)\nselect n from t order by n\n',
    );
    expect(await rows(sql)).toEqual([[1], [2], [3]]);
  });
});

describe('the literal helper', () => {
  const VALUES = [
    "'); drop table main.s1; select * from (select '",
    "it''s \\' \\\\ a backslash \\n not a newline",
    'ünïcødé ✓ 𝔘 — "double" $$dollar$$ -- not a comment /* nor this */',
    '',
  ];
  const env = (vars: Record<string, unknown>): RenderEnvironment => ({
    handlebars: createHandlebars(new Map()),
    manifest: { nodes: {}, sources: {} } as unknown as Manifest,
    dialect: duckdbDialect,
    vars,
    target: { name: 'dev', schema: 'main', type: 'duckdb', profile_name: 'p' },
    byName: new Map(),
  });
  const subject = { packageName: 'p', originalFilePath: 'models/m.sql', relationName: '"main"."m"' };
  const render = (template: string, vars: Record<string, unknown>) => {
    const ast = parseSimpleTemplate(template) ?? HandlebarsModule.parse(template);
    return renderModelSql(subject, ast, env(vars)).sql;
  };

  it('quotes any string so that DuckDB reads back exactly that string, on the fast path and through handlebars', async () => {
    for (const v of VALUES) {
      const fast = render('select {{literal (var "v")}} as c', { v });
      const slow = render('{{#if true}}select {{literal (var "v")}} as c{{/if}}', { v });
      expect(slow).toBe(fast);
      expect(await rows(fast)).toEqual([[v]]);
    }
    expect(render('select {{literal "it\'s"}} as c', {})).toBe("select 'it''s' as c\n");
  });

  it('quotes numbers and booleans as text, renders a missing value as NULL, and refuses lists and NUL', async () => {
    expect(render('select {{literal (var "n")}}, {{literal (var "b")}}, {{literal (var "x")}}', { n: 42, b: true })).toBe("select '42', 'true', null\n");
    expect(() => render('select {{literal (var "l")}}', { l: ['a'] })).toThrow(/not a list/);
    expect(() => render('select {{literal (var "z")}}', { z: 'a\0b' })).toThrow(/NUL/);
  });

  it('is a known model helper that takes one value', () => {
    const analyze = (text: string) => analyzeTemplate(text, { file: 'models/m.sql', partials: new Set(), lookupVar: () => undefined }).diagnostics;
    expect(analyze('select {{literal (var "v")}}')).toEqual([]);
    expect(analyze('select {{literal}}').map((d) => d.code)).toEqual(['DPF202']);
  });
});
