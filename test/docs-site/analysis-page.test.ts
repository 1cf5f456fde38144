/**
 * Analyses in the static catalog (docs/analyses.md), in real Chromium from file://: the page
 * shows the chart (a uPlot canvas with its marks) and the snapshot table; "Change chart" (the
 * chart builder) makes the spec it shows as YAML and redraws; payloads in an analysis's title,
 * description and data values execute nothing; a column carrying personal data is masked in
 * the snapshot, and the planted value appears in no file of the site.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectProblems, launchChromium, openSite } from '../../bench/chromium.js';
import { dpf, makeProject } from '../helpers/run-dpf.js';

const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '<script>window.__pwned=2</script>';
const VALUE = '<img src=x onerror="window.__pwned=3">';
const PLANTED = 'planted.secret.4711@example.com';

const filesUnder = (dir: string): string[] => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]));

describe('analysis pages', () => {
  let browser: Browser;
  let dir: string;
  let base: string;
  let generatedOutput: string;

  beforeAll(async () => {
    const y = (s: string) => JSON.stringify(s);
    dir = makeProject({
      'seeds/people.csv': `id,email,name\n1,${PLANTED},Ann\n2,bo@example.com,Bo\n`,
      'seeds/people.yml': 'seeds:\n  - name: people\n    columns:\n      - name: email\n        meta: {pii: true}\n',
      'models/orders.sql': [
        `select 1 as id, 1 as person_id, '${VALUE}' as category, 10 as amount, date '2024-01-05' as ordered_on`,
        "union all select 2, 2, 'books', 5, date '2024-02-07'",
        "union all select 3, 1, 'books', 7, date '2024-02-09'",
        '',
      ].join('\n'),
      'analyses/by_category.yml': [
        `title: ${y(`Orders ${SCRIPT} by category`)}`,
        `description: ${y(`Watch out: ${IMG} and **bold** stays bold.`)}`,
        `owner: ${y('<svg onload="window.__pwned=4">')}`,
        'sql: |',
        '  select category, sum(amount) as amount, count(*) as orders',
        '  from {{ref "orders"}}',
        '  group by 1 order by 1',
        'chart: {mark: bar, x: category, y: amount}',
        '',
      ].join('\n'),
      'analyses/contacts.yml': [
        'title: Spend per contact',
        'sql: |',
        '  select p.email as contact, p.email, p.name, sum(o.amount) as spent',
        '  from {{ref "people"}} p join {{ref "orders"}} o on o.person_id = p.id',
        '  group by 1, 2, 3',
        'chart: {mark: bar, x: name, y: spent}',
        '',
      ].join('\n'),
      'analyses/wrong_column.yml': 'sql: select 1 as a, 2 as b\nchart: {mark: line, x: a, y: bee}\n',
    });
    const built = await dpf(['build', '--project-dir', dir], { cwd: dir });
    expect(built.code, built.output).toBe(0);
    const generated = await dpf(['docs', 'generate', '--project-dir', dir], { cwd: dir });
    expect(generated.code, generated.output).toBe(0);
    generatedOutput = generated.output;
    base = pathToFileURL(join(dir, 'target', 'site', 'index.html')).href;
    browser = await launchChromium();
  });

  afterAll(() => browser?.close());

  it('shows the chart and the snapshot; Change chart makes the spec and redraws; payloads stay text', async () => {
    const context = await browser.newContext({ viewport: { width: 1300, height: 900 } });
    const page = await context.newPage();
    const problems = collectProblems(page);
    await openSite(page, `${base}#/analyses`);
    await page.waitForSelector('#analyses-page');
    expect(await page.locator('.analysis-list li').count()).toBe(3);
    await page.locator('.analysis-list a', { hasText: 'by category' }).click();
    await page.waitForSelector('#analysis-page .result-chart[data-state="drawn"]');

    const chart = page.locator('.result-chart');
    expect(await chart.getAttribute('data-mark')).toBe('bar');
    expect(await chart.getAttribute('data-marks')).toBe('2');
    // The canvas holds the bars: some pixels are the first series' colour (#1d4ed8).
    const painted = await page.$eval('.result-chart canvas', (c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] === 0x1d && data[i + 1] === 0x4e && data[i + 2] === 0xd8) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(100);
    const rows = await page.$$eval('#snapshot-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual([
      [VALUE, '10', '1'],
      ['books', '12', '2'],
    ]);
    expect(await page.textContent('#analysis-title')).toBe(`Orders ${SCRIPT} by category`);
    expect(await page.textContent('#analysis-owner')).toBe('<svg onload="window.__pwned=4">');
    expect(await page.textContent('#analysis-description strong')).toBe('bold');
    expect(await page.locator('#main script, #main [onerror], #main [onload]').count()).toBe(0);

    // The chart builder: line of the count of rows per category, shown as YAML.
    await page.click('#change-chart > summary');
    await page.selectOption('#change-chart select[name="mark"]', 'line');
    await page.selectOption('#change-chart select[name="y"]', '');
    expect(await page.inputValue('#change-chart select[name="aggregate"]')).toBe('count');
    await page.click('#change-chart .chart-builder-spec > summary');
    expect(await page.textContent('#change-chart .chart-builder-yaml')).toBe('chart:\n  mark: line\n  x: category\n  aggregate: count\n');
    expect(await chart.getAttribute('data-mark')).toBe('line');
    expect(await chart.getAttribute('data-marks')).toBe('2');
    await page.selectOption('#change-chart select[name="mark"]', 'scatter');
    await page.selectOption('#change-chart select[name="y"]', 'amount');
    await page.selectOption('#change-chart select[name="aggregate"]', 'max');
    expect(await chart.getAttribute('data-mark')).toBe('scatter');
    expect(await page.textContent('#change-chart .chart-builder-yaml')).toContain('  y: amount\n  aggregate: max\n');

    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    const failedLoads = problems.filter((p) => p.startsWith('request failed:') || p.includes('Failed to load resource'));
    const expected = (p: string) => failedLoads.includes(p) || /Executing inline event handler violates/.test(p);
    expect(problems.filter((p) => !expected(p))).toEqual([]);
    await context.close();
  });

  it('masks personal data in the snapshot, through column lineage and by name; the value is in no generated file', async () => {
    const page = await browser.newPage();
    await openSite(page, `${base}#/analysis/${encodeURIComponent('analysis.proj.contacts')}`);
    await page.waitForSelector('#snapshot-table');
    const header = await page.$$eval('#snapshot-table thead th', (ths) => ths.map((th) => th.textContent));
    expect(header).toEqual(['contactmasked', 'emailmasked', 'name', 'spent']);
    const rows = await page.$$eval('#snapshot-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows.map((r) => r.slice(0, 2))).toEqual([
      ['<personal data>', '<personal data>'],
      ['<personal data>', '<personal data>'],
    ]);
    expect(rows.map((r) => r[2]).sort()).toEqual(['Ann', 'Bo']);
    expect(await page.locator('.result-chart').getAttribute('data-state')).toBe('drawn');
    for (const file of [...filesUnder(join(dir, 'target', 'site')), join(dir, 'target', 'catalog.json'), join(dir, 'target', 'manifest.json')]) {
      expect(readFileSync(file, 'utf8').includes(PLANTED), file).toBe(false);
    }
    await page.close();
  });

  it('says when a chart names a column the result lacks: a warning, and a note on the page', async () => {
    expect(generatedOutput).toContain('warning DPF193');
    expect(generatedOutput).toContain('Did you mean "b"?');
    expect(generatedOutput).toContain('Analyses: 3 pages, 3 with a data snapshot');
    const page = await browser.newPage();
    await openSite(page, `${base}#/analysis/${encodeURIComponent('analysis.proj.wrong_column')}`);
    await page.waitForSelector('#analysis-page');
    expect(await page.locator('.result-chart').getAttribute('data-state')).toBe('invalid');
    expect(await page.textContent('#analysis-page')).toContain('plots "bee" as y');
    expect(await page.locator('#snapshot-table tbody tr').count()).toBe(1);
    await page.close();
  });
});
