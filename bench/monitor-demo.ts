/**
 * The monitors' demo: the demo project built seven times with changing data (issue 11's "done
 * means"). Before each build, prepareDemoBuild rewrites two seeds of a copy of
 * project-template/: raw_orders grows by a few orders per build (builds 1–6, the training
 * history) and jumps to ten times its size on build 7 (the planted volume anomaly), and
 * raw_customers gains one customer per build and, on build 7, a new column (the planted schema
 * change). test/monitors.test.ts runs it; `node dist-bench/bench/monitor-demo.js DIR` runs it
 * by hand on a copy of the demo in DIR and prints each build's monitor lines.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root, from bench/ (vitest) or dist-bench/bench/ (compiled). */
const REPO_ROOT = HERE.includes('dist-bench') ? resolve(HERE, '..', '..') : resolve(HERE, '..');
const TEMPLATE = join(REPO_ROOT, 'project-template');

export const DEMO_BUILDS = 7;
/** Orders added per build in the training builds. */
const GROWTH = 5;

/**
 * Settings the demo's dpf_project.yml gets: seven builds give six earlier points at the
 * seventh, so the monitors judge from five (the default of seven would still be training).
 */
export const DEMO_MONITORS = 'monitors:\n  enabled: true\n  min_training_points: 5\n';

/** Copies the demo project into dir, with the demo's monitor settings. */
export function copyMonitorDemo(dir: string): void {
  // Not its target/: the README's first command builds the template in place, and a copy of
  // that warehouse would bring one build's history along (one measurement too many).
  cpSync(TEMPLATE, dir, { recursive: true, filter: (src) => !relative(TEMPLATE, src).startsWith('target') });
  const file = join(dir, 'dpf_project.yml');
  writeFileSync(file, `${readFileSync(file, 'utf8')}${DEMO_MONITORS}`);
}

function csv(name: string): { header: string; rows: string[] } {
  const [header, ...rows] = readFileSync(join(TEMPLATE, 'seeds', `${name}.csv`), 'utf8').trimEnd().split('\n');
  return { header: header!, rows };
}

/** Writes the seeds as they are before build n (1-based). */
export function prepareDemoBuild(dir: string, n: number): void {
  const orders = csv('raw_orders');
  // Copies of the demo's unpaid orders (cancelled, placed, returned: no payment expected) under
  // new ids, with their customers, dates and statuses.
  const unpaid = orders.rows.filter((r) => /,(cancelled|placed|returned)$/.test(r));
  const copies = (count: number) => Array.from({ length: count }, (_, i) => unpaid[i % unpaid.length]!.replace(/^\d+/, String(100000 + i)));
  const added = n < DEMO_BUILDS ? n * GROWTH : orders.rows.length * 9;
  writeFileSync(join(dir, 'seeds', 'raw_orders.csv'), [orders.header, ...orders.rows, ...copies(added)].join('\n') + '\n');

  const customers = csv('raw_customers');
  const planted = n === DEMO_BUILDS;
  const extra = Array.from({ length: n }, (_, i) => `${1000 + i},Demo,Customer${i},demo${i}@example.com,Ireland,2024-01-0${(i % 9) + 1}`);
  const rows = [...customers.rows, ...extra].map((r) => (planted ? `${r},silver` : r));
  writeFileSync(join(dir, 'seeds', 'raw_customers.csv'), [planted ? `${customers.header},loyalty_tier` : customers.header, ...rows].join('\n') + '\n');
}

/** By hand: seven builds of a copy of the demo in DIR, printing the monitors' lines. */
function main(): void {
  const dir = resolve(process.argv[2] ?? join(REPO_ROOT, 'bench', '.work', 'monitor-demo'));
  copyMonitorDemo(dir);
  for (let n = 1; n <= DEMO_BUILDS; n++) {
    prepareDemoBuild(dir, n);
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'dpf.js'), 'build'], { cwd: dir, encoding: 'utf8' });
    const lines = run.stdout.split('\n').filter((l) => / mon |anomaly|Finished/.test(l));
    process.stdout.write(`build ${n} (exit ${run.status}):\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
