/**
 * The catalog site's Pipelines page in Chromium, on a project whose scheduler state holds a
 * success, a late tick, skipped ticks, a failure in a known node, a lost run and a running run
 * (test/helpers/scheduler-state.ts): the pipelines with their schedules, the running run, the
 * failures with a link to the failed node and the retry commands, every value as text (a
 * description carrying markup runs nothing). A project without pipelines says so. A screenshot
 * goes to test-output/pipelines-page.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectProblems, launchChromium, openSite } from '../../bench/chromium.js';
import { dpf, makeProject, REPO_ROOT } from '../helpers/run-dpf.js';
import { makeStatusProject, STATUS_NOW, STATUS_PIPELINES } from '../helpers/scheduler-state.js';

const PAYLOAD = '<img src=x onerror="window.__pwned=1">';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function siteOf(dir: string): Promise<string> {
  const run = await dpf(['docs', 'generate', '--empty-catalog'], { cwd: dir, env: { HOME: dir, DPF_NOW: STATUS_NOW } });
  expect(run.code, run.output).toBe(0);
  return pathToFileURL(join(dir, 'target', 'site', 'index.html')).href;
}

describe('the Pipelines page', () => {
  it('shows each pipeline, the running run, the failures with their node and retry commands, as text', async () => {
    const dir = await makeStatusProject({ 'pipelines/extract.yml': `description: 'raw data ${PAYLOAD}'\n${STATUS_PIPELINES['pipelines/extract.yml']}` });
    const page = await browser.newPage();
    const problems = collectProblems(page);
    await openSite(page, `${await siteOf(dir)}#/pipelines`);
    await page.waitForSelector('#pipelines-page #pipelines');
    expect(await page.$$eval('#pipelines tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.pipeline))).toEqual(['downstream', 'extract', 'marts', 'nightly', 'report']);
    const extract = await page.textContent('#pipelines tr[data-pipeline="extract"]');
    expect(extract).toContain(`raw data ${PAYLOAD}`);
    expect(extract).toContain('15 */2 * * *');
    expect(extract).toContain('data-eng');
    expect(await page.textContent('#pipelines tr[data-pipeline="downstream"]')).toContain('after marts');
    expect(await page.textContent('#pipelines tr[data-pipeline="report"] .badge')).toBe('running');
    expect(await page.textContent('#scheduler')).toContain('host-a (pid 4242) was leading');
    expect(await page.textContent('#running')).toContain('report@2026-03-28T11:30:00.000Z#1');
    expect(await page.textContent('#running')).toContain('3 / 7');
    // The failure links to the failed node's page and gives the commands that retry it.
    const marts = page.locator('#failures .failure[data-pipeline="marts"]');
    expect(await marts.locator('a').getAttribute('href')).toBe('#/node/model.proj.mart_a');
    expect(await marts.locator('code.retry').allTextContents()).toEqual(['dpf pipeline run marts', 'dpf build --select mart_a+ --target dev']);
    expect(await page.textContent('#failures .failure[data-pipeline="nightly"]')).toContain('failed: scheduler lost');
    expect(await page.textContent('section.pipeline-runs[data-pipeline="extract"] .skipped')).toContain('3 ticks skipped while no scheduler ran');
    expect(await page.locator('#next-runs li').count()).toBe(11);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // The pipeline's name scrolls to its runs and stays on this page.
    await page.click('#pipelines tr[data-pipeline="report"] a');
    expect(await page.evaluate(() => location.hash)).toBe('#/pipelines');
    expect(problems).toEqual([]);
    mkdirSync(join(REPO_ROOT, 'test-output'), { recursive: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(REPO_ROOT, 'test-output', 'pipelines-page.png'), fullPage: true });
    await page.close();
  });

  it('says when the project has no pipelines', async () => {
    const dir = makeProject({ 'models/one.sql': 'select 1 as id\n' });
    const page = await browser.newPage();
    const problems = collectProblems(page);
    await openSite(page, `${await siteOf(dir)}#/pipelines`);
    expect(await page.textContent('#pipelines-page')).toContain('This project has no pipelines');
    expect(problems).toEqual([]);
    await page.close();
  });
});
