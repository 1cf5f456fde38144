/**
 * The README's screenshots of the catalog site, taken the way the browser tests drive Chromium
 * (bench/chromium.ts): the demo project is copied to a temporary folder, built, documented with
 * column profiles, opened from disk, and two pages are saved to docs/images/.
 *
 *   npx tsc -p tsconfig.build.json && npx tsc -p tsconfig.bench.json
 *   node dist-bench/bench/docs-screenshots.js
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchChromium, openSite } from './chromium.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const IMAGES = join(REPO_ROOT, 'docs', 'images');

async function main(): Promise<void> {
  const dir = join(mkdtempSync(join(tmpdir(), 'dpf-shots-')), 'shop');
  cpSync(join(REPO_ROOT, 'project-template'), dir, { recursive: true, filter: (src) => !src.includes(`${join('project-template', 'target')}`) });
  const dpf = (...args: string[]) => execFileSync(process.execPath, [join(REPO_ROOT, 'bin', 'dpf.js'), ...args, '--project-dir', dir], { cwd: dir, stdio: 'inherit', env: { ...process.env, HOME: dir } });
  dpf('build');
  dpf('docs', 'generate', '--profile');
  mkdirSync(IMAGES, { recursive: true });
  const url = pathToFileURL(join(dir, 'target', 'site', 'index.html')).href;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
    await openSite(page, `${url}#/node/model.shop.fct_orders?col=amount_paid`);
    await page.waitForSelector('#columns');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(IMAGES, 'catalog-model-page.png'), clip: { x: 0, y: 0, width: 1440, height: 1000 } });
    await page.evaluate(() => document.querySelector('#columns')!.scrollIntoView({ block: 'start' }));
    await page.evaluate(() => window.scrollBy(0, -120));
    await page.screenshot({ path: join(IMAGES, 'catalog-columns.png') });
    await openSite(page, `${url}#/lineage?select=${encodeURIComponent('2+fct_orders+2')}&focus=model.shop.fct_orders&color=health`);
    await page.waitForSelector('#lineage-graph[data-nodes]');
    await page.screenshot({ path: join(IMAGES, 'catalog-lineage.png') });
    await openSite(page, `${url}#/columns/model.shop.orders_daily?col=net_revenue_7d&up=3`);
    await page.waitForSelector('#column-graph .g-table');
    await page.screenshot({ path: join(IMAGES, 'catalog-column-lineage.png') });
    process.stdout.write(`Screenshots written to ${IMAGES}\n`);
  } finally {
    await browser.close();
    rmSync(dirname(dir), { recursive: true, force: true });
  }
}

await main();
