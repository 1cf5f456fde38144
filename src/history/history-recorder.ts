/**
 * The run-event listener that writes a run's history (created by the API's executor for every
 * command, so every command records the same facts). It buffers rows and writes them in
 * batches through the run's adapter while the run goes on, and the rest at its end; a run
 * answered from the reuse ledger, which never opens the warehouse, appends its rows to the
 * spool instead (history-spool.ts). Best effort: a failed write never fails the run; the
 * first failure is reported once, through `warn`, and later writes of the run are dropped.
 */
import type { Adapter } from '../adapters/adapter.js';
import { SqlTemplates } from '../adapters/sql-templates.js';
import type { Manifest } from '../compiler/manifest.js';
import { DPF_VERSION } from '../compiler/package-paths.js';
import type { RunEvent, RunSummary } from '../runner/run-results.js';
import { gitState } from './git-state.js';
import { auditActor } from './audit-actor.js';
import { auditRows } from './audit-rows.js';
import { emptyRows, freshnessRow, monitorResultRows, nodeRunRow, runRow, tableStatsRows, testResultRow, type HistoryRows } from './history-rows.js';
import { nodeOfKind } from '../compiler/node-kinds.js';
import { appendToSpool, claimSpool, SPOOL_FILE } from './history-spool.js';
import { HistoryTableError, historyStore } from './history-store.js';
import { HISTORY_SCHEMA, HISTORY_TABLE_NAMES } from './history-tables.js';
import { userInfo } from 'node:os';
import type { CostRates } from '../cost/index.js';

/**
 * While the run goes on, node rows are written once this many are waiting or this long after
 * the last write, whichever comes first; the rest at the end. A long build's history is never
 * far behind, and a fast one (a no-op of a thousand reused models) pays one write, not ten.
 */
const FLUSH_ROWS = 1000;
const FLUSH_MS = 2000;
export const DEFAULT_KEEP_DAYS = 400;

export interface RecorderOptions {
  readonly command: string;
  /** The invocation id: runs.run_id. */
  readonly runId: string;
  readonly selector: string | null;
  /** The pipeline the run was started for (runs.pipeline); absent for other runs. */
  readonly pipeline?: string;
  readonly targetName: string;
  readonly database?: string;
  readonly projectDir: string;
  readonly targetPath: string;
  readonly manifest: Manifest;
  readonly keepDays: number;
  /** The target's cost: rates, to price node runs and runs (docs/cost.md). */
  readonly rates?: CostRates;
  /** The command writes the warehouse (build, run, seed, snapshot): it gets dpf_meta.audit_log rows. */
  readonly audit?: boolean;
  /** Where the CI actor is read from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Redacts every profile secret from a value. */
  clean<T>(value: T): T;
  /** Reports a failed write (once per run): where it failed, and why. */
  warn(where: string, detail: string): void;
}

export interface HistoryRecorder {
  /** Takes every event of the command; only the run's own events (RunEvent) matter. */
  listen(event: RunEvent | { readonly type: string }): void;
  /** Rows made outside the run's events (the alerts sent at its end), written with the others. */
  record(rows: Partial<HistoryRows>): void;
  /** The warehouse is open: the spool is written first, then this run's rows, through it. */
  attach(adapter: Adapter): void;
  /** Writes what is left (or spools it, when no warehouse was attached). Never throws. */
  finish(): Promise<void>;
}

export function historyRecorder(options: RecorderOptions): HistoryRecorder {
  const git = gitState(options.projectDir);
  const actor = options.audit ? auditActor(options.projectDir, options.env) : undefined;
  const queuedAt = new Map<string, number>();
  const startedAt = new Map<string, number>();
  let summary: RunSummary | undefined;
  let pending = emptyRows();
  let store: ReturnType<typeof historyStore> | undefined;
  let attached: Adapter | undefined;
  let writing: Promise<void> = Promise.resolve();
  let failed = false;
  let flushedAt = Date.now();

  const report = (err: unknown, where: string) => {
    if (failed) return;
    failed = true;
    const table = err instanceof HistoryTableError ? err.table : where;
    options.warn(table, String((err as Error)?.message ?? err));
  };
  const take = (): HistoryRows => {
    const rows = pending;
    pending = emptyRows();
    return options.clean(rows);
  };
  const flush = () => {
    flushedAt = Date.now();
    if (!store || failed) return;
    const rows = take();
    if (HISTORY_TABLE_NAMES.every((t) => rows[t].length === 0)) return;
    const target = store;
    writing = writing
      .then(() => (failed ? undefined : target.append(rows)))
      .catch((err) => {
        // A cancelled run interrupts every busy connection, this write's too: keep the rows for
        // the write at the end (the runs row saying "cancelled" is the one wanted most).
        if (/interrupt/i.test(String((err as Error)?.message ?? err))) requeue(rows);
        else report(err, `${HISTORY_SCHEMA} tables`);
      });
  };
  const requeue = (rows: HistoryRows) => {
    for (const table of HISTORY_TABLE_NAMES) pending[table] = [...rows[table], ...pending[table]];
  };

  /**
   * Opens the history tables: the spool first, then this run's rows. Only once the run does
   * something besides reusing: a run that reused everything changed nothing in the warehouse,
   * so its history goes to the spool like a run answered from the ledger, and the warehouse
   * file stays as it was (no write, no checkpoint on close, the reuse ledger stays current).
   */
  const start = () => {
    if (store || !attached) return;
    const target = historyStore(attached, new SqlTemplates(attached.name), options.database);
    store = target;
    writing = writing
      .then(async () => {
        await target.ensure();
        // Runs answered from the ledger since the warehouse was last opened, first; claimed
        // (renamed) before reading, so that a ledger run meanwhile starts a new spool.
        const claim = claimSpool(options.targetPath);
        try {
          if (HISTORY_TABLE_NAMES.some((t) => claim.rows[t].length > 0)) await target.append(claim.rows, { replaceRuns: true });
          claim.done();
        } catch (err) {
          claim.giveBack();
          throw err;
        }
        await target.prune(options.keepDays);
      })
      .catch((err) => report(err, `${HISTORY_SCHEMA} tables`));
  };

  return {
    listen(any) {
      const event = any as RunEvent;
      switch (event.type) {
        case 'node_queued':
          queuedAt.set(event.step.uniqueId, Date.now());
          return;
        case 'node_started':
          startedAt.set(event.step.uniqueId, Date.now());
          return;
        case 'node_finished': {
          const { result } = event;
          if (result.status !== 'reused') start();
          const id = options.runId;
          const queued = queuedAt.get(result.uniqueId);
          const started = startedAt.get(result.uniqueId);
          // A reused or skipped step has no times of its own: when the runner handled it is.
          const timed = {
            ...result,
            startedAt: result.startedAt ?? (result.status === 'skipped' || started === undefined ? undefined : new Date(started).toISOString()),
            completedAt: result.completedAt ?? new Date().toISOString(),
          };
          pending.node_runs.push(nodeRunRow(id, timed, queued !== undefined && started !== undefined ? started - queued : null, options.rates));
          const test = testResultRow(id, result, options.manifest);
          if (test) pending.test_results.push(test);
          const fresh = freshnessRow(id, result);
          if (fresh) pending.freshness.push(fresh);
          const watched = nodeOfKind(options.manifest, result.uniqueId, 'monitor')?.attachedNode;
          pending.table_stats.push(...tableStatsRows(id, result, watched));
          pending.monitor_results.push(...monitorResultRows(id, result, watched));
          if (pending.node_runs.length >= FLUSH_ROWS || Date.now() - flushedAt >= FLUSH_MS) flush();
          return;
        }
        case 'run_finished':
          summary = event.summary;
          return;
        default:
          return;
      }
    },
    record(rows) {
      for (const table of HISTORY_TABLE_NAMES) pending[table].push(...(rows[table] ?? []));
      if (HISTORY_TABLE_NAMES.some((t) => (rows[t]?.length ?? 0) > 0)) start();
    },
    attach(adapter) {
      attached = adapter;
    },
    async finish() {
      try {
        if (summary) {
          const { commit, dirty } = await git;
          let user: string | null = null;
          try {
            user = userInfo().username;
          } catch {
            user = process.env.USER ?? process.env.USERNAME ?? null;
          }
          pending.runs.push(
            runRow(summary, { command: options.command, selector: options.selector, pipeline: options.pipeline ?? null, target: options.targetName, gitCommit: commit, gitDirty: dirty, user, dpfVersion: DPF_VERSION, fromLedger: !attached, rates: options.rates }, new Date()),
          );
          if (actor) {
            const facts = { command: options.command, pipeline: options.pipeline ?? null, selector: options.selector, target: options.targetName, git: { commit, dirty }, actor: await actor, dpfVersion: DPF_VERSION };
            pending.audit_log.push(...auditRows(summary, facts, new Date()));
          }
        }
        if (store) {
          flush();
          await writing;
          return;
        }
        const rows = take();
        if (HISTORY_TABLE_NAMES.some((t) => rows[t].length > 0)) appendToSpool(options.targetPath, rows);
      } catch (err) {
        report(err, `${options.targetPath}/${SPOOL_FILE}`);
      }
    },
  };
}
