/**
 * grants: {select: [analyst, role:reporting]} becomes GRANT statements run right after the
 * relation is (re)built, since a rebuilt table starts without the old one's privileges. Only on
 * engines whose capabilities say they have grants; elsewhere the config is documentation.
 */
import type { ManifestNode } from '../compiler/manifest.js';
import type { MaterializationContext } from './materializations/materialization.js';

const PRIVILEGE = /^[a-z]+( [a-z]+)*$/;

export async function applyGrants(node: ManifestNode, ctx: MaterializationContext): Promise<void> {
  if ((node.kind !== 'model' && node.kind !== 'seed') || node.config.materialized === 'ephemeral') return;
  for (const [privilege, grantees] of Object.entries(node.config.grants ?? {})) {
    // The privilege is SQL, not a name: only words (select, insert, all privileges ...) pass.
    if (!PRIVILEGE.test(privilege)) throw new Error(`grants: "${privilege}" is not a privilege (use select, insert, update, delete ...)`);
    for (const grantee of grantees) {
      const role = /^role:(.+)$/.exec(grantee);
      const principal = role ? `role ${ctx.dialect.quoteIdentifier(role[1]!)}` : `user ${ctx.dialect.quoteIdentifier(grantee.replace(/^user:/, ''))}`;
      await ctx.execute(ctx.templates.render('grant', { privilege, relation: node.relationName, grantee: principal }));
    }
  }
}
