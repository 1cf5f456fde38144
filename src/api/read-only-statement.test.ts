import { describe, expect, it } from 'vitest';
import { DpfError } from '../errors/dpf-error.js';
import { readOnlyStatement } from './read-only-statement.js';

function refusal(sql: string): string {
  try {
    readOnlyStatement(sql);
  } catch (err) {
    expect(err).toBeInstanceOf(DpfError);
    const d = (err as DpfError).diagnostics[0]!;
    return `${d.code} ${d.message}`;
  }
  throw new Error(`accepted: ${sql}`);
}

describe('readOnlyStatement', () => {
  it.each([
    ['select * from orders', 'select * from orders'],
    ['with a as (select 1 as x) select * from a;', 'with a as (select 1 as x) select * from a'],
    ['-- first\nselect 1; -- done', '-- first\nselect 1 -- done'],
    ['(select 1) union (select 2)', '(select 1) union (select 2)'],
    // beyond node-sql-parser's grammar, DuckDB's own: the first keyword decides
    ['select * exclude (a) from t', 'select * exclude (a) from t'],
    ["select ';' as semi, ')' as paren", "select ';' as semi, ')' as paren"],
  ])('accepts %j', (sql, statement) => {
    expect(readOnlyStatement(sql)).toBe(statement);
  });

  it.each([
    ['drop table orders', 'DPF180', 'DROP'],
    ["copy (select 1) to 'x.csv'", 'DPF180', 'COPY'],
    ["attach 'x.duckdb'", 'DPF180', 'ATTACH'],
    ['install httpfs', 'DPF180', 'INSTALL'],
    ['pragma version', 'DPF180', 'PRAGMA'],
    ['set threads = 1', 'DPF180', 'SET'],
    ['create table t as select 1', 'DPF180', 'CREATE'],
    ['insert into t select 1', 'DPF180', 'INSERT'],
    ['with a as (select 1) insert into t select * from a', 'DPF180', 'INSERT'],
    ['with a as (select 1) delete from t using a', 'DPF180', 'DELETE'],
    ['describe orders', 'DPF180', 'DESCRIBE'],
    ['', 'DPF180', 'empty'],
    ["select 1) to '/tmp/x.csv' (format csv", 'DPF180', 'unbalanced'],
  ])('refuses %j', (sql, code, word) => {
    const text = refusal(sql);
    expect(text.startsWith(code)).toBe(true);
    expect(text).toContain(word);
  });

  it('refuses a second statement and names its line', () => {
    expect(refusal('select 1;\n\ndrop table orders')).toBe('DPF181 This text holds more than one statement: a second one begins on line 3.');
    expect(refusal('select 1; select 2')).toMatch(/^DPF181/);
  });
});
