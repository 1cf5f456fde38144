/**
 * The engine a conformance test runs against: DuckDB (a fresh file per project; `npm test`) or a
 * real Trino server (`npm run test:trino`, which starts one and sets DPF_TEST_ADAPTER=trino and
 * DPF_TRINO_URL). Each project gets its own schema, and tests read back what landed through
 * dpf's own adapter, the same way on every engine.
 */
import { randomBytes } from 'node:crypto';
import { adapterFactory } from '../../src/adapters/index.js';
import type { Adapter, Connection, LogicalType, TargetConfig } from '../../src/adapters/adapter.js';
import type { Relation } from '../../src/compiler/manifest.js';
import { writeFiles, tempDir } from '../helpers/run-dpf.js';

export type AdapterName = 'duckdb' | 'trino';

export const ADAPTER: AdapterName = process.env.DPF_TEST_ADAPTER === 'trino' ? 'trino' : 'duckdb';

/** Picks the expectation for the engine under test where the engines legitimately differ. */
export function perEngine<T>(values: Record<AdapterName, T>): T {
  return values[ADAPTER];
}

function trinoServer(): { host: string; port: number } {
  const url = process.env.DPF_TRINO_URL;
  if (!url) throw new Error('DPF_TEST_ADAPTER=trino needs DPF_TRINO_URL (npm run test:trino sets both)');
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

export interface TestWarehouse {
  readonly dir: string;
  /** The target schema models build into (unique per project on a shared server). */
  readonly schema: string;
  /** profiles.yml text for a profile of this name pointing at this project's engine and schema. */
  profileYaml(profileName: string): string;
  /** The relation's rendered name, as dpf writes it in compiled SQL. */
  relation(identifier: string, schema?: string): string;
  /** The relation as the adapter's methods take it (this project's schema unless given). */
  relationOf(identifier: string, schema?: string): Relation;
  /** The engine's name for a logical type. */
  typeName(type: LogicalType): string;
  /** A connection of dpf's adapter on this project's engine, for the adapter's own methods. */
  withConnection<T>(fn: (connection: Connection) => Promise<T>): Promise<T>;
  /** Runs SQL on the engine (landing source data, reading results) through dpf's adapter. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  execute(...statements: string[]): Promise<void>;
  /** Replaces a table with the rows of a query (landing data the way an EL tool would). */
  land(schema: string, table: string, select: string): Promise<void>;
  /** Drops every schema the project created (a shared server stays clean). */
  dropSchemas(): Promise<void>;
}

/** A project with a profile for the engine under test, plus the given files. */
export function conformanceProject(files: Record<string, string>, projectYml = 'name: proj\n'): TestWarehouse {
  const dir = tempDir('dpf-conformance-');
  const schema = ADAPTER === 'trino' ? `t_${randomBytes(5).toString('hex')}` : 'main';
  const settings: Record<string, unknown> =
    ADAPTER === 'trino'
      ? // The hive catalog (sql-standard security, for grants) lets the admin role create schemas.
        { type: 'trino', ...trinoServer(), user: 'admin', catalog: 'iceberg', schema, threads: 4, http_headers: { 'X-Trino-Role': 'hive=ROLE{admin}' } }
      : { type: 'duckdb', path: 'target/dev.duckdb', schema, threads: 4 };
  const profileYaml = (profileName: string) => `${profileName}:\n  target: dev\n  outputs:\n    dev: ${JSON.stringify(settings)}\n`;
  // SCHEMA_x in a file names schema x of this project (<target schema>_x), unique on a shared server.
  const placed = Object.fromEntries(Object.entries(files).map(([path, text]) => [path, text.replaceAll('SCHEMA_', `${schema}_`)]));
  writeFiles(dir, { 'dpf_project.yml': projectYml, 'profiles.yml': profileYaml('proj'), ...placed });
  const target: TargetConfig = {
    profileName: 'proj',
    targetName: 'dev',
    type: ADAPTER,
    schema,
    database: ADAPTER === 'trino' ? 'iceberg' : undefined,
    threads: 1,
    settings,
    secrets: [],
  };
  const factory = adapterFactory(ADAPTER);
  const dialect = factory.dialect(target);
  const withAdapter = async <T>(fn: (adapter: Adapter) => Promise<T>): Promise<T> => {
    const adapter = factory.create(target, dir);
    await adapter.open();
    try {
      return await fn(adapter);
    } finally {
      await adapter.close();
    }
  };
  const warehouse: TestWarehouse = {
    dir,
    schema,
    profileYaml,
    relation: (identifier, s = schema) => dialect.renderRelation({ database: target.database, schema: s, identifier }),
    relationOf: (identifier, s = schema) => ({ database: target.database, schema: s, identifier }),
    typeName: (type) => dialect.typeName(type),
    withConnection: (fn) => withAdapter((a) => a.withConnection(fn)),
    query: (sql) =>
      withAdapter((a) =>
        a.withConnection(async (c) => {
          const result = await c.query(sql);
          return result.rows.map((row) => Object.fromEntries(result.columns.map((col, i) => [col.name, row[i]])));
        }),
      ),
    execute: (...statements) =>
      withAdapter((a) =>
        a.withConnection(async (c) => {
          for (const s of statements) await c.execute(s);
        }),
      ),
    land: (s, table, select) =>
      withAdapter((a) =>
        a.withConnection(async (c) => {
          await c.createSchema(s, target.database);
          const relation = { database: target.database, schema: s, identifier: table };
          await c.dropRelation(relation, 'table');
          await c.execute(`create table ${dialect.renderRelation(relation)} as ${select}`);
        }),
      ),
    dropSchemas: () =>
      withAdapter((a) =>
        a.withConnection(async (c) => {
          if (ADAPTER !== 'trino') return;
          for (const catalog of ['iceberg', 'hive']) {
            const schemas = await c.query(`select schema_name from ${catalog}.information_schema.schemata where schema_name like '${schema}%'`);
            for (const [name] of schemas.rows) await c.dropSchema(String(name), catalog);
          }
        }),
      ),
  };
  return warehouse;
}

/** Rows with every value as a string (engines return numbers, decimals and timestamps differently). */
export function asText(rows: Record<string, unknown>[]): Record<string, string | null>[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])));
}
