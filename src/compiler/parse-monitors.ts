/**
 * Step 2b: monitors, on by default (`monitors: off` in dpf_project.yml turns them off;
 * docs/monitors.md). One monitor node per table, incremental model, snapshot,
 * seed and source (views, ephemeral models and sources read from files in place get none),
 * each with its settings: the defaults below, then dpf_project.yml's `monitors:`, then the
 * node's own `monitors:` config (folder `+monitors`, YAML `config:`, `{{config monitors="off"}}`).
 * Pure: nodes in, nodes out; the runner's monitor strategy (src/monitors/) runs them.
 */
import { COLUMN_METRICS, type ColumnMetric, type ExecutableNode, type MonitorConfig, type MonitorNode, type MonitorSettings, type SourceNode } from './manifest.js';

/** Elementary's defaults: 14 training points, at least 7, 3 standard deviations. */
export const MONITOR_DEFAULTS: MonitorConfig = {
  enabled: true,
  severity: 'warn',
  sensitivity: 3,
  training_window: 14,
  min_training_points: 7,
  // A pass over every column's values costs, on small tables, about what building them does
  // (docs/monitors.md, "Cost"): the row count, the schema and the load time are measured by
  // default, the values when asked for.
  column_stats: false,
  // min, max, stddev and distinct_pct are measured and kept, but judged only when asked for:
  // an approximate distinct count and the extremes of growing keys move without anything wrong.
  metrics: ['null_pct', 'mean', 'mean_length'],
  tags: [],
  meta: {},
};

/** dpf_project.yml `monitors:` — the settings, or false / 'off' for none. */
export type ProjectMonitors = MonitorSettings | false | 'off' | undefined;

/** The settings after defaults, project and node levels; undefined: no monitor. */
export function monitorConfig(project: ProjectMonitors, own: MonitorSettings | 'off' | boolean | undefined): MonitorConfig | undefined {
  if (project === false || project === 'off' || own === 'off' || own === false) return undefined;
  const levels = [project ?? {}, typeof own === 'object' ? own : {}];
  let config: MonitorConfig = MONITOR_DEFAULTS;
  for (const level of levels) {
    const { seasonality, metrics, ...rest } = level;
    config = {
      ...config,
      ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
      ...(seasonality === 'day_of_week' ? { seasonality } : seasonality === 'none' ? { seasonality: undefined } : {}),
      ...(metrics ? { metrics: metrics.filter((m): m is ColumnMetric => COLUMN_METRICS.includes(m)) } : {}),
    };
  }
  return config.enabled ? config : undefined;
}

/** Whether a node of this kind and materialization gets a monitor. */
function watched(node: ExecutableNode | SourceNode): boolean {
  switch (node.kind) {
    case 'model':
      return node.config.materialized === 'table' || node.config.materialized === 'incremental';
    case 'snapshot':
    case 'seed':
      return true;
    case 'source':
      return !node.externalLocation;
  }
}

export function monitorNodes(projectName: string, nodes: readonly (ExecutableNode | SourceNode)[], project: ProjectMonitors): Record<string, MonitorNode> {
  const out: Record<string, MonitorNode> = {};
  for (const node of nodes) {
    if (!watched(node)) continue;
    const own = node.kind === 'source' ? undefined : node.config.monitors;
    const config = monitorConfig(project, own);
    if (!config) continue;
    const base = node.kind === 'source' ? `${node.sourceName}.${node.tableName}` : node.name;
    const growing = node.kind === 'snapshot' || (node.kind === 'model' && node.config.materialized === 'incremental');
    const monitor: MonitorNode = {
      kind: 'monitor',
      uniqueId: `monitor.${projectName}.${base}`,
      name: `monitor_${base.replace(/\./g, '_')}`,
      packageName: node.packageName,
      originalFilePath: node.originalFilePath,
      fqn: [...node.fqn.slice(0, -1), `monitor_${node.fqn.at(-1)}`],
      description: `Anomaly monitor of ${node.kind} ${base}: volume, schema changes, column drift, duration${node.kind === 'source' && (node.loadedAtField ?? node.freshness?.loadedAtField) ? ', freshness' : ''}.`,
      tags: [...new Set([...node.tags, ...config.tags])],
      meta: config.meta,
      config,
      attachedNode: node.uniqueId,
      dependsOn: [node.uniqueId],
      relation: node.relation,
      relationName: node.relationName,
      growing,
      ...(node.kind === 'source' && (node.loadedAtField ?? node.freshness?.loadedAtField) ? { loadedAtField: node.loadedAtField ?? node.freshness?.loadedAtField } : {}),
    };
    out[monitor.uniqueId] = monitor;
  }
  return out;
}
