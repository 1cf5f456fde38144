/**
 * The README's screenshots of the Explore page and of an analysis page, taken the way the
 * browser tests drive Chromium (bench/chromium.ts): the demo project is copied to a temporary
 * folder, built and documented; `dpf docs serve` runs a query on the Explore page, drawn as a
 * chart with the chart builder; the demo analysis revenue_by_month is opened from disk. Both
 * are saved to docs/img/ (explore-chart.png, analysis-page.png).
 *
 *   node scripts/build.mjs && npx tsc -p tsconfig.bench.json
 *   node dist-bench/bench/explore-screenshots.js
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchChromium, openSite } from './chromium.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const IMAGES = join(REPO_ROOT, 'docs', 'img');
const SQL = `select date_trunc('month', order_date) as month, status, sum(net_revenue) as revenue
from main.fct_orders
group by 1, 2
order by 1, 2`;

async function main(): Promise<void> {
  const dir = join(mkdtempSync(join(tmpdir(), 'dpf-shots-')), 'shop');
  cpSync(join(REPO_ROOT, 'project-template'), dir, { recursive: true, filter: (src) => !src.includes(`${join('project-template', 'target')}`) });
  const env = { ...process.env, HOME: dir };
  const dpf = (...args: string[]) => execFileSync(process.execPath, [join(REPO_ROOT, 'bin', 'dpf.js'), ...args, '--project-dir', dir], { cwd: dir, stdio: 'inherit', env });
  dpf('build');
  dpf('docs', 'generate');
  mkdirSync(IMAGES, { recursive: true });
  const server = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'dpf.js'), 'docs', 'serve', '--port', '0', '--project-dir', dir], { cwd: dir, env });
  const browser = await launchChromium();
  try {
    const site = await new Promise<string>((done, fail) => {
      let out = '';
      server.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /at (http:\/\/\S+)/.exec(out);
        if (m) done(m[1]!);
      });
      server.on('exit', (code) => fail(new Error(`dpf docs serve exited with ${code}`)));
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    await openSite(page, `${site}#/explore`);
    await page.fill('#explore-sql', SQL);
    await page.click('#explore-run');
    await page.waitForSelector('#explore-chart-builder');
    await page.selectOption('#explore-chart-builder select[name=mark]', 'bar');
    await page.selectOption('#explore-chart-builder select[name=x]', 'month');
    await page.selectOption('#explore-chart-builder select[name=y]', 'revenue');
    await page.selectOption('#explore-chart-builder select[name=color]', 'status');
    await page.selectOption('#explore-chart-builder select[name=aggregate]', 'sum');
    await page.click('#explore-save summary');
    await page.fill('#explore-save-name', 'revenue_by_status');
    await page.fill('#explore-save-title', 'Revenue by month and status');
    // The result table is long: show the editor, then the chart and the Save form below it.
    // Through the CSSOM: the site's Content-Security-Policy refuses inline style tags.
    await page.evaluate(() => {
      const table = document.querySelector<HTMLElement>('#explore-output .table-wrap');
      if (table) Object.assign(table.style, { maxHeight: '170px', overflow: 'hidden' });
    });
    // fullPage would draw the sticky top bar halfway down: grow the viewport to the page instead.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1280, height });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(IMAGES, 'explore-chart.png') });
    await page.setViewportSize({ width: 1280, height: 900 });

    const url = pathToFileURL(join(dir, 'target', 'site', 'index.html')).href;
    await openSite(page, `${url}#/analysis/analysis.shop.revenue_by_month`);
    await page.waitForSelector('#analysis-chart .result-chart[data-state="drawn"]');
    await page.screenshot({ path: join(IMAGES, 'analysis-page.png'), clip: { x: 0, y: 0, width: 1280, height: 900 } });
    process.stdout.write(`Screenshots written to ${IMAGES}\n`);
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    rmSync(dirname(dir), { recursive: true, force: true });
  }
}

await main();
