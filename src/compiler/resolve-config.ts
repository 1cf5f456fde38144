/**
 * Config precedence, as in dbt: folder defaults in dpf_project.yml (+key, deeper folders win),
 * then the YAML `config:` of the node, then {{config ...}} in its SQL. Tags accumulate across
 * levels and meta merges; every other key is replaced by the more specific level.
 */

export type RawConfig = Record<string, unknown>;

/**
 * A folder under `models:`/`seeds:` is a mapping under a key without "+". Every other entry is a
 * config: "+key", or a key without "+" and with a plain value (`materialized: table`), which dbt
 * accepts too. The schema allows the latter only for known config keys.
 */
const isFolder = (key: string, value: unknown): value is Record<string, unknown> =>
  !key.startsWith('+') && value !== null && typeof value === 'object' && !Array.isArray(value);

function configsOf(level: Record<string, unknown>): RawConfig {
  const out: RawConfig = {};
  for (const [key, value] of Object.entries(level)) {
    if (!isFolder(key, value)) out[key.replace(/^\+/, '')] = value;
  }
  return out;
}

/**
 * Collects the configs along the fqn path under `models:` or `seeds:` of dpf_project.yml:
 * those at the top of the tree (they apply to every node, as dbt's do), then one level per
 * folder of the path that the tree names.
 */
export function folderConfig(tree: Record<string, unknown> | undefined, fqn: string[], used: Set<string>): RawConfig[] {
  if (!tree) return [];
  const top = configsOf(tree);
  const levels: RawConfig[] = Object.keys(top).length > 0 ? [top] : [];
  let node: Record<string, unknown> = tree;
  const path: string[] = [];
  for (const part of fqn) {
    const next = node[part];
    if (!isFolder(part, next)) break;
    path.push(part);
    used.add(path.join('.'));
    levels.push(configsOf(next));
    node = next;
  }
  return levels;
}

/** Every folder path under `models:`/`seeds:`, to warn about those that match nothing. */
export function configPaths(tree: Record<string, unknown> | undefined, prefix: string[] = []): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(tree ?? {})) {
    if (!isFolder(key, value)) continue;
    const path = [...prefix, key];
    out.push(path.join('.'));
    out.push(...configPaths(value, path));
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
