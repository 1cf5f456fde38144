/**
 * The lineage graph's selector box (templates/site/js/shared/select-nodes.js, run in the
 * browser) selects exactly what `dpf ls --select` (src/compiler/select-nodes.ts) selects, on
 * the demo project. Tests themselves are left out of the comparison (the site's graph has no
 * test nodes), but not what the command line reaches through them.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileFromDisk } from '../../src/compiler/compile-pipeline.js';
import { selectNodes } from '../../src/compiler/select-nodes.js';
import type { CompiledProject } from '../../src/compiler/compile-pipeline.js';
import { loadSelectEngine } from '../../src/docs-site/browser-shared.js';
import { copyDemoProject, dpf } from '../helpers/run-dpf.js';
import { readSite, type SiteFiles } from './helpers/site-files.js';

const SELECTORS = [
  'fct_orders',
  '+fct_orders',
  'fct_orders+',
  '1+fct_orders',
  'fct_orders+1',
  '2+fct_orders+1',
  '@stg_orders',
  // The CLI's @ also reaches the other parents of tests (relationships) on the descendants.
  '@stg_web_sessions',
  '@raw_customers',
  '@source:web',
  '@dim_customers',
  'stg_*',
  '*orders*',
  'staging',
  'marts.finance',
  'shop.intermediate',
  'fqn:shop.marts.*',
  'name:raw_*',
  'tag:core',
  'tag:finance',
  'tag:st*',
  'path:models/marts',
  'path:models/marts/finance/revenue_by_category.sql',
  'models/staging',
  'path:seeds',
  'source:web',
  'source:web.sessions',
  'source:web+',
  'resource_type:seed',
  'resource_type:model',
  'resource_type:source',
  'config.materialized:table',
  'config.materialized:view',
  'config.materialized:ephemeral',
  'unique_id:model.shop.dim_customers',
  'tag:core,+fct_orders',
  'resource_type:model,tag:staging',
  'stg_orders stg_payments',
  '+dim_customers,resource_type:seed raw_products+1',
  'nothing_is_called_this',
];

describe('the site selector agrees with dpf ls --select', () => {
  let compiled: CompiledProject;
  let site: SiteFiles;

  beforeAll(async () => {
    const dir = copyDemoProject();
    expect((await dpf(['docs', 'generate', '--project-dir', dir, '--empty-catalog'], { cwd: dir })).code).toBe(0);
    compiled = await compileFromDisk({ projectDir: dir, env: { HOME: dir } });
    site = readSite(join(dir, 'target', 'site'));
  });

  it.each(SELECTORS)('%s', (selector) => {
    const engine = loadSelectEngine();
    const inSite = [...engine.select(site.index, selector)].map((i) => site.index.nodes[i]!.id).sort();
    const graphKinds = new Set(['model', 'seed', 'source']);
    const viaCli = [...selectNodes(compiled.manifest, compiled.graph, { select: [selector] })]
      .filter((id) => graphKinds.has(id.split('.')[0]!) || id.startsWith('snapshot.'))
      .sort();
    expect(inSite).toEqual(viaCli);
    if (selector !== 'nothing_is_called_this') expect(inSite.length).toBeGreaterThan(0);
  });

  it('reaches through tests with @ as the command line does', () => {
    const engine = loadSelectEngine();
    const names = (selector: string) => [...engine.select(site.index, selector)].map((i) => site.index.nodes[i]!.n);
    // stg_web_sessions has a relationships test to stg_customers.
    expect(names('@stg_web_sessions')).toEqual(expect.arrayContaining(['stg_customers', 'raw_customers']));
    expect(names('@raw_customers')).toEqual(expect.arrayContaining(['revenue_by_category', 'sessions', 'stg_web_sessions']));
  });

  it('explains selectors it cannot evaluate in the browser', () => {
    const engine = loadSelectEngine();
    expect(() => engine.select(site.index, 'state:modified')).toThrow(/the site cannot evaluate state: \(use dpf ls --select\)/);
    expect(() => engine.select(site.index, 'config.schema:main')).toThrow(/method the site does not know/);
    expect(() => engine.select(site.index, 'colour:blue')).toThrow(/method the site does not know \("colour"/);
    expect(() => engine.select(site.index, '@+fct_orders')).toThrow(/cannot combine @ with \+/);
  });
});
