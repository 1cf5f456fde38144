/**
 * The catalog site at scale (`npm run bench -- --only docs`): a generated project of N models
 * (10,000 by default), `dpf docs generate --empty-catalog` timed as a child process, then the
 * site opened from disk in headless Chromium (bench/chromium.ts).
 *
 * Measured:
 * - generate: from scratch (no target/), after `dpf compile` without the column lineage cache
 *   (the first generate of a compiled project), and again with nothing changed;
 * - the largest file the browser loads (target: under 5 MB) and the site's total size;
 * - first page: from navigation start to the home page on screen (`window.__dpfReady`, set
 *   after the first render), and to the first moment the main thread is free again after it
 *   is painted (the page then answers input); target: under 1 s;
 * - search: every keystroke of a few queries typed into the search box once the index is
 *   loaded, timed in the page from the input event to the rendered results (search-core.js
 *   query + DOM update + layout); target: under 100 ms per keystroke;
 * - opening a node page and a lineage graph around a hub.
 * Figures, never pass/fail: targets are printed next to them.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium, openSite } from './chromium.js';
import { generateProject } from './generate-project.js';

export const DOCS_TARGETS = { generateSeconds: 15, firstPageMs: 1000, searchMs: 100, fileMiB: 5 };

type Measure = (args: string[], name: string) => Promise<{ wallSeconds: number; exitCode: number; timedOut: boolean; logFile: string }>;

export interface DocsBenchResult {
  readonly models: number;
  readonly generate: {
    readonly fromScratchSeconds: number;
    readonly compileSeconds: number;
    readonly noLineageCacheSeconds: number;
    readonly unchangedSeconds: number;
  };
  readonly site: { readonly files: number; readonly bytes: number; readonly largest: { readonly path: string; readonly bytes: number }; readonly indexBytes: number };
  readonly browser: {
    readonly firstPageMs: number;
    readonly interactiveMs: number;
    readonly longestTaskMs: number;
    readonly searchReadyMs: number;
    readonly searchMs: { readonly median: number; readonly p95: number; readonly max: number; readonly keystrokes: number };
    readonly nodePageMs: number;
    readonly lineagePageMs: number;
    readonly samples: { firstPageMs: number; interactiveMs: number }[];
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

function siteFiles(dir: string): { path: string; bytes: number }[] {
  return readdirSync(dir).flatMap((name) => {
    const file = join(dir, name);
    const stat = statSync(file);
    return stat.isDirectory() ? siteFiles(file) : [{ path: file, bytes: stat.size }];
  });
}

const QUERIES = ['mart_0123', 'amount multiplier', 'left join int1', 'label', 'team_golf', 'union and sum'];

export async function benchDocs(work: string, n: number, repeats: number, measure: Measure, log: (s: string) => void): Promise<DocsBenchResult | undefined> {
  const dir = join(work, `docs-${n}`);
  const project = generateProject(dir, n);
  log(`docs site, ${n.toLocaleString('en-US')} models: generated ${project.files} files in ${relative(process.cwd(), dir) || dir}`);
  const generate = ['docs', 'generate', '--empty-catalog', '--project-dir', dir];
  const run = async (args: string[], name: string) => {
    const m = await measure(args, name);
    if (m.exitCode !== 0 || m.timedOut) {
      log(`  ${args.join(' ')} failed (exit ${m.exitCode}); see ${m.logFile}`);
      return undefined;
    }
    return m.wallSeconds;
  };
  const scratch: number[] = [];
  const compile: number[] = [];
  const noCache: number[] = [];
  const unchanged: number[] = [];
  for (let r = 0; r < repeats; r++) {
    rmSync(join(dir, 'target'), { recursive: true, force: true });
    const s = await run(generate, `docs-${n}-scratch-${r + 1}`);
    const c = await run(['compile', '--project-dir', dir], `docs-${n}-compile-${r + 1}`);
    rmSync(join(dir, 'target', 'docs_lineage_cache.json'), { force: true });
    const g = await run(generate, `docs-${n}-generate-${r + 1}`);
    const u = await run(generate, `docs-${n}-unchanged-${r + 1}`);
    if (s === undefined || c === undefined || g === undefined || u === undefined) return undefined;
    scratch.push(s);
    compile.push(c);
    noCache.push(g);
    unchanged.push(u);
    log(`  run ${r + 1}/${repeats}: generate from scratch ${s.toFixed(2)}s; compile ${c.toFixed(2)}s, then generate ${g.toFixed(2)}s (no lineage cache), again ${u.toFixed(2)}s (unchanged)`);
  }

  const siteDir = join(dir, 'target', 'site');
  const files = siteFiles(siteDir).filter((f) => !f.path.endsWith('.txt'));
  const largest = files.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const site = {
    files: files.length,
    bytes: files.reduce((s, f) => s + f.bytes, 0),
    largest: { path: relative(siteDir, largest.path), bytes: largest.bytes },
    indexBytes: statSync(join(siteDir, 'data', 'index.js')).size,
  };
  log(`  site: ${site.files} files, ${(site.bytes / 2 ** 20).toFixed(1)} MiB; largest ${site.largest.path} ${(site.largest.bytes / 2 ** 20).toFixed(2)} MiB; data/index.js ${(site.indexBytes / 2 ** 20).toFixed(2)} MiB`);

  const browser = await launchChromium();
  try {
    const url = pathToFileURL(join(siteDir, 'index.html')).href;
    const samples: { firstPageMs: number; interactiveMs: number; longestTaskMs: number }[] = [];
    for (let r = 0; r < Math.max(3, repeats); r++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.addInitScript(() => {
        const w = window as unknown as { __longest: number };
        w.__longest = 0;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) if (e.startTime < 3000) w.__longest = Math.max(w.__longest, e.duration);
        }).observe({ type: 'longtask', buffered: true });
        document.addEventListener('DOMContentLoaded', () => {
          // The first moment after the first render is painted that the main thread is free.
          const check = () => {
            const ready = (window as unknown as { __dpfReady?: number }).__dpfReady;
            if (ready === undefined) return setTimeout(check, 5);
            requestAnimationFrame(() => setTimeout(() => ((window as unknown as { __dpfIdle: number }).__dpfIdle = performance.now()), 0));
          };
          check();
        });
      });
      await openSite(page, url);
      await page.waitForFunction(() => (window as unknown as { __dpfIdle?: number }).__dpfIdle !== undefined);
      await page.waitForTimeout(2000);
      samples.push(
        await page.evaluate(() => {
          const w = window as unknown as { __dpfReady: number; __dpfIdle: number; __longest: number };
          return { firstPageMs: w.__dpfReady, interactiveMs: w.__dpfIdle, longestTaskMs: w.__longest };
        }),
      );
      await page.close();
    }
    log(`  first page: ${samples.map((s) => `${s.firstPageMs.toFixed(0)}/${s.interactiveMs.toFixed(0)} ms`).join(', ')} (on screen / main thread free)`);

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const t0 = Date.now();
    await openSite(page, url);
    await page.waitForFunction(() => (window as unknown as { dpf: { store: { searchReady: boolean } } }).dpf.store.searchReady, null, { timeout: 60_000 });
    const searchReadyMs = Date.now() - t0;
    const keystrokes: number[] = await page.evaluate(async (queries) => {
      const input = document.getElementById('search-input') as HTMLInputElement;
      const list = document.getElementById('search-results')!;
      input.focus();
      const times: number[] = [];
      for (const q of queries) {
        for (let i = 1; i <= q.length; i++) {
          const t = performance.now();
          input.value = q.slice(0, i);
          input.dispatchEvent(new Event('input'));
          void list.offsetHeight; // layout of the new results counts too
          times.push(performance.now() - t);
          await new Promise((r) => setTimeout(r, 0));
        }
      }
      return times;
    }, QUERIES);
    const searchMs = { median: median(keystrokes), p95: percentile(keystrokes, 95), max: Math.max(...keystrokes), keystrokes: keystrokes.length };
    log(`  search: index loaded ${searchReadyMs} ms after opening; ${keystrokes.length} keystrokes: median ${searchMs.median.toFixed(1)} ms, p95 ${searchMs.p95.toFixed(1)} ms, max ${searchMs.max.toFixed(1)} ms`);

    const hub = 'model.bench.stg_00000';
    let t = Date.now();
    await page.evaluate(() => {
      const nodes = (window as unknown as { dpf: { store: { index: { nodes: { id: string }[] } } } }).dpf.store.index.nodes;
      location.hash = `#/node/${encodeURIComponent(nodes[nodes.length - 1]!.id)}`;
    });
    await page.waitForSelector('#node-page #columns');
    const nodePageMs = Date.now() - t;
    t = Date.now();
    await page.evaluate((id) => (location.hash = `#/lineage?select=${encodeURIComponent('1+stg_00000+1')}&focus=${encodeURIComponent(id)}`), hub);
    await page.waitForSelector('#lineage-graph[data-nodes]', { timeout: 60_000 });
    const lineagePageMs = Date.now() - t;
    const shown = await page.getAttribute('#lineage-graph', 'data-nodes');
    log(`  node page ${nodePageMs} ms; lineage graph around the hub stg_00000 (${shown} nodes drawn) ${lineagePageMs} ms`);
    await page.close();

    return {
      models: n,
      generate: { fromScratchSeconds: median(scratch), compileSeconds: median(compile), noLineageCacheSeconds: median(noCache), unchangedSeconds: median(unchanged) },
      site,
      browser: {
        firstPageMs: median(samples.map((s) => s.firstPageMs)),
        interactiveMs: median(samples.map((s) => s.interactiveMs)),
        longestTaskMs: median(samples.map((s) => s.longestTaskMs)),
        searchReadyMs,
        searchMs,
        nodePageMs,
        lineagePageMs,
        samples,
      },
    };
  } finally {
    await browser.close();
  }
}

export function docsMarkdown(r: DocsBenchResult): string {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;
  const t = DOCS_TARGETS;
  const met = (ok: boolean) => (ok ? 'met' : '**not met**');
  return [
    `**Catalog site** (${r.models.toLocaleString('en-US')} generated models, \`dpf docs generate --empty-catalog\`, site opened from disk in headless Chromium)`,
    '',
    '| Measurement | Figure | Target |',
    '|---|---:|---|',
    `| generate from scratch (no target/: compile + lineage + site) | ${r.generate.fromScratchSeconds.toFixed(2)} s | < ${t.generateSeconds} s: ${met(r.generate.fromScratchSeconds < t.generateSeconds)} |`,
    `| generate after \`dpf compile\` (${r.generate.compileSeconds.toFixed(2)} s), lineage not cached | ${r.generate.noLineageCacheSeconds.toFixed(2)} s | < ${t.generateSeconds} s: ${met(r.generate.noLineageCacheSeconds < t.generateSeconds)} |`,
    `| generate again, nothing changed | ${r.generate.unchangedSeconds.toFixed(2)} s | |`,
    `| largest file the browser loads (${r.site.largest.path}) | ${mib(r.site.largest.bytes)} | < ${t.fileMiB} MiB: ${met(r.site.largest.bytes < t.fileMiB * 2 ** 20)} |`,
    `| data/index.js (loaded first); whole site | ${mib(r.site.indexBytes)}; ${mib(r.site.bytes)} in ${r.site.files} files | |`,
    `| first page on screen | ${r.browser.firstPageMs.toFixed(0)} ms | |`,
    `| first page interactive (painted, main thread free) | ${r.browser.interactiveMs.toFixed(0)} ms | < ${t.firstPageMs} ms: ${met(r.browser.interactiveMs < t.firstPageMs)} |`,
    `| longest main-thread task in the first 3 s (search index loading included) | ${r.browser.longestTaskMs.toFixed(0)} ms | |`,
    `| search index loaded in the background | ${r.browser.searchReadyMs} ms after opening | |`,
    `| search per keystroke (${r.browser.searchMs.keystrokes} keystrokes): median / p95 / max | ${r.browser.searchMs.median.toFixed(1)} / ${r.browser.searchMs.p95.toFixed(1)} / ${r.browser.searchMs.max.toFixed(1)} ms | < ${t.searchMs} ms: ${met(r.browser.searchMs.max < t.searchMs)} |`,
    `| open a node page (details chunk loaded on demand) | ${r.browser.nodePageMs} ms | |`,
    `| lineage graph around the biggest hub (1+stg_00000+1) | ${r.browser.lineagePageMs} ms | |`,
    '',
  ].join('\n');
}
