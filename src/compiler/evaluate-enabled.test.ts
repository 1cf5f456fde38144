import { describe, expect, it } from 'vitest';
import { evaluateEnabled } from './evaluate-enabled.js';

const scope = { vars: { with_reviews: true, regions: ['eu', 'us'], level: 2, flag: 'true' }, target: { name: 'prod', schema: 'analytics', type: 'duckdb', database: null } };
const value = (e: string) => evaluateEnabled(e, scope);

describe('enabled expressions', () => {
  it('compares the target and vars, with and, or, not, in and parentheses', () => {
    expect(value("target.name == 'prod'")).toEqual({ value: true });
    expect(value('target.name != "prod"')).toEqual({ value: false });
    expect(value("var('with_reviews')")).toEqual({ value: true });
    expect(value("var('missing', false) or target.schema == 'analytics'")).toEqual({ value: true });
    expect(value("not (target.name in ['dev', 'ci']) and var('level') == 2")).toEqual({ value: true });
    expect(value("'eu' in var('regions') and 'asia' not in var('regions')")).toEqual({ value: true });
    // A var given as text ("true", "2" from --vars) equals what is written.
    expect(value("var('flag') == true and var('level') == '2'")).toEqual({ value: true });
  });

  it('says what is wrong: a value that is not true or false, an unset var, a typo, an unknown target key', () => {
    expect(value('target.name')).toEqual({ problem: 'gives "prod", not true or false' });
    expect(value("var('nope')")).toMatchObject({ problem: expect.stringContaining("var('nope'), which is not set") });
    expect(value("target.name = 'prod'")).toMatchObject({ problem: expect.stringContaining('cannot read') });
    expect(value("target.nam == 'prod'")).toMatchObject({ problem: expect.stringContaining('names target.nam, which the target has not') });
    expect(value("target.name == 'prod' and")).toEqual({ problem: 'ends too early' });
    expect(value("'x' and true")).toMatchObject({ problem: expect.stringContaining('needs true or false') });
    expect(value('process.exit(1)')).toMatchObject({ problem: expect.stringContaining('has "process.exit"') });
  });
});
