/**
 * DuckDB has no users: whoever opens the database file reads every table. What dpf can give a
 * role there is a schema of its own, `<target schema>_<role>`, with a view per model it may read,
 * its masked columns masked, hidden ones left out and its row filter applied: for tools and
 * notebooks that should see what the role sees (docs/governance.md#access-by-role). A
 * convenience, not a wall. Managing roles get no schema (they read the tables themselves).
 */
import type { Dialect } from '../../adapters/adapter.js';
import type { RuleDrift } from './compare-rules.js';
import type { EnforceInput, Enforcer } from './enforcer.js';
import type { AccessPlan, ModelAccess, RoleAccess } from './plan-access.js';

const readers = (plan: AccessPlan) => plan.roles.filter((r) => !r.role.manage);
const schemaOf = (input: EnforceInput, access: RoleAccess) => `${input.target.schema}_${access.role.name}`;

export const duckdbViews: Enforcer = {
  async apply(plan, input, adapter) {
    const wrote: string[] = [];
    await adapter.withConnection(async (connection) => {
      for (const access of readers(plan)) {
        const schema = schemaOf(input, access);
        const existing = await connection.listRelations(schema);
        const wanted = new Set(access.models.map((m) => m.relation.identifier.toLowerCase()));
        for (const stale of existing.filter((r) => !wanted.has(r.identifier.toLowerCase()))) await connection.dropRelation(stale, stale.type);
        if (access.models.length === 0) continue;
        await connection.createSchema(schema);
        for (const model of access.models) await connection.execute(viewSql(model, schema, adapter.dialect));
        wrote.push(schema);
      }
    });
    return wrote;
  },
  async check(plan, input, adapter) {
    const drift: RuleDrift[] = [];
    await adapter.withConnection(async (connection) => {
      for (const access of readers(plan)) {
        const schema = schemaOf(input, access);
        const existing = new Set((await connection.listRelations(schema)).map((r) => r.identifier.toLowerCase()));
        const wanted = new Set(access.models.map((m) => m.relation.identifier.toLowerCase()));
        for (const name of wanted) if (!existing.has(name)) drift.push({ change: 'missing', section: 'views', rule: `${schema}.${name}` });
        for (const name of existing) if (!wanted.has(name)) drift.push({ change: 'unexpected', section: 'views', rule: `${schema}.${name}` });
      }
    });
    return { enforced: `the role schemas of ${input.target.schema}`, drift };
  },
};

/** `select * exclude (hidden) replace (mask as column) from relation where filter`, as a view in the role's schema. */
export function viewSql(model: ModelAccess, schema: string, dialect: Dialect): string {
  const q = dialect.quoteIdentifier;
  const hidden = model.columns.filter((c) => !c.masking).map((c) => q(c.column));
  const masked = model.columns.filter((c) => c.masking).map((c) => `${dialect.maskExpression(c.masking!, q(c.column))} as ${q(c.column)}`);
  const star = ['*', hidden.length > 0 ? `exclude (${hidden.join(', ')})` : '', masked.length > 0 ? `replace (${masked.join(', ')})` : ''].filter(Boolean).join(' ');
  const where = model.filter ? `\nwhere ${model.filter}` : '';
  return `create or replace view ${dialect.renderRelation({ schema, identifier: model.relation.identifier })} as\nselect ${star}\nfrom ${dialect.renderRelation(model.relation)}${where}`;
}
