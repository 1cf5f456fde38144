/**
 * The data the catalog site's browser code reads, as plain types. `dpf docs generate` writes
 * it to target/site/data/ as small script files (see write-site.ts for why scripts and not
 * JSON); templates/site/js/ reads it. Two levels, so that a 10,000-model project opens fast:
 *
 * - SiteIndex (data/index.js): every node in a compact form, enough for navigation, the
 *   lineage graph, selectors and search filters. Loaded first.
 * - NodeDetails (data/chunks/<n>.js): everything a node page shows, in chunks of a few dozen
 *   nodes, loaded when a page needs them.
 *
 * The search index (data/search-*.js) is MiniSearch's own JSON, loaded after the first page.
 * Field names are short because they repeat once per node.
 */
import type { ColumnProfile } from './profile-columns.js';

export const SITE_DATA_VERSION = 1;

/** What a node is on the site: seeds, sources, models, and snapshots (models materialized as snapshot). */
export type SiteKind = 'model' | 'seed' | 'source' | 'snapshot';

/**
 * One word for "can I trust it", for colouring and filtering, from the last run, its tests and
 * source freshness (node-health.ts): error (build failed), failing (a test failed), warn (a
 * test warned), stale (source past warn_after or error_after), skipped, ok, unknown (not in
 * the last run).
 */
export type NodeHealth = 'error' | 'failing' | 'warn' | 'stale' | 'skipped' | 'ok' | 'unknown';

export interface IndexNode {
  /** Unique id (model.shop.fct_orders). */
  readonly id: string;
  /** Name. */
  readonly n: string;
  readonly k: SiteKind;
  /** Materialization (models), 'seed', or absent for sources. */
  readonly m?: string;
  /** Index into SiteIndex.schemas. */
  readonly s: number;
  /** Indexes into SiteIndex.tags. */
  readonly t: number[];
  /** Index into SiteIndex.owners, or -1. */
  readonly o: number;
  readonly h: NodeHealth;
  /** File path relative to the project (sources: the YAML file declaring them). */
  readonly p: string;
  /** fqn without the name, as an index into SiteIndex.folders. */
  readonly f: number;
  /** Parents (indexes into SiteIndex.nodes). */
  readonly up: number[];
  /** Chunk holding the node's details. */
  readonly c: number;
  /** Sources: the source name (the table is `n`). */
  readonly sn?: string;
  /** 1 when docs.show is false: kept in the graph, left out of navigation and search. */
  readonly hide?: 1;
}

export interface RunSummary {
  readonly command: string;
  readonly generatedAt: string;
  readonly elapsed: number;
  readonly counts: Record<string, number>;
}

export interface TestSummary {
  readonly name: string;
  readonly status: string;
  readonly failures?: number;
  /** The node it tests (index into nodes), when it has one. */
  readonly node?: number;
  readonly column?: string;
  readonly message: string;
}

export interface SiteIndex {
  readonly v: number;
  readonly project: {
    readonly name: string;
    readonly adapterType: string;
    readonly targetName: string;
    readonly generatedAt: string;
    readonly dpfVersion: string;
    /** Whether warehouse facts (types, row counts, sizes) were read. */
    readonly catalog: 'read' | 'skipped';
  };
  /** The project's overview page (markdown), if it has one. */
  readonly overview?: string;
  readonly schemas: string[];
  readonly tags: string[];
  readonly owners: string[];
  readonly folders: string[][];
  readonly nodes: IndexNode[];
  /**
   * Data tests that read two or more of the nodes (relationships, singular tests over several
   * models): the nodes each reads, once per distinct set. The command line's graph has test
   * nodes, so its `@x` also selects the other parents of tests on x and its descendants; the
   * site's graph has none, and its selector (select-nodes.js) reads these to agree.
   */
  readonly testParents: number[][];
  readonly counts: { readonly tests: number; readonly unitTests: number; readonly columns: number };
  readonly run?: RunSummary;
  /** Data tests and unit tests that failed, errored or warned in the last run. */
  readonly problems: TestSummary[];
  /** Models and seeds that errored or were skipped in the last run. */
  readonly failedNodes: { readonly node: number; readonly status: string; readonly message: string }[];
  readonly freshness?: { readonly generatedAt: string; readonly stale: { readonly node: number; readonly status: string; readonly maxLoadedAt?: string; readonly ageSeconds?: number }[] };
  readonly lineage: { readonly models: number; readonly unparsed: { readonly node: number; readonly reason: string }[]; readonly partial: number };
  /** Number of search index files (data/search-<i>.js). */
  readonly searchParts: number;
  /** What each search file holds: its part (search-core.js) and how many documents. */
  readonly search: { readonly part: 'nodes' | 'columns' | 'sql'; readonly documents: number }[];
  readonly chunks: number;
  /**
   * Run history (dpf_meta) read for the Health page (data/health.js) and the node pages'
   * charts: how many runs; absent when it was not read (--empty-catalog).
   */
  readonly history?: { readonly runs: number };
  /**
   * The Pipelines page (data/pipelines.js holds the status report, when count > 0): how many
   * pipelines, or why they could not be read.
   */
  readonly pipelines?: { readonly count: number; readonly error?: string };
  /**
   * classifications.yml, when the project has one (docs/governance.md): its levels, lowest
   * first, and kinds of personal data, with their readers (empty: anyone in the project), and
   * how many columns carry personal data (data/governance.js lists them).
   */
  readonly governance?: SiteGovernance;
  /** The analyses (analyses/*.yml), in file order; analysis i's page data is data/analyses/<i>.js. */
  readonly analyses?: SiteAnalysis[];
  /** The PII scanner's latest findings per relation (dpf_meta.pii_findings), when a scan was recorded: for the Personal data page. */
  readonly piiScan?: SitePiiScan;
}

/** A column the PII scanner found personal data in, at its relation's latest scan. Categories and counts, never a value. */
export interface SiteScanFinding {
  /** The category found (email, phone, …). */
  readonly cat: string;
  /** new (not classified), classified, mismatch or dismissed (declared pii: false). */
  readonly st: string;
  /** Confidence, 0–1. */
  readonly cf: number;
  /** When the relation was scanned (ISO 8601). */
  readonly at?: string;
}

export interface SitePiiScan {
  /** Relations with a recorded scan. */
  readonly relations: number;
  /** The newest scan's time. */
  readonly at?: string;
  /** n: node index, c: column, cl: how it is classified (as written, or carried over lineage). */
  readonly findings: (SiteScanFinding & { readonly n: number; readonly c: string; readonly cl?: string })[];
}

export interface SiteGovernance {
  readonly levels: { readonly n: string; readonly d?: string; readonly r: string[] }[];
  /** l: the kind's level, as an index into levels; m: its masking outside production. */
  readonly pii: { readonly n: string; readonly d?: string; readonly l: number; readonly r: string[]; readonly m?: string }[];
  /** Columns that carry personal data or were declassified (the rows of data/governance.js). */
  readonly columns: number;
  /** Models whose SQL could not be traced column by column (indexes into nodes). */
  readonly untraced: number[];
}

/** A column's effective classification (ManifestGovernance), on its node page. */
export interface SiteColumnClassification {
  /** Its level, as an index into SiteGovernance.levels; absent: no level. */
  readonly l?: number;
  /** Kinds of personal data it carries. */
  readonly p: string[];
  /** 1: declared on this column; absent: inherited through column lineage. */
  readonly d?: 1;
  /** The way it came: the upstream columns from this one's input to where it was declared. */
  readonly via?: ColumnRef[];
  /** Declassified on this model, for this reason. */
  readonly x?: string;
}

/** data/governance.js: every column that carries personal data or was declassified. */
export interface GovernanceData {
  readonly columns: (SiteColumnClassification & { readonly n: number; readonly c: string })[];
}

/** A model's access and who may read it (src/governance/classification/model-readers.ts). */
export interface NodeGovernance {
  /** Models and snapshots: YAML `access:` (absent: protected, the default). */
  readonly access?: 'public' | 'protected' | 'private';
  /** Its highest level (index into SiteGovernance.levels); absent: unclassified. */
  readonly l?: number;
  /** The rules that decide who may read it (`level restricted`, `pii email`). */
  readonly rules: string[];
  /** Roles that may read it; empty: anyone in the project. */
  readonly readers: string[];
  /** 1: its SQL could not be traced column by column (each column carries the highest of its inputs). */
  readonly untraced?: 1;
}

export interface ColumnRef {
  /** Node index. */
  readonly n: number;
  /** Column name. */
  readonly c: string;
}

export interface ColumnTest {
  readonly name: string;
  readonly test: string;
  readonly status?: string;
  readonly failures?: number;
}

export interface ColumnDetails {
  readonly name: string;
  readonly description: string;
  /** Type in the warehouse (catalog), or as declared / inferred (seeds). */
  readonly type?: string;
  readonly tags: string[];
  readonly meta: Record<string, unknown>;
  readonly tests: ColumnTest[];
  /** Upstream columns it is derived from (column lineage). */
  readonly up?: ColumnRef[];
  /** Downstream columns derived from it. */
  readonly down?: ColumnRef[];
  readonly profile?: ColumnProfile;
  /**
   * Where dpf knows the column from: declared in YAML, found in the warehouse, both, or only
   * from the model's SQL (column lineage, when neither YAML nor the catalog has it).
   */
  readonly origin: 'yaml' | 'warehouse' | 'both' | 'sql';
  /** Its classification, when the project is classified and the column is. */
  readonly cls?: SiteColumnClassification;
  /** What the PII scanner found in it at its relation's latest scan. */
  readonly scan?: SiteScanFinding;
}

export interface NodeTest {
  readonly name: string;
  /** The generic test it runs (not_null, accepted_values, ...), or its own name. */
  readonly test: string;
  readonly type: 'generic' | 'singular' | 'unit';
  readonly column?: string;
  readonly description: string;
  readonly severity?: string;
  readonly status?: string;
  readonly failures?: number;
  readonly message?: string;
  readonly executionTime?: number;
}

export interface NodeDetails {
  readonly id: string;
  readonly description: string;
  readonly path: string;
  readonly patchPath?: string;
  readonly relation: string;
  readonly database?: string;
  readonly schema: string;
  readonly identifier: string;
  readonly tags: string[];
  readonly owner?: string;
  readonly meta: Record<string, unknown>;
  readonly config: Record<string, unknown>;
  readonly columns: ColumnDetails[];
  readonly catalog?: { readonly type: string; readonly rowCount?: number; readonly sizeBytes?: number; readonly error?: string };
  readonly run?: { readonly status: string; readonly executionTime: number; readonly completedAt?: string; readonly message: string; readonly rowsAffected?: number };
  readonly tests: NodeTest[];
  readonly rawSql?: string;
  readonly compiledSql?: string;
  readonly lineage?: { readonly status: 'ok' | 'partial' | 'unparsed'; readonly reason?: string; readonly unresolved: string[] };
  readonly source?: {
    readonly sourceName: string;
    readonly sourceDescription: string;
    readonly externalLocation?: string;
    readonly loadedAtField?: string;
    readonly freshness?: { readonly status: string; readonly maxLoadedAt?: string; readonly ageSeconds?: number; readonly warnAfter?: string; readonly errorAfter?: string };
  };
  readonly seedRows?: number;
  /** The node's last runs from the history, oldest first (build-health-data.ts). */
  readonly history?: NodeHistory;
  /** Access and readers, when the project has classifications.yml. */
  readonly governance?: NodeGovernance;
}

// ---- Run history: data/health.js (HealthData) and NodeDetails.history (NodeHistory).

export interface HealthRun {
  readonly id: string;
  readonly command: string;
  readonly status: string;
  readonly target: string;
  readonly selector?: string;
  readonly startedAt: string | null;
  readonly elapsed: number | null;
  readonly nodes: number;
  readonly counts: Readonly<Record<string, number>>;
  /** 1 when HealthData.timelines has this run's Gantt. */
  readonly tl?: 1;
}

/** One step of a run on the Gantt timeline. */
export interface GanttBar {
  /** Unique id and name of the step. */
  readonly id: string;
  readonly n: string;
  /** Kind (model, test, ...) and status. */
  readonly k: string;
  readonly s: string;
  /** The worker thread (a lane). */
  readonly th: number;
  /** Start and end, in ms from the run's first step. */
  readonly a: number;
  readonly b: number;
  /** The site node its link opens (a test's: the node it tests). */
  readonly node?: number;
  /** 1 on the critical path: the chain of steps, each waiting for the one before, that ends last. */
  readonly cp?: 1;
}

export interface RunTimeline {
  readonly run: string;
  readonly startedAt: string;
  readonly spanMs: number;
  readonly threads: number[];
  readonly bars: GanttBar[];
  /** Steps left out to keep the file small (the longest are kept). */
  readonly omitted: number;
}

/** A failure, warning or anomaly in one of the runs read. */
export interface HealthProblem {
  readonly run: string;
  readonly at: string | null;
  readonly id: string;
  readonly name: string;
  /** model, test, ... or monitor. */
  readonly kind: string;
  readonly status: string;
  readonly node?: number;
  readonly message?: string;
  readonly monitor?: string;
  readonly metric?: string;
  readonly column?: string;
  readonly value?: number;
  readonly low?: number;
  readonly high?: number;
}

export interface HealthData {
  /** Newest first. */
  readonly runs: HealthRun[];
  /** The newest runs' Gantt timelines, newest first. */
  readonly timelines: RunTimeline[];
  /** Newest first. */
  readonly problems: HealthProblem[];
  readonly problemsOmitted: number;
}

/** Series of one node over its last runs, oldest first; the arrays are aligned with `t`. */
export interface NodeHistory {
  /** When each run started (epoch ms), its id, and the node's status in it. */
  readonly t: number[];
  readonly r: string[];
  readonly s: string[];
  /** Seconds its step took. */
  readonly d: (number | null)[];
  /** Rows: the table's row count measured by its monitor (table_stats), else rows the build wrote. */
  readonly rows?: (number | null)[];
  /** Rows come from table_stats (row count) rather than rows written. */
  readonly rowsFrom?: 'table_stats' | 'rows_affected';
  /** The monitors' expected bands [low[], high[]], where known. */
  readonly dBand?: [(number | null)[], (number | null)[]];
  readonly rowsBand?: [(number | null)[], (number | null)[]];
  /** Tests on the node per run (its own times: `dpf test` runs without the node). */
  readonly tests?: { readonly t: number[]; readonly r: string[]; readonly pass: number[]; readonly total: number[] };
  readonly schema?: { readonly t: number; readonly r: string; readonly change: string }[];
  /** Resource and cost columns the history has (compute_cost, cpu_ms, ...), aligned with `t`. */
  readonly res?: Record<string, (number | null)[]>;
}

/** An analysis in the index: enough for the list and the links. */
export interface SiteAnalysis {
  readonly id: string;
  readonly title: string;
  readonly mark?: string;
  readonly owner?: string;
  /** The description's first line. */
  readonly summary?: string;
  /** What it reads (indexes into nodes). */
  readonly up: number[];
}

/** data/analyses/<i>.js: an analysis's page (templates/site/js/views/analysis-page.js). */
export interface AnalysisPageData {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly owner?: string;
  readonly tags: string[];
  readonly file: string;
  readonly sql: string;
  readonly compiledSql?: string;
  /** The chart spec as written (ChartSpec of src/compiler/manifest.ts). */
  readonly chart?: { readonly mark: string; readonly x: string; readonly y?: string; readonly color?: string; readonly aggregate?: string };
  readonly up: number[];
  /** Its result when the site was generated (personal data masked); absent: not read. */
  readonly snapshot?: { readonly columns: { readonly name: string; readonly type: string; readonly masked?: true }[]; readonly rows: unknown[][]; readonly truncated: boolean };
  readonly takenAt?: string;
  /** Why there is no snapshot. */
  readonly error?: string;
  /** What is wrong with its chart (a column the result lacks). */
  readonly warnings: string[];
}
