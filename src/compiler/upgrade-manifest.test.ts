import { describe, expect, it } from 'vitest';
import { MANIFEST_SCHEMA_V1, MANIFEST_SCHEMA_VERSION } from './manifest.js';
import { upgradeManifest } from './upgrade-manifest.js';

const v1 = () => ({
  metadata: { dpfSchemaVersion: MANIFEST_SCHEMA_V1, dpfVersion: '0.1.0', projectName: 'p' },
  nodes: {
    'model.p.orders': { kind: 'model', uniqueId: 'model.p.orders', config: { materialized: 'table' } },
    'snapshot.p.orders_history': { kind: 'model', uniqueId: 'snapshot.p.orders_history', config: { materialized: 'snapshot' } },
    'seed.p.codes': { kind: 'seed', uniqueId: 'seed.p.codes', config: { materialized: 'seed' } },
  },
  sources: { 'source.p.shop.raw': { kind: 'source', uniqueId: 'source.p.shop.raw' } },
  tests: { 'test.p.unique_orders_id': { kind: 'test', uniqueId: 'test.p.unique_orders_id' } },
  unitTests: { 'unit_test.p.orders.t': { kind: 'unit_test', uniqueId: 'unit_test.p.orders.t' } },
  macros: {},
  parentMap: {},
  childMap: {},
});

describe('upgradeManifest', () => {
  it('brings a v1 manifest to one nodes map, with snapshots of their own kind', () => {
    const upgraded = upgradeManifest(v1())!;
    expect(upgraded.metadata.dpfSchemaVersion).toBe(MANIFEST_SCHEMA_VERSION);
    expect(upgraded.metadata.dpfVersion).toBe('0.1.0');
    expect(Object.fromEntries(Object.values(upgraded.nodes).map((n) => [n.uniqueId, n.kind]))).toEqual({
      'model.p.orders': 'model',
      'snapshot.p.orders_history': 'snapshot',
      'seed.p.codes': 'seed',
      'source.p.shop.raw': 'source',
      'test.p.unique_orders_id': 'test',
      'unit_test.p.orders.t': 'unit_test',
    });
    expect(Object.keys(upgraded)).not.toContain('sources');
    expect(Object.keys(upgraded)).not.toContain('unitTests');
  });

  it('returns the current version as it is, and nothing for an unknown one', () => {
    const current = { ...upgradeManifest(v1())! };
    expect(upgradeManifest(current as unknown as Record<string, unknown>)).toBe(current);
    expect(upgradeManifest({ metadata: { dpfSchemaVersion: 'https://dpf.dev/schemas/manifest/v9.json' } })).toBeUndefined();
    expect(upgradeManifest({})).toBeUndefined();
  });
});
