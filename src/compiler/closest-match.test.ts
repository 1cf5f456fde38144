import { describe, expect, it } from 'vitest';
import { closestMatch } from './closest-match.js';

const MODELS = ['stg_orders', 'stg_customers', 'fct_orders', 'dim_customers'];

describe('closestMatch', () => {
  it('suggests the candidate with the fewest edits', () => {
    expect(closestMatch('stg_ordrs', MODELS)).toBe('stg_orders');
    expect(closestMatch('stg_customer', MODELS)).toBe('stg_customers');
    expect(closestMatch('fct_ordres', MODELS)).toBe('fct_orders');
  });

  it('ignores case when measuring, and returns the candidate as written', () => {
    expect(closestMatch('STG_ORDERS', MODELS)).toBe('stg_orders');
    expect(closestMatch('materialised', ['Materialized'])).toBe('Materialized');
  });

  it('returns an exact match', () => {
    expect(closestMatch('fct_orders', MODELS)).toBe('fct_orders');
  });

  it('allows at least two edits for short names, and a third of the length for long ones', () => {
    expect(closestMatch('rf', ['ref'])).toBe('ref');
    expect(closestMatch('rfe', ['ref'])).toBe('ref');
    expect(closestMatch('xyz', ['ref'])).toBeUndefined();
    // 12 characters: up to 4 edits.
    expect(closestMatch('abcdefghijkl', ['abcdefghwxyz'])).toBe('abcdefghwxyz');
    expect(closestMatch('abcdefghijkl', ['abcdefgvwxyz'])).toBeUndefined();
  });

  it('returns undefined when nothing is close or there are no candidates', () => {
    expect(closestMatch('revenue', MODELS)).toBeUndefined();
    expect(closestMatch('anything', [])).toBeUndefined();
  });

  it('skips candidates whose length differs by more than the limit', () => {
    expect(closestMatch('ab', ['abcdef'])).toBeUndefined();
  });

  it('keeps the first of equally close candidates', () => {
    expect(closestMatch('cat', ['bat', 'hat'])).toBe('bat');
    expect(closestMatch('cat', ['hat', 'bat'])).toBe('hat');
  });

  it('accepts any iterable, such as a Set', () => {
    expect(closestMatch('ordrs', new Set(['orders', 'customers']))).toBe('orders');
  });
});
