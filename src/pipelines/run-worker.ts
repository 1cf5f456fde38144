/**
 * A scheduled run in a process of its own (forked by run-launcher.ts), so that a run that
 * crashes or is killed never takes the scheduler with it. It receives one `run` message, calls
 * the public API's runPipeline (the same path as `dpf pipeline run` and `dpf build`), reports
 * progress, and ends with one `end` message. A `cancel` message, or losing the scheduler (the
 * IPC channel closes: it was killed), cancels the run through its AbortSignal, which leaves
 * every relation as it was or complete.
 */
import { DpfError } from '../errors/dpf-error.js';
import type { RunEnd } from './scheduler.js';
import { runPipeline } from './pipeline-commands.js';
import { sourceDataVersion } from './sensor-versions.js';

export interface WorkerRunMessage {
  readonly type: 'run';
  readonly pipeline: string;
  readonly projectDir: string;
  readonly profilesDir?: string;
  readonly target?: string;
  readonly vars?: Record<string, unknown>;
  readonly refreshForEach?: boolean;
  readonly skipFailedForEach?: boolean;
  /** The tick's time (epoch ms): a later start is a late_start alert. */
  readonly scheduledAt?: number;
}

/** A look for a `when: {source}` sensor: the source's data version, then the worker ends. */
export interface WorkerProbeMessage {
  readonly type: 'probe';
  readonly source: string;
  readonly projectDir: string;
  readonly profilesDir?: string;
  readonly target?: string;
}

export type WorkerReport =
  | { readonly type: 'progress'; readonly dpfRunId?: string; readonly nodesDone?: number; readonly nodesTotal?: number }
  | ({ readonly type: 'end' } & RunEnd)
  | { readonly type: 'version'; readonly version?: string; readonly error?: string };

/** DuckDB's message when another process holds the database file. */
const WAREHOUSE_LOCKED = /Could not set lock on file|Conflicting lock is held/i;

async function work(message: WorkerRunMessage, signal: AbortSignal, send: (report: WorkerReport) => void): Promise<RunEnd> {
  let dpfRunId: string | undefined;
  let done = 0;
  let total: number | undefined;
  try {
    const outcome = await runPipeline(message.pipeline, {
      projectDir: message.projectDir,
      profilesDir: message.profilesDir,
      target: message.target,
      vars: message.vars,
      refreshForEach: message.refreshForEach,
      skipFailedForEach: message.skipFailedForEach,
      scheduledAt: message.scheduledAt === undefined ? undefined : new Date(message.scheduledAt),
      signal,
      onEvent: (event) => {
        if (event.type === 'run_started') {
          total = event.total;
          send({ type: 'progress', nodesDone: 0, nodesTotal: total });
        } else if (event.type === 'node_finished') {
          done += 1;
          send({ type: 'progress', nodesDone: done, nodesTotal: total });
        }
      },
    });
    dpfRunId = outcome.summary?.invocationId ?? outcome.compiled.invocationId;
    // Cancelled before it finished: some step never ran. A cancel that came after the last step
    // changes nothing: the work is done, and running it again would do it twice.
    if (outcome.summary?.cancelled && outcome.summary.results.some((r) => r.status === 'skipped')) return { state: 'cancelled', error: signal.reason ? String(signal.reason) : 'cancelled', dpfRunId };
    if (outcome.exitCode === 0) return { state: 'success', dpfRunId };
    const failed = outcome.summary?.results.find((r) => (r.status === 'error' || r.status === 'fail') && !r.tolerated);
    return { state: 'failed', dpfRunId, failedNode: failed?.uniqueId, error: failed ? firstLine(failed.message) : 'the run failed' };
  } catch (err) {
    const text = errorText(err);
    if (WAREHOUSE_LOCKED.test(text)) return { state: 'cancelled', busy: true, error: `the warehouse is open in another process (${lockHolder(text)}); the run waits`, dpfRunId };
    return { state: 'failed', error: firstLine(text), dpfRunId };
  }
}

function errorText(err: unknown): string {
  return err instanceof DpfError ? err.diagnostics.map((d) => `${d.code}: ${d.message}`).join('; ') : String((err as Error)?.message ?? err);
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 500);
}

/** "PID 1234" from DuckDB's lock message, when it names one. */
function lockHolder(text: string): string {
  const pid = /PID (\d+)/i.exec(text)?.[1];
  return pid ? `pid ${pid}` : 'another dpf build, a notebook, a BI tool';
}

if (process.send) {
  // The scheduler decides when a run stops (its drain, a timeout) and tells the worker; a signal
  // to the whole process group (systemd's stop, Ctrl+C in a terminal) is the scheduler's to handle.
  process.on('SIGTERM', () => undefined);
  process.on('SIGINT', () => undefined);
  const controller = new AbortController();
  const send = (report: WorkerReport) => {
    if (process.connected) process.send!(report);
  };
  process.on('disconnect', () => {
    // The scheduler is gone: stop cleanly, then leave.
    controller.abort('the scheduler stopped');
    setTimeout(() => process.exit(1), 30_000).unref();
  });
  process.on('message', (message: WorkerRunMessage | WorkerProbeMessage | { type: 'cancel'; reason: string }) => {
    if (message.type === 'cancel') {
      controller.abort(message.reason);
      return;
    }
    if (message.type === 'probe') {
      void sourceDataVersion(message.source, { projectDir: message.projectDir, profilesDir: message.profilesDir, target: message.target }).then(
        (version) => send({ type: 'version', version }),
        (err: unknown) => send({ type: 'version', error: errorText(err) }),
      ).finally(() => process.disconnect?.());
      return;
    }
    void work(message, controller.signal, send).then((end) => {
      send({ type: 'end', ...end });
      process.disconnect?.();
      process.exitCode = end.state === 'success' ? 0 : 1;
    });
  });
}
