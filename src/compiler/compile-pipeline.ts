/**
 * The compile half of every command: profile -> load -> parse -> graph -> compile, with the
 * artifacts written. Commands call this once and pass its plain results on.
 */
import { randomUUID } from 'node:crypto';
import { relative } from 'node:path';
import { diagnostic, DpfError, type Diagnostic, type SourceLocation } from '../errors/dpf-error.js';
import type { TargetConfig } from '../adapters/adapter.js';
import { adapterFactory } from '../adapters/index.js';
import { buildGraph, type ProjectGraph } from './build-graph.js';
import { compileProject } from './compile-project.js';
import { loadProfile } from './load-profile.js';
import { loadProject, loadProjectConfig, targetPathOf, type ProjectConfig } from './load-project.js';
import { YamlCache } from './yaml-cache.js';
import type { YamlFile } from './read-yaml-file.js';
import { forgetFingerprint, projectFingerprint, reusableCompile, saveFingerprint } from './compile-fingerprint.js';
import { findProfilesFile } from './load-profile.js';
import type { Manifest } from './manifest.js';
import { parseProject, projectVars, type ParsedProject } from './parse-project.js';
import { loadHandlers } from '../plugins/index.js';
import { closestMatch } from './closest-match.js';
import { loadNamedPlugins } from './load-named-plugins.js';
import { importsChanged, loadTsModels } from './load-ts-models.js';
import { writeCompiledSql, writeManifest } from './write-artifacts.js';
import { ForEachQueries, type ForEachQueryOptions } from './for-each-queries.js';
import { ForEachQueriesNeeded } from './expand-for-each.js';
import { maskingContext } from './masked-inputs.js';

export interface CompileOptions {
  readonly projectDir: string;
  readonly profilesDir?: string;
  readonly target?: string;
  readonly threads?: number;
  readonly vars?: Record<string, unknown>;
  /** Replaces the target's schema (dpf ci builds into a schema of its own). */
  readonly schema?: string;
  /**
   * Reuse the last compile's manifest when no input changed (default true). Commands that
   * render SQL again afterwards (--defer, show --inline) need the parsed project: false.
   */
  readonly reuseCompiled?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** Write manifest.json and compiled SQL (default true). */
  readonly writeArtifacts?: boolean;
  /**
   * With writeArtifacts, also write target/compiled/ (default true). dpf docs generate does
   * not need those files (writing 10,000 of them is seconds); a later command that does writes
   * them then, even when it reuses this compile.
   */
  readonly writeCompiledFiles?: boolean;
  /** Query-driven for_each: run the queries again, or skip files whose query fails (docs/configuration.md#for_each). */
  readonly forEach?: ForEachQueryOptions;
}

export interface CompiledProject {
  readonly target: TargetConfig;
  /** Absent when the last compile was reused (see CompileOptions.reuseCompiled). */
  readonly parsed?: ParsedProject;
  readonly targetPath: string;
  readonly graph: ProjectGraph;
  readonly manifest: Manifest;
  readonly warnings: Diagnostic[];
  readonly invocationId: string;
  readonly timings: StageTimings;
  /** dpf_project.yml's history: block (retention of dpf_meta's run history). */
  readonly history?: ProjectConfig['history'];
  /** dpf_project.yml's pools: block (named pools and their sizes, docs/configuration.md#pools). */
  readonly pools?: ProjectConfig['pools'];
  /** dpf_project.yml's handlers: block (docs/pipelines.md#handlers), checked when the project was parsed. */
  readonly handlers?: ProjectConfig['handlers'];
  /** The project's vars with --vars over them (condition plugins are given them). */
  readonly vars: Readonly<Record<string, unknown>>;
  /** dpf_project.yml's alerts: block as written ({{env}} not rendered), and where its values are. */
  readonly alerts?: { readonly config: NonNullable<ProjectConfig['alerts']>; readonly locate: (path: readonly (string | number)[]) => SourceLocation };
}

export function resolveTarget(options: CompileOptions, config: ProjectConfig = loadProjectConfig(options.projectDir).data): TargetConfig {
  const target = loadProfile({
    projectDir: options.projectDir,
    profileName: config.profile ?? config.name,
    profilesDir: options.profilesDir,
    target: options.target,
    threads: options.threads,
    env: options.env,
  });
  return options.schema ? { ...target, schema: options.schema } : target;
}

/** Seconds spent per stage, for `DPF_TIMING=1` and the benchmarks. */
export type StageTimings = Record<'load' | 'parse' | 'graph' | 'compile' | 'write', number>;

export async function compileFromDisk(options: CompileOptions): Promise<CompiledProject> {
  const timings: Partial<StageTimings> = {};
  let mark = performance.now();
  const lap = (stage: keyof StageTimings) => {
    const now = performance.now();
    timings[stage] = (now - mark) / 1000;
    mark = now;
  };
  // dpf_project.yml is read once and handed to every step that needs it.
  const configFile = loadProjectConfig(options.projectDir);
  const target = resolveTarget(options, configFile.data);
  // Parsing YAML in a worker thread was measured and dropped: this machine's two vCPUs ran
  // two busy threads no faster than one.
  const env = options.env ?? process.env;
  const targetPath = targetPathOf(options.projectDir, configFile.data);
  const partial = !env.DPF_NO_PARTIAL_PARSE;
  const fingerprint = partial
    ? projectFingerprint(options.projectDir, configFile.data, target, { vars: options.vars, profilesFile: findProfilesFile(options) })
    : undefined;
  // Warnings about damaged caches are this run's alone: they are not saved with the compile.
  const damaged: Diagnostic[] = [];
  const ignore = (instead: string) => (file: string, detail: string) =>
    damaged.push(diagnostic('ArtifactIgnored', { detail, instead }, { file: relative(options.projectDir, file) }, 'warning'));
  // --refresh-for-each asks the warehouse again: the last compile's rows are what it replaces.
  const last = fingerprint && options.reuseCompiled !== false && !options.forEach?.refresh ? reusableCompile(targetPath, fingerprint, ignore('compiles the project')) : undefined;
  // A helper a TypeScript model imports may live outside the folders the fingerprint reads.
  const reused = last && !importsChanged(options.projectDir, last.manifest) ? last : undefined;
  if (reused && fingerprint) {
    // Nothing the compile reads has changed: the last manifest is this compile's result.
    const invocationId = randomUUID();
    const manifest: Manifest = { ...reused.manifest, metadata: { ...reused.manifest.metadata, invocationId, generatedAt: new Date().toISOString() } };
    lap('load');
    const graph = buildGraph(manifest);
    lap('graph');
    if (options.writeArtifacts !== false) {
      writeManifest(targetPath, manifest);
      if (!reused.compiledFiles && options.writeCompiledFiles !== false) {
        writeCompiledSql(targetPath, reused.manifest);
        saveFingerprint(targetPath, fingerprint, reused.warnings, true);
      }
    }
    lap('write');
    return { target, targetPath, graph, manifest, warnings: [...damaged, ...reused.warnings], invocationId, timings: { parse: 0, compile: 0, ...timings } as StageTimings, history: configFile.data.history, pools: configFile.data.pools, handlers: configFile.data.handlers, vars: projectVars({ config: configFile.data }, options.vars), alerts: alertsOf(configFile) };
  }
  const cache = partial ? YamlCache.open(targetPath, ignore('parses every YAML file')) : undefined;
  const files = loadProject(options.projectDir, { cache, configFile });
  const plugins = await loadNamedPlugins(files);
  // Handlers are checked here, at their line in dpf_project.yml; the runner loads them again per run.
  const handlerProblems = (await loadHandlers(files.root, configFile.data.handlers ?? {}, (key, i) => configFile.locate(['handlers', key, i]), closestMatch)).problems;
  if (handlerProblems.length > 0) throw new DpfError(handlerProblems);
  const transforms = files.tsModels.length > 0 ? await loadTsModels(files) : undefined;
  lap('load');
  const context = compileContext(target, options.projectDir);
  const invocationId = randomUUID();
  const forEach = new ForEachQueries(targetPath, target, options.projectDir, options.forEach);
  const parse = () =>
    parseProject(files, {
      targetName: target.targetName,
      targetSchema: target.schema,
      targetDatabase: target.database,
      adapterType: target.type,
      dialect: context.dialect,
      cliVars: options.vars,
      invocationId,
      plugins,
      transforms,
      forEachRows: forEach.lookup,
    });
  let parsed: ParsedProject | undefined;
  // A for_each query whose rows are not cached runs, and the project is parsed again with them;
  // a query that reads another fanned-out model's output needs one more round.
  for (let round = 0; !parsed; round++) {
    try {
      parsed = parse();
    } catch (err) {
      if (!(err instanceof ForEachQueriesNeeded) || round > 8) throw err;
      await forEach.run(err.queries);
    }
  }
  forEach.save();
  lap('parse');
  const graph = buildGraph(parsed.manifest);
  lap('graph');
  const manifest = compileProject(parsed, graph, context);
  lap('compile');
  if (options.writeArtifacts !== false) {
    const compiledFiles = options.writeCompiledFiles !== false;
    if (compiledFiles) writeCompiledSql(files.targetPath, manifest);
    writeManifest(files.targetPath, manifest);
    // The saved fingerprint must always describe the manifest on disk, or be absent; a compile
    // that skipped a failed for_each query is not what the same files compile to next time.
    if (fingerprint && !forEach.skipped) saveFingerprint(files.targetPath, fingerprint, [...parsed.warnings], compiledFiles);
    else forgetFingerprint(files.targetPath);
  }
  lap('write');
  return { target, targetPath: files.targetPath, parsed, graph, manifest, warnings: [...damaged, ...forEach.warnings, ...parsed.warnings], invocationId, timings: timings as StageTimings, history: configFile.data.history, pools: configFile.data.pools, handlers: configFile.data.handlers, vars: projectVars({ config: configFile.data }, options.vars), alerts: alertsOf(configFile) };
}

/** The alerts: block of dpf_project.yml with its locations (also read by `dpf alerts test`, which compiles nothing). */
export function alertsOf(configFile: YamlFile<ProjectConfig>): CompiledProject['alerts'] {
  const config = configFile.data.alerts;
  return config ? { config, locate: (path) => configFile.locate(['alerts', ...path]) } : undefined;
}

function compileContext(target: TargetConfig, projectDir: string, deferred?: ReadonlyMap<string, string>) {
  return {
    masking: maskingContext(target, projectDir),
    dialect: adapterFactory(target.type).dialect(target),
    target: { name: target.targetName, schema: target.schema, type: target.type, profile_name: target.profileName, database: target.database },
    deferred,
  };
}

/**
 * --defer: compiles again with refs to the given unique ids pointing at another environment's
 * relations (unique id -> rendered relation), and rewrites the artifacts.
 */
export function recompileDeferred(compiled: CompiledProject, deferred: ReadonlyMap<string, string>, projectDir: string): Manifest {
  if (!compiled.parsed) throw new Error('recompileDeferred needs a project compiled with reuseCompiled: false');
  const manifest = compileProject(compiled.parsed, compiled.graph, compileContext(compiled.target, projectDir, deferred));
  writeCompiledSql(compiled.targetPath, manifest);
  writeManifest(compiled.targetPath, manifest);
  // The artifacts now differ from what the inputs alone compile to: the next compile parses afresh.
  forgetFingerprint(compiled.targetPath);
  return manifest;
}
