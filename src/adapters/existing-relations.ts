/**
 * What exists in the warehouse, for the schemas a set of relations lives in: one listing per
 * schema, looked up by relationKey. Shared by the runner (what to replace, what to reuse),
 * --defer (what is missing here), clone (what not to overwrite) and the docs site's catalog
 * (what is built). It speaks only the Connection interface, so it lives with the adapters.
 */
import type { Connection, RelationInfo, RelationType } from './adapter.js';
import { relationKey, type Relation } from './relation.js';

/** Temporary relations that only a killed run leaves behind. */
const LEFTOVER = /^(.*)__dpf_(tmp|backup)$/;

export async function existingRelations(
  connection: Connection,
  relations: Iterable<Relation>,
  options: { createSchemas?: boolean; dropLeftovers?: boolean } = {},
): Promise<Map<string, RelationType>> {
  const schemas = new Map<string, Relation>();
  for (const r of relations) schemas.set(`${r.database ?? ''}\u0000${r.schema}`, r);
  const existing = new Map<string, RelationType>();
  for (const r of schemas.values()) {
    if (options.createSchemas) await connection.createSchema(r.schema, r.database);
    const listed = await connection.listRelations(r.schema, r.database);
    const leftovers = options.dropLeftovers ? listed.filter((info) => LEFTOVER.test(info.identifier)) : [];
    for (const info of listed) if (!leftovers.includes(info)) existing.set(relationKey(info), info.type);
    for (const restored of await recoverLeftovers(connection, leftovers, existing)) existing.set(relationKey(restored), restored.type);
  }
  return existing;
}

/**
 * A run killed in the middle of a swap (on engines without transactional DDL) may have left
 * <name>__dpf_backup: the old, complete relation, moved aside. Where <name> itself is missing,
 * it is put back, so that the name never stays empty. A <name>__dpf_tmp is a staging relation
 * that a killed run may have left half filled (a seed loaded in batches stops after any batch),
 * and nothing records whether it was finished: it is always dropped, never published, and a
 * missing <name> is simply built again by the next run that selects it. Returns the relations
 * put back under their names.
 */
async function recoverLeftovers(connection: Connection, leftovers: RelationInfo[], existing: Map<string, RelationType>): Promise<RelationInfo[]> {
  const restored: RelationInfo[] = [];
  for (const info of leftovers) {
    const [, base, kind] = LEFTOVER.exec(info.identifier)!;
    if (kind === 'backup' && !existing.has(relationKey({ ...info, identifier: base! }))) {
      await connection.renameRelation(info, base!, info.type);
      restored.push({ ...info, identifier: base! });
    } else {
      await connection.dropRelation(info, info.type);
    }
  }
  return restored;
}
