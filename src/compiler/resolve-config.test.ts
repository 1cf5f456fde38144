import { describe, expect, it } from 'vitest';
import { configPaths, folderConfig, mergeConfigs, resolveSchema, toTags } from './resolve-config.js';

const TREE = {
  shop: {
    '+materialized': 'view',
    '+tags': ['project'],
    '+meta': { owner: 'data', tier: 3 },
    staging: { '+tags': 'staging' },
    marts: {
      '+materialized': 'table',
      '+tags': ['marts'],
      finance: { '+schema': 'finance', '+meta': { tier: 1 } },
    },
    empty_folder: {},
  },
};

describe('folderConfig', () => {
  it('collects one level per matching folder along the fqn, outermost first, without the +', () => {
    const used = new Set<string>();
    const levels = folderConfig(TREE, ['shop', 'marts', 'finance', 'revenue'], used);
    expect(levels).toEqual([
      { materialized: 'view', tags: ['project'], meta: { owner: 'data', tier: 3 } },
      { materialized: 'table', tags: ['marts'] },
      { schema: 'finance', meta: { tier: 1 } },
    ]);
    expect([...used].sort()).toEqual(['shop', 'shop.marts', 'shop.marts.finance']);
  });

  it('stops at the first folder with no config entry', () => {
    const used = new Set<string>();
    expect(folderConfig(TREE, ['shop', 'other', 'finance', 'x'], used)).toHaveLength(1);
    expect([...used]).toEqual(['shop']);
  });

  it('returns nothing for a missing tree or another project name', () => {
    expect(folderConfig(undefined, ['shop', 'marts', 'x'], new Set())).toEqual([]);
    expect(folderConfig(TREE, ['other_project', 'marts', 'x'], new Set())).toEqual([]);
  });

  it('reads a plain value under a key without + as a config, as dbt does (the schema admits only config keys there)', () => {
    const used = new Set<string>();
    const tree = { shop: { materialized: 'table', tags: ['a'], marts: { schema: 'marts', '+alias': 'x' } } };
    expect(folderConfig(tree, ['shop', 'marts', 'x'], used)).toEqual([{ materialized: 'table', tags: ['a'] }, { schema: 'marts', alias: 'x' }]);
    expect([...used]).toEqual(['shop', 'shop.marts']);
    expect(configPaths(tree)).toEqual(['shop', 'shop.marts']);
  });

  it('applies configs at the top of the tree to every node, as dbt does for +docs under seeds:', () => {
    const tree = { '+docs': { show: false }, materialized: 'table', shop: { '+tags': 't' } };
    expect(folderConfig(tree, ['shop', 'x'], new Set())).toEqual([{ docs: { show: false }, materialized: 'table' }, { tags: 't' }]);
    expect(folderConfig(tree, ['other', 'x'], new Set())).toEqual([{ docs: { show: false }, materialized: 'table' }]);
    expect(configPaths(tree)).toEqual(['shop']);
  });
});

describe('mergeConfigs', () => {
  it('lets deeper folder levels override shallower ones', () => {
    const levels = folderConfig(TREE, ['shop', 'marts', 'finance', 'revenue'], new Set());
    expect(mergeConfigs(levels)).toMatchObject({ materialized: 'table', schema: 'finance' });
    const staging = folderConfig(TREE, ['shop', 'staging', 'stg'], new Set());
    expect(mergeConfigs(staging).materialized).toBe('view');
  });

  it('lets later levels replace every key except tags and meta', () => {
    expect(mergeConfigs([{ materialized: 'view', alias: 'a' }, { materialized: 'table' }, { materialized: 'ephemeral' }])).toEqual({
      materialized: 'ephemeral',
      alias: 'a',
      tags: [],
      meta: {},
    });
  });

  it('accumulates tags across levels in order, from lists and comma-separated strings, without duplicates', () => {
    const merged = mergeConfigs([{ tags: ['project'] }, { tags: 'staging' }, { tags: 'a, b,project' }, { tags: ['b', 'c'] }]);
    expect(merged.tags).toEqual(['project', 'staging', 'a', 'b', 'c']);
  });

  it('merges meta key by key, later levels winning', () => {
    const levels = folderConfig(TREE, ['shop', 'marts', 'finance', 'revenue'], new Set());
    expect(mergeConfigs([...levels, { meta: { pii: true } }]).meta).toEqual({ owner: 'data', tier: 1, pii: true });
  });

  it('always returns tags and meta, even with no levels', () => {
    expect(mergeConfigs([])).toEqual({ tags: [], meta: {} });
  });
});

describe('toTags', () => {
  it('accepts lists, comma-separated strings and nothing', () => {
    expect(toTags(['a', 'b'])).toEqual(['a', 'b']);
    expect(toTags(' a , b ,, c ')).toEqual(['a', 'b', 'c']);
    expect(toTags(undefined)).toEqual([]);
    expect(toTags(null)).toEqual([]);
  });
});

describe('resolveSchema', () => {
  it('uses the target schema when there is no custom schema', () => {
    expect(resolveSchema('main', undefined)).toBe('main');
    expect(resolveSchema('main', undefined, 'exact')).toBe('main');
    expect(resolveSchema('main', '')).toBe('main');
  });

  it('suffixes the target schema by default (dbt rule)', () => {
    expect(resolveSchema('main', 'finance')).toBe('main_finance');
    expect(resolveSchema('analytics', 'finance', 'suffix')).toBe('analytics_finance');
  });

  it('uses the custom name as is with the exact strategy', () => {
    expect(resolveSchema('main', 'finance', 'exact')).toBe('finance');
  });
});

describe('configPaths', () => {
  it('lists every folder path, depth first, skipping +keys and their object values', () => {
    expect(configPaths(TREE)).toEqual(['shop', 'shop.staging', 'shop.marts', 'shop.marts.finance', 'shop.empty_folder']);
  });

  it('returns nothing for an undefined tree', () => {
    expect(configPaths(undefined)).toEqual([]);
  });
});
