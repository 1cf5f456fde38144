/**
 * Runs one statement on Trino through trino-client and drains it: Trino answers a POST with
 * the first page and a nextUri, and a query is only complete (and its error known) once every
 * page is read. The client returns query errors in the page instead of throwing; they become
 * TrinoQueryError here. JSON numbers are parsed losslessly: a BIGINT beyond 2^53 stays exact
 * (as a string) instead of being rounded by JSON.parse.
 */
import { isInteger, isSafeNumber, parse as parseLossless } from 'lossless-json';
import type { QueryResult as TrinoPage, Trino } from 'trino-client';

export interface StatementResult {
  readonly columns: { name: string; type: string }[];
  readonly rows: unknown[][];
  /** Rows written by INSERT, CTAS, UPDATE, DELETE or MERGE. */
  readonly updateCount?: number;
}

/** Trino rejected the statement: its message, error name (SYNTAX_ERROR, TABLE_NOT_FOUND, ...) and position. */
export class TrinoQueryError extends Error {
  constructor(
    readonly errorName: string,
    readonly trinoMessage: string,
  ) {
    super(`${errorName}: ${trinoMessage}`);
    this.name = 'TrinoQueryError';
  }
}

/** The page as Trino sends it; trino-client's type leaves out the update fields. */
type Page = TrinoPage & { updateCount?: number; updateType?: string };

export async function runStatement(client: Trino, sql: string, limit?: number): Promise<StatementResult> {
  const pages = await client.query(stripTerminator(sql));
  let columns: { name: string; type: string }[] = [];
  const rows: unknown[][] = [];
  let updateCount: number | undefined;
  const seen = new Set<Page>();
  // The iterator's last step (done) hands back the final page, which is the first one when
  // the server answered in a single page: read every page exactly once.
  for (;;) {
    const step = await pages.next();
    const page = step.value as Page | undefined;
    if (page && !seen.has(page)) {
      seen.add(page);
      if (page.error) throw new TrinoQueryError(page.error.errorName, page.error.message);
      if (page.columns) columns = page.columns.map((c) => ({ name: c.name, type: c.type }));
      if (page.data && (limit === undefined || rows.length < limit)) rows.push(...page.data);
      if (page.updateCount !== undefined) updateCount = Number(page.updateCount);
    }
    if (step.done) break;
  }
  return { columns, rows: limit === undefined ? rows : rows.slice(0, limit), updateCount };
}

/** Trino takes one statement without a trailing semicolon. */
function stripTerminator(sql: string): string {
  return sql.trimEnd().replace(/;+$/, '');
}

/** JSON.parse, except that integers JavaScript cannot hold exactly stay strings. */
export function parseTrinoJson(text: unknown): unknown {
  if (typeof text !== 'string' || text === '') return text;
  return parseLossless(text, undefined, (value: string) => (isInteger(value) && !isSafeNumber(value) ? value : Number(value)));
}
