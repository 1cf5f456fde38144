/**
 * Column-level lineage for the catalog: which columns of a model's refs and sources each of its
 * output columns is derived from, read from the model's compiled SQL with node-sql-parser.
 * It never queries the warehouse (the known columns come in with the relations) and never
 * throws: SQL it cannot parse or trace says so in `status` and `reason`.
 *
 * `columns` has every output column, in output order, named as the engine names it: the alias,
 * else the column as its relation spells it, else `_col<i>` by position for an unaliased
 * expression (DuckDB and Trino name those differently). An unresolved column keeps the sources
 * that could be traced; a `*` over a relation whose columns are unknown is the column `alias.*`.
 * Names are matched case-insensitively, as DuckDB and Trino match identifiers.
 */
import { parseCompiledSelect, type LineageEngine } from './column-lineage/parse-compiled-select.js';
import { uniqueSortedSources, type TracedColumn } from './column-lineage/resolve-column-names.js';
import { traceQuery } from './column-lineage/trace-select-columns.js';

export type { LineageEngine } from './column-lineage/parse-compiled-select.js';

export interface LineageRelation {
  /** e.g. 'model.shop.stg_orders' or 'source.shop.raw.customers' */
  readonly nodeId: string;
  readonly database?: string;
  readonly schema: string;
  readonly identifier: string;
  /** Known columns of the relation (from the warehouse), in order; empty if unknown. */
  readonly columns: readonly string[];
}

export interface ColumnSource {
  readonly nodeId: string;
  readonly column: string;
}

export interface ColumnLineage {
  /** 'ok': every output column resolved; 'partial': parsed, but some columns could not be traced (see `unresolved`); 'unparsed': the SQL could not be parsed at all */
  readonly status: 'ok' | 'partial' | 'unparsed';
  /** Why, in one sentence a user understands, when status is not 'ok' (include the parser's message for 'unparsed'). */
  readonly reason?: string;
  /** output column name -> the upstream columns it is derived from, de-duplicated, sorted by nodeId then column */
  readonly columns: Record<string, ColumnSource[]>;
  /** output columns whose sources could not be determined */
  readonly unresolved: string[];
}

export function columnLineage(input: {
  /** Compiled SQL of one model: a single SELECT (may start with WITH). */
  sql: string;
  engine: LineageEngine;
  /** The relations this model reads (its refs and sources). */
  relations: readonly LineageRelation[];
}): ColumnLineage {
  const parsed = parseCompiledSelect(input.sql, input.engine);
  if (!parsed.ok) return unparsed(parsed.reason);
  try {
    return summarize(traceQuery(parsed.select, { relations: input.relations, ctes: new Map() }));
  } catch (error) {
    // The tracer walks untyped parser output; a shape it mishandles must not stop `docs generate`.
    return unparsed(`Lineage could not be traced through this SQL: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function unparsed(reason: string): ColumnLineage {
  return { status: 'unparsed', reason, columns: {}, unresolved: [] };
}

/** Output columns that share a name (`select a.id, b.id`) are one entry with both sources. */
function summarize(traced: readonly TracedColumn[]): ColumnLineage {
  const columns = new Map<string, ColumnSource[]>();
  const problems = new Map<string, string>();
  for (const column of traced) {
    columns.set(column.name, uniqueSortedSources([...(columns.get(column.name) ?? []), ...column.sources]));
    if (column.problem !== undefined && !problems.has(column.name)) problems.set(column.name, column.problem);
  }
  const result = { columns: Object.fromEntries(columns), unresolved: [...problems.keys()] };
  if (problems.size === 0) return { status: 'ok', ...result };
  const [firstProblem] = problems.values();
  const reason = `${problems.size} of ${columns.size} output columns could not be traced: ${firstProblem}.`;
  return { status: 'partial', reason, ...result };
}
