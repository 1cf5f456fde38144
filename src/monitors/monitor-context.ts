/**
 * What a monitor step may use while it runs. The runner's step context has all of it, so the
 * runner hands its own context to the monitor strategy; declaring the need here keeps
 * src/monitors below the runner (like src/tests). `STRATEGIES` checks that the two still fit.
 */
import type { Connection, Dialect, QueryResult } from '../adapters/adapter.js';
import type { SqlTemplates } from '../adapters/sql-templates.js';
import type { Manifest } from '../compiler/manifest.js';

/** What the run knows of a step that finished before this one (the node a monitor watches). */
export interface EarlierResult {
  readonly status: string;
  readonly executionTime: number;
  readonly rowsAffected?: number;
}

export interface MonitorContext {
  readonly connection: Connection;
  readonly dialect: Dialect;
  readonly templates: SqlTemplates;
  readonly engine: string;
  readonly manifest: Manifest;
  /** The target's database, where dpf_meta lives. */
  readonly database?: string;
  /** This run's id: its own rows in dpf_meta (flushed while it runs) are not its history. */
  readonly runId?: string;
  /** The target's name: durations are read from its own runs when targets share dpf_meta. */
  readonly targetName?: string;
  queryValue(sql: string): Promise<unknown>;
  query(sql: string, limit?: number): Promise<QueryResult>;
  /** A value computed once per run and shared by its steps; absent: each step reads its own. */
  shared?<T>(key: string, create: () => Promise<T>): Promise<T>;
  /** The result of a step of this run that has finished, if any. */
  resultOf?(uniqueId: string): EarlierResult | undefined;
}
