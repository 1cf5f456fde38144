/**
 * Reads pipelines/*.yml (or the folders of `pipeline-paths` in dpf_project.yml): one pipeline
 * per file, validated against schemas/pipeline.schema.json, then checked as a set: unique names
 * (DPF104), cron expressions (DPF900) and time zones (DPF901), `after:` naming pipelines that
 * exist (DPF902) and no cycle among them (DPF903), pools declared in `pools:` (DPF907) and
 * notify: channels declared in `alerts:` (DPF908). Every problem of every file is reported at
 * once. Selections are checked against the compiled project by the caller (it owns compiling).
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { closestMatch } from '../compiler/closest-match.js';
import type { ProjectConfig } from '../compiler/load-project.js';
import { readYamlFile, type YamlFile } from '../compiler/read-yaml-file.js';
import { schemaValidator } from '../compiler/schema-validators.js';
import { DpfError, diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import { cronProblem, isTimezone, knownTimezones } from './cron-times.js';
import type { Pipeline, PipelineFile, PipelineSensor } from './pipeline.js';

export const DEFAULT_PIPELINE_PATHS = ['pipelines'];

/** The project's pipelines, sorted by name; throws DpfError with every problem found. */
export function loadPipelines(projectDir: string, config: Pick<ProjectConfig, 'pipeline-paths' | 'pools' | 'alerts'>): Pipeline[] {
  const problems: Diagnostic[] = [];
  const files: YamlFile<PipelineFile>[] = [];
  for (const path of pipelineFiles(projectDir, config['pipeline-paths'] ?? DEFAULT_PIPELINE_PATHS)) {
    try {
      files.push(readYamlFile<PipelineFile>(join(projectDir, path), path, schemaValidator('pipeline')));
    } catch (err) {
      if (!(err instanceof DpfError)) throw err;
      problems.push(...err.diagnostics);
    }
  }
  const byName = new Map<string, { pipeline: Pipeline; file: YamlFile<PipelineFile> }>();
  for (const file of files) {
    const pipeline = pipelineOf(file, problems);
    const other = byName.get(pipeline.name);
    if (other) {
      problems.push(diagnostic('DuplicateName', { kind: 'pipeline', name: pipeline.name, other: `${other.pipeline.location.file}:${other.pipeline.location.line}` }, pipeline.location));
      continue;
    }
    byName.set(pipeline.name, { pipeline, file });
  }
  const names = [...byName.keys()];
  for (const { pipeline, file } of byName.values()) {
    pipeline.after.forEach((name, i) => {
      if (byName.has(name)) return;
      problems.push(diagnostic('UnknownPipeline', { name, where: `The after: list of pipeline "${pipeline.name}"`, suggestion: closestMatch(name, names), known: names }, file.locate(['after', i])));
    });
  }
  const pools = Object.keys(config.pools ?? {});
  const channels = Object.keys(config.alerts?.channels ?? {});
  for (const { pipeline, file } of byName.values()) {
    if (pipeline.pool !== undefined && !pools.includes(pipeline.pool)) {
      problems.push(diagnostic('UnknownPipelinePool', { pipeline: pipeline.name, pool: pipeline.pool, suggestion: closestMatch(pipeline.pool, pools) }, file.locate(['pool'])));
    }
    pipeline.notify.forEach((channel, i) => {
      if (channels.includes(channel)) return;
      problems.push(diagnostic('UnknownNotifyChannel', { pipeline: pipeline.name, channel, suggestion: closestMatch(channel, channels), known: channels }, file.locate(['notify', i])));
    });
  }
  const cycle = findCycle(byName);
  if (cycle) problems.push(diagnostic('PipelineCycle', { path: cycle }, byName.get(cycle[0]!)!.file.locate(['after'])));
  if (problems.length > 0) throw new DpfError(problems);
  return [...byName.values()].map((p) => p.pipeline).sort((a, b) => a.name.localeCompare(b.name));
}

function pipelineFiles(projectDir: string, folders: readonly string[]): string[] {
  return folders.flatMap((folder) => {
    const dir = join(projectDir, folder);
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && ['.yml', '.yaml'].includes(extname(e.name)))
      .map((e) => join(folder, e.name))
      .sort();
  });
}

const selectors = (value: string | string[] | undefined): string[] =>
  (value === undefined ? [] : Array.isArray(value) ? value : [value]).flatMap((s) => s.trim().split(/\s+/)).filter((s) => s.length > 0);

const TIME_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600 };
/** How often a sensor looks when its `every` is not given. */
export const DEFAULT_SENSOR_SECONDS = 60;

/** 90, "90s", "30m", "2h" as seconds. */
const seconds = (value: number | string | undefined): number | undefined =>
  typeof value === 'string' ? Number(value.slice(0, -1)) * TIME_UNITS[value.slice(-1)]! : value;

function pipelineOf(file: YamlFile<PipelineFile>, problems: Diagnostic[]): Pipeline {
  const data = file.data;
  const name = data.name ?? basename(file.path, extname(file.path));
  const schedule = data.schedule ? { cron: data.schedule.cron.trim(), timezone: data.schedule.timezone ?? 'UTC' } : undefined;
  if (schedule) {
    const problem = cronProblem(schedule.cron);
    if (problem) problems.push(diagnostic('InvalidCron', { pipeline: name, cron: schedule.cron, detail: problem }, file.locate(['schedule', 'cron'])));
    if (!isTimezone(schedule.timezone)) {
      problems.push(diagnostic('UnknownTimezone', { where: `The schedule of pipeline "${name}"`, timezone: schedule.timezone, suggestion: closestMatch(schedule.timezone, knownTimezones()) }, file.locate(['schedule', 'timezone'])));
    }
  }
  const timeout = seconds(data.timeout);
  const when = (data.when ?? []).map((sensor, i): PipelineSensor => ({
    kind: 'source' in sensor ? 'source' : 'files',
    watch: 'source' in sensor ? sensor.source : sensor.files,
    everySeconds: seconds(sensor.every) ?? DEFAULT_SENSOR_SECONDS,
    location: file.locate(['when', i]),
  }));
  return {
    name,
    location: file.locate(data.name !== undefined ? ['name'] : []),
    description: data.description,
    select: selectors(data.select),
    exclude: selectors(data.exclude),
    schedule,
    after: data.after ?? [],
    trigger: data.trigger ?? 'all_success',
    when,
    catchup: data.catchup ?? false,
    maxCatchup: data.max_catchup,
    concurrency: data.concurrency ?? 1,
    pool: data.pool,
    retries: data.retries ?? 0,
    timeoutSeconds: timeout,
    vars: data.vars ?? {},
    target: data.target,
    owner: data.owner,
    notify: data.notify ?? [],
  };
}

/** A cycle among the after: lists as the path around it (a → b → a), or undefined. */
function findCycle(byName: ReadonlyMap<string, { pipeline: Pipeline }>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const upstream of byName.get(name)?.pipeline.after ?? []) {
      if (!byName.has(upstream)) continue;
      const cycle = visit(upstream);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of [...byName.keys()].sort()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}
