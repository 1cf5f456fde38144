/** Runs the real dpf CLI in-process and captures what it prints. */
import { cpSync, mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/main.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TEMPLATE = join(REPO_ROOT, 'project-template');

export interface DpfRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly output: string;
}

export async function dpf(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<DpfRun> {
  let stdout = '';
  let stderr = '';
  let output = '';
  const code = await runCli(args, {
    stdout: (s) => {
      stdout += s;
      output += s;
    },
    stderr: (s) => {
      stderr += s;
      output += s;
    },
    cwd: options.cwd,
    env: options.env ?? { HOME: options.cwd },
  });
  return { code, stdout, stderr, output };
}

/** The folders tempDir made in this test file; test/helpers/remove-temp-dirs.ts removes them after it. */
export const madeTempDirs: string[] = [];

export function tempDir(prefix = 'dpf-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  madeTempDirs.push(dir);
  return dir;
}

/** A copy of the demo project in a fresh folder (without its target/). */
export function copyDemoProject(): string {
  const dir = join(tempDir(), 'shop');
  cpSync(TEMPLATE, dir, { recursive: true, filter: (src) => !relative(TEMPLATE, src).startsWith('target') });
  return dir;
}

/** Writes files (path -> content) under dir, creating folders. */
export function writeFiles(dir: string, files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return dir;
}

/** A minimal project: dpf_project.yml named `proj`, a DuckDB profile, plus the given files. */
export function makeProject(files: Record<string, string>, projectYml = 'name: proj\n'): string {
  const dir = tempDir();
  return writeFiles(dir, {
    'dpf_project.yml': projectYml,
    'profiles.yml': 'proj:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/dev.duckdb, schema: main, threads: 2 }\n',
    ...files,
  });
}
