/**
 * The catalog site in Chromium on sites the demo project does not make: node names the
 * selector syntax cannot hold (a space, a comma, a "+"), a project without models, and data
 * files damaged after generation. Each page must say something useful, never hang on
 * "Loading…" or "Nothing matches".
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectProblems, launchChromium, openSite } from '../../bench/chromium.js';
import { copyDemoProject, dpf, makeProject, tempDir } from '../helpers/run-dpf.js';
import { readSite } from './helpers/site-files.js';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

async function generate(dir: string): Promise<string> {
  const run = await dpf(['docs', 'generate', '--project-dir', dir, '--empty-catalog'], { cwd: dir });
  expect(run.code, run.output).toBe(0);
  return join(dir, 'target', 'site');
}

const graphNames = (page: Page) => page.$$eval('g.g-node', (els) => els.map((e) => e.getAttribute('data-name')).sort());
const hashOf = (page: Page) => page.evaluate(() => location.hash);

/** Clicks a control that changes the route and waits until the graph is drawn again (its nodes are then polled: a redraw clears them first). */
async function andRedraw(page: Page, action: () => Promise<void>): Promise<void> {
  const before = await hashOf(page);
  await action();
  await page.waitForFunction((h) => location.hash !== h, before);
  await page.waitForSelector('#lineage-graph[data-nodes]', { timeout: 5000 });
}

describe('node names the selector syntax cannot hold', () => {
  let url: string;

  beforeAll(async () => {
    // base -> my model -> a,b -> x+y -> leaf
    const dir = makeProject({
      'models/base.sql': 'select 1 as id\n',
      'models/my model.sql': 'select * from {{ref "base"}}\n',
      'models/a,b.sql': 'select * from {{ref "my model"}}\n',
      'models/x+y.sql': 'select * from {{ref "a,b"}}\n',
      'models/leaf.sql': 'select * from {{ref "x+y"}}\n',
    });
    url = pathToFileURL(join(await generate(dir), 'index.html')).href;
  });

  it('opens, levels and refocuses the lineage graph of such a node', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = collectProblems(page);
    await openSite(page, `${url}#/node/${encodeURIComponent('model.proj.my model')}`);
    await page.waitForSelector('#open-lineage');
    await andRedraw(page, () => page.click('#open-lineage'));
    expect(await page.textContent('h1')).toBe('Lineage of my model');
    expect(await page.getAttribute('#graph-message', 'class')).not.toContain('error');
    await expect.poll(() => graphNames(page), { timeout: 5000 }).toEqual(['a,b', 'base', 'my model', 'x+y']);
    expect(await page.locator('g.g-node.focus').getAttribute('data-name')).toBe('my model');
    expect([await page.textContent('#up-level'), await page.textContent('#down-level')]).toEqual(['2', '2']);
    await andRedraw(page, () => page.click('#down-more'));
    expect(await page.textContent('#down-level')).toBe('3');
    await expect.poll(() => graphNames(page), { timeout: 5000 }).toEqual(['a,b', 'base', 'leaf', 'my model', 'x+y']);
    // Clicking a node with a comma focuses it.
    await andRedraw(page, () => page.click('g.g-node[data-name="a,b"]'));
    expect(await page.textContent('h1')).toBe('Lineage of a,b');
    expect(await page.locator('g.g-node.focus').getAttribute('data-name')).toBe('a,b');
    await expect.poll(() => graphNames(page), { timeout: 5000 }).toEqual(['a,b', 'base', 'leaf', 'my model', 'x+y']);
    await andRedraw(page, () => page.click('#up-less'));
    await expect.poll(() => graphNames(page), { timeout: 5000 }).toEqual(['a,b', 'leaf', 'my model', 'x+y']);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('expands such a node with "+"', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = collectProblems(page);
    await openSite(page, `${url}#/lineage?select=leaf&focus=model.proj.leaf`);
    await page.waitForSelector('#lineage-graph[data-nodes]');
    await expect.poll(() => graphNames(page), { timeout: 5000 }).toEqual(['leaf']);
    await andRedraw(page, () => page.click('g.g-expand[data-expand="up"][data-id="model.proj.leaf"]'));
    expect(await page.inputValue('#selector-input')).toBe('1+leaf');
    await expect.poll(() => graphNames(page), { timeout: 5000 }).toEqual(['leaf', 'x+y']);
    await andRedraw(page, () => page.click(`g.g-expand[data-expand="up"][data-id="model.proj.x+y"]`));
    await expect.poll(() => graphNames(page), { timeout: 5000 }).toEqual(['a,b', 'leaf', 'x+y']);
    expect(await page.locator('g.g-node.focus').getAttribute('data-name')).toBe('leaf');
    expect(await page.getAttribute('#graph-message', 'class')).not.toContain('error');
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('a project without models', () => {
  it('says how to add one on the lineage page', async () => {
    const dir = makeProject({});
    const url = pathToFileURL(join(await generate(dir), 'index.html')).href;
    const page = await browser.newPage();
    const problems = collectProblems(page);
    await openSite(page, `${url}#/lineage`);
    const message = await page.textContent('#graph-message');
    expect(message).not.toContain('Nothing matches');
    expect(message).toContain('no models yet');
    expect(message).toContain('dpf docs generate');
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('a site without run history', () => {
  it('says on the Health page why it has none: skipped by --empty-catalog, or no run recorded yet', async () => {
    const dir = makeProject({ 'models/one.sql': 'select 1 as id\n' });
    const skipped = pathToFileURL(join(await generate(dir), 'index.html')).href;
    const page = await browser.newPage();
    const problems = collectProblems(page);
    await openSite(page, `${skipped}#/health`);
    expect(await page.textContent('#health-page')).toContain('--empty-catalog');
    // Read from a warehouse where nothing ran yet (a compile opens no history).
    expect((await dpf(['docs', 'generate', '--project-dir', dir], { cwd: dir })).code).toBe(0);
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
    expect(await page.textContent('#health-page')).toContain('No run is recorded in dpf_meta yet');
    expect(await page.locator('#gantt').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('data files damaged after generation', () => {
  let siteDir: string;

  beforeAll(async () => {
    siteDir = await generate(copyDemoProject());
  });

  /** A copy of the site whose data script for `file` hands over text that is not JSON. */
  function damaged(file: string): string {
    const copy = join(tempDir(), 'site');
    cpSync(siteDir, copy, { recursive: true });
    const text = readFileSync(join(copy, file), 'utf8');
    const call = /^dpfSite\.receive\(("[a-z]+"|'[a-z]+'), (\d+), /m.exec(text);
    expect(call, `the data script call in ${file}`).not.toBeNull();
    writeFileSync(join(copy, file), `dpfSite.receive(${call![1]}, ${call![2]}, "{\\"nodes\\": [");\n`);
    return pathToFileURL(join(copy, 'index.html')).href;
  }

  it('show an error instead of loading forever on node and column lineage pages', async () => {
    const chunk = readSite(siteDir).node('fct_orders').c;
    const url = damaged(`data/chunks/${chunk}.js`);
    const page = await browser.newPage();
    const problems = collectProblems(page);
    await openSite(page, `${url}#/node/model.shop.fct_orders`);
    await page.waitForSelector('.notice.bad', { timeout: 5000 });
    expect(await page.textContent('.notice.bad')).toContain(`data/chunks/${chunk}.js could not be read`);
    expect(await page.textContent('.notice.bad')).toContain('dpf docs generate');
    await page.goto(`${url}#/columns/model.shop.fct_orders`);
    await page.waitForSelector('.notice.bad', { timeout: 5000 });
    expect(await page.textContent('.notice.bad')).toContain(`data/chunks/${chunk}.js`);
    expect(await page.isVisible('.loading')).toBe(false);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('show an error instead of loading forever when the index is damaged', async () => {
    const url = damaged('data/index.js');
    const page = await browser.newPage();
    const problems = collectProblems(page);
    await page.goto(url);
    await page.waitForFunction(() => document.querySelector('#boot-message')?.textContent?.includes('data/index.js'), null, { timeout: 5000 });
    expect(await page.textContent('#boot-message')).toContain('data/index.js could not be read');
    expect(await page.textContent('#boot-message')).toContain('dpf docs generate');
    expect(problems).toEqual([]);
    await page.close();
  });
});
