/**
 * Step 7 of `dpf docs generate`: target/site/, a static site that works from disk (file://)
 * and from `dpf docs serve` alike.
 *
 * - The page and its scripts come from templates/site/ (index.html, css/, js/).
 * - Libraries are copied from node_modules into vendor/ (no CDN: the site works offline).
 * - Data files are scripts, not JSON: Chromium refuses fetch() from file://, but a script tag
 *   may load a file next to the page. Each one calls `dpfSite.receive(kind, key, <json text>)`
 *   and the page runs JSON.parse on it (faster than a JS object literal of the same size, and
 *   a key such as "__proto__" stays a plain key).
 * - Everything written from project data passes through the profile-secret redaction.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { replaceFolder } from '../compiler/write-file-atomic.js';
import { SITE_TEMPLATE_DIR } from './browser-shared.js';
import type { SearchFile } from './build-search-index.js';
import type { SiteData } from './build-site-data.js';
import type { SiteIndex } from './site-data.js';

export interface WrittenSite {
  readonly dir: string;
  readonly files: number;
  readonly bytes: number;
  /** The largest file the browser may load, relative to the site. */
  readonly largest: { readonly path: string; readonly bytes: number };
}

const require = createRequire(import.meta.url);

/** A package's folder, found from its resolved entry (its exports may hide package.json). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (dir !== dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === name) return dir;
    dir = dirname(dir);
  }
  throw new Error(`cannot find the folder of package ${name}`);
}

/** Wraps a CommonJS file so that a script tag can run it. */
const commonJs = (source: string, then: string) =>
  `(function () {\nvar module = { exports: {} }, exports = module.exports;\n${source}\n;${then}\n})();\n`;

function vendorFiles(): Record<string, string> {
  const read = (pkg: string, file: string) => readFileSync(join(packageDir(pkg), file), 'utf8');
  return {
    'minisearch.js': read('minisearch', 'dist/umd/index.js'),
    'marked.js': read('marked', 'lib/marked.umd.js'),
    'purify.js': read('dompurify', 'dist/purify.min.js'),
    'dagre.js': read('@dagrejs/dagre', 'dist/dagre.min.js'),
    // Charts of the Health page and node pages: uPlot draws on canvas, ~50 KB, no dependencies.
    'uplot.js': read('uplot', 'dist/uPlot.iife.min.js'),
    'uplot.css': read('uplot', 'dist/uPlot.min.css'),
    // highlight.js ships no browser build: its CommonJS core and SQL grammar, wrapped.
    'highlight-sql.js':
      commonJs(read('highlight.js', 'lib/core.js'), 'window.hljs = module.exports;') +
      commonJs(read('highlight.js', 'lib/languages/sql.js'), "window.hljs.registerLanguage('sql', module.exports);"),
    'LICENSES.txt': ['minisearch', 'marked', 'dompurify', '@dagrejs/dagre', 'highlight.js', 'uplot']
      .map((pkg) => {
        const dir = packageDir(pkg);
        const license = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
        return `${pkg}\n${'='.repeat(pkg.length)}\n\n${license ? readFileSync(join(dir, license), 'utf8') : 'see its package.json'}\n`;
      })
      .join('\n'),
  };
}

/**
 * The call a data file makes. The JSON goes in a String.raw template literal: its backslash
 * escapes reach JSON.parse unchanged, so nothing is escaped twice (a quoted string literal
 * would add a backslash before every quote of the JSON, a fifth more bytes). The characters a
 * template literal treats specially (` and $) and < (so nothing can look like a closing tag)
 * only occur inside JSON strings, where JSON's own \u escapes stand in for them.
 */
export function dataScript(kind: string, key: number, json: string): string {
  const safe = json.replace(/[`$<\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `dpfSite.receive(${JSON.stringify(kind)}, ${key}, String.raw\`${safe}\`);\n`;
}

/** Writes the site; data and search must be redacted already (redactStrings). */
/** The most one file of the site should weigh: a browser loads a larger one slowly. */
export const BROWSER_FILE_BUDGET_BYTES = 5 * 1024 * 1024;

export function writeSite(siteDir: string, data: SiteData, search: SearchFile[]): WrittenSite {
  // The site is written whole into a folder next to target/site/ and swapped in: a full disk or
  // a kill mid-write leaves the previous site as it was, and no file of it lingers in the new one.
  const staged = `${siteDir}.${process.pid}.tmp`;
  rmSync(staged, { recursive: true, force: true });
  try {
    const written = writeSiteFiles(staged, data, search);
    replaceFolder(staged, siteDir);
    return { dir: siteDir, ...written };
  } catch (err) {
    rmSync(staged, { recursive: true, force: true });
    throw err;
  }
}

function writeSiteFiles(siteDir: string, data: SiteData, search: SearchFile[]): Omit<WrittenSite, 'dir'> {
  mkdirSync(join(siteDir, 'data', 'chunks'), { recursive: true });
  mkdirSync(join(siteDir, 'vendor'), { recursive: true });
  cpSync(SITE_TEMPLATE_DIR, siteDir, {
    recursive: true,
    filter: (src) => !/\.(md|d\.ts)$/.test(src) && basename(src) !== 'tsconfig.json',
  });
  for (const [name, text] of Object.entries(vendorFiles())) writeFileSync(join(siteDir, 'vendor', name), text);

  const index: SiteIndex = { ...data.index, searchParts: search.length, search: search.map((s) => ({ part: s.part, documents: s.documents })) };
  writeFileSync(join(siteDir, 'data', 'index.js'), dataScript('index', 0, JSON.stringify(index)));
  if (data.health) writeFileSync(join(siteDir, 'data', 'health.js'), dataScript('health', 0, JSON.stringify(data.health)));
  if (data.governance) writeFileSync(join(siteDir, 'data', 'governance.js'), dataScript('governance', 0, JSON.stringify(data.governance)));
  if (data.pipelines) writeFileSync(join(siteDir, 'data', 'pipelines.js'), dataScript('pipelines', 0, JSON.stringify(data.pipelines)));
  if (data.analyses?.length) {
    mkdirSync(join(siteDir, 'data', 'analyses'), { recursive: true });
    data.analyses.forEach((page, i) => writeFileSync(join(siteDir, 'data', 'analyses', `${i}.js`), dataScript('analysis', i, JSON.stringify(page))));
  }
  data.chunks.forEach((chunk, i) => writeFileSync(join(siteDir, 'data', 'chunks', `${i}.js`), dataScript('chunk', i, JSON.stringify(chunk))));
  search.forEach((s, i) => writeFileSync(join(siteDir, 'data', `search-${i}.js`), dataScript('search', i, s.json)));

  let files = 0;
  let bytes = 0;
  let largest = { path: '', bytes: 0 };
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      const stat = statSync(file);
      if (stat.isDirectory()) walk(file);
      else {
        files++;
        bytes += stat.size;
        if (stat.size > largest.bytes && !name.endsWith('.txt')) largest = { path: relative(siteDir, file), bytes: stat.size };
      }
    }
  };
  walk(siteDir);
  return { files, bytes, largest };
}
