/**
 * What a materialization strategy may use. Strategies turn one node into a relation through
 * the adapter's generic methods and the SQL templates; they never ask which engine runs.
 */
import type { AdapterCapabilities, Connection, Dialect, ExecuteResult, MaskMethod, QueryResult, RelationType } from '../../adapters/adapter.js';
import type { Diagnostic } from '../../errors/dpf-error.js';
import type { Manifest, ManifestNode, Relation } from '../../compiler/manifest.js';
import type { SqlTemplates } from '../../adapters/sql-templates.js';
import type { FreshnessFacts } from '../../tests/check-freshness.js';
import type { MonitorFacts, MonitorFinding, TableStats } from '../../monitors/monitor-findings.js';

export interface MaterializationContext {
  readonly connection: Connection;
  readonly dialect: Dialect;
  readonly capabilities: AdapterCapabilities;
  readonly templates: SqlTemplates;
  /** The engine's name, for messages. */
  readonly engine: string;
  readonly projectRoot: string;
  readonly manifest: Manifest;
  /** --full-refresh: rebuild incremental models from scratch. */
  readonly fullRefresh: boolean;
  /** A `masking: true` target: seed unique id → column (lower case) → how it loads masked. */
  readonly seedMasks?: ReadonlyMap<string, ReadonlyMap<string, MaskMethod>>;
  /** --event-time-start / --event-time-end: the range microbatch models build (ISO dates). */
  readonly eventTimeRange?: { readonly start?: string; readonly end?: string };
  /**
   * The type of a relation that existed when the run started, if any. Temporary relations a
   * killed run left behind were dropped before the run started (existing-relations.ts).
   */
  existing(relation: Relation): RelationType | undefined;
  /** Runs a statement and records it for target/run/. */
  execute(sql: string): Promise<ExecuteResult>;
  /** Runs a query and records it for target/run/. */
  queryValue(sql: string): Promise<unknown>;
  /** Runs a query and records it for target/run/. */
  query(sql: string, limit?: number): Promise<QueryResult>;
  /** Records a DDL step that the adapter performs itself (drop, rename). */
  note(description: string): void;
  /** The target's database (where dpf_meta lives), if it names one. */
  readonly database?: string;
  /** The run's invocation id (dpf_meta's run_id). */
  readonly runId: string;
  /** The target's name (dpf_meta.runs.target), where the run knows it. */
  readonly targetName?: string;
  /** The run's environment (default process.env): {{env}} in an extract: block is read from it. */
  readonly env?: NodeJS.ProcessEnv;
  /** A value computed once per run and shared by its steps (the monitors' history, read in one query). */
  shared<T>(key: string, create: () => Promise<T>): Promise<T>;
  /**
   * Another connection of the run's adapter, for a step that reads while it writes (a
   * TypeScript model streams its inputs while its rows land through `connection`).
   */
  withConnection<T>(fn: (connection: Connection) => Promise<T>): Promise<T>;
  /** The result of a step of this run that has finished (a monitor reads its node's). */
  resultOf(uniqueId: string): { readonly status: string; readonly executionTime: number; readonly rowsAffected?: number } | undefined;
}

/** What a step produced. Models and seeds: rows; tests: a status, the failing rows and a sample; freshness: its facts. */
export interface StepOutcome {
  readonly rowsAffected?: number;
  /** skipped: the step's run_if was false (run-plan.ts), so nothing ran. */
  readonly status?: 'pass' | 'warn' | 'fail' | 'skipped';
  readonly failures?: number;
  readonly message?: string;
  /** The first failing rows of a data test. */
  readonly sample?: QueryResult;
  /** A unit test's difference: rows expected but missing (-) and rows returned but not expected (+). */
  readonly diff?: { readonly columns: string[]; readonly missing: unknown[][]; readonly extra: unknown[][] };
  /** A freshness step: when the source last got data, how long ago, and the rules it was judged by. */
  readonly freshness?: FreshnessFacts;
  /** A failure that is the user's to fix, with its location (a fixture column that does not exist...). */
  readonly error?: Diagnostic;
  /** A monitor step: the headline finding, every finding, and the stats it measured. */
  readonly monitor?: MonitorFacts;
  readonly monitorFindings?: readonly MonitorFinding[];
  readonly tableStats?: TableStats;
  /** An extract: the data version of the source's table after it landed (BuildBook.landed). */
  readonly sourceVersion?: string;
}

export type Strategy = (node: ManifestNode, ctx: MaterializationContext) => Promise<StepOutcome>;

/**
 * A strategy for steps that run several at once (monitors: many tables measured in one
 * statement). The runner hands it up to `batchSize` ready steps of its kind when nothing else
 * is ready (run-plan.ts); it answers each node, in order, with its outcome or its error.
 */
export interface BatchStrategy {
  readonly batchSize: number;
  run(nodes: readonly ManifestNode[], ctx: MaterializationContext): Promise<(StepOutcome | Error)[]>;
  /**
   * Work its batches share (through ctx.shared), started with the run on a connection of its
   * own, holding no worker, so that no batch waits for it: the monitors' read of their history.
   * Given the run's steps of this strategy that are not reused.
   */
  warmUp?(nodes: readonly ManifestNode[], ctx: MaterializationContext): Promise<unknown>;
}

export const tempRelation = (r: Relation): Relation => ({ ...r, identifier: `${r.identifier}__dpf_tmp` });
export const backupRelation = (r: Relation): Relation => ({ ...r, identifier: `${r.identifier}__dpf_backup` });

/**
 * Puts a fully built temporary table in place of the target. With transactional DDL the
 * drop and rename commit together; otherwise the old table is moved aside first and dropped
 * last, so at every moment either the old or the new table answers to the name (or both).
 */
export async function swapIntoPlace(ctx: MaterializationContext, tmp: Relation, target: Relation): Promise<void> {
  const existing = ctx.existing(target);
  const { connection } = ctx;
  if (ctx.capabilities.supportsTransactionalDdl) {
    await connection.transaction(async () => {
      if (existing) {
        ctx.note(`drop ${existing} ${ctx.dialect.renderRelation(target)}`);
        await connection.dropRelation(target, existing);
      }
      ctx.note(`rename ${ctx.dialect.renderRelation(tmp)} to ${ctx.dialect.quoteIdentifier(target.identifier)}`);
      await connection.renameRelation(tmp, target.identifier, 'table');
    });
    return;
  }
  const backup = backupRelation(target);
  if (existing) {
    await connection.dropRelation(backup, existing);
    await connection.renameRelation(target, backup.identifier, existing);
  }
  await connection.renameRelation(tmp, target.identifier, 'table');
  if (existing) await connection.dropRelation(backup, existing);
}
