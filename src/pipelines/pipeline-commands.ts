/**
 * `listPipelines` and `runPipeline` of the public API (`dpf pipeline ls` and `dpf pipeline run`).
 * A pipeline run is the public API's `build` with the pipeline's selection, vars and target:
 * the same compile, plan and executor as `dpf build --select … --exclude … --target … --vars …`,
 * recorded in dpf_meta.runs with the pipeline's name. The scheduler will start runs here too.
 */
import { resolve } from 'node:path';
import { build, type RunOutcome } from '../api/run-nodes.js';
import { compileOptionsOf, selectionOf, type ProjectOptions, type RunOptions } from '../api/options.js';
import { closestMatch } from '../compiler/closest-match.js';
import { compileFromDisk } from '../compiler/compile-pipeline.js';
import { loadProjectConfig } from '../compiler/load-project.js';
import { selectNodes } from '../compiler/select-nodes.js';
import { DpfError, diagnostic, fail } from '../errors/dpf-error.js';
import { formatInZone, isTimezone, knownTimezones, nextRunTimes } from './cron-times.js';
import { loadPipelines } from './load-pipelines.js';
import type { Pipeline } from './pipeline.js';

export interface ListPipelinesOptions extends ProjectOptions {
  /** The instant next runs are computed from (default: now); tests and `DPF_NOW` set it. */
  readonly now?: Date;
  /** Time zone the next runs are shown in (default: this machine's). */
  readonly timezone?: string;
}

/** A pipeline as `dpf pipeline ls` lists it. */
export interface ListedPipeline {
  readonly name: string;
  readonly description?: string;
  readonly file: string;
  readonly select: readonly string[];
  readonly exclude: readonly string[];
  /** Nodes the selection holds in the project as compiled now. */
  readonly selectedNodes: number;
  readonly schedule: { readonly cron: string; readonly timezone: string } | null;
  /** The next scheduled run (ISO-8601, UTC), and the same in the display time zone; null without a schedule. */
  readonly nextRun: string | null;
  readonly nextRunLocal: string | null;
  readonly after: readonly string[];
  readonly trigger: Pipeline['trigger'] | null;
  readonly owner: string | null;
  /** The whole parsed pipeline (run policy included), for programs. */
  readonly pipeline: Pipeline;
}

export interface PipelineList {
  /** The time zone nextRunLocal is written in. */
  readonly timezone: string;
  readonly now: string;
  readonly pipelines: readonly ListedPipeline[];
}

/** The project's pipelines, checked against the compiled project, with their next run times. */
export async function listPipelines(options: ListPipelinesOptions = {}): Promise<PipelineList> {
  const timezone = options.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!isTimezone(timezone)) fail('UnknownTimezone', { where: '--timezone', timezone, suggestion: closestMatch(timezone, knownTimezones()) });
  const now = options.now ?? new Date();
  const compileOptions = compileOptionsOf(options);
  const pipelines = loadPipelines(compileOptions.projectDir, loadProjectConfig(compileOptions.projectDir).data);
  const compiled = await compileFromDisk({ ...compileOptions, writeArtifacts: false });
  for (const warning of compiled.warnings) options.onEvent?.({ type: 'warning', diagnostic: warning });
  const listed = pipelines.map((pipeline): ListedPipeline => {
    let selected: Set<string>;
    try {
      selected = selectNodes(compiled.manifest, compiled.graph, selectionOf({ select: pipeline.select, exclude: pipeline.exclude, cwd: compileOptions.projectDir }, compiled.targetPath));
    } catch (err) {
      // A selector the compiler cannot read is reported at the pipeline that has it.
      if (err instanceof DpfError) throw new DpfError(err.diagnostics.map((d) => ({ ...d, location: d.location ?? pipeline.location })));
      throw err;
    }
    if (selected.size === 0) {
      options.onEvent?.({ type: 'warning', diagnostic: diagnostic('PipelineSelectsNothing', { pipeline: pipeline.name, selection: selectionText(pipeline) }, pipeline.location, 'warning') });
    }
    const next = pipeline.schedule ? nextRunTimes(pipeline.schedule.cron, pipeline.schedule.timezone, now)[0] : undefined;
    return {
      name: pipeline.name,
      description: pipeline.description,
      file: pipeline.location.file,
      select: pipeline.select,
      exclude: pipeline.exclude,
      selectedNodes: selected.size,
      schedule: pipeline.schedule ?? null,
      nextRun: next ? next.toISOString() : null,
      nextRunLocal: next ? formatInZone(next, timezone) : null,
      after: pipeline.after,
      trigger: pipeline.after.length > 0 ? pipeline.trigger : null,
      owner: pipeline.owner ?? null,
      pipeline,
    };
  });
  return { timezone, now: now.toISOString(), pipelines: listed };
}

/** `--select a b --exclude c`, or "everything". */
export function selectionText(pipeline: Pick<Pipeline, 'select' | 'exclude'>): string {
  const parts = [...(pipeline.select.length ? ['--select', ...pipeline.select] : []), ...(pipeline.exclude.length ? ['--exclude', ...pipeline.exclude] : [])];
  return parts.length > 0 ? parts.join(' ') : 'everything';
}

export interface RunPipelineOptions extends RunOptions {
  /** Pipelines are read from this project; `select`/`exclude` of RunOptions are the pipeline's, not the caller's. */
  readonly select?: never;
  readonly exclude?: never;
}

/**
 * Runs one pipeline now: `build` with its selection; its vars under the caller's vars; the
 * caller's target, else the pipeline's. Exit codes and results as `build`.
 */
export async function runPipeline(name: string, options: RunPipelineOptions = {}): Promise<RunOutcome & { readonly pipeline: Pipeline }> {
  const projectDir = resolve(options.cwd ?? process.cwd(), options.projectDir ?? '.');
  const pipelines = loadPipelines(projectDir, loadProjectConfig(projectDir).data);
  const pipeline = pipelines.find((p) => p.name === name);
  if (!pipeline) {
    const known = pipelines.map((p) => p.name);
    fail('UnknownPipeline', { name, where: 'dpf pipeline run', suggestion: closestMatch(name, known), known });
  }
  const outcome = await build({
    ...options,
    select: pipeline.select.length > 0 ? pipeline.select : undefined,
    exclude: pipeline.exclude.length > 0 ? pipeline.exclude : undefined,
    target: options.target ?? pipeline.target,
    vars: Object.keys(pipeline.vars).length > 0 || options.vars ? { ...pipeline.vars, ...options.vars } : undefined,
    pipeline: pipeline.name,
    notify: pipeline.notify.length > 0 ? pipeline.notify : undefined,
  });
  return { ...outcome, pipeline };
}
