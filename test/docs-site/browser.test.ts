/**
 * The catalog site in a real browser (Debian's Chromium through playwright-core), on the demo
 * project built into DuckDB: opened from disk (file://) and from `dpf docs serve`. A user
 * searches for a column by a word of its description, opens it, reads its true upstream
 * column, opens the lineage graph, expands it and follows an edge. Screenshots go to
 * test-output/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectProblems, launchChromium, openSite } from '../../bench/chromium.js';
import { serveSite, type SiteServer } from '../../src/server/serve-site.js';
import { copyDemoProject, dpf, REPO_ROOT } from '../helpers/run-dpf.js';

const OUTPUT = join(REPO_ROOT, 'test-output');

let browser: Browser;
let siteDir: string;
let server: SiteServer;

beforeAll(async () => {
  const dir = copyDemoProject();
  expect((await dpf(['build', '--project-dir', dir], { cwd: dir })).code).toBe(0);
  expect((await dpf(['docs', 'generate', '--project-dir', dir], { cwd: dir })).code).toBe(0);
  siteDir = join(dir, 'target', 'site');
  server = await serveSite(siteDir, { port: 0 });
  browser = await launchChromium();
  mkdirSync(OUTPUT, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Clicks the middle of an SVG edge, where the user would, not the centre of its bounding box. */
async function clickEdge(page: Page, selector: string): Promise<void> {
  const point = await page.$eval(selector, (el) => {
    const path = el as SVGPathElement;
    const p = path.getPointAtLength(path.getTotalLength() / 2);
    const m = path.getScreenCTM()!;
    return { x: p.x * m.a + p.y * m.c + m.e, y: p.x * m.b + p.y * m.d + m.f };
  });
  await page.mouse.click(point.x, point.y);
}

const origins = [
  ['file://', () => pathToFileURL(join(siteDir, 'index.html')).href],
  ['dpf docs serve', () => server.url],
] as const;

describe.each(origins)('the demo catalog opened from %s', (origin, url) => {
  it('finds a column by its description, shows its upstream column, and follows the lineage graph', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = collectProblems(page);
    await openSite(page, url());
    expect(await page.textContent('h1')).toBe('shop');
    expect(await page.textContent('#home')).toContain('Where to start');

    // Search: a word that appears only in the description of orders_daily.net_revenue_7d.
    await page.click('#search-input');
    await page.keyboard.type('rolling');
    const first = page.locator('#search-results [role="option"]').first();
    await first.waitFor();
    expect(await first.textContent()).toContain('net_revenue_7d');
    expect(await first.textContent()).toContain('in orders_daily');
    await first.click();

    // The node page, scrolled to the column, with its column lineage.
    await page.waitForSelector('#node-page[data-id="model.shop.orders_daily"]');
    expect(page.url()).toContain('#/node/model.shop.orders_daily?col=net_revenue_7d');
    const row = page.locator('tr[data-column="net_revenue_7d"]');
    expect(await row.getAttribute('class')).toContain('highlight');
    const upstream = row.locator('.upstream a');
    expect(await upstream.allTextContents()).toEqual(['fct_orders.net_revenue']);
    expect(await row.locator('.col-type').textContent()).toMatch(/DECIMAL|DOUBLE/);
    expect(await page.textContent('#tests')).toContain('not_null_orders_daily_order_date');
    expect(await page.locator('#sql .hljs-keyword').count()).toBeGreaterThan(5);

    // The lineage graph around it: expand one level upstream, then follow an edge.
    await page.click('#open-lineage');
    await page.waitForSelector('#lineage-graph[data-nodes]');
    expect(await page.inputValue('#selector-input')).toBe('2+orders_daily+2');
    const before = Number(await page.getAttribute('#lineage-graph', 'data-nodes'));
    await page.click('#up-more');
    await page.waitForFunction((n) => Number(document.querySelector('#lineage-graph')?.getAttribute('data-nodes')) > n, before);
    expect(await page.inputValue('#selector-input')).toBe('3+orders_daily+2');
    expect(await page.textContent('#up-level')).toBe('3');
    const edge = 'g.g-edge[data-from="model.shop.fct_orders"][data-to="model.shop.orders_daily"] path.hit';
    await clickEdge(page, edge);
    await page.waitForFunction(() => decodeURIComponent(location.hash).includes('focus=model.shop.fct_orders'));
    // The hash changes first, the page renders after it: wait for the heading, not a fixed time.
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Lineage of fct_orders', undefined, { timeout: 10_000 }).catch(() => undefined);
    expect(await page.textContent('h1')).toBe('Lineage of fct_orders');
    expect(await page.textContent('#graph-focus h3')).toBe('fct_orders');
    expect(await page.locator('g.g-node.focus').getAttribute('data-id')).toBe('model.shop.fct_orders');
    await page.screenshot({ path: join(OUTPUT, `docs-site-lineage-${origin === 'file://' ? 'file' : 'serve'}.png`) });

    // Double-click opens the page of a node in the graph.
    await page.dblclick('g.g-node[data-id="model.shop.stg_orders"]');
    await page.waitForSelector('#node-page[data-id="model.shop.stg_orders"]');
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('the demo catalog in the browser', () => {
  it('navigates search results with the keyboard', async () => {
    const page = await browser.newPage();
    const problems = collectProblems(page);
    await openSite(page, pathToFileURL(join(siteDir, 'index.html')).href);
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('search-input');
    await page.keyboard.type('order');
    const options = page.locator('#search-results [role="option"]');
    await options.nth(3).waitFor();
    expect(await options.nth(0).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await options.nth(2).getAttribute('aria-selected')).toBe('true');
    expect(await options.nth(0).getAttribute('aria-selected')).toBe('false');
    expect(await page.getAttribute('#search-input', 'aria-activedescendant')).toBe('search-option-2');
    await page.keyboard.press('ArrowUp');
    expect(await options.nth(1).getAttribute('aria-selected')).toBe('true');
    const href = await options.nth(1).getAttribute('href');
    await page.keyboard.press('Enter');
    await page.waitForFunction((h) => location.hash === h, href);
    await page.waitForSelector('#node-page');
    expect(await page.isHidden('#search-results')).toBe(true);
    // Escape closes the list without navigating.
    await page.click('#search-input');
    await page.keyboard.type('dim');
    await options.first().waitFor();
    await page.keyboard.press('Escape');
    expect(await page.isHidden('#search-results')).toBe(true);
    expect(page.url()).toContain(href!);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('filters the search page by kind and owner, and browses without a query', async () => {
    const page = await browser.newPage();
    const problems = collectProblems(page);
    await openSite(page, `${pathToFileURL(join(siteDir, 'index.html')).href}#/search?q=customer&kind=column`);
    await page.waitForSelector('.result-list .result');
    const kinds = await page.locator('.result-list .result .badge').allTextContents();
    expect(kinds.length).toBeGreaterThan(3);
    expect(new Set(kinds)).toEqual(new Set(['column']));
    await page.goto(`${pathToFileURL(join(siteDir, 'index.html')).href}#/search?owner=web-team`);
    await page.waitForSelector('.result-list .result');
    expect((await page.locator('.result-list .result .result-title').allTextContents()).sort()).toEqual(['sourcesessions', 'modelstg_web_sessions'].sort());
    expect(problems).toEqual([]);
    await page.close();
  });

  it('calls an ephemeral model ephemeral, not "not run", and a built one by its last run', async () => {
    const page = await browser.newPage();
    const problems = collectProblems(page);
    await openSite(page, `${pathToFileURL(join(siteDir, 'index.html')).href}#/node/${encodeURIComponent('model.shop.int_order_payments')}`);
    await page.waitForSelector('.title-row .badge');
    expect(await page.locator('.title-row .badge').textContent()).toBe('ephemeral');
    await page.goto(`${pathToFileURL(join(siteDir, 'index.html')).href}#/node/${encodeURIComponent('model.shop.fct_orders')}`);
    await page.waitForFunction(() => document.querySelector('.title-row h1')?.textContent === 'fct_orders');
    expect(await page.locator('.title-row .badge').textContent()).toBe('ok');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('keeps the search page query box while its results update as you type', async () => {
    const page = await browser.newPage();
    const problems = collectProblems(page);
    await openSite(page, `${pathToFileURL(join(siteDir, 'index.html')).href}#/search`);
    expect(await page.textContent('h1')).toBe('Browse the catalog');
    const input = page.locator('.filters input[type="search"]');
    const settled = (query: string) =>
      page.waitForFunction((q) => document.querySelector('.result-list')?.getAttribute('data-query') === q, query, { timeout: 3000 }).catch(() => undefined);
    await input.click();
    await page.keyboard.type('ord');
    await settled('ord');
    await page.keyboard.type('er');
    await settled('order');
    expect(await input.inputValue()).toBe('order');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Search query');
    expect(await page.getAttribute('.result-list', 'data-query')).toBe('order');
    expect(await page.textContent('h1')).toBe('Search');
    expect(decodeURIComponent(page.url())).toContain('#/search?q=order');
    // The caret stays where it was: typing at the start after an update goes to the start.
    await page.keyboard.press('Home');
    await page.keyboard.type('b');
    await settled('border');
    expect(await input.inputValue()).toBe('border');
    expect(await input.evaluate((el) => (el as HTMLInputElement).selectionStart)).toBe(1);
    // A filter narrows the results and keeps the query.
    await page.fill('.filters input[type="search"]', 'order');
    await settled('order');
    await page.selectOption('select[name="kind"]', 'model');
    await page.waitForFunction(() => decodeURIComponent(location.hash).includes('kind=model'));
    expect(await input.inputValue()).toBe('order');
    const kinds = await page.locator('.result-list .result .badge').allTextContents();
    expect(kinds.length).toBeGreaterThan(0);
    expect(new Set(kinds)).toEqual(new Set(['model']));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('merges a "+" expansion into the levels of the node it expands', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = collectProblems(page);
    await openSite(page, `${pathToFileURL(join(siteDir, 'index.html')).href}#/lineage?select=${encodeURIComponent('2+stg_orders')}&focus=model.shop.stg_orders`);
    await page.waitForSelector('#lineage-graph[data-nodes]');
    expect(await page.textContent('#down-level')).toBe('0');
    await page.click('g.g-expand[data-expand="down"][data-id="model.shop.stg_orders"]');
    await page.waitForFunction(() => (document.querySelector('#selector-input') as HTMLInputElement | null)?.value !== '2+stg_orders');
    await page.waitForSelector('#lineage-graph[data-nodes]');
    expect(await page.inputValue('#selector-input')).toBe('2+stg_orders+1');
    expect(await page.textContent('#down-level')).toBe('1');
    expect(await page.locator('g.g-edge[data-from="model.shop.stg_orders"]').count()).toBeGreaterThan(0);
    // The level buttons go on from there.
    await page.click('#down-more');
    await page.waitForFunction(() => (document.querySelector('#selector-input') as HTMLInputElement | null)?.value === '2+stg_orders+2');
    expect(await page.textContent('#down-level')).toBe('2');
    // A selector typed with two terms for the focus shows, and rewrites, the deepest levels.
    await page.fill('#selector-input', '2+stg_orders stg_orders+1');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('select') === '2+stg_orders stg_orders+1');
    await page.waitForSelector('#lineage-graph[data-nodes]');
    expect(await page.textContent('#up-level')).toBe('2');
    expect(await page.textContent('#down-level')).toBe('1');
    await page.click('#up-less');
    await page.waitForFunction(() => (document.querySelector('#selector-input') as HTMLInputElement | null)?.value === '1+stg_orders+1');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the column-level lineage graph and runs selectors in the lineage page', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = collectProblems(page);
    const base = pathToFileURL(join(siteDir, 'index.html')).href;
    await openSite(page, `${base}#/columns/model.shop.orders_daily?col=net_revenue_7d&up=2`);
    await page.waitForSelector('#column-graph .g-table');
    const edges = await page.$$eval('#column-graph path.g-cedge', (els) => els.map((e) => `${e.getAttribute('data-from')} -> ${e.getAttribute('data-to')}`));
    expect(edges).toContain('fct_orders.net_revenue -> orders_daily.net_revenue_7d');
    expect(edges.some((e) => e.endsWith('-> fct_orders.net_revenue'))).toBe(true);
    await page.goto(`${base}#/lineage?select=${encodeURIComponent('tag:core,+fct_orders source:web')}`);
    await page.waitForSelector('#lineage-graph[data-nodes]');
    const ids = (await page.$$eval('g.g-node', (els) => els.map((e) => e.getAttribute('data-id')))).sort();
    expect(ids).toEqual(['model.shop.fct_orders', 'source.shop.web.sessions']);
    // A click on a node focuses the graph on it.
    await page.click('g.g-node[data-id="source.shop.web.sessions"]');
    await page.waitForFunction(() => decodeURIComponent(location.hash).includes('focus=source.shop.web.sessions'));
    await page.waitForSelector('#graph-focus');
    expect(await page.textContent('#graph-focus h3')).toBe('sessions');
    expect(await page.inputValue('#selector-input')).toBe('2+sessions+2');
    await page.fill('#selector-input', 'state:modified');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#graph-message')?.textContent?.includes('use dpf ls --select'));
    expect(problems).toEqual([]);
    await page.close();
  });
});
