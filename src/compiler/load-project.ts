/**
 * Step 1: load. Reads dpf_project.yml and finds every file the project consists of (models,
 * seeds, YAML properties, macros), validating the YAML files against schemas/. Returns plain
 * data; it does not interpret SQL or resolve anything.
 */
import type { ProjectMonitors } from './parse-monitors.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { DiagnosticBag, fail } from '../errors/dpf-error.js';
import { hydrateYaml, indexYaml, readYamlFile, type YamlFile, type YamlIndex } from './read-yaml-file.js';
import { YamlCache } from './yaml-cache.js';
import { schemaValidator } from './schema-validators.js';

export interface SchedulerConfig {
  readonly store?: 'duckdb' | 'postgres';
  readonly path?: string;
  readonly url_env?: string;
  readonly lease_seconds?: number;
  readonly drain_seconds?: number;
  readonly late_after_seconds?: number;
  readonly retry_delay_seconds?: number;
}

export interface ProjectConfig {
  readonly name: string;
  readonly version?: string | number;
  readonly profile?: string;
  readonly 'model-paths'?: string[];
  readonly 'seed-paths'?: string[];
  readonly 'test-paths'?: string[];
  readonly 'snapshot-paths'?: string[];
  readonly 'macro-paths'?: string[];
  /** Folders of analyses/*.yml (docs/analyses.md). */
  readonly 'analysis-paths'?: string[];
  /** Folders of pipelines/*.yml, read by src/pipelines (docs/scheduling.md). */
  readonly 'pipeline-paths'?: string[];
  readonly 'target-path'?: string;
  readonly 'clean-targets'?: string[];
  readonly schema_strategy?: 'target_prefix' | 'suffix' | 'exact';
  readonly vars?: Record<string, unknown>;
  readonly models?: Record<string, unknown>;
  readonly seeds?: Record<string, unknown>;
  readonly data_tests?: Record<string, unknown>;
  /** Run history in dpf_meta (docs/history.md). */
  readonly history?: { readonly keep_days?: number };
  /** Alerts sent at the end of a run (docs/alerts.md); src/alerts resolves and sends them. */
  readonly alerts?: AlertsProjectConfig;
  /** Anomaly monitors' defaults (docs/monitors.md); false or "off": no monitors. */
  readonly monitors?: ProjectMonitors;
  /** Named pools and their sizes (docs/configuration.md#pools); `warehouse` sizes the warehouse connections. */
  readonly pools?: Readonly<Record<string, number>>;
  /** `dpf schedule`'s state store and timings (docs/scheduling.md). */
  readonly scheduler?: SchedulerConfig;
  /** Plugins whose handlers the runner calls (docs/pipelines.md#handlers). */
  readonly handlers?: ProjectHandlers;
}

/** dpf_project.yml's handlers: block: plugin names, each a file of plugins/ exporting the handler. */
export interface ProjectHandlers {
  /** How long a handler may take (default 30 s). */
  readonly timeout_seconds?: number;
  readonly on_node_error?: readonly string[];
  readonly on_node_success?: readonly string[];
  readonly on_run_end?: readonly string[];
}

/** dpf_project.yml's alerts: block as written (schemas/dpf_project.schema.json validates it). */
export interface AlertsProjectConfig {
  readonly catalog_url?: string;
  readonly rate_limit?: { readonly per_run?: number; readonly per_hour?: number };
  readonly timeout_seconds?: number;
  readonly late_start?: { readonly tolerance_seconds?: number };
  readonly channels: Readonly<Record<string, AlertChannelConfig>>;
  readonly rules?: readonly { readonly on: AlertKindName | readonly AlertKindName[]; readonly channels?: readonly string[] }[];
}

export type AlertKindName = 'failure' | 'warning' | 'anomaly' | 'late_start';

export type AlertChannelConfig =
  | { readonly type: 'webhook'; readonly url: string }
  | {
      readonly type: 'email';
      readonly host: string;
      readonly port?: number;
      readonly tls?: 'starttls' | 'implicit' | 'none';
      readonly user?: string;
      readonly password?: string;
      readonly from: string;
      readonly to: string | readonly string[];
    }
  | { readonly type: 'custom'; readonly module: string; readonly options?: Readonly<Record<string, unknown>> };

export interface ProjectFile {
  /** Path relative to the project directory, forward slashes. */
  readonly path: string;
  /** Folders between the resource path and the file, e.g. ['marts', 'finance']. */
  readonly folders: string[];
  /** File name without extension. */
  readonly name: string;
  readonly text: string;
}

export interface PropertiesFile {
  version?: number | string;
  models?: Array<Record<string, unknown> & { name: string }>;
  seeds?: Array<Record<string, unknown> & { name: string }>;
  snapshots?: Array<Record<string, unknown> & { name: string }>;
  sources?: Array<Record<string, unknown> & { name: string; tables: Array<Record<string, unknown> & { name: string }> }>;
  unit_tests?: Array<Record<string, unknown> & { name: string; model: string }>;
}

export interface ProjectFiles {
  readonly root: string;
  readonly config: ProjectConfig;
  readonly configFile: YamlFile<ProjectConfig>;
  readonly targetPath: string;
  readonly models: ProjectFile[];
  /** The .ts files under the model paths: TypeScript models (docs/typescript-models.md), loaded by load-ts-models.ts. */
  readonly tsModels: ProjectFile[];
  /** snapshots/*.sql: slowly changing dimension captures. */
  readonly snapshots: ProjectFile[];
  readonly seeds: ProjectFile[];
  readonly macros: ProjectFile[];
  /** Singular tests: SQL files under the test paths, outside tests/generic/ and tests/fixtures/. */
  readonly tests: ProjectFile[];
  /** Custom generic tests: tests/generic/<name>.sql. */
  readonly genericTests: ProjectFile[];
  /** Markdown files beside the YAML properties (model, seed and snapshot paths): docs blocks. */
  readonly docs: ProjectFile[];
  /** Where unit-test fixture files live (tests/fixtures/ under each test path). */
  readonly fixtureDirs: string[];
  /** analyses/*.yml: queries with a chart (parse-analyses.ts); the .sql files there are dbt's analyses, not read. */
  readonly analyses: ProjectFile[];
  readonly dbtAnalyses: string[];
  readonly properties: YamlFile<PropertiesFile>[];
}

export const PROJECT_FILE = 'dpf_project.yml';

export function loadProjectConfig(root: string): YamlFile<ProjectConfig> {
  const file = join(root, PROJECT_FILE);
  if (!existsSync(file)) {
    // A dbt user's first try: say what was found and how to go on, not just what is missing.
    if (existsSync(join(root, 'dbt_project.yml'))) fail('DbtProjectFound', { dir: root }, { file: 'dbt_project.yml' });
    fail('ProjectNotFound', { dir: root });
  }
  return readYamlFile<ProjectConfig>(file, PROJECT_FILE, schemaValidator('dpf_project'));
}

/** Everything but the YAML properties files, which are listed (propertyPaths) but not read. */
export type ProjectFilesWithoutProperties = Omit<ProjectFiles, 'properties'> & { readonly propertyPaths: string[] };

export function loadProject(root: string, options: { cache?: YamlCache; configFile?: YamlFile<ProjectConfig> } = {}): ProjectFiles {
  const files = loadProjectFiles(root, options.configFile);
  const properties = parsePropertiesFiles(root, files.propertyPaths, options.cache);
  options.cache?.save();
  return { ...files, properties };
}

/** Reads and validates properties files; all problems are reported together. */
export function parsePropertiesFiles(root: string, paths: readonly string[], cache?: YamlCache): YamlFile<PropertiesFile>[] {
  const bag = new DiagnosticBag();
  const properties: YamlFile<PropertiesFile>[] = [];
  for (const path of paths) {
    const text = readFileSync(join(root, path), 'utf8');
    const hash = cache ? YamlCache.hash(text) : '';
    const cached = cache?.get(path, hash) as YamlIndex<PropertiesFile> | undefined;
    // The validator is compiled only when a file is actually parsed: a warm run may need none.
    const index = cached ?? bag.collect(() => indexYaml<PropertiesFile>(text, path, schemaValidator('properties')));
    if (!index) continue;
    if (cache && !cached) cache.set(path, hash, index);
    properties.push(hydrateYaml(index));
  }
  bag.throwIfErrors();
  return properties;
}

/** The project's target folder (target-path, default target/). */
export function targetPathOf(root: string, config: ProjectConfig = loadProjectConfig(root).data): string {
  return join(root, config['target-path'] ?? 'target');
}

export function loadProjectFiles(root: string, configFile: YamlFile<ProjectConfig> = loadProjectConfig(root)): ProjectFilesWithoutProperties {
  const config = configFile.data;
  const modelPaths = config['model-paths'] ?? ['models'];
  const seedPaths = config['seed-paths'] ?? ['seeds'];
  const macroPaths = config['macro-paths'] ?? ['macros'];

  const models = findFiles(root, modelPaths, ['.sql']);
  const tsModels = findFiles(root, modelPaths, ['.ts']).filter((f) => !f.path.endsWith('.d.ts'));
  const seeds = findFiles(root, seedPaths, ['.csv']);
  const snapshotPaths = config['snapshot-paths'] ?? ['snapshots'];
  const snapshots = findFiles(root, snapshotPaths, ['.sql']);
  const macros = findFiles(root, macroPaths, ['.hbs']);
  const testPaths = config['test-paths'] ?? ['tests'];
  const allTests = findFiles(root, testPaths, ['.sql']);
  const isIn = (folder: string) => (f: ProjectFile) => f.folders[0] === folder;
  const genericTests = allTests.filter(isIn('generic'));
  const tests = allTests.filter((f) => !isIn('generic')(f) && !isIn('fixtures')(f));
  const analysisPaths = config['analysis-paths'] ?? ['analyses'];
  const analyses = findFiles(root, analysisPaths, ['.yml', '.yaml']);
  const dbtAnalyses = findFiles(root, analysisPaths, ['.sql'], false).map((f) => f.path);
  const propertyPaths = findFiles(root, [...modelPaths, ...seedPaths, ...snapshotPaths], ['.yml', '.yaml'], false).map((f) => f.path);
  const docs = findFiles(root, [...modelPaths, ...seedPaths, ...snapshotPaths], ['.md']);
  return {
    root,
    config,
    configFile,
    targetPath: join(root, config['target-path'] ?? 'target'),
    models,
    tsModels,
    snapshots,
    seeds,
    macros,
    tests,
    genericTests,
    docs,
    fixtureDirs: testPaths.map((t) => join(root, t, 'fixtures')),
    analyses,
    dbtAnalyses,
    propertyPaths,
  };
}

function findFiles(root: string, dirs: string[], extensions: string[], withText = true): ProjectFile[] {
  const out: ProjectFile[] = [];
  for (const dir of dirs) {
    const abs = join(root, dir);
    if (!existsSync(abs)) continue;
    const entries = readdirSync(abs, { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const ext = extensions.find((e) => entry.name.endsWith(e));
      if (!ext) continue;
      const full = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
      const path = relative(root, full).split(sep).join('/');
      const inner = relative(abs, full).split(sep);
      out.push({
        path,
        folders: inner.slice(0, -1),
        name: entry.name.slice(0, -ext.length),
        text: withText ? readFileSync(full, 'utf8') : '',
      });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
