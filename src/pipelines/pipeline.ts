/**
 * A pipeline as dpf reads it from pipelines/*.yml (docs/scheduling.md): plain data. `dpf pipeline
 * run` uses the selection, vars and target; the schedule, after/trigger and the run policy
 * (catchup, concurrency, pool, retries, timeout, notify) are kept for the scheduler.
 */
import type { SourceLocation } from '../errors/dpf-error.js';

export type PipelineTrigger = 'all_success' | 'all_done' | 'any_success';

export interface PipelineSchedule {
  readonly cron: string;
  /** IANA time zone the cron is read in; UTC when the file names none. */
  readonly timezone: string;
}

/**
 * A sensor (`when:`): the pipeline runs when what it watches changed since the last look —
 * a source's data version (what reuse compares), or the files matching a glob (their paths,
 * sizes and modification times). Looked at every `everySeconds`.
 */
export interface PipelineSensor {
  readonly kind: 'source' | 'files';
  /** `schema.table` of a source (as {{source "schema" "table"}}), or a glob relative to the project. */
  readonly watch: string;
  readonly everySeconds: number;
  readonly location: SourceLocation;
}

export interface Pipeline {
  readonly name: string;
  /** The file, relative to the project, and the line of its first key. */
  readonly location: SourceLocation;
  readonly description?: string;
  /** Selector strings as `dpf build --select` takes them (a string of several is split at spaces). */
  readonly select: readonly string[];
  readonly exclude: readonly string[];
  readonly schedule?: PipelineSchedule;
  readonly after: readonly string[];
  readonly trigger: PipelineTrigger;
  readonly when: readonly PipelineSensor[];
  readonly catchup: boolean;
  readonly maxCatchup?: number;
  readonly concurrency: number;
  readonly pool?: string;
  readonly retries: number;
  /** Seconds. */
  readonly timeoutSeconds?: number;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly target?: string;
  readonly owner?: string;
  readonly notify: readonly string[];
}

/** pipelines/*.yml as written: what pipeline.schema.json allows. */
export interface PipelineFile {
  readonly name?: string;
  readonly description?: string;
  readonly select?: string | string[];
  readonly exclude?: string | string[];
  readonly schedule?: { readonly cron: string; readonly timezone?: string };
  readonly after?: string[];
  readonly trigger?: PipelineTrigger;
  readonly when?: ({ readonly source: string; readonly every?: number | string } | { readonly files: string; readonly every?: number | string })[];
  readonly catchup?: boolean;
  readonly max_catchup?: number;
  readonly concurrency?: number;
  readonly pool?: string;
  readonly retries?: number;
  readonly timeout?: number | string;
  readonly vars?: Record<string, unknown>;
  readonly target?: string;
  readonly owner?: string;
  readonly notify?: string[];
}
