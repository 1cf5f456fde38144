/**
 * Part of step 5 of `dpf docs generate`: what the site shows of classification
 * (docs/governance.md), from the manifest's `governance` (computed at compile time by
 * src/governance/classification/) and classifications.yml: each column's level, kinds of
 * personal data and the lineage path they came by, each model's access and readers, and the
 * list of columns that carry personal data for the Personal data page. Pure; it only reshapes
 * what governance computed into the site's compact form (site-data.ts), decides nothing.
 */
import type { ColumnClassification, Manifest } from '../compiler/manifest.js';
import type { RelationNode } from '../compiler/node-kinds.js';
import type { Classifications } from '../governance/classification/load-classifications.js';
import { modelReaders } from '../governance/classification/model-readers.js';
import { EVERY_COLUMN } from '../governance/classification/propagate-classifications.js';
import type { LatestPiiScans } from '../history/index.js';
import type { ColumnRef, GovernanceData, SitePiiScan, SiteScanFinding, NodeGovernance, SiteColumnClassification, SiteGovernance } from './site-data.js';

export interface SiteGovernanceParts {
  readonly index: SiteGovernance;
  readonly data: GovernanceData;
  /** A column's classification on its node page (case-insensitive; an untraced model's `*` stands for every column). */
  column(nodeId: string, column: string): SiteColumnClassification | undefined;
  node(node: RelationNode): NodeGovernance;
}

export function buildGovernanceData(manifest: Manifest, classifications: Classifications | undefined, position: ReadonlyMap<string, number>): SiteGovernanceParts | undefined {
  const governance = manifest.governance;
  if (!governance || !classifications) return undefined;
  const levelIndex = new Map(governance.levels.map((l, i) => [l, i]));
  const untraced = new Set(governance.untraced);

  /** `model.shop.stg_customers.email` → the node's index and the column: the longest known node id that prefixes it. */
  const columnRef = (path: string): ColumnRef | undefined => {
    for (let dot = path.lastIndexOf('.'); dot > 0; dot = path.lastIndexOf('.', dot - 1)) {
      const n = position.get(path.slice(0, dot));
      if (n !== undefined) return { n, c: path.slice(dot + 1) };
    }
    return undefined;
  };
  const site = (c: ColumnClassification): SiteColumnClassification => {
    const via = c.path.slice(1).flatMap((p) => columnRef(p) ?? []);
    const l = c.level === undefined ? undefined : levelIndex.get(c.level);
    return {
      ...(l !== undefined ? { l } : {}),
      p: [...c.pii],
      ...(c.declared ? { d: 1 as const } : {}),
      ...(via.length > 0 ? { via } : {}),
      ...(c.declassified !== undefined ? { x: c.declassified } : {}),
    };
  };
  const byNode = new Map<string, Map<string, SiteColumnClassification>>();
  for (const [id, columns] of Object.entries(governance.columns)) {
    byNode.set(id, new Map(Object.entries(columns).map(([name, c]) => [name.toLowerCase(), site(c)])));
  }

  const rows: GovernanceData['columns'] = [];
  for (const [id, columns] of byNode) {
    const n = position.get(id);
    if (n === undefined) continue;
    for (const [key, c] of columns) {
      if (c.p.length === 0 && c.x === undefined) continue;
      const name = Object.keys(governance.columns[id]!).find((k) => k.toLowerCase() === key) ?? key;
      rows.push({ n, c: name, ...c });
    }
  }
  rows.sort((a, b) => a.n - b.n || a.c.localeCompare(b.c));

  return {
    index: {
      levels: classifications.levels.map((l) => ({ n: l.name, ...(l.description ? { d: l.description } : {}), r: [...l.readers] })),
      pii: classifications.pii.map((p) => ({
        n: p.name,
        ...(p.description ? { d: p.description } : {}),
        l: levelIndex.get(p.level) ?? -1,
        r: [...p.readers],
        ...(p.masking ? { m: p.masking } : {}),
      })),
      columns: rows.length,
      untraced: governance.untraced.flatMap((id) => position.get(id) ?? []),
    },
    data: { columns: rows },
    column: (nodeId, column) => {
      const columns = byNode.get(nodeId);
      return columns?.get(column.toLowerCase()) ?? columns?.get(EVERY_COLUMN);
    },
    node: (node) => {
      const readers = modelReaders(governance.columns[node.uniqueId], classifications);
      const l = readers.level === undefined ? undefined : levelIndex.get(readers.level);
      return {
        ...(node.kind === 'model' || node.kind === 'snapshot' ? { access: node.access?.level ?? 'protected' } : {}),
        ...(l !== undefined ? { l } : {}),
        rules: [...readers.rules],
        readers: [...readers.readers],
        ...(untraced.has(node.uniqueId) ? { untraced: 1 as const } : {}),
      };
    },
  };
}

/**
 * The PII scanner's latest findings (dpf_meta.pii_findings, src/history/read-pii-scans.ts) in the
 * site's form: the Personal data page's list and each column's "found by the scanner". Columns
 * classified but not seen in the sample are left out: the classification already shows them.
 */
export function buildPiiScanData(scans: LatestPiiScans | undefined, position: ReadonlyMap<string, number>): { index: SitePiiScan; column(nodeId: string, column: string): SiteScanFinding | undefined } | undefined {
  if (!scans || scans.scans.size === 0) return undefined;
  const byColumn = new Map<string, SiteScanFinding>();
  const findings: SitePiiScan['findings'] = [];
  for (const f of scans.findings) {
    const n = position.get(f.uniqueId);
    if (n === undefined || f.category === null || f.status === 'not_found') continue;
    const site: SiteScanFinding = { cat: f.category, st: f.status, cf: Math.round((f.confidence ?? 0) * 100) / 100, ...(f.scannedAt ? { at: f.scannedAt } : {}) };
    byColumn.set(`${f.uniqueId}\u0000${f.column.toLowerCase()}`, site);
    findings.push({ n, c: f.column, ...site, ...(f.classifiedAs ? { cl: f.classifiedAs } : {}) });
  }
  findings.sort((a, b) => a.n - b.n || a.c.localeCompare(b.c));
  const times = [...scans.scans.values()].flatMap((s) => (s.scannedAt ? [s.scannedAt] : [])).sort();
  return {
    index: { relations: scans.scans.size, ...(times.length > 0 ? { at: times.at(-1)! } : {}), findings },
    column: (nodeId, column) => byColumn.get(`${nodeId}\u0000${column.toLowerCase()}`),
  };
}
