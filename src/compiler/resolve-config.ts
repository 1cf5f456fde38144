/**
 * Config precedence, as in dbt: folder defaults in dpf_project.yml (+key, deeper folders win),
 * then the YAML `config:` of the node, then {{config ...}} in its SQL. Tags accumulate across
 * levels and meta merges; every other key is replaced by the more specific level.
 */

export type RawConfig = Record<string, unknown>;

/** Collects +key configs along the fqn path under `models:` or `seeds:` of dpf_project.yml. */
export function folderConfig(tree: Record<string, unknown> | undefined, fqn: string[], used: Set<string>): RawConfig[] {
  const levels: RawConfig[] = [];
  let node: unknown = tree;
  const path: string[] = [];
  for (const part of fqn) {
    if (!node || typeof node !== 'object') break;
    const next = (node as Record<string, unknown>)[part];
    if (next === undefined || next === null || typeof next !== 'object') break;
    path.push(part);
    used.add(path.join('.'));
    const level: RawConfig = {};
    for (const [key, value] of Object.entries(next as Record<string, unknown>)) {
      if (key.startsWith('+')) level[key.slice(1)] = value;
    }
    levels.push(level);
    node = next;
  }
  return levels;
}

/** Every folder path under `models:`/`seeds:`, to warn about those that match nothing. */
export function configPaths(tree: Record<string, unknown> | undefined, prefix: string[] = []): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(tree ?? {})) {
    if (key.startsWith('+') || !value || typeof value !== 'object') continue;
    const path = [...prefix, key];
    out.push(path.join('.'));
    out.push(...configPaths(value as Record<string, unknown>, path));
  }
  return out;
}

export function toTags(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(String);
  return String(value)
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

export function mergeConfigs(levels: RawConfig[]): RawConfig {
  const merged: RawConfig = {};
  const tags: string[] = [];
  let meta: Record<string, unknown> = {};
  for (const level of levels) {
    for (const [key, value] of Object.entries(level)) {
      if (key === 'tags') tags.push(...toTags(value));
      else if (key === 'meta') meta = { ...meta, ...(value as Record<string, unknown>) };
      else merged[key] = value;
    }
  }
  merged.tags = [...new Set(tags)];
  merged.meta = meta;
  return merged;
}

/** dbt's rule: a custom schema lands in <target>_<custom> unless the project asks for exact names. */
export function resolveSchema(targetSchema: string, custom: string | undefined, strategy: 'target_prefix' | 'suffix' | 'exact' = 'target_prefix'): string {
  if (!custom) return targetSchema;
  return strategy === 'exact' ? custom : `${targetSchema}_${custom}`;
}
