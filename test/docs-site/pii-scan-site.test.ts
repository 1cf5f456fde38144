/**
 * The PII scanner's findings in the catalog site (docs/governance.md#in-the-catalog): a project
 * built into DuckDB and scanned with `dpf scan pii`, whose findings dpf_meta.pii_findings keeps;
 * `dpf docs generate` reads each relation's latest scan. The index lists the findings (category,
 * status, confidence), each column carries "found by the scanner", and in Chromium the Personal
 * data page lists them (an unclassified project gets the page too) while the node page says
 * "found by the scanner: email, not classified". No sampled value is in any file of the site.
 * Screenshot: test-output/personal-data-scan.png.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectProblems, launchChromium, openSite } from '../../bench/chromium.js';
import { dpf, makeProject, REPO_ROOT } from '../helpers/run-dpf.js';
import { readSite } from './helpers/site-files.js';

const OUTPUT = join(REPO_ROOT, 'test-output');
const EMAILS = Array.from({ length: 30 }, (_, i) => `walda${i}.scanned@example.org`);
const CONTACTS = Array.from({ length: 30 }, (_, i) => `ronja${i}.contact@example.net`);
const csv = ['id,email,contact_email,segment', ...EMAILS.map((e, i) => `${i + 1},${e},${CONTACTS[i]},retail`)].join('\n') + '\n';

let browser: Browser;
let classified: string;
let unclassified: string;

async function scannedSite(files: Record<string, string>): Promise<string> {
  const dir = makeProject(files);
  for (const args of [['build'], ['scan', 'pii'], ['docs', 'generate']]) {
    const run = await dpf(args, { cwd: dir });
    expect(run.code, `${args.join(' ')}: ${run.output}`).toBe(0);
  }
  return join(dir, 'target', 'site');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

beforeAll(async () => {
  const seeds = { 'seeds/people.csv': csv, 'seeds/_seeds.yml': 'seeds:\n  - name: people\n    columns:\n      - name: email\n        pii: email\n' };
  classified = await scannedSite({ ...seeds, 'classifications.yml': 'levels:\n  - name: internal\n  - name: restricted\n    readers: [legal]\npii:\n  - name: email\n    level: restricted\n' });
  unclassified = await scannedSite({ 'seeds/people.csv': csv });
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
});

const url = (siteDir: string, hash: string) => `${pathToFileURL(join(siteDir, 'index.html')).href}${hash}`;

describe('the PII scan in the site data', () => {
  it('lists the latest findings in the index and on each column, with counts and never a value', () => {
    const site = readSite(classified);
    const scan = site.index.piiScan!;
    expect(scan.relations).toBe(1);
    const people = site.index.nodes.findIndex((n) => n.id === 'seed.proj.people');
    expect(scan.findings.map((f) => ({ ...f, at: undefined, cf: undefined }))).toEqual([
      { n: people, c: 'contact_email', cat: 'email', st: 'new', at: undefined, cf: undefined },
      { n: people, c: 'email', cat: 'email', st: 'classified', cl: 'email', at: undefined, cf: undefined },
    ]);
    expect(scan.findings.every((f) => f.cf >= 0.5 && f.cf <= 1 && typeof f.at === 'string')).toBe(true);
    const column = (name: string) => site.details('seed.proj.people').columns.find((c) => c.name === name);
    expect(column('contact_email')?.scan).toMatchObject({ cat: 'email', st: 'new' });
    expect(column('segment')?.scan).toBeUndefined();

    for (const dir of [classified, unclassified]) {
      const texts = filesUnder(dir).map((f) => readFileSync(f, 'latin1'));
      expect(texts.some((t) => t.includes('contact_email'))).toBe(true);
      const leaks = [...EMAILS, ...CONTACTS].filter((v) => texts.some((t) => t.includes(v)));
      expect(leaks).toEqual([]);
    }
  });
});

describe('the PII scan in Chromium', () => {
  it('lists what the scanner found on the Personal data page and says it on the column', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = collectProblems(page);
    await openSite(page, url(classified, '#/personal-data'));
    await page.waitForSelector('#pii-scan-findings');
    const rows = await page.$$eval('#pii-scan-findings tbody tr', (trs) => trs.map((tr) => `${(tr as HTMLElement).dataset.column}:${(tr as HTMLElement).dataset.status}:${tr.querySelectorAll('td')[3]!.textContent}`));
    expect(rows).toEqual(['people.contact_email:new:not classified', 'people.email:classified:classified']);
    expect(await page.textContent('#pii-scan-summary')).toContain('The latest dpf scan pii of 1 relation');
    expect(await page.textContent('#pii-scan-summary')).toContain('1 column not classified');
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'personal-data-scan.png'), fullPage: true });

    await page.locator('#pii-scan-findings a', { hasText: 'people.contact_email' }).click();
    await page.waitForSelector('#node-page[data-id="seed.proj.people"]');
    expect(await page.textContent('tr[data-column="contact_email"] .pii-scan')).toBe('found by the scanner: email, not classified');
    expect(await page.textContent('tr[data-column="email"] .pii-scan')).toBe('found by the scanner: email, classified');
    expect(await page.locator('tr[data-column="segment"] .pii-scan').count()).toBe(0);

    // A project without classifications.yml: the page is there for the scanner's findings.
    await openSite(page, url(unclassified, '#/personal-data'));
    await page.waitForSelector('#pii-scan-findings');
    expect(await page.locator('.top-links a[data-section="personal-data"]').count()).toBe(1);
    expect(await page.textContent('#personal-data-page')).toContain('This project is not classified');
    expect(await page.$$eval('#pii-scan-findings tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.status))).toEqual(['new', 'new']);
    const text = await page.textContent('body');
    expect([...EMAILS, ...CONTACTS].filter((v) => text!.includes(v))).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
