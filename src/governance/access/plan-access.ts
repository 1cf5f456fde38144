/**
 * What each role may read, as plain data, from roles.yml, classifications.yml and the manifest's
 * governance (docs/governance.md#access-by-role); engine-blind: trino-rules.ts and duckdb-views.ts
 * turn it into what the engine enforces.
 *
 * - A role reads the models, seeds and snapshots its `read:` selects (all when it has no
 *   select), less `exclude`, in its `schemas`, unless the model's level (its highest column's)
 *   is above the role's `up_to`: then the model is refused.
 * - In a model it reads, a classified column is in clear when the role is among the readers of
 *   the column's level and of each kind of personal data it carries (no readers: anyone);
 *   otherwise it is masked per the classification's masking (with several, the strongest), or
 *   hidden when the classification has none.
 * - A role that manages owns the project's relations: it reads everything in clear (dpf builds
 *   as it, and a build reading masked data would write masked tables).
 */
import type { ProjectGraph } from '../../compiler/build-graph.js';
import { closestMatch } from '../../compiler/closest-match.js';
import type { Manifest, ManifestGovernance } from '../../compiler/manifest.js';
import { isEphemeral, isExecutable } from '../../compiler/node-kinds.js';
import { selectNodes } from '../../compiler/select-nodes.js';
import type { Relation } from '../../adapters/relation.js';
import { DpfError, diagnostic, type Diagnostic } from '../../errors/dpf-error.js';
import type { Classifications } from '../classification/load-classifications.js';
import type { MaskMethod } from '../../adapters/adapter.js';
import type { Located, Role, Roles } from './load-roles.js';
import { strongestMasking } from '../masking/column-masks.js';

export type AppliedMasking = MaskMethod;

export interface ColumnRule {
  readonly column: string;
  /** Absent: the column is hidden. */
  readonly masking?: AppliedMasking;
}

export interface ModelAccess {
  readonly nodeId: string;
  readonly name: string;
  readonly relation: Relation;
  /** Columns the role may not read in clear, by name order. */
  readonly columns: readonly ColumnRule[];
  /** A row filter (SQL condition) from roles.yml. */
  readonly filter?: string;
}

export interface RoleAccess {
  readonly role: Role;
  /** Models, seeds and snapshots it reads, in manifest order. */
  readonly models: readonly ModelAccess[];
  /** Selected, but above its level. */
  readonly refused: readonly { readonly nodeId: string; readonly level: string }[];
}

export interface AccessPlan {
  readonly roles: readonly RoleAccess[];
  /** Every relation the project builds (what managing roles own). */
  readonly relations: readonly Relation[];
}


export function planAccess(manifest: Manifest, graph: ProjectGraph, roles: Roles, classifications: Classifications | undefined): AccessPlan {
  const relationNodes = Object.values(manifest.nodes).filter((n) => isExecutable(n) && !isEphemeral(n));
  const problems: Diagnostic[] = [];
  const planned = roles.roles.map((role) => planRole(role, manifest, graph, relationNodes, classifications, problems));
  if (problems.length > 0) throw new DpfError(problems);
  return { roles: planned, relations: relationNodes.map((n) => (n as { relation: Relation }).relation) };
}

function planRole(role: Role, manifest: Manifest, graph: ProjectGraph, relationNodes: Manifest['nodes'][string][], classifications: Classifications | undefined, problems: Diagnostic[]): RoleAccess {
  const read = role.read;
  if (role.manage) return { role, models: relationNodes.map((n) => modelAccess(n, [])), refused: [] };
  if (!read) return { role, models: [], refused: [] };
  const select = (atoms: readonly Located<string>[]) => {
    try {
      return selectNodes(manifest, graph, { select: atoms.map((a) => a.value) });
    } catch (err) {
      if (!(err instanceof DpfError)) throw err;
      // selectNodes checks the whole expression; the first atom's line is where to look.
      problems.push(diagnostic('RoleSelectorInvalid', { role: role.name, detail: err.first.message }, atoms[0]!.location));
      return new Set<string>();
    }
  };
  const selected = read.select ? select(read.select) : undefined;
  const excluded = read.exclude.length > 0 ? select(read.exclude) : new Set<string>();
  const readable = relationNodes.filter(
    (n) => (!selected || selected.has(n.uniqueId)) && !excluded.has(n.uniqueId) && (!read.schemas || read.schemas.includes((n as { relation: Relation }).relation.schema)),
  );
  const governance = manifest.governance;
  const models: ModelAccess[] = [];
  const refused: { nodeId: string; level: string }[] = [];
  for (const node of readable) {
    const level = modelLevel(governance, node.uniqueId);
    if (level > read.upTo) {
      refused.push({ nodeId: node.uniqueId, level: governance!.levels[level]! });
      continue;
    }
    const columns = Object.entries(governance?.columns[node.uniqueId] ?? {})
      .filter(([, c]) => !readsInClear(role.name, c.level, c.pii, classifications))
      .map(([column, c]): ColumnRule => ({ column, masking: maskingOf(c.level, c.pii, classifications) }))
      .sort((a, b) => a.column.localeCompare(b.column));
    models.push(modelAccess(node, columns));
  }
  const byName = new Map(models.map((m) => [m.name, m]));
  for (const filter of read.filters) {
    const model = byName.get(filter.model);
    if (!model) problems.push(diagnostic('RoleFilterUnknownModel', { role: role.name, model: filter.model, suggestion: closestMatch(filter.model, byName.keys()) }, filter.location));
    else byName.set(filter.model, { ...model, filter: model.filter ? `(${model.filter}) and (${filter.where})` : filter.where });
  }
  return { role, models: models.map((m) => byName.get(m.name)!), refused };
}

function modelAccess(node: Manifest['nodes'][string], columns: readonly ColumnRule[]): ModelAccess {
  return { nodeId: node.uniqueId, name: node.name, relation: (node as { relation: Relation }).relation, columns };
}

/** Index of the highest level among the model's columns; -1 when none is classified. */
function modelLevel(governance: ManifestGovernance | undefined, nodeId: string): number {
  if (!governance) return -1;
  return Math.max(-1, ...Object.values(governance.columns[nodeId] ?? {}).map((c) => (c.level === undefined ? -1 : governance.levels.indexOf(c.level))));
}

function readsInClear(role: string, level: string | undefined, pii: readonly string[], classifications: Classifications | undefined): boolean {
  if (!classifications) return true;
  const allows = (readers: readonly string[] | undefined) => !readers || readers.length === 0 || readers.includes(role);
  return allows(classifications.levels.find((l) => l.name === level)?.readers) && pii.every((kind) => allows(classifications.pii.find((p) => p.name === kind)?.readers));
}

function maskingOf(level: string | undefined, pii: readonly string[], classifications: Classifications | undefined): AppliedMasking | undefined {
  const declared = [...pii.map((kind) => classifications?.pii.find((p) => p.name === kind)?.masking), classifications?.levels.find((l) => l.name === level)?.masking];
  return strongestMasking(declared);
}
