/**
 * Classifications carried through column lineage (docs/governance.md), at compile time: each
 * column's effective level is the highest of what it declares and of every column it is
 * computed from, and it carries every kind of personal data they carry, unless the model
 * declassifies it (with a reason). Nodes are visited upstream first, so a model's `select *` is
 * traced through its parents' traced columns. Where SQL cannot be traced column by column
 * (unparsed, a TypeScript model, a column the tracer could not place), the conservative answer:
 * each such column carries the highest of all the model's inputs.
 */
import type { ColumnInfo, ColumnClassification, ExecutableNode, Manifest, ManifestGovernance, SourceNode } from '../../compiler/manifest.js';
import { closestMatch } from '../../compiler/closest-match.js';
import { isEphemeral, nodesOfKind } from '../../compiler/node-kinds.js';
import { diagnostic, type Diagnostic } from '../../errors/dpf-error.js';
import type { ColumnLineage, ColumnSource } from '../../lineage/column-lineage.js';
import { lineageJobMaker, lineageOf, typescriptModelLineage, type LineageEngine } from '../../lineage/compute-column-lineage.js';
import type { Classifications } from './load-classifications.js';

/** The key of a model whose columns could not be traced at all: it stands for every column. */
export const EVERY_COLUMN = '*';

export interface PropagationResult {
  readonly governance: ManifestGovernance;
  readonly problems: readonly Diagnostic[];
}

type Node = ExecutableNode | SourceNode;

export function propagateClassifications(manifest: Manifest, classifications: Classifications, engine: LineageEngine | undefined): PropagationResult {
  const problems: Diagnostic[] = [];
  const levels = classifications.levels.map((l) => l.name);
  const rank = (level: string | undefined) => (level === undefined ? -1 : levels.indexOf(level));
  const higher = (a: string | undefined, b: string | undefined) => (rank(b) > rank(a) ? b : a);
  const piiLevel = new Map(classifications.pii.map((p) => [p.name, p.level]));
  const piiNames = [...piiLevel.keys()];

  const nodes = new Map<string, Node>(nodesOfKind(manifest, 'model', 'snapshot', 'seed', 'source').map((n) => [n.uniqueId, n]));
  const result = new Map<string, Map<string, ColumnClassification>>();
  /** Output columns by node, as traced (models) or declared (sources, seeds). */
  const outputs = new Map<string, string[]>();
  const untraced: string[] = [];
  const tsLineage = typescriptModelLineage(manifest);
  const jobOf = engine ? lineageJobMaker(manifest, engine, (id) => outputs.get(id) ?? []) : undefined;

  /** What a column declares (classification:, pii:), checked against classifications.yml. */
  const declared = (node: Node, info: ColumnInfo | undefined): ColumnClassification | undefined => {
    if (!info) return undefined;
    const where = `column "${info.name}" of ${node.name}`;
    let level: string | undefined;
    const pii: string[] = [];
    const named = info.meta.classification;
    if (named !== undefined && named !== null) {
      if (levels.includes(String(named))) level = String(named);
      else problems.push(diagnostic('UnknownClassification', { name: String(named), where, suggestion: closestMatch(String(named), levels), known: levels }, info.classifiedAt));
    }
    const kind = info.meta.pii;
    if (kind === true || kind === 'true') pii.push('pii');
    else if (typeof kind === 'string' && kind !== 'false') {
      if (piiLevel.has(kind)) {
        pii.push(kind);
        level = higher(level, piiLevel.get(kind));
      } else problems.push(diagnostic('UnknownClassification', { name: kind, where, suggestion: closestMatch(kind, piiNames), known: piiNames }, info.classifiedAt));
    }
    if (level === undefined && pii.length === 0) return undefined;
    // Unnamed personal data is at least the highest level.
    if (pii.includes('pii')) level = higher(level, levels[levels.length - 1]);
    return { level, pii, declared: true, path: [] };
  };
  const columnInfo = (node: Node, column: string) => Object.values(node.columns).find((c) => c.name.toLowerCase() === column.toLowerCase());
  const classified = (id: string, column: string): ColumnClassification | undefined => {
    const byColumn = result.get(id);
    return byColumn?.get(column) ?? byColumn?.get(column.toLowerCase()) ?? byColumn?.get(EVERY_COLUMN);
  };
  /** The highest of some upstream columns, with the path to where it was declared. */
  const inherit = (sources: readonly ColumnSource[]): ColumnClassification | undefined => {
    let best: { source: ColumnSource; c: ColumnClassification } | undefined;
    const pii = new Set<string>();
    for (const source of sources) {
      const c = classified(source.nodeId, source.column);
      if (!c || c.declassified !== undefined && c.level === undefined && c.pii.length === 0) continue;
      c.pii.forEach((p) => pii.add(p));
      if (!best || rank(c.level) > rank(best.c.level) || (best.c.pii.length === 0 && c.pii.length > 0 && rank(c.level) === rank(best.c.level))) best = { source, c };
    }
    if (!best) return undefined;
    // Its own path starts with itself: the column it came from, and on upstream to the declared one.
    return { level: best.c.level, pii: [...pii].sort(), declared: false, path: best.c.path };
  };
  const combine = (own: ColumnClassification | undefined, inherited: ColumnClassification | undefined, path: string): ColumnClassification | undefined => {
    if (!own && !inherited) return undefined;
    const level = higher(own?.level, inherited?.level);
    const pii = [...new Set([...(own?.pii ?? []), ...(inherited?.pii ?? [])])].sort();
    return { level, pii, declared: own !== undefined, path: inherited && rank(inherited.level) >= rank(own?.level) && (inherited.pii.length > 0 || !own) ? [path, ...inherited.path] : [path] };
  };

  const visited = new Set<string>();
  const visit = (id: string): void => {
    if (visited.has(id)) return;
    visited.add(id);
    const node = nodes.get(id);
    if (!node) return;
    for (const parent of node.dependsOn) visit(parent);
    const out = new Map<string, ColumnClassification>();
    result.set(id, out);
    if (node.kind === 'source' || node.kind === 'seed') {
      const names = node.kind === 'seed' ? node.seedColumns.map((c) => c.name) : Object.values(node.columns).map((c) => c.name);
      outputs.set(id, names);
      for (const name of new Set([...names, ...Object.values(node.columns).map((c) => c.name)])) {
        const own = declared(node, columnInfo(node, name));
        if (own) out.set(name, { ...own, path: [`${id}.${name}`] });
      }
      return;
    }
    // Ephemeral models are inlined: whoever reads one is traced straight to its inputs.
    if (isEphemeral(node)) return;
    // Models and snapshots: trace, then classify each output column.
    const lineage: ColumnLineage | undefined = tsLineage.get(id) ?? (jobOf ? traced(jobOf, node) : undefined);
    const declaredNames = Object.values(node.columns).map((c) => c.name);
    const tracedNames = lineage && lineage.status !== 'unparsed' ? [...Object.keys(lineage.columns), ...lineage.unresolved] : [];
    const names = tracedNames.length > 0 ? tracedNames : declaredNames;
    outputs.set(id, names);
    const everyInput = (): ColumnSource[] => node.dependsOn.flatMap((p) => [...(result.get(p)?.keys() ?? [])].map((column) => ({ nodeId: p, column })));
    const declassify = new Map((node.declassify ?? []).map((d) => [d.column.toLowerCase(), d]));
    if (!lineage || lineage.status === 'unparsed' || (names.length === 0 && node.dependsOn.length > 0)) untraced.push(id);
    const columnsToClassify = names.length > 0 ? names : [EVERY_COLUMN];
    for (const name of columnsToClassify) {
      const sources = lineage && lineage.status !== 'unparsed' && lineage.columns[name] && !lineage.unresolved.includes(name) ? lineage.columns[name]! : everyInput();
      const own = name === EVERY_COLUMN ? undefined : declared(node, columnInfo(node, name));
      const cut = declassify.get(name.toLowerCase());
      const c = combine(own, cut ? undefined : inherit(sources), `${id}.${name}`);
      if (cut) out.set(name, { level: own?.level, pii: own?.pii ?? [], declared: own !== undefined, path: [`${id}.${name}`], declassified: cut.reason });
      else if (c) out.set(name, c);
    }
    for (const d of declassify.values()) {
      if (names.some((n) => n.toLowerCase() === d.column.toLowerCase())) continue;
      problems.push(diagnostic('DeclassifyUnknownColumn', { model: node.name, column: d.column, suggestion: closestMatch(d.column, names) }, d.location));
    }
  };
  for (const id of nodes.keys()) visit(id);

  const columns: Record<string, Record<string, ColumnClassification>> = {};
  for (const [id, byColumn] of result) {
    if (byColumn.size === 0) continue;
    columns[id] = Object.fromEntries([...byColumn].sort(([a], [b]) => a.localeCompare(b)));
  }
  return { governance: { levels, columns, untraced: untraced.sort() }, problems };
}

function traced(jobOf: (node: ExecutableNode) => ReturnType<ReturnType<typeof lineageJobMaker>>, node: ExecutableNode): ColumnLineage | undefined {
  const job = jobOf(node);
  return job ? lineageOf(job) : undefined;
}
