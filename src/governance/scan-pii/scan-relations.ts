/**
 * The scanner's one entry: given an open adapter and the selected relation nodes, sample each
 * relation that exists in the target, score its columns, and compare the findings with the
 * columns' classifications. Returns findings (counts and categories, never a value) and
 * diagnostics: DPF941 for a relation missing in the target, DPF944 for one that cannot be read,
 * DPF942/943 for new and mismatched findings (errors with `strict`, warnings otherwise). It
 * writes nothing: the caller decides where the findings go.
 */
import type { Adapter } from '../../adapters/adapter.js';
import { existingRelations } from '../../adapters/existing-relations.js';
import { relationKey } from '../../adapters/relation.js';
import type { ManifestGovernance } from '../../compiler/manifest.js';
import { NODE_KINDS, type RelationNode } from '../../compiler/node-kinds.js';
import { diagnostic, type Diagnostic } from '../../errors/dpf-error.js';
import type { CountryCode } from 'libphonenumber-js/max';
import { compareWithClassifications, type PiiFinding, type ScannedRelation } from './compare-classifications.js';
import { CATEGORY_LABELS } from './pii-categories.js';
import { sampleRelation } from './sample-relation.js';
import { scoreColumn } from './score-column.js';
import type { DetectContext } from './value-detectors.js';

export interface ScanRelationsInput {
  readonly adapter: Adapter;
  readonly targetName: string;
  /** manifest.governance.columns: classifications carried over column lineage (with classifications.yml). */
  readonly lineage?: ManifestGovernance['columns'];
  /** The selected models, seeds, snapshots and sources (ephemeral models are left out by the caller). */
  readonly nodes: readonly RelationNode[];
  /** Rows read per relation. */
  readonly sampleRows: number;
  readonly phoneRegion: CountryCode;
  /** New and mismatched findings are errors, not warnings. */
  readonly strict: boolean;
  /** Today, for the range of plausible birth dates. */
  readonly now: Date;
  readonly signal?: AbortSignal;
  /** Relations read at once (each on its own connection). */
  readonly parallel: number;
}

export interface RelationsScan {
  readonly findings: readonly PiiFinding[];
  /** Relations sampled, and their columns. */
  readonly relations: number;
  /** Each relation sampled, and how many rows were read. */
  readonly scanned: readonly { readonly uniqueId: string; readonly relation: string; readonly sampled: number }[];
  readonly columns: number;
  readonly skipped: readonly { readonly uniqueId: string; readonly relation: string; readonly reason: 'missing' | 'unreadable' }[];
  readonly diagnostics: readonly Diagnostic[];
}

export async function scanRelations(input: ScanRelationsInput): Promise<RelationsScan> {
  const { adapter } = input;
  const year = input.now.getUTCFullYear();
  const ctx: DetectContext = { phoneRegion: input.phoneRegion, birthYears: [year - 110, year] };
  const diagnostics: Diagnostic[] = [];
  const skipped: RelationsScan['skipped'][number][] = [];
  // File sources are read in place: they have no relation to look up.
  const tables = input.nodes.filter((n) => !(n.kind === 'source' && n.externalLocation));
  const existing = await adapter.withConnection((c) => existingRelations(c, tables.map((n) => n.relation)));
  const toScan: RelationNode[] = [];
  const unbuilt: RelationNode[] = [];
  for (const node of input.nodes) {
    if (tables.includes(node) && !existing.has(relationKey(node.relation))) {
      skipped.push({ uniqueId: node.uniqueId, relation: relationText(node), reason: 'missing' });
      // One warning for everything `dpf build` makes (before a first build that is all of it); one per source, at its YAML.
      if (node.kind === 'source') diagnostics.push(diagnostic('PiiRelationMissing', { relations: [describe(node)], target: input.targetName, command: sourceCommand(node) }, locationOf(node), 'warning'));
      else unbuilt.push(node);
    } else {
      toScan.push(node);
    }
  }
  if (unbuilt.length > 0) {
    const command = `Build ${unbuilt.length === 1 ? 'it' : 'them'} first: dpf build --select ${unbuilt.map((n) => n.name).join(' ')}`;
    diagnostics.push(diagnostic('PiiRelationMissing', { relations: unbuilt.map(describe), target: input.targetName, command }, unbuilt.length === 1 ? locationOf(unbuilt[0]!) : undefined, 'warning'));
  }

  const scanned: (ScannedRelation & { readonly rows: number })[] = [];
  let next = 0;
  const reader = () =>
    adapter.withConnection(async (connection) => {
      while (next < toScan.length) {
        const node = toScan[next++]!;
        const relation = relationText(node);
        const from = node.kind === 'source' && node.externalLocation ? node.relationName : adapter.dialect.renderRelation(node.relation);
        try {
          const { columns, rows } = await sampleRelation(connection, from, input.sampleRows, input.signal);
          scanned.push({ node, relation, rows, columns: columns.map((c) => ({ name: c.name, sampled: c.values.length, verdict: scoreColumn(c, ctx) })) });
        } catch (err) {
          if (input.signal?.aborted) throw err;
          skipped.push({ uniqueId: node.uniqueId, relation, reason: 'unreadable' });
          diagnostics.push(diagnostic('PiiRelationUnreadable', { kind: NODE_KINDS[node.kind].label, name: node.name, relation, detail: withoutQuotedValues((err as Error).message) }, locationOf(node), 'warning'));
        }
      }
    });
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.parallel, adapter.capabilities.maxConnections, toScan.length)) }, reader));

  scanned.sort((a, b) => a.relation.localeCompare(b.relation));
  const findings = scanned.flatMap((s) => compareWithClassifications(s, input.lineage?.[s.node.uniqueId]));
  for (const finding of findings) {
    const node = scanned.find((s) => s.node.uniqueId === finding.uniqueId)!.node;
    const severity = input.strict ? 'error' : 'warning';
    const counts = { column: finding.column, kind: NODE_KINDS[node.kind].label, name: node.name, confidence: finding.confidence ?? 0, matched: finding.matched, sampled: finding.sampled };
    if (finding.status === 'new') {
      diagnostics.push(diagnostic('PiiUnclassified', { ...counts, category: CATEGORY_LABELS[finding.category!], pii: finding.category! }, locationOf(node), severity));
    } else if (finding.status === 'mismatch') {
      const at = finding.inheritedFrom ? undefined : Object.values(node.columns).find((c) => c.name.toLowerCase() === finding.column.toLowerCase())?.classifiedAt;
      diagnostics.push(diagnostic('PiiMismatch', { ...counts, category: CATEGORY_LABELS[finding.category!], classifiedAs: finding.classifiedAs!, pii: finding.category!, inheritedFrom: finding.inheritedFrom }, at ?? locationOf(node), severity));
    }
  }
  return { findings, relations: scanned.length, scanned: scanned.map((s) => ({ uniqueId: s.node.uniqueId, relation: s.relation, sampled: s.rows })), columns: scanned.reduce((n, s) => n + s.columns.length, 0), skipped, diagnostics };
}

/** schema.identifier (with the database where there is one), or a file source's read. */
function relationText(node: RelationNode): string {
  if (node.kind === 'source' && node.externalLocation) return node.relationName;
  const r = node.relation;
  return [r.database, r.schema, r.identifier].filter((p) => p).join('.');
}

function locationOf(node: RelationNode): { file: string; line?: number; column?: number } {
  return node.kind === 'source' ? node.location : { file: node.patchPath ?? node.originalFilePath };
}

/** `model "orders" (main.orders)`. */
function describe(node: RelationNode): string {
  return `${NODE_KINDS[node.kind].label} "${node.name}" (${relationText(node)})`;
}

/** How a missing source table gets there. */
function sourceCommand(node: RelationNode & { kind: 'source' }): string {
  return node.extract
    ? `Land it first: dpf build --select source:${node.sourceName}.${node.tableName}`
    : "Sources are landed outside dpf: load the table, or fix the source's database, schema or identifier where it is declared.";
}

/** An engine's message with its quoted literals left out: a failed cast quotes the value it could not read. */
export function withoutQuotedValues(message: string): string {
  return message.split('\n')[0]!.replace(/'(?:[^']|'')*'/g, "'…'");
}
