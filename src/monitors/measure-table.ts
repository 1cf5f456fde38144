/**
 * The stats monitors take of their tables: the row count, the newest load time (sources with
 * loaded_at_field) and, with `column_stats`, for every column in one pass: null %, approximate
 * distinct %, min/max (as text), mean and standard deviation (numbers) and mean length
 * (strings); without it, the columns' names and types only. Several tables are measured in one statement (templates
 * table_stats.sql.hbs: one row per table, `union all`), because on small tables the cost of a
 * statement is most of the cost of measuring; a batch the engine refuses is measured table by
 * table, so one table's error stays that table's. With `sample: N`, a table of more than N rows
 * is measured on a sample of about N rows (its row count stays exact: one count first).
 */
import { parseEngineTimestamp } from '../adapters/engine-timestamp.js';
import { isSensitiveColumn } from '../compiler/sensitive-columns.js';
import type { ColumnDescription } from '../adapters/adapter.js';
import type { MonitorNode } from '../compiler/manifest.js';
import type { MonitorContext } from './monitor-context.js';
import type { ColumnStats, TableStats } from './monitor-findings.js';

const NUMERIC = /^(tinyint|smallint|int|integer|bigint|hugeint|ubigint|uinteger|usmallint|utinyint|int\d|decimal|numeric|real|float\d*|double)\b/i;
const ORDERED = /^(tinyint|smallint|int|integer|bigint|hugeint|ubigint|uinteger|usmallint|utinyint|int\d|decimal|numeric|real|float\d*|double|date|timestamp|time|varchar|char|text|string)\b/i;
const TEXT = /^(varchar|char|text|string)\b/i;

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number.isFinite(Number(v)) ? Number(v) : null);
const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** The columns a monitor watches: the config's list, else every column. */
export function watchedColumns(node: MonitorNode, columns: readonly ColumnDescription[]): ColumnDescription[] {
  const wanted = node.config.columns?.map((c) => c.toLowerCase());
  return wanted ? columns.filter((c) => wanted.includes(c.name.toLowerCase())) : [...columns];
}

/** A table to measure: the monitor and the relation's columns. */
export interface TableToMeasure {
  readonly node: MonitorNode;
  readonly columns: readonly ColumnDescription[];
  /**
   * The table's row count as its build in this run reported it (a table or seed replaced in
   * full): with no column values or load time to measure, the table needs no statement.
   */
  readonly rowCount?: number;
}

interface ColumnSpec {
  readonly column: ColumnDescription;
  /** Its values are measured (column_stats); else only its name and type are kept (schema changes). */
  readonly measured: boolean;
  /** Quoted, for the template. */
  readonly name: string;
  readonly ordered: boolean;
  readonly numeric: boolean;
  readonly text: boolean;
}

interface TableSpec {
  readonly node: MonitorNode;
  readonly columns: readonly ColumnSpec[];
  readonly rowCount?: number;
  readonly exactCount?: number;
  readonly sample?: { readonly sample_rows: number; readonly sample_percent: number };
}

/**
 * Measures the tables, in one statement where the engine takes it. Each entry of the answer is
 * that table's stats, or the error measuring it alone gave.
 */
export async function measureTables(tables: readonly TableToMeasure[], ctx: MonitorContext): Promise<(TableStats | Error)[]> {
  const measuredAt = new Date().toISOString();
  const specs: (TableSpec | Error)[] = [];
  for (const table of tables) specs.push(await tableSpec(table, ctx).catch(asError));
  const ready = specs.filter((s): s is TableSpec => !(s instanceof Error) && !known(s));
  let measured: Map<TableSpec, TableStats | Error>;
  try {
    measured = await measureTogether(ready, ctx, measuredAt);
  } catch (err) {
    if (ready.length === 1) measured = new Map([[ready[0]!, asError(err)]]);
    else {
      // Alone, each table's error (a where that does not bind, a type the engine cannot
      // aggregate) is its own monitor's, and the others are measured.
      measured = new Map();
      for (const spec of ready) measured.set(spec, await measureTogether([spec], ctx, measuredAt).then((m) => m.get(spec)!, asError));
    }
  }
  return specs.map((s) => (s instanceof Error ? s : known(s) ? statsOf(s, (key) => (key === 'row_count' ? s.rowCount : null), measuredAt) : measured.get(s)!));
}

/** A table whose one figure, its row count, its build reported. */
const known = (spec: TableSpec): boolean => spec.rowCount !== undefined && !spec.node.loadedAtField && spec.columns.every((c) => !c.measured);

async function tableSpec({ node, columns, rowCount }: TableToMeasure, ctx: MonitorContext): Promise<TableSpec> {
  const { dialect, templates } = ctx;
  let exactCount: number | undefined;
  let sample: TableSpec['sample'];
  const measured = node.config.column_stats || node.config.columns !== undefined;
  // Without column values to measure, the one count is exact and needs no sample.
  if (node.config.sample !== undefined && measured) {
    // Counted over the rows the monitor watches (its where), as the stats query measures them.
    exactCount = Number(await ctx.queryValue(templates.render('count_rows', { relation: node.relationName, where: node.config.where })));
    if (exactCount > node.config.sample) {
      sample = { sample_rows: node.config.sample, sample_percent: Math.min(100, (100 * node.config.sample) / exactCount) };
    }
  }
  // Personal data (meta pii/sensitive, or such a tag) is measured by counts only: its values,
  // extremes and means would otherwise land in dpf_meta.table_stats for anyone to read.
  const watched = ctx.manifest.nodes[node.attachedNode];
  const sensitive = (column: string) => !!watched && 'columns' in watched && isSensitiveColumn(watched, column);
  const specs = watchedColumns(node, columns).map((c): ColumnSpec => {
    const values = measured && !sensitive(c.name);
    return {
      column: c,
      measured,
      name: dialect.quoteIdentifier(c.name),
      ordered: values && ORDERED.test(c.type.trim()),
      numeric: values && NUMERIC.test(c.type.trim()),
      text: values && TEXT.test(c.type.trim()),
    };
  });
  return { node, columns: specs, exactCount, sample, rowCount };
}

/**
 * The names of the values the template lists for a table, in its order: the row count, the
 * newest load time, then per column its non-null count, distinct count, extremes (ordered
 * types), mean and deviation (numbers) and mean length (strings).
 */
function statKeys(spec: TableSpec): string[] {
  const keys = ['row_count'];
  if (spec.node.loadedAtField) keys.push('max_loaded_at');
  spec.columns.forEach((c, i) => {
    if (!c.measured) return;
    keys.push(`c${i}_nn`, `c${i}_nd`);
    if (c.ordered) keys.push(`c${i}_min`, `c${i}_max`);
    if (c.numeric) keys.push(`c${i}_mean`, `c${i}_sd`);
    if (c.text) keys.push(`c${i}_len`);
  });
  return keys;
}

async function measureTogether(specs: readonly TableSpec[], ctx: MonitorContext, measuredAt: string): Promise<Map<TableSpec, TableStats>> {
  if (specs.length === 0) return new Map();
  const sql = ctx.templates.render('table_stats', {
    tables: specs.map((s, index) => ({
      index,
      relation: s.node.relationName,
      loaded_at: s.node.loadedAtField,
      columns: s.columns,
      where: s.node.config.where,
      ...s.sample,
    })),
  });
  const result = await ctx.query(sql);
  const answers = new Map<number, unknown[]>();
  for (const [index, values] of result.rows) answers.set(Number(index), Array.isArray(values) ? values : []);
  const measured = new Map<TableSpec, TableStats>();
  specs.forEach((spec, index) => {
    const keys = statKeys(spec);
    const values = answers.get(index);
    if (!values || values.length !== keys.length) {
      throw new Error(`the stats of ${spec.node.relationName} came back with ${values?.length ?? 'no'} values where ${keys.length} were asked for (a bug in dpf's table_stats template)`);
    }
    const byKey = new Map(keys.map((k, i) => [k, values[i]]));
    measured.set(spec, statsOf(spec, (key) => byKey.get(key) ?? null, measuredAt));
  });
  return measured;
}

function statsOf(spec: TableSpec, value: (key: string) => unknown, measuredAt: string): TableStats {
  const measured = num(value('row_count')) ?? 0;
  const columns: ColumnStats[] = spec.columns.flatMap((s, i) => {
    if (!s.measured) return [];
    const nonNull = num(value(`c${i}_nn`)) ?? 0;
    const distinct = num(value(`c${i}_nd`));
    return {
      column: s.column.name,
      dataType: s.column.type,
      nullPct: measured === 0 ? null : (100 * (measured - nonNull)) / measured,
      distinctPct: nonNull === 0 || distinct === null ? null : Math.min(100, (100 * distinct) / nonNull),
      min: s.ordered ? text(value(`c${i}_min`)) : null,
      max: s.ordered ? text(value(`c${i}_max`)) : null,
      mean: s.numeric ? num(value(`c${i}_mean`)) : null,
      stddev: s.numeric ? num(value(`c${i}_sd`)) : null,
      meanLength: s.text ? num(value(`c${i}_len`)) : null,
    };
  });
  const maxLoaded = spec.node.loadedAtField ? text(value('max_loaded_at')) : null;
  const loadedTime = maxLoaded ? parseEngineTimestamp(maxLoaded) : NaN;
  return {
    relation: spec.node.relationName,
    measuredAt,
    rowCount: spec.sample ? spec.exactCount! : measured,
    rowsAdded: null,
    sampledRows: spec.sample ? measured : null,
    freshnessLagSeconds: Number.isNaN(loadedTime) ? null : Math.max(0, (Date.parse(measuredAt) - loadedTime) / 1000),
    schema: spec.columns.map((s) => ({ name: s.column.name, type: s.column.type })),
    columns,
  };
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
