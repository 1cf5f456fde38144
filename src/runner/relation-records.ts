/**
 * What each relation that dpf built holds, kept in the warehouse beside it
 * (dpf_meta.relation_builds, one row per relation): the stateChecksum of the code that built
 * it, a data version that changes every time its contents are replaced, the data versions of
 * the inputs it read, and whether the record is complete.
 *
 * The runner, not a history listener, writes these records, around every replacement:
 * before a run replaces anything it marks the records of the relations it will replace as
 * incomplete (one committed statement), and only after a relation is replaced is its new
 * record written. A run that is killed, or whose last write fails, leaves incomplete records,
 * and an incomplete or missing record is never reused. This works the same with and without
 * transactions (Trino commits every statement), so there is one protocol for every engine.
 */
import type { Connection, Dialect } from '../adapters/adapter.js';
import type { Relation } from '../compiler/manifest.js';
import type { SqlTemplates } from '../adapters/sql-templates.js';

export const RECORDS: Relation = { schema: 'dpf_meta', identifier: 'relation_builds' };
const BATCH = 500;

export interface RelationRecord {
  /** The relation as rendered, e.g. "main"."orders": the key. */
  readonly relationName: string;
  readonly uniqueId: string;
  readonly stateChecksum: string;
  /** Changes whenever the relation's contents are replaced; what downstream records store. */
  readonly dataVersion: string;
  /** Input (relation name of a model, seed, snapshot or source) -> the data version read. */
  readonly inputs: Readonly<Record<string, string>>;
  /** false: a run set out to replace the relation and did not record the end. */
  readonly complete: boolean;
}

export interface RecordStore {
  load(): Promise<Map<string, RelationRecord>>;
  /** Marks records incomplete before their relations are replaced. */
  markReplacing(relationNames: readonly string[]): Promise<void>;
  save(records: readonly RelationRecord[], invocationId: string): Promise<void>;
  /** Forgets the records of relations written without one (clone). */
  forget(relationNames: readonly string[]): Promise<void>;
}

/** Borrows a connection for one piece of work (Adapter.withConnection). */
export type WithConnection = <T>(fn: (connection: Connection) => Promise<T>) => Promise<T>;

export function recordStore(withConnection: WithConnection, dialect: Dialect, templates: SqlTemplates, database?: string): RecordStore {
  const relation = dialect.renderRelation({ ...RECORDS, database });
  const text = (v: string) => dialect.literal(v, 'text');
  const names = (list: readonly string[]) => list.map(text).join(', ');
  let ready: Promise<void> | undefined;
  const ensure = () =>
    (ready ??= withConnection(async (connection) => {
      await connection.createSchema(RECORDS.schema, database);
      await connection.execute(templates.render('relation_builds_create', { relation }));
    }));
  const inBatches = (list: readonly string[], fn: (connection: Connection, batch: readonly string[]) => Promise<unknown>) =>
    withConnection(async (connection) => {
      for (let i = 0; i < list.length; i += BATCH) await fn(connection, list.slice(i, i + BATCH));
    });
  return {
    async load() {
      await ensure();
      const result = await withConnection((connection) => connection.query(templates.render('relation_builds_select', { relation })));
      const records = new Map<string, RelationRecord>();
      for (const [relationName, uniqueId, stateChecksum, dataVersion, inputs, complete] of result.rows) {
        records.set(String(relationName), {
          relationName: String(relationName),
          uniqueId: String(uniqueId),
          stateChecksum: String(stateChecksum),
          dataVersion: String(dataVersion),
          inputs: parseInputs(inputs),
          complete: complete === true || String(complete).toLowerCase() === 'true',
        });
      }
      return records;
    },
    async markReplacing(relationNames) {
      if (relationNames.length === 0) return;
      await ensure();
      await inBatches(relationNames, (connection, batch) => connection.execute(templates.render('relation_builds_mark', { relation, relation_names: names(batch) })));
    },
    async save(records, invocationId) {
      if (records.length === 0) return;
      await ensure();
      const now = new Date().toISOString();
      const columns = ['relation_name', 'unique_id', 'state_checksum', 'data_version', 'inputs', 'complete', 'invocation_id', 'built_at'].map((n) => ({
        name: dialect.quoteIdentifier(n),
      }));
      // Delete and insert commit together where the engine has transactions; elsewhere a kill
      // between them leaves no record, which counts as unknown too.
      await withConnection((connection) => connection.transaction(async () => {
        for (let i = 0; i < records.length; i += BATCH) {
          const batch = records.slice(i, i + BATCH);
          await connection.execute(templates.render('relation_builds_delete', { relation, relation_names: names(batch.map((r) => r.relationName)) }));
          const rows = batch.map((r) =>
            [
              text(r.relationName),
              text(r.uniqueId),
              text(r.stateChecksum),
              text(r.dataVersion),
              text(JSON.stringify(r.inputs)),
              dialect.literal(r.complete, 'boolean'),
              text(invocationId),
              text(now),
            ].join(', '),
          );
          await connection.execute(templates.render('insert_values', { relation, columns, rows }));
        }
      }));
    },
    async forget(relationNames) {
      if (relationNames.length === 0) return;
      await ensure();
      await inBatches(relationNames, (connection, batch) => connection.execute(templates.render('relation_builds_delete', { relation, relation_names: names(batch) })));
    },
  };
}

function parseInputs(value: unknown): Record<string, string> {
  try {
    const parsed = JSON.parse(String(value)) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
  } catch {
    return {}; // an unreadable list of inputs matches no current version: the node rebuilds
  }
}
