import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectGraph } from './build-graph.js';
import type { Manifest } from './manifest.js';
import { parseAtom, selectNodes } from './select-nodes.js';
import { diagnosticsOf, graphFixture, removeWrittenProjects, writeProject } from './test-fixtures.js';

/*
 * The fixture's DAG:
 *
 *   source raw.orders    -> stg_orders    ----------------------> fct_orders -> fct_revenue -> rpt_revenue
 *   source raw.customers -> stg_customers -> dim_customers ------^
 *   seed countries ----------------------------^
 *   lonely (no edges)
 */
const FILES: Record<string, string> = {
  // Selection semantics without monitors; test/monitors.test.ts selects monitors with their node.
  'dpf_project.yml': `name: shop
monitors: off
models:
  shop:
    +materialized: view
    staging:
      +tags: [staging]
    marts:
      +materialized: table
      finance:
        +tags: finance
`,
  'models/sources.yml': `version: 2
sources:
  - name: raw
    tables:
      - name: orders
      - name: customers
`,
  'models/staging/stg_orders.sql': 'select * from {{source "raw" "orders"}}\n',
  'models/staging/stg_customers.sql': 'select * from {{source "raw" "customers"}}\n',
  'models/marts/dim_customers.sql': 'select * from {{ref "stg_customers"}} join {{ref "countries"}} using (country)\n',
  'models/marts/fct_orders.sql': 'select * from {{ref "stg_orders"}} join {{ref "dim_customers"}} using (customer_id)\n',
  'models/marts/finance/fct_revenue.sql': '{{config materialized="view"}}\nselect sum(amount) as revenue from {{ref "fct_orders"}}\n',
  'models/marts/finance/rpt_revenue.sql': 'select * from {{ref "fct_revenue"}}\n',
  'models/other/lonely.sql': 'select 1 as x\n',
  'seeds/countries.csv': 'country,name\nNL,Netherlands\nFR,France\n',
};

let manifest: Manifest;
let graph: ProjectGraph;

beforeAll(() => {
  const built = graphFixture(writeProject(FILES));
  manifest = built.parsed.manifest;
  graph = built.graph;
});
afterAll(removeWrittenProjects);

/** Selected names, sorted; sources as source:<source>.<table>. */
function names(select?: string[], exclude?: string[]): string[] {
  const ids = selectNodes(manifest, graph, { select, exclude });
  return [...ids]
    .map((id) => {
      const source = manifest.nodes[id];
      if (source?.kind === 'source') return `source:${source.sourceName}.${source.tableName}`;
      return manifest.nodes[id]!.name;
    })
    .sort();
}

const ALL = [
  'countries',
  'dim_customers',
  'fct_orders',
  'fct_revenue',
  'lonely',
  'rpt_revenue',
  'source:raw.customers',
  'source:raw.orders',
  'stg_customers',
  'stg_orders',
];

describe('parseAtom', () => {
  it('defaults to the dbt default method (name or fqn prefix) with no graph operators', () => {
    expect(parseAtom('fct_orders')).toMatchObject({ method: 'default', value: 'fct_orders', parents: 0, children: 0, childrenParents: false });
  });

  it('reads + on either side as unlimited depth and digits as a depth', () => {
    expect(parseAtom('+fct_orders')).toMatchObject({ parents: Infinity, children: 0 });
    expect(parseAtom('fct_orders+')).toMatchObject({ parents: 0, children: Infinity });
    expect(parseAtom('2+tag:x+3')).toMatchObject({ method: 'tag', value: 'x', parents: 2, children: 3 });
    expect(parseAtom('@fct_orders')).toMatchObject({ value: 'fct_orders', childrenParents: true, parents: 0, children: 0 });
  });

  it('infers the path method for values with a slash or a file extension, fqn for dotted values', () => {
    expect(parseAtom('models/marts')).toMatchObject({ method: 'path', value: 'models/marts' });
    expect(parseAtom('fct_orders.sql')).toMatchObject({ method: 'path' });
    expect(parseAtom('marts.finance')).toMatchObject({ method: 'default', value: 'marts.finance' });
  });

  it('keeps the full config.<key> method', () => {
    expect(parseAtom('config.materialized:table')).toMatchObject({ method: 'config.materialized', value: 'table' });
  });

  it.each([
    ['unknown method', 'colour:red', /unknown method "colour"/],
    ['config without a key', 'config:table', /unknown method "config"/],
    ['@ combined with +', '@+fct_orders', /cannot combine @/],
    ['@ combined with trailing +', '@fct_orders+', /cannot combine @/],
    ['no value after the method', 'tag:', /no value/],
    ['text after a trailing +', 'a+b', /is not of the form/],
    ['a lone +', '+', /is not of the form/],
  ])('rejects %s with DPF500', (_label, raw, message) => {
    const [d] = diagnosticsOf(() => parseAtom(raw));
    expect(d!.code).toBe('DPF500');
    expect(d!.message).toContain(`"${raw}"`);
    expect(d!.message).toMatch(message);
  });
});

describe('selectNodes', () => {
  it('selects everything, sources included, when no --select is given', () => {
    expect(names()).toEqual(ALL);
    expect(names([])).toEqual(ALL);
  });

  it('selects a plain name, and nothing for an unknown name', () => {
    expect(names(['fct_orders'])).toEqual(['fct_orders']);
    expect(names(['no_such_model'])).toEqual([]);
  });

  it('selects a whole folder by its bare name, as dbt does', () => {
    expect(names(['staging'])).toEqual(['stg_customers', 'stg_orders']);
    expect(names(['name:staging'])).toEqual([]);
  });

  it('matches name globs', () => {
    expect(names(['stg_*'])).toEqual(['stg_customers', 'stg_orders']);
    expect(names(['*_orders'])).toEqual(['fct_orders', 'stg_orders']);
    expect(names(['fct_??????'])).toEqual(['fct_orders']);
  });

  it('+name adds every ancestor, sources and seeds included', () => {
    expect(names(['+fct_orders'])).toEqual([
      'countries',
      'dim_customers',
      'fct_orders',
      'source:raw.customers',
      'source:raw.orders',
      'stg_customers',
      'stg_orders',
    ]);
  });

  it('name+ adds every descendant', () => {
    expect(names(['fct_orders+'])).toEqual(['fct_orders', 'fct_revenue', 'rpt_revenue']);
    expect(names(['stg_customers+'])).toEqual(['dim_customers', 'fct_orders', 'fct_revenue', 'rpt_revenue', 'stg_customers']);
  });

  it('N+name limits the ancestor depth', () => {
    expect(names(['1+fct_orders'])).toEqual(['dim_customers', 'fct_orders', 'stg_orders']);
    expect(names(['2+fct_orders'])).toEqual(['countries', 'dim_customers', 'fct_orders', 'source:raw.orders', 'stg_customers', 'stg_orders']);
  });

  it('name+N limits the descendant depth', () => {
    expect(names(['fct_orders+1'])).toEqual(['fct_orders', 'fct_revenue']);
    expect(names(['stg_customers+2'])).toEqual(['dim_customers', 'fct_orders', 'stg_customers']);
  });

  it('+name+ takes both directions', () => {
    expect(names(['+dim_customers+'])).toEqual([
      'countries',
      'dim_customers',
      'fct_orders',
      'fct_revenue',
      'rpt_revenue',
      'source:raw.customers',
      'stg_customers',
    ]);
  });

  it('@name adds descendants and the ancestors of those descendants', () => {
    // stg_orders is no ancestor of stg_customers, but it is one of fct_orders, a descendant.
    expect(names(['@stg_customers'])).toEqual(ALL.filter((n) => n !== 'lonely'));
    expect(names(['+stg_customers+'])).not.toContain('stg_orders');
    expect(names(['@lonely'])).toEqual(['lonely']);
  });

  it('tag: selects by tags, including tags inherited from folders, with globs', () => {
    expect(names(['tag:staging'])).toEqual(['stg_customers', 'stg_orders']);
    expect(names(['tag:finance'])).toEqual(['fct_revenue', 'rpt_revenue']);
    expect(names(['tag:fin*'])).toEqual(['fct_revenue', 'rpt_revenue']);
    expect(names(['tag:nope'])).toEqual([]);
  });

  it('path: selects a folder (recursively) or one file', () => {
    expect(names(['path:models/marts'])).toEqual(['dim_customers', 'fct_orders', 'fct_revenue', 'rpt_revenue']);
    expect(names(['path:models/marts/'])).toEqual(['dim_customers', 'fct_orders', 'fct_revenue', 'rpt_revenue']);
    expect(names(['path:models/marts/finance'])).toEqual(['fct_revenue', 'rpt_revenue']);
    expect(names(['path:models/marts/fct_orders.sql'])).toEqual(['fct_orders']);
    expect(names(['path:seeds/countries.csv'])).toEqual(['countries']);
    // A folder name prefix is not a folder.
    expect(names(['path:models/mart'])).toEqual([]);
  });

  it('infers path: for a bare value with a slash', () => {
    expect(names(['models/staging'])).toEqual(['stg_customers', 'stg_orders']);
    expect(names(['models/staging/stg_orders.sql'])).toEqual(['stg_orders']);
  });

  it('config.materialized: uses the resolved config (inline {{config}} beats the folder)', () => {
    // fct_revenue sits in marts (+materialized: table) but says {{config materialized="view"}}.
    expect(names(['config.materialized:table'])).toEqual(['dim_customers', 'fct_orders', 'rpt_revenue']);
    expect(names(['config.materialized:view'])).toEqual(['fct_revenue', 'lonely', 'stg_customers', 'stg_orders']);
    expect(names(['config.materialized:seed'])).toEqual(['countries']);
  });

  it('config.tags: matches one element of a list-valued config', () => {
    expect(names(['config.tags:staging'])).toEqual(['stg_customers', 'stg_orders']);
  });

  it('source: selects the tables of a source, and source:x+ their descendants', () => {
    expect(names(['source:raw'])).toEqual(['source:raw.customers', 'source:raw.orders']);
    expect(names(['source:raw.orders'])).toEqual(['source:raw.orders']);
    expect(names(['source:raw+'])).toEqual(ALL.filter((n) => n !== 'lonely' && n !== 'countries'));
    expect(names(['source:raw.orders+'])).toEqual(['fct_orders', 'fct_revenue', 'rpt_revenue', 'source:raw.orders', 'stg_orders']);
    expect(names(['source:nope+'])).toEqual([]);
  });

  it('resource_type: selects by kind', () => {
    expect(names(['resource_type:seed'])).toEqual(['countries']);
    expect(names(['resource_type:source'])).toEqual(['source:raw.customers', 'source:raw.orders']);
    expect(names(['resource_type:model'])).toHaveLength(7);
  });

  it('fqn: matches dotted folder paths and node names, with or without the project name', () => {
    expect(names(['shop.marts.finance'])).toEqual(['fct_revenue', 'rpt_revenue']);
    expect(names(['marts.finance'])).toEqual(['fct_revenue', 'rpt_revenue']);
    expect(names(['marts.finance.fct_revenue'])).toEqual(['fct_revenue']);
    expect(names(['fqn:shop.staging.stg_orders'])).toEqual(['stg_orders']);
    expect(names(['staging.stg_*'])).toEqual(['stg_customers', 'stg_orders']);
    // fqn matches from the start (after the optional project name), not anywhere.
    expect(names(['finance.fct_revenue'])).toEqual([]);
  });

  it('unions space-separated terms and separate --select values', () => {
    expect(names(['tag:staging lonely'])).toEqual(['lonely', 'stg_customers', 'stg_orders']);
    expect(names(['tag:staging', 'lonely'])).toEqual(['lonely', 'stg_customers', 'stg_orders']);
    expect(names(['  fct_orders   fct_revenue '])).toEqual(['fct_orders', 'fct_revenue']);
  });

  it('intersects comma-separated atoms, graph operators applied per atom', () => {
    expect(names(['tag:finance,config.materialized:table'])).toEqual(['rpt_revenue']);
    expect(names(['+fct_orders,tag:staging'])).toEqual(['stg_customers', 'stg_orders']);
    expect(names(['path:models/marts,stg_*'])).toEqual([]);
  });

  it('--exclude removes nodes from the selection', () => {
    expect(names(['path:models/marts'], ['tag:finance'])).toEqual(['dim_customers', 'fct_orders']);
    expect(names(['+fct_revenue'], ['resource_type:source resource_type:seed'])).toEqual([
      'dim_customers',
      'fct_orders',
      'fct_revenue',
      'stg_customers',
      'stg_orders',
    ]);
    expect(names(['stg_orders+'], ['fct_orders+'])).toEqual(['stg_orders']);
  });

  it('--exclude alone starts from everything', () => {
    expect(names(undefined, ['path:models/marts', 'source:raw'])).toEqual(['countries', 'lonely', 'stg_customers', 'stg_orders']);
  });

  it('throws DPF500 for an invalid selector, in --select or --exclude', () => {
    expect(diagnosticsOf(() => selectNodes(manifest, graph, { select: ['colour:red'] }))[0]!.code).toBe('DPF500');
    expect(diagnosticsOf(() => selectNodes(manifest, graph, { select: ['fct_orders tag:a,bogus:x'] }))[0]!.message).toContain('"bogus:x"');
    expect(diagnosticsOf(() => selectNodes(manifest, graph, { exclude: ['config:x'] }))[0]!.code).toBe('DPF500');
  });
});
