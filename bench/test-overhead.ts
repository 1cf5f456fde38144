/**
 * 3. Test overhead: the tests of an N-model project (not_null and unique on every model's id),
 * run by `dpf test --threads 1`, against the same failing-row queries run by hand on the same
 * DuckDB file in one connection. The per-test overhead is (runner phase - raw) / tests.
 * Target: at most 2 ms per test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateProject } from './generate-project.js';

export interface TestOverheadResult {
  readonly models: number;
  readonly tests: number;
  readonly dpfTestWallSeconds: number;
  readonly dpfRunnerSeconds: number;
  readonly rawSeconds: number;
  readonly overheadMsPerTest: number;
  readonly overheadMsPerTestWithStartup: number;
}

export const TEST_TARGET_MS = 2;

type Measure = (args: string[], logName: string) => Promise<{ wallSeconds: number; exitCode: number }>;

/** The queries dpf's test strategy runs: the failing-row count, and a sample when some fail. */
async function rawTests(dbPath: string, sqls: string[]): Promise<number> {
  const instance = await DuckDBInstance.create(dbPath);
  const connection = await instance.connect();
  const t0 = performance.now();
  for (const sql of sqls) {
    const reader = await connection.runAndReadAll(`select count(*) as failures from (\n${sql}\n) as dpf_test`);
    if (Number(reader.getRows()[0]?.[0]) > 0) await connection.runAndReadAll(`select * from (\n${sql}\n) as dpf_sample\nlimit 5`);
  }
  const seconds = (performance.now() - t0) / 1000;
  connection.closeSync();
  instance.closeSync();
  return seconds;
}

export async function benchTestOverhead(workDir: string, n: number, measureDpf: Measure, nodeStartupSeconds: number): Promise<TestOverheadResult | undefined> {
  const dir = join(workDir, `tests-${n}`);
  generateProject(dir, n, { dataTests: true, threads: 1 });
  // build, not run: the staging models read seeds.
  const run = await measureDpf(['build', '--project-dir', dir], `tests-${n}-build`);
  if (run.exitCode > 1) return undefined;

  const test = await measureDpf(['test', '--project-dir', dir, '--threads', '1'], `tests-${n}-test`);
  // Exit code 1 only means some tests failed; those still count (dpf also fetched their sample).
  if (test.exitCode > 1) return undefined;
  const results = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8')) as { elapsedTime: number; results: unknown[] };
  const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { kind: string; compiledCode: string }> };
  const sqls = Object.values(manifest.nodes).filter((n) => n.kind === 'test').map((t) => t.compiledCode.trimEnd());
  const rawSeconds = await rawTests(join(dir, 'target/dev.duckdb'), sqls);
  const tests = results.results.length;
  return {
    models: n,
    tests,
    dpfTestWallSeconds: test.wallSeconds,
    dpfRunnerSeconds: results.elapsedTime,
    rawSeconds,
    overheadMsPerTest: ((results.elapsedTime - rawSeconds) * 1000) / tests,
    overheadMsPerTestWithStartup: ((test.wallSeconds - nodeStartupSeconds - rawSeconds) * 1000) / tests,
  };
}

export function testOverheadMarkdown(r: TestOverheadResult): string {
  const f = (s: number) => s.toFixed(2);
  return [
    `**Test overhead** (\`dpf test --threads 1\` on ${r.models.toLocaleString('en-US')} models with ${r.tests.toLocaleString('en-US')} data tests, against the same queries run by hand in one DuckDB connection)`,
    '',
    '| Measurement | Value |',
    '|---|---:|',
    `| raw DuckDB: the tests' failing-row queries (s) | ${f(r.rawSeconds)} |`,
    `| dpf test: runner phase (s) | ${f(r.dpfRunnerSeconds)} |`,
    `| dpf test: wall, with startup and compile (s) | ${f(r.dpfTestWallSeconds)} |`,
    `| **dpf overhead per test, runner phase (ms)** — target ≤ ${TEST_TARGET_MS} | ${r.overheadMsPerTest.toFixed(2)} |`,
    `| dpf overhead per test, including startup and compile (ms) | ${r.overheadMsPerTestWithStartup.toFixed(2)} |`,
  ].join('\n');
}
