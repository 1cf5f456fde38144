/**
 * The access plan as Trino's file-based system access control rules (the `rules.json` that
 * etc/access-control.properties names as security.config-file; Trino re-reads it every
 * security.refresh-period). Rules are read top-down and the first that matches a user wins; no
 * match is a refusal. So: managing roles first (owners of every schema and table of the
 * catalog), then one table rule per role and model it reads, with its column masks, hidden
 * columns and row filter. A role's users and its groups get a rule each (a rule naming both
 * would need both to match). The file governs the whole server: catalogs it does not name are
 * closed to everyone but Trino's own `system`, whose query log (system.runtime.queries) only
 * managing roles read (for `dpf audit --warehouse`).
 */
import type { Dialect } from '../../adapters/adapter.js';
import { relationKey, type Relation } from '../../adapters/relation.js';
import type { Role } from './load-roles.js';
import type { AccessPlan, ColumnRule } from './plan-access.js';

export interface TrinoPrincipal {
  readonly user?: string;
  readonly group?: string;
}
export interface TrinoCatalogRule extends TrinoPrincipal {
  readonly catalog: string;
  readonly allow: 'all' | 'read-only' | 'none';
}
export interface TrinoSchemaRule extends TrinoPrincipal {
  readonly catalog: string;
  readonly schema: string;
  readonly owner: boolean;
}
export interface TrinoColumnRule {
  readonly name: string;
  readonly allow?: false;
  readonly mask?: string;
}
export interface TrinoTableRule extends TrinoPrincipal {
  readonly catalog: string;
  readonly schema?: string;
  readonly table?: string;
  readonly privileges: readonly string[];
  readonly columns?: readonly TrinoColumnRule[];
  readonly filter?: string;
}
export interface TrinoRules {
  readonly catalogs: readonly TrinoCatalogRule[];
  readonly schemas: readonly TrinoSchemaRule[];
  readonly tables: readonly TrinoTableRule[];
}

export interface TrinoRulesInput {
  readonly plan: AccessPlan;
  readonly catalog: string;
  readonly dialect: Dialect;
  /** relationKey → column (lower case) → Trino type, for the relations with masked columns that exist. */
  readonly columnTypes: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

const ALL_PRIVILEGES = ['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP', 'GRANT_SELECT'];

/** A regex that matches exactly these names (Trino matches rule patterns against the whole name). */
export const exactly = (names: readonly string[]) => names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');

/** The role's users and groups as rule principals: one for its users, one for its groups. */
export function principalsOf(role: Role): TrinoPrincipal[] {
  const p = role.principals.trino;
  const out: TrinoPrincipal[] = [];
  if (p && p.users.length > 0) out.push({ user: exactly(p.users) });
  if (p && p.groups.length > 0) out.push({ group: exactly(p.groups) });
  return out;
}

export function trinoRules(input: TrinoRulesInput): TrinoRules {
  const catalog = exactly([input.catalog.toLowerCase()]);
  const catalogs: TrinoCatalogRule[] = [];
  const schemas: TrinoSchemaRule[] = [];
  const tables: TrinoTableRule[] = [];
  const ordered = [...input.plan.roles.filter((r) => r.role.manage), ...input.plan.roles.filter((r) => !r.role.manage)];
  for (const access of ordered) {
    for (const who of principalsOf(access.role)) {
      if (access.role.manage) {
        catalogs.push({ ...who, catalog, allow: 'all' });
        schemas.push({ ...who, catalog, schema: '.*', owner: true });
        tables.push({ ...who, catalog, privileges: ALL_PRIVILEGES });
        // The user dpf builds as reads the query log: `dpf audit --warehouse` reports from it who read classified data.
        tables.push({ ...who, catalog: 'system', schema: 'runtime', table: 'queries', privileges: ['SELECT'] });
        continue;
      }
      if (access.models.length === 0) continue;
      catalogs.push({ ...who, catalog, allow: 'read-only' });
      for (const model of access.models) {
        const columns = model.columns.map((c) => columnRule(c, model.relation, input));
        tables.push({
          ...who,
          catalog,
          schema: exactly([model.relation.schema.toLowerCase()]),
          table: exactly([model.relation.identifier.toLowerCase()]),
          privileges: ['SELECT'],
          ...(columns.length > 0 ? { columns } : {}),
          ...(model.filter ? { filter: model.filter } : {}),
        });
      }
    }
  }
  return { catalogs, schemas, tables };
}

function columnRule(rule: ColumnRule, relation: Relation, input: TrinoRulesInput): TrinoColumnRule {
  const name = rule.column.toLowerCase();
  if (!rule.masking) return { name, allow: false };
  // A mask must have the column's type (the dialect nulls a number or a date). A column not
  // built yet is taken for varchar (what personal data mostly is).
  const type = input.columnTypes.get(relationKey(relation))?.get(name) ?? 'varchar';
  return { name, mask: input.dialect.maskExpression(rule.masking, input.dialect.quoteIdentifier(name), type) };
}

