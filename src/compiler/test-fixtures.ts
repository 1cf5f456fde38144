/**
 * Test helpers for compiler unit tests: write a small fixture project to a temporary folder and
 * run it through the real stages (load -> profile -> parse -> graph). Used only by *.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { duckdbDialect } from '../adapters/duckdb/duckdb-adapter.js';
import { DpfError, type Diagnostic } from '../errors/dpf-error.js';
import { buildGraph, type ProjectGraph } from './build-graph.js';
import { loadProfile } from './load-profile.js';
import { loadProject } from './load-project.js';
import { parseProject, type ParsedProject } from './parse-project.js';

const written: string[] = [];

const DEFAULT_PROJECT = 'name: shop\n';
const DEFAULT_PROFILES = `shop:
  target: dev
  outputs:
    dev: { type: duckdb, path: ':memory:', schema: main, threads: 1 }
`;

/**
 * Writes files (paths relative to the project, forward slashes) into a new temporary folder and
 * returns it. A minimal dpf_project.yml (name: shop) and a duckdb profiles.yml are added unless given.
 */
export function writeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dpf-test-'));
  written.push(dir);
  const all = { 'dpf_project.yml': DEFAULT_PROJECT, 'profiles.yml': DEFAULT_PROFILES, ...files };
  for (const [path, text] of Object.entries(all)) {
    const abs = join(dir, ...path.split('/'));
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
  return dir;
}

/** Removes every folder writeProject created (call from afterAll). */
export function removeWrittenProjects(): void {
  for (const dir of written.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** loadProject -> loadProfile -> parseProject (DuckDB dialect) for a project folder. */
export function parseFixture(dir: string, cliVars?: Record<string, unknown>): ParsedProject {
  const files = loadProject(dir);
  const target = loadProfile({ projectDir: dir, profilesDir: dir, profileName: files.config.profile ?? files.config.name, env: {} });
  return parseProject(files, {
    targetName: target.targetName,
    targetSchema: target.schema,
    targetDatabase: target.database,
    adapterType: target.type,
    dialect: duckdbDialect,
    cliVars,
  });
}

/** parseFixture, then buildGraph. */
export function graphFixture(dir: string): { parsed: ParsedProject; graph: ProjectGraph } {
  const parsed = parseFixture(dir);
  return { parsed, graph: buildGraph(parsed.manifest) };
}

/** Runs fn, expects a DpfError, and returns its diagnostics. */
export function diagnosticsOf(fn: () => unknown): readonly Diagnostic[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof DpfError) return err.diagnostics;
    throw err;
  }
  throw new Error('expected a DpfError, but nothing was thrown');
}
