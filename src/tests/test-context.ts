/**
 * What a data test or unit test may use while it runs, and what it reports. The runner's step
 * context (src/runner/materializations/materialization.ts) has all of this and more, so the
 * runner hands its own context to these strategies; declaring the need here keeps src/tests
 * below the runner (the runner imports the tests' strategies, never the other way round).
 * `STRATEGIES` in the runner is where TypeScript checks that the two still fit.
 */
import type { AdapterCapabilities, Connection, Dialect, ExecuteResult, QueryResult } from '../adapters/adapter.js';
import type { SqlTemplates } from '../adapters/sql-templates.js';
import type { Diagnostic } from '../errors/dpf-error.js';
import type { Manifest, ManifestNode } from '../compiler/manifest.js';
import type { FreshnessFacts } from './check-freshness.js';

export interface TestContext {
  readonly connection: Connection;
  readonly dialect: Dialect;
  readonly capabilities: AdapterCapabilities;
  readonly templates: SqlTemplates;
  /** The engine's name, for messages ("DuckDB rejected the query"). */
  readonly engine: string;
  readonly manifest: Manifest;
  /** The project's folder (a TypeScript model's unit test loads its file). */
  readonly projectRoot: string;
  /** Runs a statement and records it for target/run/. */
  execute(sql: string): Promise<ExecuteResult>;
  /** Runs a query and records it for target/run/. */
  queryValue(sql: string): Promise<unknown>;
  /** Runs a query and records it for target/run/. */
  query(sql: string, limit?: number): Promise<QueryResult>;
}

/** A test's result: a status, the failing rows counted and sampled, a freshness check's facts, or the user's error. */
export interface TestOutcome {
  readonly status?: 'pass' | 'warn' | 'fail';
  readonly failures?: number;
  readonly message?: string;
  /** The first failing rows of a data test. */
  readonly sample?: QueryResult;
  /** A unit test's difference: rows expected but missing (-) and rows returned but not expected (+). */
  readonly diff?: { readonly columns: string[]; readonly missing: unknown[][]; readonly extra: unknown[][] };
  /** A freshness step: what it found (written to target/sources.json). */
  readonly freshness?: FreshnessFacts;
  /** A failure that is the user's to fix, with its location (a fixture column that does not exist...). */
  readonly error?: Diagnostic;
}

export type TestStrategy = (node: ManifestNode, ctx: TestContext) => Promise<TestOutcome>;
