/**
 * Charts of query results (`npm run bench -- --only charts`; issue 16's target: charting
 * 100,000 points stays interactive, under 200 ms per redraw). A page in bench/.work/charts/
 * loads the site's own chart module (templates/site/js/core/result-chart.js) and uPlot as the
 * catalog bundles them, makes a result of N rows in the page (date, number, category and
 * colour columns), and in headless Chromium times `redraw(spec)`: the spec applied to the
 * rows (aggregation, sorting, series) plus uPlot drawing the canvas, to the end of the
 * redraw's own task, for each mark and for aggregated and coloured specs. Figures, never
 * pass/fail: the target is printed beside them.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from './chromium.js';

export const CHART_TARGETS = { redrawMs: 200, points: 100_000 };

export interface ChartBenchResult {
  readonly rows: number;
  /** Spec label -> median and worst redraw over the repeats, and the points drawn. */
  readonly redraws: { readonly spec: string; readonly medianMs: number; readonly maxMs: number; readonly points: number }[];
}

const SPECS: [string, Record<string, string>][] = [
  ['line, time x, every row', { mark: 'line', x: 'day', y: 'amount', aggregate: 'none' }],
  ['scatter, number x, every row', { mark: 'scatter', x: 'quantity', y: 'amount', aggregate: 'none' }],
  ['area, time x, every row', { mark: 'area', x: 'day', y: 'amount', aggregate: 'none' }],
  ['bar, sum per category', { mark: 'bar', x: 'category', y: 'amount', aggregate: 'sum' }],
  ['line, avg per day, colour (5 series)', { mark: 'line', x: 'day', y: 'amount', color: 'region', aggregate: 'avg' }],
  ['scatter, colour (5 series), every row', { mark: 'scatter', x: 'quantity', y: 'amount', color: 'region', aggregate: 'none' }],
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function benchCharts(work: string, rows: number, repeats: number, log: (line: string) => void): Promise<ChartBenchResult> {
  const dir = join(work, 'charts');
  mkdirSync(dir, { recursive: true });
  const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
  const require = createRequire(import.meta.url);
  copyFileSync(join(dirname(require.resolve('uplot')), 'uPlot.iife.min.js'), join(dir, 'uplot.js'));
  copyFileSync(join(root, 'templates', 'site', 'js', 'core', 'dom.js'), join(dir, 'dom.js'));
  copyFileSync(join(root, 'templates', 'site', 'js', 'core', 'result-chart.js'), join(dir, 'result-chart.js'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"><script src="uplot.js"></script><script src="dom.js"></script><script src="result-chart.js"></script></head><body><div id="box" style="width:800px"></div></body></html>\n',
  );
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    await page.goto(pathToFileURL(join(dir, 'index.html')).href);
    await page.evaluate((n) => {
      const categories = ['Apparel', 'Electronics', 'Home & Kitchen', 'Books', 'Toys', 'Garden', 'Sports', 'Beauty'];
      const regions = ['north', 'south', 'east', 'west', 'central'];
      const start = Date.UTC(2020, 0, 1);
      const out: unknown[][] = [];
      let seed = 7;
      const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
      for (let i = 0; i < n; i++) {
        const day = new Date(start + Math.floor(random() * 1500) * 86_400_000).toISOString().slice(0, 10);
        out.push([day, Math.floor(random() * 50), Math.round(random() * 100_000) / 100, categories[i % categories.length], regions[Math.floor(random() * regions.length)]]);
      }
      const w = window as unknown as { result: unknown };
      w.result = { columns: [{ name: 'day', type: 'DATE' }, { name: 'quantity', type: 'INTEGER' }, { name: 'amount', type: 'DECIMAL(18,2)' }, { name: 'category', type: 'VARCHAR' }, { name: 'region', type: 'VARCHAR' }], rows: out };
    }, rows);
    const redraws: ChartBenchResult['redraws'][number][] = [];
    for (const [label, spec] of SPECS) {
      // One chart per spec; each redraw is timed to the end of its task (the canvas is drawn synchronously by uPlot).
      const samples = await page.evaluate(
        async ({ spec, repeats }) => {
          const w = window as unknown as { dpf: { resultChart: { render: (r: unknown, s: unknown, o: unknown) => { el: HTMLElement; redraw: (s: unknown) => number; destroy: () => void; prepared: { points: number } } } }; result: unknown };
          const box = document.getElementById('box')!;
          box.textContent = '';
          const chart = w.dpf.resultChart.render(w.result, spec, { width: 760, height: 320 });
          box.appendChild(chart.el);
          const times: number[] = [];
          for (let i = 0; i < repeats + 1; i++) {
            await new Promise((r) => requestAnimationFrame(() => r(null)));
            const started = performance.now();
            chart.redraw(spec);
            times.push(performance.now() - started);
          }
          const points = chart.prepared.points;
          chart.destroy();
          // The first redraw warms the JIT up; the rest are what a user sees changing the chart.
          return { times: times.slice(1), points };
        },
        { spec, repeats: Math.max(3, repeats) },
      );
      const entry = { spec: label, medianMs: median(samples.times), maxMs: Math.max(...samples.times), points: samples.points };
      redraws.push(entry);
      log(`  ${label}: ${entry.points.toLocaleString('en-US')} points, redraw ${entry.medianMs.toFixed(0)} ms (max ${entry.maxMs.toFixed(0)} ms)`);
    }
    return { rows, redraws };
  } finally {
    await browser.close();
  }
}

export function chartsMarkdown(result: ChartBenchResult): string {
  return [
    `### Charts of a result (${result.rows.toLocaleString('en-US')} rows; target: redraw under ${CHART_TARGETS.redrawMs} ms)`,
    '',
    '| spec | points drawn | redraw, median | worst |',
    '| --- | ---: | ---: | ---: |',
    ...result.redraws.map((r) => `| ${r.spec} | ${r.points.toLocaleString('en-US')} | ${r.medianMs.toFixed(0)} ms | ${r.maxMs.toFixed(0)} ms |`),
  ].join('\n');
}
