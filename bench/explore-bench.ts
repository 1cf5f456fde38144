/**
 * The Explore page's first result (`npm run bench -- --only explore`): the demo project built
 * into DuckDB, `dpf docs serve` started as a user starts it, and in headless Chromium
 * `select * from main.fct_orders limit 100` run from the page: from the click on Run to the
 * result table on screen (the request, the statement check, the read-only open of the file,
 * the query, the JSON, the table's DOM and a frame). Measured for the server's first query
 * (the worker warmed at start-up, as a user's first query finds it), then `repeats` more times.
 * The server's own figure (elapsedMs: open, query, close) is printed beside it.
 * Figures, never pass/fail: the target is printed next to them.
 */
import { spawn } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { launchChromium, openSite } from './chromium.js';

export const EXPLORE_TARGETS = { firstResultMs: 300 };
const SQL = 'select * from main.fct_orders limit 100';

type Measure = (args: string[], name: string) => Promise<{ wallSeconds: number; exitCode: number; timedOut: boolean; logFile: string }>;

export interface ExploreBenchResult {
  readonly firstResultMs: number;
  readonly firstServerMs: number;
  readonly warm: { readonly medianMs: number; readonly maxMs: number; readonly serverMedianMs: number; readonly samples: number };
}

export async function benchExplore(work: string, repoRoot: string, dpfBin: string, repeats: number, measure: Measure, log: (s: string) => void): Promise<ExploreBenchResult | undefined> {
  const dir = join(work, 'explore-demo');
  rmSync(dir, { recursive: true, force: true });
  const template = join(repoRoot, 'project-template');
  cpSync(template, dir, { recursive: true, filter: (src) => !relative(template, src).startsWith('target') });
  log('explore: the demo project, built, its site generated, `dpf docs serve`, Chromium');
  for (const [args, name] of [
    [['build', '--project-dir', dir], 'explore-build'],
    [['docs', 'generate', '--empty-catalog', '--project-dir', dir], 'explore-docs'],
  ] as const) {
    const run = await measure([...args], name);
    if (run.exitCode !== 0) return undefined;
  }
  const server = spawn(process.execPath, [dpfBin, 'docs', 'serve', '--port', '0', '--project-dir', dir], { cwd: dir });
  const browser = await launchChromium();
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /at (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      server.on('exit', (code) => reject(new Error(`dpf docs serve exited with ${code}`)));
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await openSite(page, `${url}#/explore`);
    await page.waitForSelector('#explore-sql');
    await page.fill('#explore-sql', SQL);
    // Let the worker finish loading (the server starts it at start-up), as a user's typing would.
    await page.waitForTimeout(1500);
    const once = () =>
      page.evaluate(async () => {
        const run = document.getElementById('explore-run') as HTMLButtonElement;
        const start = performance.now();
        run.click();
        for (;;) {
          await new Promise((r) => requestAnimationFrame(r));
          if (!run.disabled && document.getElementById('explore-count')) break;
        }
        const ms = performance.now() - start;
        const result = (window as unknown as { dpf: { explorePage: { lastResult(): { elapsedMs: number; rowCount: number } } } }).dpf.explorePage.lastResult();
        return { ms, serverMs: result.elapsedMs, rows: result.rowCount };
      });
    const first = await once();
    if (first.rows !== 100) throw new Error(`the query returned ${first.rows} rows, not 100`);
    const warm: { ms: number; serverMs: number }[] = [];
    for (let i = 0; i < Math.max(3, repeats * 3); i++) warm.push(await once());
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)]!;
    const result: ExploreBenchResult = {
      firstResultMs: first.ms,
      firstServerMs: first.serverMs,
      warm: { medianMs: median(warm.map((w) => w.ms)), maxMs: Math.max(...warm.map((w) => w.ms)), serverMedianMs: median(warm.map((w) => w.serverMs)), samples: warm.length },
    };
    log(`  first result on screen ${first.ms.toFixed(0)} ms (server ${first.serverMs.toFixed(0)} ms); then median ${result.warm.medianMs.toFixed(0)} ms over ${warm.length} (target < ${EXPLORE_TARGETS.firstResultMs} ms)`);
    return result;
  } finally {
    await browser.close();
    server.kill('SIGTERM');
  }
}

export function exploreMarkdown(r: ExploreBenchResult): string {
  const met = (ok: boolean) => (ok ? 'met' : '**not met**');
  const t = EXPLORE_TARGETS.firstResultMs;
  return [
    '**Explore page** (the demo built into DuckDB, `dpf docs serve`, headless Chromium; `select * from main.fct_orders limit 100` from the click on Run to the table on screen)',
    '',
    '| Measurement | Figure | Target |',
    '|---|---:|---|',
    `| first result of the server (read-only open, query, close: server's part) | ${r.firstResultMs.toFixed(0)} ms (${r.firstServerMs.toFixed(0)} ms) | < ${t} ms: ${met(r.firstResultMs < t)} |`,
    `| later results: median / max of ${r.warm.samples} (server's median) | ${r.warm.medianMs.toFixed(0)} / ${r.warm.maxMs.toFixed(0)} ms (${r.warm.serverMedianMs.toFixed(0)} ms) | < ${t} ms: ${met(r.warm.medianMs < t)} |`,
    '',
  ].join('\n');
}
