/**
 * The options of the public API: plain data, no command-line strings. The CLI parses its flags
 * into these; a scheduler, a notebook or another Node program builds them directly.
 */
import { resolve } from 'node:path';
import type { CompileOptions } from '../compiler/compile-pipeline.js';
import { readState } from '../compiler/read-state.js';
import type { SelectionInput } from '../compiler/select-nodes.js';
import { readLoadTimes } from '../tests/write-sources-json.js';
import type { DpfEvent } from './events.js';

export interface ProjectOptions {
  /** Folder holding dpf_project.yml (default: cwd). */
  readonly projectDir?: string;
  /** Folder holding profiles.yml (default: the project, then ~/.dpf). */
  readonly profilesDir?: string;
  /** Target in profiles.yml (default: the profile's target). */
  readonly target?: string;
  /** Overrides dpf_project.yml vars. */
  readonly vars?: Readonly<Record<string, unknown>>;
  /** Parallel workers (default: the target's threads). */
  readonly threads?: number;
  /** Environment for {{env}} in profiles and extract: blocks (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Relative paths (projectDir, state) resolve against this (default: process.cwd()). */
  readonly cwd?: string;
  /** Receives every event of the command as it happens (progress, warnings). */
  readonly onEvent?: (event: DpfEvent) => void;
  /** Run the queries of query-driven for_each models again instead of reading their cached rows. */
  readonly refreshForEach?: boolean;
  /** A for_each query that fails with no cached rows generates no models (a warning), e.g. to build what it reads first. */
  readonly skipFailedForEach?: boolean;
}

export interface SelectionOptions {
  /** dbt selector syntax: name, +name, tag:x, path:..., state:modified+ ... */
  readonly select?: readonly string[];
  readonly exclude?: readonly string[];
  /** Folder with another run's artifacts (manifest.json, run_results.json, sources.json). */
  readonly state?: string;
}

export interface RunOptions extends ProjectOptions, SelectionOptions {
  /** Stop starting new nodes after the first failure. */
  readonly failFast?: boolean;
  /** Rebuild incremental models from scratch. */
  readonly fullRefresh?: boolean;
  /** Build even what is unchanged since its last build. */
  readonly rebuildAll?: boolean;
  /** Refs to unselected nodes missing in this target read the `state` environment instead. */
  readonly defer?: boolean;
  /** Microbatch models build this range (dates or times, UTC) instead of their lookback. */
  readonly eventTimeStart?: string;
  readonly eventTimeEnd?: string;
  /** Cancelling stops the run as Ctrl-C does: running statements are cancelled, relations stay as they were. */
  readonly signal?: AbortSignal;
  /** Build into this schema instead of the target's (dpf ci). */
  readonly schema?: string;
  /** The pipeline this run is for (`dpf pipeline run`, the scheduler): recorded in dpf_meta.runs.pipeline. */
  readonly pipeline?: string;
  /** Alert channels (dpf_project.yml alerts:) that also hear of this run's failures and late start (a pipeline's notify:). */
  readonly notify?: readonly string[];
  /** When the scheduler meant the run to start: a later start is a late_start alert (alerts.late_start.tolerance_seconds). */
  readonly scheduledAt?: Date;
  /**
   * After the run, sample the models, seeds and snapshots it built with the PII scanner (its
   * default sample, 1000 rows each) and record the findings under the run's id (`dpf build
   * --scan-pii`, docs/governance.md#pii-scanner). A failed scan is a warning, never a failed run.
   */
  readonly scanPii?: boolean;
}

/** `dpf source freshness`: which sources, and where target/sources.json goes. */
export interface FreshnessOptions extends ProjectOptions, SelectionOptions {
  /** Stop starting new checks after the first error. */
  readonly failFast?: boolean;
  readonly signal?: AbortSignal;
  /** Where to write the results, relative to cwd (default: target/sources.json). */
  readonly output?: string;
}

export function compileOptionsOf(options: ProjectOptions & { schema?: string }): CompileOptions {
  const cwd = options.cwd ?? process.cwd();
  return {
    projectDir: resolve(cwd, options.projectDir ?? '.'),
    profilesDir: options.profilesDir ? resolve(cwd, options.profilesDir) : undefined,
    target: options.target,
    threads: options.threads,
    vars: options.vars ? { ...options.vars } : undefined,
    env: options.env ?? process.env,
    ...(options.schema ? { schema: options.schema } : {}),
    ...(options.refreshForEach || options.skipFailedForEach ? { forEach: { refresh: options.refreshForEach, skipFailed: options.skipFailedForEach } } : {}),
  };
}

/** The selection plus the artifacts some selector methods compare (source_status, state, result). */
export function selectionOf(options: SelectionOptions & { cwd?: string }, targetPath: string): SelectionInput {
  const cwd = options.cwd ?? process.cwd();
  const mentions = (m: string) => [...(options.select ?? []), ...(options.exclude ?? [])].some((s) => s.includes(m));
  const needsState = mentions('state:') || mentions('result:');
  return {
    select: options.select ? [...options.select] : undefined,
    exclude: options.exclude ? [...options.exclude] : undefined,
    state: needsState && options.state ? readState(resolve(cwd, options.state), '--select state:/result:') : undefined,
    sourceLoadTimes: mentions('source_status:')
      ? { current: readLoadTimes(targetPath), previous: options.state ? readLoadTimes(resolve(cwd, options.state)) : undefined }
      : undefined,
  };
}
