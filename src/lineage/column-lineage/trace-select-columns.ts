/**
 * Traces each output column of a parsed SELECT to the columns of the model's refs and sources:
 * WITH, UNION, FROM and the select list, in that order. A CTE is visible to what follows it and
 * a nearer WITH shadows a farther one; how a single name resolves is resolve-column-names.ts.
 *
 * An output column is derived from the columns its expression reads: CASE conditions, window
 * partitions and orderings and aggregate FILTERs included; WHERE, JOIN, GROUP BY, HAVING and
 * ORDER BY never. A subquery inside an expression contributes its output columns only.
 */
import type { LineageRelation } from '../column-lineage.js';
import { astNodes, identifierText, isAstNode, selectOf, type AstNode } from './parse-compiled-select.js';
import {
  combine, derivedRelation, findModelRelation, findRelation, modelRelation, resolveQualified, resolveUnqualified,
  sameName, untraceableRelation, untraced, type Scope, type ScopeRelation, type TracedColumn,
} from './resolve-column-names.js';

export interface QueryContext {
  readonly relations: readonly LineageRelation[];
  /** CTEs visible here, by lower-case name. */
  readonly ctes: ReadonlyMap<string, readonly TracedColumn[]>;
  /** The scope a correlated subquery may reach out to. */
  readonly outer?: Scope;
}

/** A SELECT, possibly WITH and UNION: output column i of a UNION comes from column i of every branch. */
export function traceQuery(select: AstNode, context: QueryContext): TracedColumn[] {
  const withCtes = defineCtes(select.with, context);
  const branches: TracedColumn[][] = [];
  for (let branch: unknown = select; isAstNode(branch); branch = branch._next) {
    branches.push(traceSelect(branch, branch === select ? withCtes : defineCtes(branch.with, withCtes)));
  }
  const [head, ...rest] = branches;
  if (rest.length === 0) return head;
  const mismatch = 'the branches of the UNION have different numbers of columns';
  return head.map((column, i) => combine(column.name, [column, ...rest.map((b) => b[i] ?? untraced(column.name, mismatch))]));
}

function defineCtes(withClause: unknown, context: QueryContext): QueryContext {
  const ctes = astNodes(withClause);
  if (ctes.length === 0) return context;
  const visible = new Map(context.ctes);
  const inner = { ...context, ctes: visible };
  for (const cte of ctes) {
    const name = identifierText(cte.name)?.toLowerCase();
    const body = selectOf(cte.stmt);
    if (name === undefined || body === undefined) continue;
    const columnNames = astNodes(cte.columns).map((c) => identifierText(c.type === 'column_ref' ? c.column : c));
    // The later branches of a recursive CTE read the CTE itself: they see its first branch.
    if (cte.recursive === true) visible.set(name, renamed(traceSelect(body, inner), columnNames));
    visible.set(name, renamed(traceQuery(body, inner), columnNames));
  }
  return inner;
}

/** Applies a column list such as `cte(a, b)` or `AS s(a, b)`, by position. */
function renamed(columns: readonly TracedColumn[], names: readonly (string | undefined)[]): TracedColumn[] {
  return columns.map((column, i) => ({ ...column, name: names[i] ?? column.name }));
}

function traceSelect(select: AstNode, context: QueryContext): TracedColumn[] {
  const scope = scopeOf(select, context);
  const output: TracedColumn[] = [];
  for (const item of astNodes(select.columns)) output.push(...traceSelectItem(item, output.length, scope, context));
  return output;
}

function scopeOf(select: AstNode, context: QueryContext): Scope {
  const from = astNodes(select.from);
  const relations: ScopeRelation[] = [];
  const scope: Scope = {
    relations,
    usingColumns: lowerCaseNames(from.flatMap((item) => (Array.isArray(item.using) ? item.using.map(identifierText) : []))),
    namedWindows: namedWindowsOf(select.window),
    aliases: new Map(),
    lambdaParameters: new Set(),
    outer: context.outer,
  };
  // Filled in FROM order, so a table function sees the relations before it (LATERAL).
  for (const item of from) relations.push(relationOf(item, scope, context));
  return scope;
}

function namedWindowsOf(windowClause: unknown): ReadonlyMap<string, unknown> {
  const windows = isAstNode(windowClause) ? astNodes(windowClause.expr) : [];
  return new Map(windows.flatMap((w) => {
    const name = identifierText(w.name);
    return name === undefined ? [] : [[name.toLowerCase(), w.as_window_specification] as const];
  }));
}

function relationOf(item: AstNode, scope: Scope, context: QueryContext): ScopeRelation {
  const { alias, columnNames } = splitAlias(identifierText(item.as));
  const subquery = selectOf(item.expr);
  if (subquery) {
    const label = alias === undefined ? 'a subquery' : `subquery ${alias}`;
    return derivedRelation(alias ?? 'subquery', label, renamed(traceQuery(subquery, context), columnNames));
  }
  const table = identifierText(item.table);
  if (table === undefined) return tableFunctionRelation(alias, columnNames, item.expr, scope, context);
  const qualifiers = [item.db, item.schema].map(identifierText).filter((q): q is string => Boolean(q));
  const cte = qualifiers.length === 0 ? context.ctes.get(table.toLowerCase()) : undefined;
  if (cte) return derivedRelation(alias ?? table, `CTE ${table}`, cte);
  const label = [...qualifiers, table].map((part) => `"${part}"`).join('.');
  const relation = findModelRelation(context.relations, qualifiers, table);
  return relation ? modelRelation(alias ?? table, label, relation) : untraceableRelation(alias ?? table, label);
}

/** node-sql-parser keeps a derived table's column list in its alias: `u(item)`. */
function splitAlias(written: string | undefined): { alias: string | undefined; columnNames: string[] } {
  const match = written === undefined ? null : /^(.*?)\s*\((.*)\)$/s.exec(written);
  if (!match) return { alias: written, columnNames: [] };
  const unquote = (name: string) => name.trim().replace(/^"(.*)"$/s, '$1');
  return { alias: unquote(match[1]), columnNames: match[2].split(',').map(unquote) };
}

/** `unnest(o.items) AS u(item)`, `read_csv(…)` or VALUES: each column is derived from what the arguments read. */
function tableFunctionRelation(
  alias: string | undefined, columnNames: readonly string[], expression: unknown, scope: Scope, context: QueryContext,
): ScopeRelation {
  const found: TracedColumn[] = [];
  collectColumnsRead(expression, scope, context, found);
  const trace = (column: string) => combine(column, found);
  const functionName = isAstNode(expression) && isAstNode(expression.name) ? identifierText(astNodes(expression.name.name)[0]) : undefined;
  const label = functionName === undefined ? 'a VALUES list' : `${functionName}(…)`;
  // read_csv('…') and the like read no column: their columns come from files, not from SQL.
  if (functionName !== undefined && found.length === 0 && columnNames.length === 0) return untraceableRelation(alias ?? functionName, label);
  const relation = { alias: alias ?? functionName ?? 'values', label, columns: columnNames.map(trace) };
  return columnNames.length > 0 ? relation : { ...relation, traceUnlisted: trace };
}

function traceSelectItem(item: AstNode, position: number, scope: Scope, context: QueryContext): TracedColumn[] {
  // Most dialects wrap an item as { type: 'expr', expr }; PostgreSQL's `x::int AS a` is the cast node itself.
  const expression = typeof item.type === 'string' && item.type !== 'expr' ? item : item.expr;
  if (isAstNode(expression) && expression.type === 'column_ref' && identifierText(expression.column) === '*') {
    return expandStar(expression, scope);
  }
  const found: TracedColumn[] = [];
  collectColumnsRead(expression, scope, context, found);
  const alias = identifierText(item.as);
  // An unaliased column keeps the name its relation spells it with, as the engines name it.
  const name = alias ?? (isColumnReference(expression) && found.length === 1 ? found[0].name : `_col${position}`);
  const traced = combine(name, found);
  if (alias !== undefined) scope.aliases.set(alias.toLowerCase(), traced);
  return [traced];
}

function isColumnReference(expression: unknown): boolean {
  return isAstNode(expression) && (expression.type === 'column_ref' || expression.type === 'double_quote_string');
}

/** `*` or `alias.*`, minus DuckDB's `EXCLUDE (…)`; a USING column is listed once. */
function expandStar(star: AstNode, scope: Scope): TracedColumn[] {
  const qualifier = identifierText(star.table);
  const qualified = qualifier === undefined ? undefined : findRelation(scope, qualifier);
  if (qualifier !== undefined && qualified === undefined) return [untraced(`${qualifier}.*`, `no relation is called ${qualifier}`)];
  const excluded = excludedColumns(star.suffix);
  const expanded: TracedColumn[] = [];
  for (const relation of qualified ? [qualified] : scope.relations) {
    for (const column of listableColumns(relation)) {
      if (excluded.has(column.name.toLowerCase())) continue;
      const merged = qualified ? -1 : usingDuplicate(expanded, column.name, scope);
      if (merged >= 0) expanded[merged] = combine(expanded[merged].name, [expanded[merged], column]);
      else expanded.push(column);
    }
  }
  return expanded;
}

/** The columns a star lists: the known ones, or one placeholder when none are known. */
function listableColumns(relation: ScopeRelation): readonly TracedColumn[] {
  if (relation.columns.length > 0 || !relation.traceUnlisted) return relation.columns;
  const name = `${relation.alias}.*`;
  return [{ ...untraced(name, `the columns of ${relation.label} are unknown, so ${name} cannot be listed`), unexpanded: relation }];
}

function usingDuplicate(expanded: readonly TracedColumn[], name: string, scope: Scope): number {
  return scope.usingColumns.has(name.toLowerCase()) ? expanded.findIndex((c) => sameName(c.name, name)) : -1;
}

function excludedColumns(suffix: unknown): ReadonlySet<string> {
  const isExclude = isAstNode(suffix) && isAstNode(suffix.name) && astNodes(suffix.name.name).some((n) => sameName(identifierText(n) ?? '', 'exclude'));
  return lowerCaseNames(isExclude && isAstNode(suffix.args) ? astNodes(suffix.args.value).map((ref) => identifierText(ref.column)) : []);
}

function lowerCaseNames(names: readonly (string | undefined)[]): ReadonlySet<string> {
  return new Set(names.flatMap((name) => (name === undefined ? [] : [name.toLowerCase()])));
}

/** Appends to `found` every column `expression` reads, walking whatever node types the dialect built. */
function collectColumnsRead(expression: unknown, scope: Scope, context: QueryContext, found: TracedColumn[]): void {
  if (Array.isArray(expression)) {
    for (const part of expression) collectColumnsRead(part, scope, context, found);
    return;
  }
  if (!isAstNode(expression)) return;
  switch (expression.type) {
    case 'column_ref':
      found.push(...traceColumnReference(expression, scope));
      return;
    case 'double_quote_string': // DuckDB and Trino quote identifiers, never strings, with "
      found.push(resolveUnqualified(scope, String(expression.value)));
      return;
    case 'lambda':
      collectColumnsRead(expression.expr, withLambdaParameters(scope, expression.args), context, found);
      return;
    case 'window':
      if (typeof expression.as_window_specification === 'string') {
        collectColumnsRead(scope.namedWindows.get(expression.as_window_specification.toLowerCase()), scope, context, found);
        return;
      }
  }
  const subquery = selectOf(expression);
  if (subquery) {
    found.push(...traceQuery(subquery, { ...context, outer: scope }));
    return;
  }
  for (const child of Object.values(expression)) collectColumnsRead(child, scope, context, found);
}

function withLambdaParameters(scope: Scope, args: unknown): Scope {
  const names = lowerCaseNames(isAstNode(args) ? astNodes(args.value).map(identifierText) : []);
  return { ...scope, lambdaParameters: new Set([...scope.lambdaParameters, ...names]) };
}

/** `count(*)` and `row(t.*)` read no particular column. */
function traceColumnReference(reference: AstNode, scope: Scope): TracedColumn[] {
  const column = identifierText(reference.column);
  if (column === undefined || column === '*') return [];
  const qualifier = identifierText(reference.table);
  return [qualifier === undefined ? resolveUnqualified(scope, column) : resolveQualified(scope, qualifier, column)];
}

