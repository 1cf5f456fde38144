/**
 * The manifest: the one source of truth after parsing. Plain, serializable data that crosses
 * every stage boundary (compiler -> selector -> planner -> runner -> site). Nothing here has
 * behaviour; factories and readers live beside the stages that need them.
 */
import type { SourceLocation } from '../errors/dpf-error.js';
import type { Relation } from '../adapters/relation.js';
import type { LogicalType } from '../adapters/adapter.js';

// Defined with the adapters, which take and return relations; every stage above reads it here too.
export type { Relation };

export const MANIFEST_SCHEMA_VERSION = 'https://dpf.dev/schemas/manifest/v2.json';
/** The shape before every kind shared one `nodes` map; read-state.ts upgrades it on read. */
export const MANIFEST_SCHEMA_V1 = 'https://dpf.dev/schemas/manifest/v1.json';

export type Materialization = 'view' | 'table' | 'ephemeral' | 'incremental' | 'snapshot';
export type IncrementalStrategy = 'append' | 'merge' | 'delete+insert' | 'microbatch';
export type OnSchemaChange = 'ignore' | 'fail' | 'append_new_columns' | 'sync_all_columns';

/**
 * Another attempt after a transient error (`retries:`, docs/configuration.md#retries): up to
 * `count` more attempts, waiting `initial` seconds before the first, then the same (fixed) or
 * twice as long each time (exponential), at most `max`, each wait scaled by a random factor in
 * [1 - jitter, 1 + jitter].
 */
export interface RetryPolicy {
  readonly count: number;
  readonly backoff: 'fixed' | 'exponential';
  readonly initial: number;
  readonly max: number;
  readonly jitter: number;
}

/** What a node's failure does to the rest of the run (docs/configuration.md#on_error). */
export type OnError = 'fail' | 'skip_downstream' | 'continue';

/** What models, snapshots and seeds may say about how their step runs, besides what it builds. */
export interface RunPolicyConfig {
  /** A named pool of dpf_project.yml `pools:`: the step holds one of its slots while it runs. */
  readonly pool?: string;
  readonly retries?: RetryPolicy;
  /** Absent: fail. */
  readonly on_error?: OnError;
  /** As written: a query returning one boolean, or `{plugin: name, ...config}` (docs/pipelines.md#run_if); `condition` holds it resolved. */
  readonly run_if?: string | Readonly<Record<string, unknown>>;
  /** Absent: all_success. */
  readonly trigger?: TriggerRule;
}

/**
 * Whether a node runs given what its parents did (docs/pipelines.md#trigger-rules), as
 * Airflow's trigger rules: all_success (default), all_done, any_success, none_failed.
 */
export type TriggerRule = 'all_success' | 'all_done' | 'any_success' | 'none_failed';
export const TRIGGER_RULES: readonly TriggerRule[] = ['all_success', 'all_done', 'any_success', 'none_failed'];

/** `run_if:` resolved: evaluated just before the node's step would run; false skips it. */
export type RunIf =
  | {
      readonly kind: 'sql';
      /** The query as written. */
      readonly sql: string;
      readonly refs: readonly RefCall[];
      readonly sources: readonly SourceCall[];
      /** The nodes its refs and sources name: the node's step runs after them. */
      readonly dependsOn: readonly string[];
      /** Rendered by compileProject (refs resolved to relations). */
      readonly compiledSql?: string;
      /** Where run_if is written. */
      readonly location: SourceLocation;
    }
  | {
      readonly kind: 'plugin';
      readonly plugin: string;
      /** The plugin's file, from the project root. */
      readonly pluginPath: string;
      /** The block's keys but `plugin`, valid against the condition's config schema. */
      readonly config: Readonly<Record<string, unknown>>;
      readonly location: SourceLocation;
    };

/** A node's run_if and trigger rule, resolved (for a source, its extract's). */
export interface NodeCondition {
  readonly runIf?: RunIf;
  readonly trigger?: TriggerRule;
}

export interface ColumnInfo {
  readonly name: string;
  readonly description: string;
  readonly dataType?: string;
  /** Holds `classification` and `pii` too, whether written in meta: or as the column's own keys. */
  readonly meta: Record<string, unknown>;
  readonly tags: string[];
  /** Where its classification or pii is written, when it has one (errors point there). */
  readonly classifiedAt?: SourceLocation;
}

export interface Checksum {
  readonly name: 'sha256';
  readonly checksum: string;
}

export type Grants = Readonly<Record<string, readonly string[]>>;

export interface ModelConfig extends RunPolicyConfig {
  readonly materialized: Materialization;
  readonly schema?: string;
  readonly database?: string;
  readonly alias?: string;
  readonly tags: string[];
  readonly enabled: boolean;
  readonly meta: Record<string, unknown>;
  readonly docs: { show: boolean; node_color?: string };
  /** privilege -> grantees (`user` or `role:name`), granted after every build where the engine has grants. */
  readonly grants?: Grants;
  /** Incremental models only. */
  readonly incremental_strategy?: IncrementalStrategy;
  readonly unique_key?: string[];
  readonly merge_update_columns?: string[];
  readonly merge_exclude_columns?: string[];
  readonly on_schema_change?: OnSchemaChange;
  /** The column holding when a row happened: microbatch models split by it, and refs to a model with it are filtered per batch. */
  readonly event_time?: string;
  /** microbatch only. */
  readonly batch_size?: 'hour' | 'day' | 'month';
  readonly begin?: string;
  readonly lookback?: number;
  /**
   * trust_code: reuse the model while its code and the inputs dpf can version are unchanged,
   * even though its SQL reads the clock, chance or files (docs/environments.md).
   */
  readonly reuse?: 'trust_code';
  /** Snapshots only (snapshots/*.sql, unique ids snapshot.<project>.<name>). */
  readonly strategy?: 'timestamp' | 'check';
  readonly updated_at?: string;
  readonly check_cols?: string[] | 'all';
  readonly invalidate_hard_deletes?: boolean;
  /** Its monitor's settings over the project's `monitors:` (docs/monitors.md); 'off': no monitor. */
  readonly monitors?: MonitorSettings | 'off';
  /** TypeScript models: stop the transform after this many seconds (default 3600). */
  readonly timeout_seconds?: number;
}

export interface SeedConfig extends RunPolicyConfig {
  readonly materialized: 'seed';
  readonly schema?: string;
  readonly database?: string;
  readonly alias?: string;
  readonly tags: string[];
  readonly enabled: boolean;
  readonly meta: Record<string, unknown>;
  readonly docs: { show: boolean; node_color?: string };
  readonly column_types: Record<string, string>;
  readonly grants?: Grants;
  readonly delimiter: string;
  readonly monitors?: MonitorSettings | 'off';
}

export interface RefCall {
  readonly name: string;
  readonly location: SourceLocation;
}

export interface SourceCall {
  readonly source: string;
  readonly table: string;
  readonly location: SourceLocation;
}

interface NodeBase {
  readonly uniqueId: string;
  readonly name: string;
  readonly packageName: string;
  /** Path relative to the project directory, with forward slashes. */
  readonly originalFilePath: string;
  /** project name, folders, name: used by selectors and folder-level config. */
  readonly fqn: string[];
  readonly description: string;
  readonly columns: Record<string, ColumnInfo>;
  readonly meta: Record<string, unknown>;
  readonly tags: string[];
  /** The YAML file that described this node, if any. */
  readonly patchPath?: string;
  readonly relation: Relation;
  /** The relation as the adapter renders it, e.g. "main"."orders". */
  readonly relationName: string;
  /** run_if and trigger of its step (a source's: of its extract), when it has either. */
  readonly condition?: NodeCondition;
}

/** One value of a for_each: a scalar, or a row (column -> scalar). */
export type ForEachValue = string | number | boolean | Readonly<Record<string, string | number | boolean | null>>;

/** A model generated by a for_each file (docs/configuration.md#for_each). */
export interface ForEachOrigin {
  /** The file's name (models/<file>.sql): `-s <file>` selects every model it generates. */
  readonly file: string;
  /** The value as it appears in the generated name ({{each_name}}). */
  readonly key: string;
  /** The value ({{each_value}} renders it as a SQL literal). */
  readonly value: ForEachValue;
}

/** A `{{union_refs "selector"}}` call and the models its selector picked at parse time, by name. */
export interface UnionRefs {
  readonly selector: string;
  readonly sourceColumn?: string;
  readonly refs: readonly string[];
}

/** What models and snapshots share: SQL written by the user, rendered against the project. */
interface SqlNodeBase extends NodeBase {
  readonly config: ModelConfig;
  readonly rawCode: string;
  readonly checksum: Checksum;
  readonly refs: RefCall[];
  readonly sources: SourceCall[];
  /** Partials (macros) the template calls. */
  readonly macros: string[];
  /** Unique ids of the nodes and sources this model reads. */
  readonly dependsOn: string[];
  /** Filled by compileProject. */
  readonly compiledCode?: string;
  readonly compiledPath?: string;
  /** Incremental models: the SQL with is_incremental() true, run when the table exists. */
  readonly compiledIncrementalCode?: string;
  /** Hash of everything that determines the model's result: SQL, config, macros, upstream. */
  readonly stateChecksum?: string;
  /** Generated by a for_each file: which, and for what value. */
  readonly forEach?: ForEachOrigin;
  /** Its union_refs calls, in the order written; their refs are in refs and dependsOn too. */
  readonly unionRefs?: readonly UnionRefs[];
  /** Who the model is for (YAML `access:`; docs/governance.md), and where that is written. */
  readonly access?: { readonly level: 'public' | 'protected' | 'private'; readonly location: SourceLocation };
  /** Columns whose classification does not carry over from their inputs (YAML `declassify:`). */
  readonly declassify?: readonly { readonly column: string; readonly reason: string; readonly location: SourceLocation }[];
}

export interface ModelNode extends SqlNodeBase {
  readonly kind: 'model';
  /** models/<name>.ts: a transform dpf runs in-process and lands as a table (docs/typescript-models.md); absent: SQL. */
  readonly language?: 'typescript';
  /** TypeScript models: what the file declares (its rawCode is the file, its refs and sources its `refs`). */
  readonly transform?: ModelTransform;
}

/** What a TypeScript model declares, read when the project compiles. */
export interface ModelTransform {
  /** The columns it writes, in order; its table gets their logical types. */
  readonly columns: readonly { readonly name: string; readonly type: LogicalType }[];
  /** The project files it imports (relative imports, followed through); its stateChecksum covers them. */
  readonly imports: readonly { readonly path: string; readonly checksum: string }[];
}

/** A snapshot (snapshots/*.sql or YAML): keeps the history of a query's rows; its config.materialized is 'snapshot'. */
export interface SnapshotNode extends SqlNodeBase {
  readonly kind: 'snapshot';
}

export interface SeedColumn {
  readonly name: string;
  readonly type: string; // engine type name, after inference and overrides
}

export interface SeedNode extends NodeBase {
  readonly kind: 'seed';
  readonly config: SeedConfig;
  readonly checksum: Checksum;
  readonly seedColumns: SeedColumn[];
  readonly rowCount: number;
  readonly dependsOn: string[];
  readonly stateChecksum?: string;
}

export interface FreshnessRule {
  readonly count: number;
  readonly period: 'minute' | 'hour' | 'day';
}

export interface SourceFreshness {
  readonly warnAfter?: FreshnessRule;
  readonly errorAfter?: FreshnessRule;
  /** A SQL condition limiting the rows the check reads. */
  readonly filter?: string;
  readonly loadedAtField?: string;
  readonly loadedAtQuery?: string;
}

export interface SourceNode extends NodeBase {
  readonly kind: 'source';
  readonly sourceName: string;
  readonly tableName: string;
  readonly sourceDescription: string;
  /** Absolute path or glob of files read in place, when the source is files. */
  readonly externalLocation?: string;
  readonly freshness?: SourceFreshness;
  /**
   * How reuse tells whether the source's data changed. Absent: a fingerprint of every row (an
   * Iceberg snapshot id on Trino, a stamp and hash of files). append_only: row count and the
   * latest loadedAtField (an update in place goes unseen). trust_code: never looked at.
   */
  readonly dataVersion?: 'append_only' | 'trust_code';
  readonly loadedAtField?: string;
  /** Landed by a plugin (`extract:`): dpf creates and replaces the table (docs/plugins.md). */
  readonly extract?: SourceExtract;
  /** A `masking: true` target reads it through this masked view instead (compiler/masked-inputs.ts). */
  readonly readThrough?: Relation;
  /** Where the table is declared. */
  readonly location: SourceLocation;
  readonly dependsOn: string[];
}

/** A source table's `extract:` block, checked against its plugin. */
export interface SourceExtract {
  /** The plugin's name: its file in plugins/ without the extension. */
  readonly plugin: string;
  /** The plugin's file, from the project root. */
  readonly pluginPath: string;
  /** The plugin's own keys (every key of the block but dpf's), valid against its config schema. */
  readonly config: Readonly<Record<string, unknown>>;
  /** sha256 of the plugin's file (a project's plugin; absent for a built-in): state:modified sees an edited plugin. */
  readonly pluginChecksum?: string;
  /** replace: the extract's rows replace the table's; append: they are added; merge: by uniqueKey. */
  readonly write: 'replace' | 'append' | 'merge';
  /** write: merge: the columns naming a row. */
  readonly uniqueKey?: readonly string[];
  /** write: append | merge: the column whose highest landed value the plugin fetches past. */
  readonly cursorField?: string;
  /** What a bad row does: fails the extract, is skipped, or is kept in <table>__quarantine. */
  readonly onBadRow: 'fail' | 'skip' | 'quarantine';
  readonly timeoutSeconds: number;
  /** Rows per INSERT where the engine has no appender (batch_size). */
  readonly batchRows?: number;
  /** max_requests_per_second, max_concurrent_requests (on ctx.fetch, per plugin in a run) and max_rows_per_second. */
  readonly limits?: { readonly requestsPerSecond?: number; readonly concurrentRequests?: number; readonly rowsPerSecond?: number };
  /** The columns the plugin declares; absent: inferred from its rows. */
  readonly columns?: readonly { readonly name: string; readonly type: LogicalType }[];
  /** The `extract:` key in the YAML. */
  readonly location: SourceLocation;
  /** `pool:` of the block: a named pool of dpf_project.yml whose slot the extract holds. */
  readonly pool?: string;
  /** `retries:` and `on_error:` of the block, as models have them. */
  readonly retries?: RetryPolicy;
  readonly onError?: OnError;
}

export interface TestConfig {
  readonly severity: 'error' | 'warn';
  /** Conditions on the failing-row count, e.g. "!= 0" (default) or ">10". */
  readonly warn_if: string;
  readonly error_if: string;
  readonly where?: string;
  readonly limit?: number;
  readonly store_failures: boolean;
  readonly tags: string[];
  readonly enabled: boolean;
  readonly meta: Record<string, unknown>;
}

/** What data tests and unit tests have in common: they are declared somewhere and build nothing. */
interface TestBase {
  readonly uniqueId: string;
  readonly name: string;
  readonly packageName: string;
  /** The YAML file declaring the test, or a singular test's SQL file. */
  readonly originalFilePath: string;
  readonly location: SourceLocation;
  readonly fqn: string[];
  readonly description: string;
  readonly tags: string[];
  readonly meta: Record<string, unknown>;
  readonly dependsOn: string[];
  readonly compiledCode?: string;
}

/** A data test: a query returning failing rows, from a generic test in YAML or a tests/*.sql file. */
export interface TestNode extends TestBase {
  readonly kind: 'test';
  readonly testType: 'generic' | 'singular';
  readonly config: TestConfig;
  /** Generic tests: which test, with which arguments (as written in YAML). */
  readonly testMetadata?: { readonly name: string; readonly kwargs: Record<string, unknown> };
  /** Generic tests: the model, seed or source the test is declared on, and the column. */
  readonly attachedNode?: string;
  readonly columnName?: string;
  /** Singular tests: the SQL file. Generic tests: the test's template. */
  readonly rawCode: string;
  readonly checksum: Checksum;
  readonly refs: RefCall[];
  readonly sources: SourceCall[];
  /** Where store_failures writes the failing rows. */
  readonly auditRelation: Relation;
  readonly auditRelationName: string;
  readonly compiledPath?: string;
}

export interface FixtureInput {
  /** ref("x") / source("a", "b") as written, resolved to a unique id. */
  readonly input: string;
  readonly inputId: string;
  readonly format: 'dict' | 'csv' | 'sql';
  /** dict: rows as objects; csv: parsed rows; sql: a query. */
  readonly rows?: Record<string, unknown>[];
  readonly sql?: string;
  readonly location: SourceLocation;
}

/**
 * A unit test: a model's SQL run on fixture rows, compared with expected rows. Its dependsOn
 * are the model's parents (fixtures replace them; the engine may read their column types) and
 * its compiledCode is the model rendered with fixture CTE names.
 */
export interface UnitTestNode extends TestBase {
  readonly kind: 'unit_test';
  readonly config: { readonly tags: string[]; readonly enabled: boolean; readonly meta: Record<string, unknown> };
  /** The model under test. */
  readonly attachedNode: string;
  readonly given: FixtureInput[];
  readonly expect: { readonly format: 'dict' | 'csv' | 'sql'; readonly rows?: Record<string, unknown>[]; readonly sql?: string };
  readonly overrides: { readonly vars: Record<string, unknown>; readonly isIncremental?: boolean };
}

/** The table_stats metrics a monitor watches per column (docs/monitors.md). */
export type ColumnMetric = 'null_pct' | 'distinct_pct' | 'min' | 'max' | 'mean' | 'stddev' | 'mean_length';
export const COLUMN_METRICS: readonly ColumnMetric[] = ['null_pct', 'distinct_pct', 'min', 'max', 'mean', 'stddev', 'mean_length'];

/** What users write under `monitors:` (dpf_project.yml, a model's or seed's config); every key optional. */
export interface MonitorSettings {
  readonly enabled?: boolean;
  readonly severity?: 'warn' | 'error';
  readonly sensitivity?: number;
  readonly training_window?: number;
  readonly min_training_points?: number;
  readonly seasonality?: 'day_of_week' | 'none';
  readonly column_stats?: boolean;
  readonly columns?: string[];
  readonly metrics?: ColumnMetric[];
  readonly where?: string;
  readonly sample?: number;
}

/** A monitor's settings after defaults (project `monitors:`, then the node's own). */
export interface MonitorConfig {
  readonly enabled: boolean;
  readonly severity: 'warn' | 'error';
  readonly sensitivity: number;
  readonly training_window: number;
  readonly min_training_points: number;
  readonly seasonality?: 'day_of_week';
  /**
   * Measure the columns' values (null %, distinct %, extremes, mean, deviation, length) and
   * judge their drift; false: the row count, the schema and the load time only. `columns`
   * turns it on for those columns.
   */
  readonly column_stats: boolean;
  /** Columns watched for drift; absent: every column. */
  readonly columns?: string[];
  readonly metrics: ColumnMetric[];
  /** A SQL condition limiting the rows measured. */
  readonly where?: string;
  /** Measure a sample of about this many rows when the table holds more. */
  readonly sample?: number;
  readonly tags: string[];
  readonly meta: Record<string, unknown>;
}

/** What a node attached to another (a monitor, an export) holds: its names and the node it follows. */
interface AttachedNodeBase {
  readonly uniqueId: string;
  readonly name: string;
  readonly packageName: string;
  /** The file of the node it watches (a monitor), or the YAML file that declares it (an export). */
  readonly originalFilePath: string;
  readonly fqn: string[];
  readonly description: string;
  readonly tags: string[];
  readonly meta: Record<string, unknown>;
  /** The node it follows (its only dependency). */
  readonly attachedNode: string;
  readonly dependsOn: string[];
  /** The relation of the node it follows, which it reads. */
  readonly relation: Relation;
  readonly relationName: string;
}

/**
 * An anomaly monitor of one table, incremental model, snapshot, seed or source (added by the
 * compiler, unless the project turns monitors off): a step after its node that measures the relation (table_stats)
 * and judges it against its history (src/monitors/).
 */
export interface MonitorNode extends AttachedNodeBase {
  readonly kind: 'monitor';
  readonly config: MonitorConfig;
  /** Volume is judged on rows added (incremental models, snapshots) rather than on the row count. */
  readonly growing: boolean;
  /** Sources with loaded_at_field: the freshness anomaly reads it. */
  readonly loadedAtField?: string;
}

/**
 * An export of a model (`exports:` in its YAML, docs/plugins.md): a step after the model and its
 * tests that delivers the model's rows through a sink plugin. Selected with `export:<name>`.
 */
export interface ExportNode extends AttachedNodeBase {
  readonly kind: 'export';
  readonly plugin: string;
  readonly pluginPath: string;
  /** The plugin's own keys, valid against its config schema. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly timeoutSeconds: number;
  /** pool, retries and on_error, as on an extract block. */
  readonly pool?: string;
  readonly retries?: RetryPolicy;
  readonly onError?: OnError;
  /** run_if and trigger of the entry, when it has either. */
  readonly condition?: NodeCondition;
  /** The entry in the YAML. */
  readonly location: SourceLocation;
}

/** How an analysis draws its rows (docs/analyses.md): one mark, x, y, an optional colour, an aggregation. */
export type ChartMark = 'bar' | 'line' | 'area' | 'scatter';
export type ChartAggregate = 'none' | 'sum' | 'avg' | 'count' | 'min' | 'max';
export const CHART_MARKS: readonly ChartMark[] = ['bar', 'line', 'area', 'scatter'];
export const CHART_AGGREGATES: readonly ChartAggregate[] = ['none', 'sum', 'avg', 'count', 'min', 'max'];

/** The chart spec, as written in an analysis and as the site's chart module takes it (templates/site/js/core/chart-spec.js). */
export interface ChartSpec {
  readonly mark: ChartMark;
  /** A column of the query's result. */
  readonly x: string;
  /** A column of the result; absent only with aggregate count. */
  readonly y?: string;
  /** A column whose values split the marks into series. */
  readonly color?: string;
  /** How rows sharing x (and colour) become one point; absent: none. */
  readonly aggregate?: ChartAggregate;
}

/**
 * An analysis (analyses/<name>.yml, docs/analyses.md): a query with refs and a chart, kept in
 * the project. Compiled like a model (its refs resolved, its SQL rendered), a leaf of the
 * lineage graph; never built: `dpf docs generate` runs it read-only for its page's snapshot.
 */
export interface AnalysisNode {
  readonly kind: 'analysis';
  readonly uniqueId: string;
  readonly name: string;
  readonly packageName: string;
  readonly originalFilePath: string;
  readonly fqn: string[];
  readonly title: string;
  readonly description: string;
  readonly owner?: string;
  readonly tags: string[];
  readonly meta: Record<string, unknown>;
  /** The query as written (handlebars: ref, source, var). */
  readonly rawCode: string;
  readonly checksum: Checksum;
  readonly refs: readonly RefCall[];
  readonly sources: readonly SourceCall[];
  readonly dependsOn: string[];
  readonly chart?: ChartSpec;
  /** Rendered by compileProject. */
  readonly compiledCode?: string;
  readonly compiledPath?: string;
  /** Where its sql: is written. */
  readonly location: SourceLocation;
}

/** The nodes that build a relation of their own. */
export type ExecutableNode = ModelNode | SnapshotNode | SeedNode;
/** The nodes whose SQL the user writes and dpf renders. */
export type SqlNode = ModelNode | SnapshotNode;
export type ManifestNode = ModelNode | SnapshotNode | SeedNode | SourceNode | TestNode | UnitTestNode | MonitorNode | ExportNode | AnalysisNode;
export type NodeKind = ManifestNode['kind'];
export type NodeOfKind<K extends NodeKind> = Extract<ManifestNode, { readonly kind: K }>;

export interface ManifestMetadata {
  readonly dpfSchemaVersion: string;
  readonly dpfVersion: string;
  readonly generatedAt: string;
  readonly invocationId: string;
  readonly projectName: string;
  readonly adapterType: string;
  readonly targetName: string;
}

/** A column's classification after propagation over column lineage (docs/governance.md). */
export interface ColumnClassification {
  /** The highest level among what it declares and what it is computed from; absent: unclassified. */
  readonly level?: string;
  /** Kinds of personal data it carries (email, phone, …; `pii` for unnamed). */
  readonly pii: readonly string[];
  /** Declared on this column (not inherited). */
  readonly declared: boolean;
  /** Where an inherited classification comes from: this column first, then upstream to the declared one (`model.shop.fct.email`, …). */
  readonly path: readonly string[];
  /** Declassified here, with the reason: what it is computed from does not carry over. */
  readonly declassified?: string;
}

/** Classifications computed at compile time when the project has classifications.yml. */
export interface ManifestGovernance {
  /** The levels, lowest first. */
  readonly levels: readonly string[];
  /** node unique id → column name → its classification; unclassified columns are left out. */
  readonly columns: Readonly<Record<string, Readonly<Record<string, ColumnClassification>>>>;
  /** Models whose SQL could not be traced column by column: every column carries the highest of their inputs. */
  readonly untraced: readonly string[];
}

export interface Manifest {
  readonly metadata: ManifestMetadata;
  /** Present when the project has classifications.yml. */
  readonly governance?: ManifestGovernance;
  /** Every node of every kind (model, snapshot, seed, source, test, unit_test), by unique id; each carries its kind. */
  readonly nodes: Record<string, ManifestNode>;
  readonly macros: Record<string, { name: string; originalFilePath: string; checksum: Checksum }>;
  /** unique id -> unique ids it depends on / that depend on it. */
  readonly parentMap: Record<string, string[]>;
  readonly childMap: Record<string, string[]>;
}
