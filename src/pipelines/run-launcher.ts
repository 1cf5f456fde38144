/**
 * Starts each scheduled run in a worker process (run-worker.ts, forked from dist/) and turns its
 * messages into the scheduler's progress and end reports. A worker that dies without reporting
 * (killed, out of memory, a crash in native code) ends its run as failed with its exit code or
 * signal and the last lines it wrote to stderr.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../compiler/package-paths.js';
import type { RunLauncher } from './scheduler.js';
import type { WorkerProbeMessage, WorkerReport, WorkerRunMessage } from './run-worker.js';

export interface ProcessLauncherOptions {
  readonly projectDir: string;
  readonly profilesDir?: string;
  /** The command line's --target; else each pipeline's own, else the profile's. */
  readonly target?: string;
  /** The command line's --vars, over each pipeline's vars. */
  readonly vars?: Readonly<Record<string, unknown>>;
  readonly refreshForEach?: boolean;
  readonly skipFailedForEach?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

const STDERR_KEPT = 2000;

/** The compiled worker: beside this module in dist/, or dist/ of the package when running from source (tests). */
export function workerPath(): string {
  const beside = fileURLToPath(new URL('./run-worker.js', import.meta.url));
  return existsSync(beside) ? beside : join(PACKAGE_ROOT, 'dist', 'pipelines', 'run-worker.js');
}

export function processLauncher(options: ProcessLauncherOptions): RunLauncher {
  const script = workerPath();
  return {
    sourceVersion(pipeline, source) {
      return new Promise((resolve) => {
        const child = fork(script, [], { env: options.env ?? process.env, stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'json' });
        let answered = false;
        const answer = (a: { version?: string; error?: string }) => {
          if (answered) return;
          answered = true;
          resolve(a);
        };
        child.on('message', (message: WorkerReport) => {
          if (message.type === 'version') answer({ version: message.version, error: message.error });
        });
        child.on('error', (err) => answer({ error: err.message }));
        child.on('exit', (code, signal) => answer({ error: `the sensor's worker process ended (${signal ?? `exit code ${code}`}) without answering` }));
        const message: WorkerProbeMessage = { type: 'probe', source, projectDir: options.projectDir, profilesDir: options.profilesDir, target: options.target ?? pipeline.target };
        child.send(message);
      });
    },
    start({ pipeline, run }, report) {
      const child = fork(script, [], { env: options.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
      let stderr = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_KEPT);
      });
      let ended = false;
      const end: typeof report.end = (e) => {
        if (ended) return;
        ended = true;
        report.end(e);
      };
      child.on('message', (message: WorkerReport) => {
        if (message.type === 'progress') report.progress({ dpfRunId: message.dpfRunId, nodesDone: message.nodesDone, nodesTotal: message.nodesTotal });
        else if (message.type === 'end') {
          const { type: _, ...rest } = message;
          end(rest);
        }
      });
      child.on('error', (err) => end({ state: 'failed', error: `the run's worker process failed: ${err.message}` }));
      child.on('exit', (code, signal) => {
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        end({ state: 'failed', error: `the run's worker process ended (${signal ?? `exit code ${code}`}) without reporting${tail ? `: ${tail}` : ''}` });
      });
      const message: WorkerRunMessage = { type: 'run', pipeline: pipeline.name, projectDir: options.projectDir, profilesDir: options.profilesDir, target: options.target, vars: options.vars ? { ...options.vars } : undefined, refreshForEach: options.refreshForEach, skipFailedForEach: options.skipFailedForEach, scheduledAt: run.scheduledAt };
      child.send(message);
      return {
        pid: child.pid,
        cancel: (reason) => {
          if (child.connected) child.send({ type: 'cancel', reason });
        },
        kill: () => {
          child.kill('SIGKILL');
        },
      };
    },
  };
}
