/**
 * Classification in the catalog site (docs/catalog-site.md, docs/governance.md): a project with
 * classifications.yml built into DuckDB, and the demo. The data files carry each column's level,
 * kinds of personal data and the lineage path they came by, each model's access and who may
 * read it (the union of the deciding rules' readers), the untraced models and the Personal data
 * page's list; in Chromium, dim_customers' email badge opens its path as links to the upstream
 * columns, revenue_by_category reads public, the Personal data page lists the columns, and a
 * payload in a description, a reason or a role name is shown as text and runs nothing.
 * Screenshots go to test-output/classification-*.png and personal-data-page.png.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectProblems, launchChromium, openSite } from '../../bench/chromium.js';
import type { GovernanceData } from '../../src/docs-site/site-data.js';
import { copyDemoProject, dpf, makeProject, REPO_ROOT } from '../helpers/run-dpf.js';
import { readSite, runDataScript } from './helpers/site-files.js';

const LEVEL_XSS = '<img src=x onerror="window.__pwned=1">';
const KIND_XSS = '<script>window.__pwned=2</script>';
const REASON_XSS = '<img src=x onerror="window.__pwned=3"> counts identify no one';
const ROLE_XSS = '<svg onload="window.__pwned=4">';
const OUTPUT = join(REPO_ROOT, 'test-output');
const q = (s: string) => JSON.stringify(s);

const CLASSIFICATIONS = `levels:
  - name: public
    description: ${q(`Anyone ${LEVEL_XSS}`)}
  - name: internal
  - name: confidential
    readers: [analyst, data_engineer, ${q(ROLE_XSS)}]
  - name: restricted
    readers: [data_engineer, legal]
pii:
  - name: email
    description: ${q(`An address ${KIND_XSS}`)}
    level: restricted
    masking: hash
    readers: [privacy_officer]
  - name: name
    level: confidential
`;

const files = {
  'classifications.yml': CLASSIFICATIONS,
  'seeds/raw_customers.csv': 'id,email,name,segment\n1,a@example.com,Ann,retail\n2,b@example.com,Bob,trade\n',
  'seeds/_seeds.yml': `seeds:
  - name: raw_customers
    columns:
      - name: email
        pii: email
      - name: name
        pii: name
      - name: segment
        classification: internal
`,
  'models/stg_customers.sql': 'select id, lower(email) as email_norm, name as full_name, segment from {{ref "raw_customers"}}\n',
  'models/names_only.sql': 'select full_name from {{ref "stg_customers"}}\n',
  'models/segment_counts.sql': 'select segment, count(distinct email_norm) as emails from {{ref "stg_customers"}} group by segment\n',
  // Valid for DuckDB, but no grammar of the lineage parser reads it: untraced.
  'models/pivoted.sql': 'pivot {{ref "stg_customers"}} on segment in (\'retail\', \'trade\') using count(*)\n',
  'models/_models.yml': `models:
  - name: segment_counts
    access: public
    meta: {owner: growth-analytics}
    declassify:
      - column: emails
        reason: ${q(REASON_XSS)}
`,
};

let browser: Browser;
let projectSite: string;
let demoSite: string;

beforeAll(async () => {
  const dir = makeProject(files);
  const built = await dpf(['build', '--project-dir', dir], { cwd: dir });
  expect(built.code, built.output).toBe(0);
  const generated = await dpf(['docs', 'generate', '--project-dir', dir], { cwd: dir });
  expect(generated.code, generated.output).toBe(0);
  projectSite = join(dir, 'target', 'site');
  const demo = copyDemoProject();
  const demoRun = await dpf(['docs', 'generate', '--project-dir', demo, '--empty-catalog'], { cwd: demo });
  expect(demoRun.code, demoRun.output).toBe(0);
  demoSite = join(demo, 'target', 'site');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

const url = (siteDir: string, hash: string) => `${pathToFileURL(join(siteDir, 'index.html')).href}${hash}`;

describe('the site data of a classified project', () => {
  it('gives each column its classification and path, each model its access and readers, and lists the personal data', () => {
    const site = readSite(projectSite);
    const at = (name: string) => site.index.nodes.findIndex((n) => n.n === name);
    const g = site.index.governance!;
    expect(g.levels.map((l) => [l.n, l.r])).toEqual([
      ['public', []],
      ['internal', []],
      ['confidential', ['analyst', 'data_engineer', ROLE_XSS]],
      ['restricted', ['data_engineer', 'legal']],
    ]);
    expect(g.pii).toEqual([
      { n: 'email', d: `An address ${KIND_XSS}`, l: 3, r: ['privacy_officer'], m: 'hash' },
      { n: 'name', l: 2, r: [] },
    ]);
    expect(g.untraced).toEqual([at('pivoted')]);

    const column = (model: string, name: string) => site.details(`model.proj.${model}`).columns.find((c) => c.name === name)?.cls;
    // Inherited through lower(): the path leads to the seed's declared column.
    expect(column('stg_customers', 'email_norm')).toEqual({ l: 3, p: ['email'], via: [{ n: at('raw_customers'), c: 'email' }] });
    expect(column('names_only', 'full_name')).toEqual({ l: 2, p: ['name'], via: [{ n: at('stg_customers'), c: 'full_name' }, { n: at('raw_customers'), c: 'name' }] });
    expect(site.details('seed.proj.raw_customers').columns.find((c) => c.name === 'email')?.cls).toEqual({ l: 3, p: ['email'], d: 1 });
    expect(column('segment_counts', 'emails')).toEqual({ p: [], x: REASON_XSS });
    expect(column('stg_customers', 'id')).toBeUndefined();
    // Untraced: every column the warehouse reports carries the highest of the inputs.
    expect(column('pivoted', 'email_norm')).toMatchObject({ l: 3, p: ['email', 'name'] });
    expect(column('pivoted', 'retail')).toMatchObject({ l: 3, p: ['email', 'name'] });

    // Who can read: the union of the readers of the highest level and of the kinds at it.
    expect(site.details('model.proj.stg_customers').governance).toEqual({ access: 'protected', l: 3, rules: ['level restricted', 'pii email'], readers: ['data_engineer', 'legal', 'privacy_officer'] });
    expect(site.details('model.proj.names_only').governance).toEqual({ access: 'protected', l: 2, rules: ['level confidential', 'pii name'], readers: [ROLE_XSS, 'analyst', 'data_engineer'].sort() });
    expect(site.details('model.proj.segment_counts').governance).toEqual({ access: 'public', l: 1, rules: ['level internal'], readers: [] });
    expect(site.details('model.proj.segment_counts').owner).toBe('growth-analytics');
    expect(site.details('model.proj.pivoted').governance).toMatchObject({ untraced: 1, l: 3 });
    expect(site.details('seed.proj.raw_customers').governance?.access).toBeUndefined();

    const listed = JSON.parse(runDataScript(readFileSync(join(projectSite, 'data', 'governance.js'), 'utf8')).json) as GovernanceData;
    const names = listed.columns.map((r) => `${site.index.nodes[r.n]!.n}.${r.c}`);
    expect(names).toEqual(expect.arrayContaining(['raw_customers.email', 'raw_customers.name', 'stg_customers.email_norm', 'stg_customers.full_name', 'names_only.full_name', 'segment_counts.emails']));
    expect(names).not.toContain('raw_customers.segment');
    expect(g.columns).toBe(listed.columns.length);
  });

  it('leaves it all out of a project without classifications.yml', async () => {
    const dir = makeProject({ 'models/one.sql': 'select 1 as id\n' });
    expect((await dpf(['docs', 'generate', '--project-dir', dir, '--empty-catalog'], { cwd: dir })).code).toBe(0);
    const site = readSite(join(dir, 'target', 'site'));
    expect(site.index.governance).toBeUndefined();
    expect(site.details('model.proj.one').governance).toBeUndefined();
    const page = await browser.newPage();
    await openSite(page, url(join(dir, 'target', 'site'), '#/personal-data'));
    expect(await page.locator('.top-links a[data-section="personal-data"]').count()).toBe(0);
    expect(await page.textContent('#personal-data-page')).toContain('This project is not classified');
    await page.close();
  });
});

describe('classification in Chromium', () => {
  it("shows dim_customers' email badge with its lineage path as links, and revenue_by_category's public access (the demo)", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = collectProblems(page);
    await openSite(page, url(demoSite, '#/node/model.shop.dim_customers'));
    const email = page.locator('#columns tr[data-column="email"] .cls-cell');
    await email.waitFor();
    expect(await email.locator('.cls-level').textContent()).toBe('restricted');
    expect(await email.locator('.cls-level').getAttribute('class')).toContain('lvl-4');
    expect(await email.locator('.cls-pii').allTextContents()).toEqual(['email']);
    // The path is in the badge's title (hover) and, once opened, as links to the upstream columns.
    expect(await email.locator('summary').getAttribute('title')).toBe('from dim_customers.email ← stg_customers.email ← raw_customers.email');
    expect(await email.locator('.cls-path').isVisible()).toBe(false);
    await email.locator('summary').click();
    expect(await email.locator('.cls-path').textContent()).toBe('dim_customers.email ← stg_customers.email ← raw_customers.email');
    const links = email.locator('.cls-path a');
    expect(await links.allTextContents()).toEqual(['stg_customers.email', 'raw_customers.email']);
    mkdirSync(OUTPUT, { recursive: true });
    await page.locator('#columns').screenshot({ path: join(OUTPUT, 'classification-columns.png') });
    await page.locator('.facts').screenshot({ path: join(OUTPUT, 'classification-facts.png') });
    expect(await page.textContent('#readers')).toContain('data_engineer, legal, security');
    expect(await page.textContent('#access')).toBe('protected');
    // Following the path lands on the upstream column.
    await links.last().click();
    await page.waitForSelector('#node-page[data-id="seed.shop.raw_customers"] tr.highlight[data-column="email"]');
    expect(await page.textContent('tr[data-column="email"] .cls-origin')).toBe('declared');

    await page.goto(url(demoSite, '#/node/model.shop.revenue_by_category'));
    await page.waitForSelector('#node-page[data-id="model.shop.revenue_by_category"]');
    expect(await page.textContent('#access')).toBe('public');
    expect(await page.textContent('#readers')).toContain('anyone in the project');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lists the columns carrying personal data, filters them by kind, and shows every payload as text', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = collectProblems(page);
    await openSite(page, url(projectSite, '#/personal-data'));
    await page.waitForSelector('#personal-columns');
    const rows = () => page.$$eval('#personal-columns tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.column));
    expect(await rows()).toEqual(expect.arrayContaining(['raw_customers.email', 'stg_customers.email_norm', 'names_only.full_name']));
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'personal-data-page.png'), fullPage: true });
    expect(await page.textContent('#declassified')).toContain(REASON_XSS);
    expect(await page.textContent('#untraced')).toContain('pivoted');
    // The untraced model's columns were not known at compile time: all of them, by one row.
    expect(await page.textContent('#personal-columns tr[data-column="pivoted (every column)"]')).toContain('pivoted (every column) ← stg_customers.email_norm ← raw_customers.email');
    expect(await page.textContent('#cls-levels')).toContain(`Anyone ${LEVEL_XSS}`);
    expect(await page.textContent('#cls-kinds')).toContain(`An address ${KIND_XSS}`);
    await page.selectOption('#personal-kind', 'name');
    await page.waitForFunction(() => location.hash === '#/personal-data?kind=name');
    await page.waitForSelector('#personal-columns tbody tr[data-column="names_only.full_name"]');
    expect(await rows()).not.toContain('stg_customers.email_norm');

    // The node pages: the declassified reason, the readers with a payload, the untraced note.
    await page.goto(url(projectSite, '#/node/model.proj.segment_counts'));
    await page.waitForSelector('#node-page');
    expect(await page.textContent('tr[data-column="emails"] .cls-reason')).toBe(REASON_XSS);
    expect(await page.textContent('#access')).toBe('public');
    await page.goto(url(projectSite, '#/node/model.proj.names_only'));
    await page.waitForSelector('#node-page');
    expect(await page.locator('#readers .reader').allTextContents()).toEqual([ROLE_XSS, 'analyst', 'data_engineer'].sort());
    await page.goto(url(projectSite, '#/node/model.proj.pivoted'));
    await page.waitForSelector('#cls-untraced');

    expect(await page.locator('#main script, #main [onerror], #main [onload]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(problems).toEqual([]);
    await page.close();
  });
});
