import { afterAll, describe, expect, it } from 'vitest';
import { buildGraph } from './build-graph.js';
import { diagnosticsOf, graphFixture, parseFixture, removeWrittenProjects, writeProject } from './test-fixtures.js';

afterAll(removeWrittenProjects);

describe('buildGraph', () => {
  it('orders parents before children, sources and seeds included', () => {
    const { graph } = graphFixture(
      writeProject({
        'models/sources.yml': 'sources:\n  - name: raw\n    tables: [{name: orders}]\n',
        'models/c.sql': 'select * from {{ref "b"}} join {{ref "codes"}} using (code)\n',
        'models/b.sql': 'select * from {{ref "a"}}\n',
        'models/a.sql': 'select * from {{source "raw" "orders"}}\n',
        'seeds/codes.csv': 'code\nA\n',
      }),
    );
    const position = (id: string) => graph.order.indexOf(id);
    // The five nodes and the monitors of the seed and the source (on by default).
    expect(graph.order).toHaveLength(7);
    expect(position('seed.shop.codes')).toBeLessThan(position('monitor.shop.codes'));
    expect(position('source.shop.raw.orders')).toBeLessThan(position('model.shop.a'));
    expect(position('model.shop.a')).toBeLessThan(position('model.shop.b'));
    expect(position('model.shop.b')).toBeLessThan(position('model.shop.c'));
    expect(position('seed.shop.codes')).toBeLessThan(position('model.shop.c'));
    expect(graph.graph.successors('model.shop.a')).toEqual(['model.shop.b']);
  });

  it('reports a cycle a -> b -> a as DPF205 naming both models, at the ref that closes it', () => {
    const parsed = parseFixture(
      writeProject({
        'models/a.sql': 'select * from {{ref "b"}}\n',
        'models/b.sql': 'select 1\nfrom {{ref "a"}}\n',
      }),
    );
    const [d] = diagnosticsOf(() => buildGraph(parsed.manifest));
    expect(d!.code).toBe('DPF205');
    expect(d!.message).toMatch(/\ba -> b -> a\b|\bb -> a -> b\b/);
    expect(d!.location?.file).toMatch(/^models\/[ab]\.sql$/);
    expect(d!.location?.line).toBeGreaterThanOrEqual(1);
  });

  it('finds the cycle even when a node outside it sorts first', () => {
    const parsed = parseFixture(
      writeProject({
        'models/aa_downstream.sql': 'select * from {{ref "x"}}\n',
        'models/x.sql': 'select * from {{ref "y"}}\n',
        'models/y.sql': 'select * from {{ref "z"}}\n',
        'models/z.sql': 'select * from {{ref "x"}}\n',
      }),
    );
    const [d] = diagnosticsOf(() => buildGraph(parsed.manifest));
    expect(d!.code).toBe('DPF205');
    expect(d!.message).not.toContain('aa_downstream');
    for (const name of ['x', 'y', 'z']) expect(d!.message).toContain(name);
  });
});
