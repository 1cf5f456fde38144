import { describe, expect, it } from 'vitest';
import { lineAt, secondStatementStart, statementTerminators, withoutTrailingTerminators } from './statement-boundaries.js';

describe('statement boundaries', () => {
  it('finds semicolons outside strings, quoted names, comments and dollar quotes', () => {
    const sql = `select 'a;b', "c;d", E'e\\';f', $$g;h$$, $t$i;j$t$ -- k;l\n/* m; /* n; */ o; */ from x; select 2`;
    expect(statementTerminators(sql)).toEqual([sql.indexOf('x;') + 1]);
    expect(statementTerminators("select 'it''s; fine'")).toEqual([]);
  });

  it('says where a second statement begins, and on which line', () => {
    const sql = "create view v as (\nselect ''); drop table main.s1; select * from (select '' as c\n)";
    const start = secondStatementStart(sql)!;
    expect(sql.slice(start)).toMatch(/^drop table main\.s1;/);
    expect(lineAt(sql, start)).toBe(2);
    expect(secondStatementStart('select 1;')).toBeUndefined();
    expect(secondStatementStart('select 1; -- done\n/* really */ ;')).toBeUndefined();
    expect(secondStatementStart("select ';drop table x'")).toBeUndefined();
  });

  it('drops the semicolons that end the last statement, keeping comments and everything quoted', () => {
    expect(withoutTrailingTerminators('select 1; -- done')).toBe('select 1 -- done');
    expect(withoutTrailingTerminators('select 1;\n/* end */;\n')).toBe('select 1\n/* end */\n');
    expect(withoutTrailingTerminators("select '; -- x'")).toBe("select '; -- x'");
    expect(withoutTrailingTerminators('select 1; select 2;')).toBe('select 1; select 2');
  });
});
