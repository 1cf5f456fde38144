/**
 * Grants drift: the rules the engine enforces against the rules the YAML declares, rule by rule.
 * A rule is known by its section and whom and what it matches (principal, catalog, schema,
 * table); it is missing, unexpected or changed (its privileges, masks or filter). Trino applies
 * the first rule that matches, so the same rules in another order are drift too.
 */
import type { TrinoRules } from './trino-rules.js';

export interface RuleDrift {
  readonly change: 'missing' | 'unexpected' | 'changed' | 'reordered';
  /** catalogs, schemas or tables. */
  readonly section: string;
  /** Whom and what the rule matches, e.g. `user=analyst catalog=iceberg schema=analytics table=dim_customers`. */
  readonly rule: string;
  /** For changed: the declared rule and the enforced one, as JSON. */
  readonly declared?: string;
  readonly enforced?: string;
}

const SECTIONS = ['catalogs', 'schemas', 'tables'] as const;
const IDENTITY = ['user', 'group', 'role', 'catalog', 'schema', 'table'];

/** JSON with keys sorted: a rule edited by hand with its keys in another order is the same rule. */
const canonical = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(canonical).join(',')}]`
    : value !== null && typeof value === 'object'
      ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`
      : JSON.stringify(value);

const identityOf = (rule: Record<string, unknown>) =>
  IDENTITY.filter((k) => rule[k] !== undefined)
    .map((k) => `${k}=${String(rule[k])}`)
    .join(' ') || '(every user)';

export function compareRules(declared: TrinoRules, enforced: Partial<Record<string, unknown>>): RuleDrift[] {
  const drift: RuleDrift[] = [];
  for (const section of SECTIONS) {
    const before = drift.length;
    const want = (declared[section] as unknown as readonly Record<string, unknown>[]).map((r) => [identityOf(r), canonical(r)] as const);
    const raw = enforced[section];
    const have = (Array.isArray(raw) ? (raw as Record<string, unknown>[]) : []).map((r) => [identityOf(r), canonical(r)] as const);
    const haveMap = new Map(have);
    const wantMap = new Map(want);
    for (const [rule, json] of want) {
      const other = haveMap.get(rule);
      if (other === undefined) drift.push({ change: 'missing', section, rule });
      else if (other !== json) drift.push({ change: 'changed', section, rule, declared: json, enforced: other });
    }
    for (const [rule] of have) if (!wantMap.has(rule)) drift.push({ change: 'unexpected', section, rule });
    const order = (list: readonly (readonly [string, string])[], keep: Map<string, string>) => list.map(([rule]) => rule).filter((r) => keep.has(r));
    if (drift.length === before && order(want, haveMap).join('\n') !== order(have, wantMap).join('\n')) drift.push({ change: 'reordered', section, rule: '(order of the rules)' });
  }
  for (const key of Object.keys(enforced)) {
    if (!(SECTIONS as readonly string[]).includes(key)) drift.push({ change: 'unexpected', section: key, rule: `(a ${key} section dpf does not write)` });
  }
  return drift;
}
