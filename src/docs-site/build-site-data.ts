/**
 * Step 5 of `dpf docs generate`: manifest + catalog + run artifacts + column lineage in, the
 * site's data out (site-data.ts): the compact index and the node details, grouped in chunks.
 * Pure: no files, no warehouse.
 */
import type { AnalysisPageData } from './site-data.js';
import type { Manifest, TestNode, UnitTestNode } from '../compiler/manifest.js';
import { isSqlNode, nodesOfKind, type RelationNode } from '../compiler/node-kinds.js';
import { isAbsolute, relative, sep } from 'node:path';
import { DPF_VERSION } from '../compiler/package-paths.js';
import type { ColumnLineage } from '../lineage/column-lineage.js';
import type { SiteHistory } from '../history/read-site-history.js';
import type { StatusReport } from '../pipelines/index.js';
import type { Classifications } from '../governance/classification/load-classifications.js';
import { buildGovernanceData, buildPiiScanData, type SiteGovernanceParts } from './build-governance-data.js';
import type { LatestPiiScans } from '../history/read-pii-scans.js';
import { buildHealthData } from './build-health-data.js';
import { nodeHealth } from './node-health.js';
import type { ColumnProfile } from './profile-columns.js';
import type { Catalog, CatalogEntry } from './read-catalog.js';
import type { RunArtifacts, RunResultEntry } from './read-run-artifacts.js';
import {
  SITE_DATA_VERSION,
  type ColumnDetails,
  type ColumnRef,
  type GovernanceData,
  type HealthData,
  type IndexNode,
  type NodeDetails,
  type NodeTest,
  type SiteIndex,
  type SiteScanFinding,
  type SiteKind,
  type TestSummary,
} from './site-data.js';

export interface SiteInputs {
  readonly manifest: Manifest;
  /** Absent when the warehouse was not read (--empty-catalog). */
  readonly catalog?: Catalog;
  readonly profiles: ReadonlyMap<string, Record<string, ColumnProfile>>;
  readonly artifacts: RunArtifacts;
  readonly lineage: ReadonlyMap<string, ColumnLineage>;
  readonly overview?: string;
  /** The project folder: paths of files read in place are shown relative to it. */
  readonly projectDir?: string;
  /** Run history from dpf_meta; absent when it was not read (--empty-catalog). */
  readonly history?: SiteHistory;
  /** classifications.yml, when the project has one: with the manifest's governance, the site's badges and readers. */
  readonly classifications?: Classifications;
  /** The PII scanner's latest findings per relation (dpf_meta.pii_findings); absent when not read. */
  readonly piiScans?: LatestPiiScans;
}

export interface SiteData {
  readonly index: Omit<SiteIndex, 'searchParts' | 'search'>;
  readonly chunks: NodeDetails[][];
  /** data/health.js, when the history was read. */
  readonly health?: HealthData;
  /** data/pipelines.js (`dpf status` when the site was generated), when the project has pipelines. */
  readonly pipelines?: StatusReport;
  /** data/governance.js, when the project is classified. */
  readonly governance?: GovernanceData;
  /** data/analyses/<i>.js, when the project has analyses (build-analysis-data.ts). */
  readonly analyses?: AnalysisPageData[];
}

type SiteNode = RelationNode;

/** Roughly how many bytes of details go into one chunk file. */
const CHUNK_BYTES = 160_000;
const CHUNK_NODES = 80;

function siteKind(node: SiteNode): SiteKind {
  return node.kind;
}

function ownerOf(node: SiteNode): string | undefined {
  const owner = node.meta.owner ?? (node.kind !== 'source' ? node.config.meta.owner : undefined);
  if (owner === undefined || owner === null || owner === '') return undefined;
  return typeof owner === 'string' ? owner : JSON.stringify(owner);
}

/** Interns strings into a table, so each node stores small numbers. */
class Table {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();
  id(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }
}

export function buildSiteData(inputs: SiteInputs): SiteData {
  const { manifest, catalog, artifacts } = inputs;
  const results = artifacts.run?.results;
  const siteNodes: SiteNode[] = nodesOfKind(manifest, 'model', 'snapshot', 'seed', 'source').sort((a, b) => (a.originalFilePath === b.originalFilePath ? (a.name < b.name ? -1 : 1) : a.originalFilePath < b.originalFilePath ? -1 : 1));
  const position = new Map(siteNodes.map((n, i) => [n.uniqueId, i]));

  // Tests by the node they test: generic tests by attachedNode, singular tests by every node they read.
  const testsOf = new Map<string, (TestNode | UnitTestNode)[]>();
  const attach = (id: string, t: TestNode | UnitTestNode) => testsOf.set(id, [...(testsOf.get(id) ?? []), t]);
  for (const t of nodesOfKind(manifest, 'test')) {
    if (t.attachedNode) attach(t.attachedNode, t);
    else for (const d of t.dependsOn) attach(d, t);
  }
  for (const u of nodesOfKind(manifest, 'unit_test')) attach(u.attachedNode, u);

  const schemas = new Table();
  const tags = new Table();
  const owners = new Table();
  const folders = new Table();
  const folderLists: string[][] = [];
  const folderId = (fqn: string[]) => {
    const key = fqn.join('\u0000');
    const id = folders.id(key);
    if (id === folderLists.length) folderLists.push(fqn);
    return id;
  };

  // Column lineage, upstream per model, and the reverse for the parents' pages.
  const down = new Map<string, Map<string, ColumnRef[]>>();
  for (const [childId, lineage] of inputs.lineage) {
    const child = position.get(childId);
    if (child === undefined) continue;
    for (const [column, sources] of Object.entries(lineage.columns)) {
      for (const s of sources) {
        const byColumn = down.get(s.nodeId) ?? new Map<string, ColumnRef[]>();
        down.set(s.nodeId, byColumn);
        const key = s.column.toLowerCase();
        byColumn.set(key, [...(byColumn.get(key) ?? []), { n: child, c: column }]);
      }
    }
  }

  const health = inputs.history ? buildHealthData(inputs.history, manifest, position) : undefined;
  const governance = buildGovernanceData(manifest, inputs.classifications, position);
  const piiScan = buildPiiScanData(inputs.piiScans, position);
  const nodes: IndexNode[] = [];
  const details: NodeDetails[] = [];
  let columnCount = 0;
  for (const node of siteNodes) {
    const entry = node.kind === 'source' ? catalog?.sources[node.uniqueId] : catalog?.nodes[node.uniqueId];
    const result = results?.get(node.uniqueId);
    const tests = (testsOf.get(node.uniqueId) ?? []).map((t) => nodeTest(t, results?.get(t.uniqueId)));
    const freshness = artifacts.freshness?.results.get(node.uniqueId);
    const owner = ownerOf(node);
    const lineage = inputs.lineage.get(node.uniqueId);
    const columns = nodeColumns(node, entry, lineage, inputs.profiles.get(node.uniqueId), down.get(node.uniqueId), position, tests, governance, piiScan?.column);
    columnCount += columns.length;
    nodes.push({
      id: node.uniqueId,
      n: node.name,
      k: siteKind(node),
      ...(node.kind === 'source' ? { sn: node.sourceName } : { m: node.config.materialized }),
      s: schemas.id(node.relation.schema),
      t: node.tags.map((t) => tags.id(t)),
      o: owner === undefined ? -1 : owners.id(owner),
      h: nodeHealth(result?.status, tests.map((t) => t.status), freshness?.status),
      p: node.originalFilePath,
      f: folderId(node.fqn.slice(0, -1)),
      up: node.dependsOn.map((d) => position.get(d)).filter((i): i is number => i !== undefined),
      c: 0,
      ...(node.kind !== 'source' && node.config.docs.show === false ? { hide: 1 as const } : {}),
    });
    const history = health?.nodes.get(node.uniqueId);
    details.push({
      ...nodeDetails(node, entry, result, tests, columns, owner, lineage, freshness, inputs.projectDir),
      ...(history ? { history } : {}),
      ...(governance ? { governance: governance.node(node) } : {}),
    });
  }

  const chunks = chunkDetails(details, nodes);
  return {
    index: {
      v: SITE_DATA_VERSION,
      project: {
        name: manifest.metadata.projectName,
        adapterType: manifest.metadata.adapterType,
        targetName: manifest.metadata.targetName,
        generatedAt: new Date().toISOString(),
        dpfVersion: DPF_VERSION,
        catalog: catalog ? 'read' : 'skipped',
      },
      ...(inputs.overview !== undefined ? { overview: inputs.overview } : {}),
      schemas: schemas.values,
      tags: tags.values,
      owners: owners.values,
      folders: folderLists,
      nodes,
      testParents: testParents(manifest, position),
      counts: { tests: nodesOfKind(manifest, 'test').length, unitTests: nodesOfKind(manifest, 'unit_test').length, columns: columnCount },
      ...(artifacts.run
        ? { run: { command: artifacts.run.command, generatedAt: artifacts.run.generatedAt, elapsed: artifacts.run.elapsed, counts: artifacts.run.counts } }
        : {}),
      problems: problems(manifest, results, position),
      failedNodes: siteNodes.flatMap((n, i) => {
        const r = results?.get(n.uniqueId);
        return r && (r.status === 'error' || r.status === 'skipped') ? [{ node: i, status: r.status, message: r.message }] : [];
      }),
      ...(artifacts.freshness
        ? {
            freshness: {
              generatedAt: artifacts.freshness.generatedAt,
              stale: [...artifacts.freshness.results].flatMap(([id, f]) =>
                f.status !== 'pass' && position.has(id) ? [{ node: position.get(id)!, status: f.status, maxLoadedAt: f.maxLoadedAt, ageSeconds: f.ageSeconds }] : [],
              ),
            },
          }
        : {}),
      lineage: {
        models: inputs.lineage.size,
        unparsed: [...inputs.lineage].flatMap(([id, l]) => (l.status === 'unparsed' && position.has(id) ? [{ node: position.get(id)!, reason: l.reason ?? '' }] : [])),
        partial: [...inputs.lineage.values()].filter((l) => l.status === 'partial').length,
      },
      chunks: chunks.length,
      ...(inputs.history ? { history: { runs: inputs.history.runs.length } } : {}),
      ...(governance ? { governance: governance.index } : {}),
      ...(piiScan ? { piiScan: piiScan.index } : {}),
    },
    chunks,
    ...(health ? { health: health.health } : {}),
    ...(governance ? { governance: governance.data } : {}),
  };
}

function nodeTest(t: TestNode | UnitTestNode, result: RunResultEntry | undefined): NodeTest {
  return {
    name: t.name,
    type: t.kind === 'unit_test' ? 'unit' : t.testType,
    // not_null, accepted_values, a custom generic test's name; singular and unit tests by their own name.
    test: t.kind === 'test' && t.testMetadata ? t.testMetadata.name : t.name,
    ...(t.kind === 'test' && t.columnName ? { column: t.columnName } : {}),
    description: t.description,
    ...(t.kind === 'test' ? { severity: t.config.severity } : {}),
    ...(result
      ? { status: result.status, failures: result.failures, message: result.message, executionTime: result.executionTime }
      : {}),
  };
}

function nodeColumns(
  node: SiteNode,
  entry: CatalogEntry | undefined,
  lineage: ColumnLineage | undefined,
  profiles: Record<string, ColumnProfile> | undefined,
  downstream: Map<string, ColumnRef[]> | undefined,
  position: ReadonlyMap<string, number>,
  tests: readonly NodeTest[],
  governance: SiteGovernanceParts | undefined,
  scanned?: (nodeId: string, column: string) => SiteScanFinding | undefined,
): ColumnDetails[] {
  const declared = Object.values(node.columns);
  const seedTypes = node.kind === 'seed' ? new Map(node.seedColumns.map((c) => [c.name.toLowerCase(), c.type])) : undefined;
  const byName = new Map<string, { name: string; yaml?: (typeof declared)[number]; type?: string; warehouse: boolean }>();
  for (const c of entry?.columns ?? []) byName.set(c.name.toLowerCase(), { name: c.name, type: c.type, warehouse: true });
  for (const c of declared) {
    const key = c.name.toLowerCase();
    const known = byName.get(key);
    byName.set(key, { name: known?.name ?? c.name, yaml: c, type: known?.type ?? c.dataType ?? seedTypes?.get(key), warehouse: !!known });
  }
  if (node.kind === 'seed') for (const c of node.seedColumns) if (!byName.has(c.name.toLowerCase())) byName.set(c.name.toLowerCase(), { name: c.name, type: c.type, warehouse: false });
  const fromSql = new Set<string>();
  for (const name of Object.keys(lineage?.columns ?? {})) {
    if (!byName.has(name.toLowerCase())) {
      byName.set(name.toLowerCase(), { name, warehouse: false });
      fromSql.add(name.toLowerCase());
    }
  }
  const upstream = new Map(Object.entries(lineage?.columns ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return [...byName].map(([key, c]) => {
    const up = upstream.get(key)?.flatMap((s) => (position.has(s.nodeId) ? [{ n: position.get(s.nodeId)!, c: s.column }] : []));
    const profile = profiles?.[c.name];
    const cls = governance?.column(node.uniqueId, c.name);
    const scan = scanned?.(node.uniqueId, c.name);
    return {
      name: c.name,
      description: c.yaml?.description ?? '',
      ...(c.type ? { type: c.type } : {}),
      tags: c.yaml?.tags ?? [],
      meta: c.yaml?.meta ?? {},
      tests: tests
        .filter((t) => t.column?.toLowerCase() === key)
        .map((t) => ({ name: t.name, test: t.test, status: t.status, failures: t.failures })),
      ...(up ? { up } : {}),
      ...(downstream?.get(key) ? { down: downstream.get(key) } : {}),
      ...(profile ? { profile } : {}),
      origin: fromSql.has(key) ? 'sql' : c.yaml && c.warehouse ? 'both' : c.yaml ? 'yaml' : 'warehouse',
      ...(cls ? { cls } : {}),
      ...(scan ? { scan } : {}),
    };
  });
}

const PLAIN_CONFIG_SKIP = new Set(['meta', 'docs', 'tags', 'enabled']);

function nodeDetails(
  node: SiteNode,
  entry: CatalogEntry | undefined,
  result: RunResultEntry | undefined,
  tests: NodeTest[],
  columns: ColumnDetails[],
  owner: string | undefined,
  lineage: ColumnLineage | undefined,
  freshness: { status: string; maxLoadedAt?: string; ageSeconds?: number } | undefined,
  projectDir: string | undefined,
): NodeDetails {
  const config = node.kind === 'source' ? {} : Object.fromEntries(Object.entries(node.config).filter(([k, v]) => !PLAIN_CONFIG_SKIP.has(k) && v !== undefined));
  const rule = (r?: { count: number; period: string }) => (r ? `${r.count} ${r.period}${r.count === 1 ? '' : 's'}` : undefined);
  return {
    id: node.uniqueId,
    description: node.description,
    path: node.originalFilePath,
    ...(node.patchPath ? { patchPath: node.patchPath } : {}),
    // A file source renders as an expression reading the files (on Trino, their rows inlined):
    // the site names the files instead.
    relation: node.kind === 'source' && node.externalLocation ? `files ${shownPath(node.externalLocation, projectDir)}` : node.relationName,
    ...(node.relation.database ? { database: node.relation.database } : {}),
    schema: node.relation.schema,
    identifier: node.relation.identifier,
    tags: node.tags,
    ...(owner ? { owner } : {}),
    meta: node.meta,
    config,
    columns,
    ...(entry ? { catalog: { type: entry.type, rowCount: entry.stats.rowCount, sizeBytes: entry.stats.sizeBytes, ...(entry.error ? { error: entry.error } : {}) } } : {}),
    ...(result
      ? { run: { status: result.status, executionTime: result.executionTime, completedAt: result.completedAt, message: result.message, rowsAffected: result.rowsAffected } }
      : {}),
    tests,
    ...(isSqlNode(node) ? { rawSql: node.rawCode, compiledSql: node.compiledCode } : {}),
    ...(lineage ? { lineage: { status: lineage.status, ...(lineage.reason ? { reason: lineage.reason } : {}), unresolved: lineage.unresolved } } : {}),
    ...(node.kind === 'source'
      ? {
          source: {
            sourceName: node.sourceName,
            sourceDescription: node.sourceDescription,
            ...(node.externalLocation ? { externalLocation: shownPath(node.externalLocation, projectDir) } : {}),
            ...(node.freshness?.loadedAtField ? { loadedAtField: node.freshness.loadedAtField } : {}),
            ...(freshness || node.freshness
              ? {
                  freshness: {
                    status: freshness?.status ?? 'not checked',
                    maxLoadedAt: freshness?.maxLoadedAt,
                    ageSeconds: freshness?.ageSeconds,
                    warnAfter: rule(node.freshness?.warnAfter),
                    errorAfter: rule(node.freshness?.errorAfter),
                  },
                }
              : {}),
          },
        }
      : {}),
    ...(node.kind === 'seed' ? { seedRows: node.rowCount } : {}),
  };
}

function problems(manifest: Manifest, results: ReadonlyMap<string, RunResultEntry> | undefined, position: ReadonlyMap<string, number>): TestSummary[] {
  if (!results) return [];
  const out: TestSummary[] = [];
  for (const t of nodesOfKind(manifest, 'test', 'unit_test')) {
    const r = results.get(t.uniqueId);
    if (!r || (r.status !== 'fail' && r.status !== 'error' && r.status !== 'warn')) continue;
    const node = t.attachedNode ?? t.dependsOn[0];
    out.push({
      name: t.name,
      status: r.status,
      ...(r.failures !== undefined ? { failures: r.failures } : {}),
      ...(node !== undefined && position.has(node) ? { node: position.get(node)! } : {}),
      ...(t.kind === 'test' && t.columnName ? { column: t.columnName } : {}),
      message: r.message,
    });
  }
  const rank = { error: 0, fail: 1, warn: 2 } as Record<string, number>;
  return out.sort((a, b) => rank[a.status]! - rank[b.status]! || a.name.localeCompare(b.name));
}

/** The distinct sets of two or more site nodes that one data test reads (SiteIndex.testParents). */
function testParents(manifest: Manifest, position: ReadonlyMap<string, number>): number[][] {
  // Unit tests are left out: they read their model's parents, which @ reaches through the model.
  const sets = new Map<string, number[]>();
  for (const t of nodesOfKind(manifest, 'test')) {
    const parents = [...new Set(t.dependsOn.flatMap((d) => (position.has(d) ? [position.get(d)!] : [])))].sort((a, b) => a - b);
    if (parents.length > 1) sets.set(parents.join(','), parents);
  }
  return [...sets.values()];
}

/** Consecutive nodes (same folder, mostly) share a chunk of about CHUNK_BYTES. */
function chunkDetails(details: NodeDetails[], nodes: IndexNode[]): NodeDetails[][] {
  const chunks: NodeDetails[][] = [];
  let current: NodeDetails[] = [];
  let bytes = 0;
  details.forEach((d, i) => {
    const size = 600 + (d.rawSql?.length ?? 0) + (d.compiledSql?.length ?? 0) + d.description.length + d.columns.length * 160 + (d.history?.t.length ?? 0) * 60;
    if (current.length > 0 && (bytes + size > CHUNK_BYTES || current.length >= CHUNK_NODES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(d);
    bytes += size;
    (nodes[i] as { c: number }).c = chunks.length;
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** A path inside the project relative to it (no machine-specific prefix on the site); others as they are. */
function shownPath(path: string, projectDir: string | undefined): string {
  if (!projectDir) return path;
  const inside = relative(projectDir, path);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside.split(sep).join('/') : path;
}
