/**
 * The one stats query a monitor runs per table and build: the row count and, for every column
 * in one pass, null %, approximate distinct %, min/max (as text), mean and standard deviation
 * (numbers) and mean length (strings). templates/default/table_stats.sql.hbs, with a Trino
 * variant (approx_distinct, Bernoulli sampling). With `sample: N`, a table of more than N rows
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

export async function measureTable(node: MonitorNode, ctx: MonitorContext, columns: readonly ColumnDescription[]): Promise<TableStats> {
  const { dialect, templates } = ctx;
  const measuredAt = new Date().toISOString();
  let exactCount: number | undefined;
  let sample: { sample_rows: number; sample_percent: number } | undefined;
  if (node.config.sample !== undefined) {
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
  const specs = watchedColumns(node, columns).map((c, i) => {
    const values = !sensitive(c.name);
    return {
      column: c,
      name: dialect.quoteIdentifier(c.name),
      alias: `c${i}`,
      ordered: values && ORDERED.test(c.type.trim()),
      numeric: values && NUMERIC.test(c.type.trim()),
      text: values && TEXT.test(c.type.trim()),
    };
  });
  const loadedAt = node.loadedAtField;
  const sql = templates.render('table_stats', {
    relation: node.relationName,
    loaded_at: loadedAt,
    columns: specs,
    where: node.config.where,
    ...sample,
  });
  const result = await ctx.query(sql);
  const row = result.rows[0] ?? [];
  const value = (name: string) => {
    const i = result.columns.findIndex((c) => c.name.toLowerCase() === name);
    return i === -1 ? null : row[i];
  };
  const measured = num(value('row_count')) ?? 0;
  const stats: ColumnStats[] = specs.map((s) => {
    const nonNull = num(value(`${s.alias}_nn`)) ?? 0;
    const distinct = num(value(`${s.alias}_nd`));
    return {
      column: s.column.name,
      dataType: s.column.type,
      nullPct: measured === 0 ? null : (100 * (measured - nonNull)) / measured,
      distinctPct: nonNull === 0 || distinct === null ? null : Math.min(100, (100 * distinct) / nonNull),
      min: s.ordered ? text(value(`${s.alias}_min`)) : null,
      max: s.ordered ? text(value(`${s.alias}_max`)) : null,
      mean: s.numeric ? num(value(`${s.alias}_mean`)) : null,
      stddev: s.numeric ? num(value(`${s.alias}_sd`)) : null,
      meanLength: s.text ? num(value(`${s.alias}_len`)) : null,
    };
  });
  const maxLoaded = loadedAt ? text(value('max_loaded_at')) : null;
  const loadedTime = maxLoaded ? parseEngineTimestamp(maxLoaded) : NaN;
  return {
    relation: node.relationName,
    measuredAt,
    rowCount: sample ? exactCount! : measured,
    rowsAdded: null,
    sampledRows: sample ? measured : null,
    freshnessLagSeconds: Number.isNaN(loadedTime) ? null : Math.max(0, (Date.parse(measuredAt) - loadedTime) / 1000),
    columns: stats,
  };
}
