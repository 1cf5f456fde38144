/**
 * Fallback for machines without GNU `/usr/bin/time -v`: runs the dpf CLI in-process (through
 * dist/cli/main.js `runCli`, exactly what bin/dpf.js does) and then writes its exit code and
 * peak resident set size (`process.resourceUsage().maxRSS`, KiB) as JSON.
 *
 * Usage: node dist-bench/bench/measure-cli.js <out.json> <dpf args...>
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface MeasuredCli {
  readonly exitCode: number;
  readonly maxRssKiB: number;
  readonly seconds: number;
}

/** The repository root: dist-bench/bench/measure-cli.js -> ../../ */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main(argv: string[]): Promise<void> {
  const [outPath, ...args] = argv;
  if (!outPath) {
    process.stderr.write('usage: node dist-bench/bench/measure-cli.js <out.json> <dpf args...>\n');
    process.exitCode = 2;
    return;
  }
  const t0 = performance.now();
  const cli = (await import(pathToFileURL(join(REPO_ROOT, 'dist', 'cli', 'main.js')).href)) as typeof import('../src/cli/main.js');
  const exitCode = await cli.runCli(args, {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    cwd: process.cwd(),
    env: process.env,
  });
  const result: MeasuredCli = { exitCode, maxRssKiB: process.resourceUsage().maxRSS, seconds: (performance.now() - t0) / 1000 };
  writeFileSync(outPath, JSON.stringify(result));
  process.exitCode = exitCode;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main(process.argv.slice(2));
