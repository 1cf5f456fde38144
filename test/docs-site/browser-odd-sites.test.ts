/**
 * The catalog site in Chromium on sites the demo project does not make: a project without
 * models, and data files damaged after generation. Each page must say something useful, never
 * hang on "Loading…" or say "Nothing matches".
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
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
