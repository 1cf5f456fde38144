/**
 * grants: {select: [analyst, role:reporting]} becomes GRANT statements run right after the
 * relation is (re)built, since a rebuilt table starts without the old one's privileges. For
 * each privilege the config names, grantees it no longer lists are revoked (tables that
 * persist between runs, such as incremental ones, would keep them otherwise); privileges the
 * config does not name are left alone. Only on engines whose capabilities say they have grants.
 */
import type { ManifestNode, Relation } from '../compiler/manifest.js';
import { isExecutable, isEphemeral } from '../compiler/node-kinds.js';
import type { MaterializationContext } from './materializations/materialization.js';

const PRIVILEGE = /^[a-z]+( [a-z]+)*$/;

interface Principal {
  readonly kind: 'user' | 'role';
  readonly name: string;
}

export async function applyGrants(node: ManifestNode, ctx: MaterializationContext): Promise<void> {
  if (!isExecutable(node) || isEphemeral(node) || !node.config.grants) return;
  const wanted = Object.entries(node.config.grants).map(([privilege, grantees]) => {
    // The privilege is SQL, not a name: only words pass. The YAML schema already rejects anything
    // else with its file and line; this guard keeps SQL out whatever the config came through.
    if (!PRIVILEGE.test(privilege)) throw new Error(`grants: "${privilege}" is not a privilege (use select, insert, update, delete ...)`);
    return { privilege, principals: grantees.map(principalOf) };
  });
  const current = await currentGrants(node.relation, ctx);
  const me = String(await ctx.queryValue('select current_user')).toLowerCase();
  const same = (a: Principal, b: Principal) => a.kind === b.kind && a.name.toLowerCase() === b.name.toLowerCase();
  for (const { privilege, principals } of wanted) {
    const held = current.filter((g) => g.privilege === privilege);
    for (const p of principals) {
      if (!held.some((g) => same(g.principal, p))) await ctx.execute(render(ctx, 'grant', privilege, node.relationName, p));
    }
    for (const g of held) {
      const owner = g.principal.kind === 'user' && g.principal.name.toLowerCase() === me;
      if (!owner && !principals.some((p) => same(p, g.principal))) await ctx.execute(render(ctx, 'revoke', privilege, node.relationName, g.principal));
    }
  }
}

function principalOf(grantee: string): Principal {
  const role = /^role:(.+)$/.exec(grantee);
  return role ? { kind: 'role', name: role[1]! } : { kind: 'user', name: grantee.replace(/^user:/, '') };
}

async function currentGrants(relation: Relation, ctx: MaterializationContext) {
  const result = await ctx.query(
    ctx.templates.render('show_grants', {
      database: relation.database ? ctx.dialect.quoteIdentifier(relation.database) : undefined,
      schema: ctx.dialect.literal(relation.schema, 'text'),
      table: ctx.dialect.literal(relation.identifier, 'text'),
    }),
  );
  return result.rows.map(([privilege, grantee, type]) => ({
    privilege: String(privilege).toLowerCase(),
    principal: { kind: String(type).toUpperCase() === 'ROLE' ? 'role' : 'user', name: String(grantee) } as Principal,
  }));
}

function render(ctx: MaterializationContext, template: 'grant' | 'revoke', privilege: string, relation: string, p: Principal): string {
  return ctx.templates.render(template, { privilege, relation, grantee: `${p.kind} ${ctx.dialect.quoteIdentifier(p.name)}` });
}
