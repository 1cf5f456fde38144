/**
 * The search index as the browser uses it: built at generate time, serialized into data
 * scripts, loaded back with MiniSearch.loadJSON and queried with the shared search-core.js.
 * Also the data-script encoding itself and the secret redaction around it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import MiniSearch from 'minisearch';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSearchCore, type SearchHit, type SearchPart } from '../../src/docs-site/browser-shared.js';
import { snippet } from '../../src/docs-site/build-search-index.js';
import { dataScript } from '../../src/docs-site/write-site.js';
import { secretRedactor } from '../../src/compiler/redact-secrets.js';
import { copyDemoProject, dpf } from '../helpers/run-dpf.js';
import { readSite, runDataScript, type SiteFiles } from './helpers/site-files.js';

describe('search over the demo project', () => {
  let site: SiteFiles;
  const indexes: Partial<Record<SearchPart, MiniSearch[]>> = {};
  const core = loadSearchCore();

  beforeAll(async () => {
    const dir = copyDemoProject();
    expect((await dpf(['docs', 'generate', '--project-dir', dir, '--empty-catalog'], { cwd: dir })).code).toBe(0);
    const siteDir = join(dir, 'target', 'site');
    site = readSite(siteDir);
    site.index.search.forEach((s, i) => {
      const { json } = runDataScript(readFileSync(join(siteDir, 'data', `search-${i}.js`), 'utf8'));
      (indexes[s.part] ??= []).push(MiniSearch.loadJSON(json, core.indexOptions(s.part) as never));
    });
  });

  const label = (hit: SearchHit) => {
    const n = site.index.nodes[hit.node]!;
    return hit.column === undefined ? `${n.k}:${n.n}` : `column:${n.n}.${hit.column}`;
  };
  const search = (query: string, keep?: (hit: SearchHit) => boolean) =>
    core.search(indexes, core.nameWords(site.index.nodes), query, (hit) => (hit.column === undefined ? site.index.nodes[hit.node]!.n : hit.column), keep, 10).map(label);

  it('finds a column by a word of its description', () => {
    expect(search('rolling')[0]).toBe('column:orders_daily.net_revenue_7d');
  });

  it('ranks name matches first: exact, then prefix, then a part of the name', () => {
    expect(search('fct_orders')[0]).toBe('model:fct_orders');
    expect(search('dim_cust')[0]).toBe('model:dim_customers');
    const orders = search('orders');
    expect(orders[0]).toBe('column:orders_daily.orders');
    expect(orders[1]).toBe('model:orders_daily');
    // Among names with a part "orders", models and seeds come before columns.
    expect(orders.slice(2, 5).sort()).toEqual(['model:fct_orders', 'model:stg_orders', 'seed:raw_orders']);
  });

  it('ranks models, sources and seeds with the word in their name above columns starting with it', () => {
    // The box shows 8 results: the nodes must not be pushed out by customer_id, customer_name, ...
    const customer = search('customer').slice(0, 8);
    const nodes = customer.filter((l) => !l.startsWith('column:'));
    expect(nodes.sort()).toEqual(['model:dim_customers', 'model:stg_customers', 'seed:raw_customers']);
    expect(customer.slice(0, 3).sort()).toEqual(nodes);
    expect(customer[3]).toMatch(/^column:.*\.customer_/);
  });

  it('searches tags, owners and SQL text, forgives a typo, and filters', () => {
    expect(search('merchandising')).toContain('seed:raw_products');
    expect(search('generate_series').length + search('unnest').length + search('digits').length).toBeGreaterThan(0);
    // SQL keywords are not indexed: every model would match.
    expect(search('select')).toEqual([]);
    expect(search('revnue')).toContain('model:revenue_by_category');
    const onlyColumns = search('customer', (hit) => hit.column !== undefined);
    expect(onlyColumns.length).toBeGreaterThan(0);
    expect(onlyColumns.every((l) => l.startsWith('column:'))).toBe(true);
    const owner = site.index.owners.indexOf('web-team');
    expect(search('sessions', (hit) => site.index.nodes[hit.node]!.o === owner && hit.column === undefined)).toEqual(['source:sessions', 'model:stg_web_sessions']);
  });

  it('tokenizes identifiers whole and in parts on the document side only', () => {
    expect(core.tokenize('fct_orders.amount_paid', 'd')).toEqual(['fct_orders.amount_paid', 'fct', 'orders', 'amount', 'paid']);
    expect(core.tokenize('select o.order_id, o.order_id from {{ref "stg_orders"}} where 1 = 1', 'q')).toEqual(['order_id', 'stg_orders']);
    expect(core.tokenizeQuery('Fct_Orders amount')).toEqual(['fct_orders', 'amount']);
  });

  it('makes one-line snippets of markdown', () => {
    expect(snippet('**Bold** and [a link](https://example.com)\n\n`code`')).toBe('Bold and a link code');
    expect(snippet('x'.repeat(300))).toHaveLength(140);
  });
});

describe('data scripts', () => {
  it('carry any text through to JSON.parse unchanged', () => {
    const nasty = {
      quotes: `"double" 'single' \`back\` \${not a template}`,
      html: '</script><script>alert(1)</script><!--',
      slashes: 'C:\\path\\to\\file \\u0041 \\n',
      unicode: 'line\u2028separator\u2029 é ☃ 🚀',
    };
    const json = JSON.stringify(nasty).replace(/}$/, ',"__proto__":"a plain key"}');
    const script = dataScript('chunk', 7, json);
    expect(script).not.toContain('</script');
    expect(script).not.toContain('${');
    const received = runDataScript(script);
    expect(received).toMatchObject({ kind: 'chunk', key: 7 });
    const parsed = JSON.parse(received.json);
    expect(parsed).toEqual(JSON.parse(json));
    expect(Object.keys(parsed)).toContain('__proto__');
  });

  it('redact secrets as written and as JSON escapes them', () => {
    const redact = secretRedactor(['p"ss\\word', 'plain-secret']);
    const text = JSON.stringify({ a: 'p"ss\\word', b: 'x plain-secret y' });
    expect(redact(text)).toBe(JSON.stringify({ a: '****', b: 'x **** y' }));
  });
});
