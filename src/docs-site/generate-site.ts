/**
 * `dpf docs generate`, after the compile: the stage `buildSite` of the pipeline. Steps, each
 * in its own module:
 *
 *   1. compiled project in (src/compiler/compile-pipeline.ts, done by the command)
 *   2. read-catalog.ts + profile-columns.ts   warehouse facts (skipped with emptyCatalog)
 *      + read-analyses.ts                     each analysis's snapshot (likewise), masked
 *      + src/history/read-site-history.ts     the last runs from dpf_meta (likewise)
 *   3. read-run-artifacts.ts                   last run and freshness check
 *      + read-pipelines.ts                      the Pipelines page (`dpf status` now)
 *   4. src/lineage/compute-column-lineage.ts   column lineage per model (src/lineage/),
 *                                              on worker threads while 5 runs for the search
 *   5. build-search-index.ts                   MiniSearch index
 *   6. build-site-data.ts                      index + node details (+ build-governance-data.ts:
 *                                              classification, with classifications.yml)
 *   7. write-site.ts + catalog-json.ts         target/site/ and target/catalog.json
 *
 * Returns a summary for the command to print; prints nothing itself.
 */
import { join } from 'node:path';
import { adapterFactory } from '../adapters/index.js';
import type { CompiledProject } from '../compiler/compile-pipeline.js';
import { loadProjectConfig } from '../compiler/load-project.js';
import { EXECUTABLE_KINDS, nodesOfKind, relationNode } from '../compiler/node-kinds.js';
import { SqlTemplates } from '../adapters/sql-templates.js';
import { DpfError } from '../errors/dpf-error.js';
import { loadClassifications } from '../governance/classification/load-classifications.js';
import { readLatestPiiScans, readSiteHistory, type LatestPiiScans, type SiteHistory } from '../history/index.js';
import { buildSearchIndex } from './build-search-index.js';
import { buildSiteData } from './build-site-data.js';
import { writeCatalogJson } from './catalog-json.js';
import type { ColumnLineage } from '../lineage/column-lineage.js';
import { computeColumnLineage, lineageEngine, lineageJobs, typescriptModelLineage } from '../lineage/compute-column-lineage.js';
import { isSensitiveColumn, profileColumns, wantsProfile, type ColumnProfile } from './profile-columns.js';
import { readCatalog, type Catalog } from './read-catalog.js';
import { readAnalyses, type AnalysisRead } from './read-analyses.js';
import { buildAnalysisData } from './build-analysis-data.js';
import type { Diagnostic } from '../errors/dpf-error.js';
import { readOverview } from './read-overview.js';
import { readRunArtifacts } from './read-run-artifacts.js';
import { readSitePipelines } from './read-pipelines.js';
import { redactStrings, secretRedactor } from '../compiler/redact-secrets.js';
import { writeSite, type WrittenSite } from './write-site.js';

export interface GenerateSiteOptions {
  readonly compiled: CompiledProject;
  readonly projectDir: string;
  /** Do not query the warehouse (dbt's --empty-catalog): no types, row counts or sizes. */
  readonly emptyCatalog?: boolean;
  /** Profile the columns of every table, not only those that opt in. */
  readonly profileAll?: boolean;
  /** Parse column lineage on this many worker threads (0: main thread); default by size. */
  readonly lineageWorkers?: number;
  /** How many of the last runs the Health page and the node charts show (default HISTORY_RUNS). */
  readonly historyRuns?: number;
  /** The Pipelines page's "now" (default: the clock; the command passes DPF_NOW). */
  readonly now?: Date;
  /** For the scheduler store's connection string (scheduler.url_env); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The last runs read from dpf_meta for the site: enough for a trend, small enough for the files. */
export const HISTORY_RUNS = 30;

export interface SiteSummary {
  readonly site: WrittenSite;
  readonly catalogFile: string;
  readonly catalog?: { readonly relations: number; readonly missing: string[]; readonly errors: string[] };
  readonly profiled: number;
  /** The Pipelines page: pipelines, running and failed ones, the store read; error: why they could not be read. */
  readonly pipelines?: { readonly count: number; readonly running: number; readonly failed: number; readonly store?: string; readonly schedulerRan: boolean; readonly error?: string };
  /** Runs read from dpf_meta; error: why the history could not be read (the site is made without it). */
  readonly history?: { readonly runs: number; readonly error?: string };
  /** Analyses (analyses/*.yml): how many, how many have a snapshot, and DPF192/DPF193 warnings. */
  readonly analyses: { readonly count: number; readonly snapshots: number; readonly warnings: Diagnostic[] };
  readonly lineage: { readonly models: number; readonly partial: number; readonly unparsed: { name: string; reason: string }[]; readonly engine?: string };
  readonly overview?: string;
  readonly seconds: number;
  /** Seconds per step; lineage overlaps search, so the steps add up to more than the total. */
  readonly timings: Record<'catalog' | 'lineage' | 'data' | 'search' | 'write', number>;
}

export async function generateSite(options: GenerateSiteOptions): Promise<SiteSummary> {
  const started = performance.now();
  let mark = started;
  const timings = { catalog: 0, lineage: 0, data: 0, search: 0, write: 0 };
  const lap = (stage: keyof typeof timings) => {
    const now = performance.now();
    timings[stage] = (now - mark) / 1000;
    mark = now;
  };
  const { compiled, projectDir } = options;
  const { manifest, target, targetPath } = compiled;
  const redact = secretRedactor(target.secrets);

  // 2. Warehouse facts.
  let catalog: Catalog | undefined;
  let history: SiteHistory | undefined;
  let historyError: string | undefined;
  let piiScans: LatestPiiScans | undefined;
  const profiles = new Map<string, Record<string, ColumnProfile>>();
  let analysisReads = new Map<string, AnalysisRead>();
  // 4 needs the columns too: what the warehouse reports or, failing that, YAML declares.
  const columnsOf = (id: string): string[] => {
    const fromCatalog = catalog?.nodes[id] ?? catalog?.sources[id];
    if (fromCatalog && fromCatalog.columns.length > 0) return fromCatalog.columns.map((c) => c.name);
    const node = relationNode(manifest, id);
    if (!node) return [];
    if (node.kind === 'seed' && node.seedColumns.length > 0) return node.seedColumns.map((c) => c.name);
    return Object.values(node.columns).map((c) => c.name);
  };
  const engine = lineageEngine(target.type);
  if (!options.emptyCatalog) {
    const factory = adapterFactory(target.type);
    const adapter = factory.create(target, projectDir);
    const templates = new SqlTemplates(adapter.name);
    await adapter.open().catch((err: unknown) => {
      if (!(err instanceof DpfError)) throw err;
      // The site does not need the warehouse: say how to build it without one.
      const withoutWarehouse = ' Or build the site without the warehouse: `dpf docs generate --empty-catalog`.';
      throw new DpfError(err.diagnostics.map((d) => ({ ...d, hint: `${d.hint ?? ''}${withoutWarehouse}`.trim() })));
    });
    try {
      await adapter.withConnection(async (connection) => {
        catalog = await readCatalog(connection, manifest, templates);
        for (const node of nodesOfKind(manifest, ...EXECUTABLE_KINDS)) {
          const entry = catalog.nodes[node.uniqueId];
          if (!entry || entry.type !== 'table' || !(options.profileAll || wantsProfile(node))) continue;
          const sensitive = (column: string) => isSensitiveColumn(node, column, manifest.governance);
          profiles.set(node.uniqueId, await profileColumns(connection, templates, adapter.dialect, entry.relationName, entry.columns, sensitive));
        }
        analysisReads = await readAnalyses(connection, { manifest, engine, columnsOf });
      });
      // History is a nice-to-have on the site: a failed read is reported, never the command's failure.
      history = await readSiteHistory({ adapter, templates, database: target.database, targetPath }, options.historyRuns ?? HISTORY_RUNS).catch((err: unknown) => {
        historyError = redact(String((err as Error)?.message ?? err));
        return undefined;
      });
      // The PII scanner's latest findings per relation, for the Personal data page and the columns: a nice-to-have too.
      piiScans = await adapter
        .withConnection((connection) => readLatestPiiScans(connection, { dialect: adapter.dialect, templates, database: target.database }, target.targetName))
        .catch((err: unknown) => {
          historyError ??= redact(String((err as Error)?.message ?? err));
          return undefined;
        });
    } finally {
      await adapter.close();
    }
  }
  lap('catalog');

  // 3. Last run, and the pipelines' status.
  const artifacts = readRunArtifacts(targetPath, target.targetName);
  const pipelines = await readSitePipelines(projectDir, options.now, options.env ?? process.env);

  // 4. Column lineage, with the columns of columnsOf above.
  const lineageStarted = performance.now();
  let lineageSeconds = 0;
  const lineageDone: Promise<Map<string, ColumnLineage>> = engine
    ? computeColumnLineage(lineageJobs(manifest, engine, columnsOf), {
        cacheFile: join(targetPath, 'docs_lineage_cache.json'),
        workers: options.lineageWorkers,
      }).then((result) => {
        lineageSeconds = (performance.now() - lineageStarted) / 1000;
        return result;
      })
    : Promise.resolve(new Map());

  // 5-6. The search index needs no lineage: on a large project it is built while worker
  // threads parse SQL. (Columns known only from lineage are therefore not searchable.)
  const overview = readOverview(projectDir, loadProjectConfig(projectDir).data);
  // The compile has read and checked classifications.yml already (withGovernance): here only its readers and descriptions.
  const classifications = manifest.governance ? loadClassifications(projectDir) : undefined;
  const inputs = { manifest, catalog, profiles, artifacts, overview: overview?.text, projectDir, history, classifications, piiScans };
  // Redacted before anything is built from it: the search index never sees a secret.
  const search = buildSearchIndex(redactStrings(buildSiteData({ ...inputs, lineage: new Map() }), redact));
  lap('search');
  const lineage = new Map([...(await lineageDone), ...typescriptModelLineage(manifest)]);
  lap('lineage');
  timings.lineage = lineageSeconds;
  const siteData = buildSiteData({ ...inputs, lineage });
  const analyses = buildAnalysisData(manifest, analysisReads, new Map(siteData.index.nodes.map((n, i) => [n.id, i])));
  const built = analyses.index.length > 0 ? { ...siteData, index: { ...siteData.index, analyses: analyses.index }, analyses: analyses.pages } : siteData;
  const pipelinesIndex = { count: pipelines.report?.pipelines.length ?? 0, ...(pipelines.error ? { error: pipelines.error } : {}) };
  const data = redactStrings({ ...built, index: { ...built.index, pipelines: pipelinesIndex }, ...(pipelines.report ? { pipelines: pipelines.report } : {}) }, redact);
  lap('data');

  // 7. Files.
  const site = writeSite(join(targetPath, 'site'), data, search);
  const catalogFile = writeCatalogJson(
    targetPath,
    catalog,
    profiles,
    { invocationId: compiled.invocationId, adapterType: target.type, targetName: target.targetName },
    redact,
  );
  lap('write');

  const nameOf = (id: string) => manifest.nodes[id]?.name ?? id;
  const entries = catalog ? [...Object.values(catalog.nodes), ...Object.values(catalog.sources)] : [];
  return {
    site,
    catalogFile,
    ...(catalog
      ? {
          catalog: {
            relations: entries.filter((e) => e.type !== 'missing').length,
            missing: entries.filter((e) => e.type === 'missing').map((e) => nameOf(e.uniqueId)),
            errors: entries.filter((e) => e.error).map((e) => `${nameOf(e.uniqueId)}: ${redact(e.error!)}`),
          },
        }
      : {}),
    profiled: profiles.size,
    analyses: {
      count: analyses.index.length,
      snapshots: [...analysisReads.values()].filter((r) => r.snapshot).length,
      warnings: [...analysisReads.values()].flatMap((r) => r.warnings).map((w) => ({ ...w, message: redact(w.message) })),
    },
    ...(pipelines.report || pipelines.error
      ? {
          pipelines: {
            count: pipelines.report?.pipelines.length ?? 0,
            running: pipelines.report?.running.length ?? 0,
            failed: pipelines.report?.failures.length ?? 0,
            store: pipelines.report?.store,
            schedulerRan: pipelines.report !== undefined && pipelines.report.scheduler.state !== 'never',
            ...(pipelines.error ? { error: redact(pipelines.error) } : {}),
          },
        }
      : {}),
    ...(history || historyError ? { history: { runs: history?.runs.length ?? 0, ...(historyError ? { error: historyError } : {}) } } : {}),
    lineage: {
      models: lineage.size,
      partial: [...lineage.values()].filter((l) => l.status === 'partial').length,
      unparsed: [...lineage].filter(([, l]) => l.status === 'unparsed').map(([id, l]) => ({ name: nameOf(id), reason: redact(l.reason ?? '') })),
      engine,
    },
    ...(overview ? { overview: overview.path } : {}),
    seconds: (performance.now() - started) / 1000,
    timings,
  };
}
