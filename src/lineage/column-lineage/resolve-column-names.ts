/**
 * The relations a query's FROM clause names, and how a column name resolves among them: a
 * ref's or source's known column, a CTE's or subquery's traced column, or a problem saying why
 * it cannot be traced. Names resolve as DuckDB and Trino resolve them: the FROM clause, then
 * earlier select-list aliases (DuckDB allows them), then the enclosing query (correlation).
 */
import type { ColumnSource, LineageRelation } from '../column-lineage.js';

/** One output column of a query and where its values come from. */
export interface TracedColumn {
  readonly name: string;
  /** De-duplicated, sorted by nodeId then column. */
  readonly sources: readonly ColumnSource[];
  /** Why `sources` may be incomplete; absent when they are complete. */
  readonly problem?: string;
  /** Set on the `alias.*` placeholder for a star that could not be listed: the relation it stands for. */
  readonly unexpanded?: ScopeRelation;
}

/** A relation a FROM clause reads: a ref or source, a CTE, a subquery, or something untraceable. */
export interface ScopeRelation {
  readonly alias: string;
  /** How messages name it, e.g. `"main"."stg_orders"`. */
  readonly label: string;
  /** The known columns, in order. */
  readonly columns: readonly TracedColumn[];
  /** Present when `columns` may be incomplete: traces a column that is not listed. */
  readonly traceUnlisted?: (column: string) => TracedColumn;
}

export interface Scope {
  readonly relations: readonly ScopeRelation[];
  /** Lower-case names of columns joined with USING: one merged column, not an ambiguity. */
  readonly usingColumns: ReadonlySet<string>;
  readonly namedWindows: ReadonlyMap<string, unknown>;
  /** Select-list aliases traced so far, filled in as the select list is read. */
  readonly aliases: Map<string, TracedColumn>;
  readonly lambdaParameters: ReadonlySet<string>;
  readonly outer?: Scope;
}

/** Matches `[database.]schema.identifier` as written, case-insensitively; the database only when both sides name one. */
export function findModelRelation(
  relations: readonly LineageRelation[], qualifiers: readonly string[], identifier: string,
): LineageRelation | undefined {
  const [database, schema] = qualifiers.length >= 2 ? qualifiers.slice(-2) : [undefined, qualifiers[0]];
  const matches = relations.filter((r) =>
    sameName(r.identifier, identifier) &&
    (schema === undefined || sameName(r.schema, schema)) &&
    (database === undefined || r.database === undefined || sameName(r.database, database)));
  return matches.length === 1 ? matches[0] : undefined;
}

export function modelRelation(alias: string, label: string, relation: LineageRelation): ScopeRelation {
  const trace = (column: string): TracedColumn => ({ name: column, sources: [{ nodeId: relation.nodeId, column }] });
  const columns = relation.columns.map(trace);
  return columns.length > 0 ? { alias, label, columns } : { alias, label, columns, traceUnlisted: trace };
}

/** A CTE or subquery; a star in it that could not be listed lets unlisted names through to its relation. */
export function derivedRelation(alias: string, label: string, columns: readonly TracedColumn[]): ScopeRelation {
  const unexpanded = columns.flatMap((c) => (c.unexpanded ? [c.unexpanded] : []));
  if (unexpanded.length === 0) return { alias, label, columns };
  const traceUnlisted = (column: string) =>
    resolveAmong(unexpanded, new Set(), column) ?? untraced(column, `${label} has no column ${column}`);
  return { alias, label, columns, traceUnlisted };
}

export function untraceableRelation(alias: string, label: string): ScopeRelation {
  const problem = `${label} is not one of this model's refs or sources`;
  return { alias, label, columns: [], traceUnlisted: (column) => untraced(column, problem) };
}

export function resolveUnqualified(scope: Scope, name: string): TracedColumn {
  if (scope.lambdaParameters.has(name.toLowerCase())) return { name, sources: [] };
  const resolved = resolveAmong(scope.relations, scope.usingColumns, name) ?? scope.aliases.get(name.toLowerCase());
  if (resolved) return resolved;
  return scope.outer ? resolveUnqualified(scope.outer, name) : untraced(name, `no relation in the FROM clause has a column ${name}`);
}

/** Undefined when none of `relations` can hold `name`; a problem when more than one might. */
function resolveAmong(relations: readonly ScopeRelation[], usingColumns: ReadonlySet<string>, name: string): TracedColumn | undefined {
  const listed = relations.flatMap((relation) => listedColumn(relation, name) ?? []);
  if (listed.length === 1) return listed[0];
  if (listed.length > 1) {
    return usingColumns.has(name.toLowerCase()) ? combine(listed[0].name, listed) : untraced(name, `${name} is in more than one of the joined relations`);
  }
  const open = relations.filter((relation) => relation.traceUnlisted);
  if (open.length === 1 && open[0].traceUnlisted) return open[0].traceUnlisted(name);
  if (open.length > 1) return untraced(name, `${name} could come from ${listOfAliases(open)}, whose columns are unknown`);
  return undefined;
}

/** `alias.column`, or DuckDB's `struct_column.field` when no relation is called `alias`. */
export function resolveQualified(scope: Scope, qualifier: string, name: string): TracedColumn {
  const relation = findRelation(scope, qualifier);
  if (relation) {
    return listedColumn(relation, name) ?? relation.traceUnlisted?.(name) ?? untraced(name, `${relation.label} has no column ${name}`);
  }
  const struct = resolveUnqualified(scope, qualifier);
  return struct.problem ? untraced(name, `no relation is called ${qualifier}`) : { ...struct, name };
}

export function findRelation(scope: Scope, alias: string): ScopeRelation | undefined {
  return scope.relations.find((relation) => sameName(relation.alias, alias)) ?? (scope.outer && findRelation(scope.outer, alias));
}

function listedColumn(relation: ScopeRelation, name: string): TracedColumn | undefined {
  return relation.columns.find((column) => sameName(column.name, name));
}

function listOfAliases(relations: readonly ScopeRelation[]): string {
  const aliases = relations.map((relation) => relation.alias);
  return aliases.length <= 2 ? aliases.join(' or ') : `${aliases.slice(0, -1).join(', ')} or ${aliases.at(-1)}`;
}

/** One column reading all of `parts`: their sources merged, the first problem kept. */
export function combine(name: string, parts: readonly TracedColumn[]): TracedColumn {
  const sources = uniqueSortedSources(parts.flatMap((part) => part.sources));
  const problem = parts.find((part) => part.problem)?.problem;
  return problem === undefined ? { name, sources } : { name, sources, problem };
}

export function untraced(name: string, problem: string): TracedColumn {
  return { name, sources: [], problem };
}

export function uniqueSortedSources(sources: readonly ColumnSource[]): ColumnSource[] {
  const unique = new Map(sources.map((source) => [`${source.nodeId}\u0000${source.column}`, source]));
  return [...unique.values()].sort((a, b) => compareText(a.nodeId, b.nodeId) || compareText(a.column, b.column));
}

/** Code-point order: the same on every machine, unlike localeCompare. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** DuckDB and Trino both resolve identifiers case-insensitively, quoted or not. */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
