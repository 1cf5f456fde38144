/**
 * Analyses as code (analyses/<name>.yml, docs/analyses.md): compiled like a model, a leaf of
 * the lineage graph, never built; broken refs, unknown marks and aggregates, and SQL that is
 * not one query are errors at their line in the YAML file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../src/compiler/schema-validators.js';
import { dpf, makeProject } from './helpers/run-dpf.js';

const MODELS = {
  'models/orders.sql': "select 1 as order_id, 'a' as category, 10.5 as amount, date '2024-01-03' as ordered_on\n",
  'models/eph.sql': "{{config materialized='ephemeral'}}\nselect order_id, amount from {{ref \"orders\"}}\n",
};

const ANALYSIS = [
  'title: Orders by category',
  'description: How many orders each category gets.',
  'owner: sales-analytics',
  'tags: [sales]',
  'sql: |',
  '  select o.category, count(*) as orders, sum(e.amount) as amount',
  '  from {{ref "orders"}} o',
  '  join {{ref "eph"}} e using (order_id)',
  '  group by 1',
  'chart:',
  '  mark: bar',
  '  x: category',
  '  y: orders',
  '',
].join('\n');

describe('analyses', () => {
  it('compile into the manifest as a leaf, with refs resolved and ephemeral models inlined, and are never built', async () => {
    const dir = makeProject({ ...MODELS, 'analyses/orders_by_category.yml': ANALYSIS });
    const compiled = await dpf(['compile', '--project-dir', dir], { cwd: dir });
    expect(compiled.code, compiled.output).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'target', 'manifest.json'), 'utf8'));
    const node = manifest.nodes['analysis.proj.orders_by_category'];
    expect(node).toMatchObject({
      kind: 'analysis',
      title: 'Orders by category',
      owner: 'sales-analytics',
      tags: ['sales'],
      dependsOn: ['model.proj.eph', 'model.proj.orders'],
      chart: { mark: 'bar', x: 'category', y: 'orders', aggregate: 'none' },
      compiledPath: 'compiled/proj/analyses/orders_by_category.sql',
    });
    expect(node.compiledCode).toContain('"main"."orders"');
    expect(node.compiledCode).toMatch(/^with "__dpf_cte__eph" as/m);
    expect(node.compiledCode).not.toContain('{{');
    expect(manifest.parentMap['analysis.proj.orders_by_category']).toEqual(['model.proj.eph', 'model.proj.orders']);
    expect(manifest.childMap['model.proj.orders']).toContain('analysis.proj.orders_by_category');
    expect(manifest.childMap['analysis.proj.orders_by_category']).toEqual([]);
    expect(schemaValidator('manifest')(manifest), JSON.stringify(schemaValidator('manifest').errors)).toBe(true);
    expect(readFileSync(join(dir, 'target', 'compiled', 'proj', 'analyses', 'orders_by_category.sql'), 'utf8')).toContain('"main"."orders"');

    // Selectable like any node; a leaf downstream of what it reads.
    const ls = await dpf(['ls', '--project-dir', dir, '-s', 'orders+', '--resource-type', 'analysis'], { cwd: dir });
    expect(ls.code, ls.output).toBe(0);
    expect(ls.stdout).toContain('orders_by_category');

    // Never built: dpf build makes no relation for it.
    const built = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(built.code, built.output).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, 'target', 'run_results.json'), 'utf8'));
    expect(results.results.map((r: { uniqueId: string }) => r.uniqueId)).not.toContain('analysis.proj.orders_by_category');
  });

  it('report a broken ref at its line in the YAML file, with a suggestion', async () => {
    const dir = makeProject({ ...MODELS, 'analyses/broken.yml': ANALYSIS.replace('{{ref "orders"}} o', '{{ref "order"}} o') });
    const run = await dpf(['compile', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.output).toContain('DPF203');
    expect(run.output).toMatch(/analyses\/broken\.yml:7:\d+/);
    expect(run.output).toContain('Did you mean "orders"?');
    expect(run.output).not.toMatch(/\n\s+at .*\.js:\d+/);
  });

  it('refuse an unknown mark or aggregate at its line', async () => {
    const dir = makeProject({ ...MODELS, 'analyses/pie.yml': ANALYSIS.replace('mark: bar', 'mark: pie').replace('y: orders', 'y: orders\n  aggregate: median') });
    const run = await dpf(['compile', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.output).toContain('DPF103');
    expect(run.output).toMatch(/analyses\/pie\.yml:11:\d+/);
    expect(run.output).toMatch(/analyses\/pie\.yml:14:\d+/);
    expect(run.output).toMatch(/bar, line, area, scatter|bar.*line.*area.*scatter/);
  });

  it('refuse SQL that is not one query, and a chart without y', async () => {
    const dir = makeProject({
      ...MODELS,
      'analyses/writes.yml': 'sql: |\n  drop table {{ref "orders"}}\n',
      'analyses/no_y.yml': 'sql: select 1 as a\nchart: {mark: line, x: a}\n',
    });
    const run = await dpf(['compile', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.output).toContain('DPF190');
    expect(run.output).toMatch(/analyses\/writes\.yml:2:3/);
    expect(run.output).toContain('DPF191');
    expect(run.output).toMatch(/analyses\/no_y\.yml:2/);
  });

  it('warn about a dbt analysis (.sql) and read the folders analysis-paths names', async () => {
    const dir = makeProject(
      { ...MODELS, 'reports/old.sql': 'select 1\n', 'reports/kept.yml': "sql: select * from {{ref 'orders'}}\n", 'analyses/ignored.yml': 'not: read\n' },
      'name: proj\nanalysis-paths: [reports]\n',
    );
    const run = await dpf(['compile', '--project-dir', dir], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('DPF194');
    const manifest = JSON.parse(readFileSync(join(dir, 'target', 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.nodes).filter((id) => id.startsWith('analysis.'))).toEqual(['analysis.proj.kept']);
    expect(existsSync(join(dir, 'target', 'compiled', 'proj', 'reports', 'kept.sql'))).toBe(true);
  });
});
