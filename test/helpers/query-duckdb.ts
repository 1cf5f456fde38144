/** Reads a DuckDB file directly (not through dpf) so that tests check what really landed. */
import { DuckDBInstance } from '@duckdb/node-api';

export async function queryDuckDB(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export async function relationsIn(path: string): Promise<string[]> {
  const rows = await queryDuckDB(
    path,
    // dpf_meta holds dpf's own build history, not the project's relations.
    "select table_schema || '.' || table_name as name from information_schema.tables where table_schema <> 'dpf_meta' order by 1",
  );
  return rows.map((r) => String(r.name));
}
