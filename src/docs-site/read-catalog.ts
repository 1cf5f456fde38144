/**
 * Step 2 of `dpf docs generate`: facts the warehouse knows and the manifest does not, for every
 * model, seed, snapshot and source relation: whether it exists, its column types, row count and
 * size. Only the Adapter's Connection is used (listRelations per schema, getColumns,
 * relationStats); a relation that does not exist is "missing" (not built yet), not an error.
 * Sources read from files in place (external_location) are described by querying them.
 * Plain data out; catalog-json.ts writes it to target/catalog.json.
 */
import type { Connection, RelationStats } from '../adapters/adapter.js';
import type { Manifest, Relation, SourceNode } from '../compiler/manifest.js';
import { EXECUTABLE_KINDS, isEphemeral, nodesOfKind, type RelationNode } from '../compiler/node-kinds.js';
import { existingRelations } from '../adapters/existing-relations.js';
import { relationKey } from '../adapters/relation.js';
import type { SqlTemplates } from '../adapters/sql-templates.js';

export type CatalogRelationType = 'table' | 'view' | 'external' | 'missing';

export interface CatalogColumn {
  readonly name: string;
  readonly type: string;
  /** 1-based position. */
  readonly index: number;
}

export interface CatalogEntry {
  readonly uniqueId: string;
  readonly relationName: string;
  readonly type: CatalogRelationType;
  readonly columns: CatalogColumn[];
  readonly stats: RelationStats;
  /** Why a fact could not be read (the relation exists but a query on it failed). */
  readonly error?: string;
}

export interface Catalog {
  readonly nodes: Record<string, CatalogEntry>;
  readonly sources: Record<string, CatalogEntry>;
}

export const EMPTY_CATALOG: Catalog = { nodes: {}, sources: {} };

/** The manifest nodes that have a relation in the warehouse (ephemeral models do not). */
export function catalogTargets(manifest: Manifest): RelationNode[] {
  const nodes = nodesOfKind(manifest, ...EXECUTABLE_KINDS).filter((n) => !isEphemeral(n));
  return [...nodes, ...nodesOfKind(manifest, 'source')];
}

export async function readCatalog(connection: Connection, manifest: Manifest, templates: SqlTemplates): Promise<Catalog> {
  const targets = catalogTargets(manifest);
  const inWarehouse = targets.filter((n) => n.kind !== 'source' || !n.externalLocation);
  const existing = await existingRelations(connection, inWarehouse.map((n) => n.relation));
  const catalog: Catalog = { nodes: {}, sources: {} };
  for (const node of targets) {
    const entry =
      node.kind === 'source' && node.externalLocation
        ? await describeQueryable(connection, node, templates)
        : await describeRelation(connection, node, existing.get(relationKey(node.relation)));
    (node.kind === 'source' ? catalog.sources : catalog.nodes)[node.uniqueId] = entry;
  }
  return catalog;
}

async function describeRelation(
  connection: Connection,
  node: { uniqueId: string; relation: Relation; relationName: string },
  type: 'table' | 'view' | undefined,
): Promise<CatalogEntry> {
  const base = { uniqueId: node.uniqueId, relationName: node.relationName };
  if (!type) return { ...base, type: 'missing', columns: [], stats: {} };
  const columns = (await connection.getColumns(node.relation)).map((c, i) => ({ name: c.name, type: c.type, index: i + 1 }));
  try {
    return { ...base, type, columns, stats: await connection.relationStats(node.relation, type) };
  } catch (err) {
    // A view over a dropped table exists but cannot be counted: say so, keep the rest.
    return { ...base, type, columns, stats: {}, error: firstLine(err) };
  }
}

/** Files read in place: their columns come from an empty query, their rows from a count. */
async function describeQueryable(connection: Connection, node: SourceNode, templates: SqlTemplates): Promise<CatalogEntry> {
  const base = { uniqueId: node.uniqueId, relationName: node.relationName, type: 'external' as const };
  try {
    const shape = await connection.query(templates.render('sample_rows', { sql: `select * from ${node.relationName}`, limit: 0 }));
    const columns = shape.columns.map((c, i) => ({ name: c.name, type: c.type, index: i + 1 }));
    const counted = await connection.query(templates.render('count_rows', { relation: node.relationName }));
    const rowCount = Number(counted.rows[0]?.[0]);
    return { ...base, columns, stats: Number.isFinite(rowCount) ? { rowCount } : {} };
  } catch (err) {
    return { ...base, columns: [], stats: {}, error: firstLine(err) };
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}
