/**
 * What exists in the warehouse, for the schemas a set of relations lives in: one listing per
 * schema, looked up by relationKey. Shared by the runner (what to replace, what to reuse),
 * --defer (what is missing here) and clone (what not to overwrite).
 */
import type { Connection, RelationType } from '../adapters/adapter.js';
import type { Relation } from '../compiler/manifest.js';

/** Engines fold unquoted names differently; dpf's own relations compare case-insensitively. */
export const relationKey = (r: Relation) => `${r.database ?? ''}\u0000${r.schema}\u0000${r.identifier}`.toLowerCase();

/** Temporary relations that only a killed run leaves behind. */
const LEFTOVER = /__dpf_(tmp|backup)$/;

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
    for (const info of await connection.listRelations(r.schema, r.database)) {
      // A killed run may have left a temporary relation; the next run recovers by dropping it.
      if (options.dropLeftovers && LEFTOVER.test(info.identifier)) await connection.dropRelation(info, info.type);
      else existing.set(relationKey(info), info.type);
    }
  }
  return existing;
}
