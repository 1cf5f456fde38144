/**
 * Where a relation lives in the warehouse: (database, schema, identifier). Adapters take and
 * return these; the manifest gives every node one. Plain data, no engine knowledge.
 */
export interface Relation {
  readonly database?: string;
  readonly schema: string;
  readonly identifier: string;
}

/** Engines fold unquoted names differently; dpf's own relations compare case-insensitively. */
export const relationKey = (r: Relation) => `${r.database ?? ''}\u0000${r.schema}\u0000${r.identifier}`.toLowerCase();
