/**
 * The first of the two guards of a read-only query (the Explore page): the text must be one
 * SELECT (or WITH … SELECT), or it does not reach the engine. The second guard is the engine's
 * own read-only mode (AdapterOpenOptions.readOnly), which also stops what a parser could miss.
 *
 * 1. A second statement after a semicolon is refused (DPF181), found by the lexical scan of
 *    src/adapters/statement-boundaries.ts, which knows literals and comments.
 * 2. node-sql-parser (PostgreSQL's grammar, which DuckDB's follows) reads the text: anything but
 *    one `select` is refused (DPF180), named by its kind (DROP, INSERT, SET ...).
 * 3. Engines read more than that grammar (DuckDB's `select * exclude (a)`, `from t`): when it
 *    cannot parse the text, the statement's first keyword decides, and only SELECT and WITH pass
 *    (COPY, ATTACH, INSTALL, PRAGMA, DESCRIBE ... do not); a WITH that holds INSERT, UPDATE,
 *    DELETE or MERGE outside literals does not either.
 * 4. The parentheses must balance outside literals and comments, so that the text can be
 *    wrapped (`select * from (<text>) limit n`, `copy (<text>) to ...`) without escaping it.
 */
import { createRequire } from 'node:module';
import { codeOnly, lineAt, parenthesesBalanced, secondStatementStart, withoutTrailingTerminators } from '../adapters/statement-boundaries.js';
import { fail } from '../errors/dpf-error.js';

interface SqlParser {
  astify(sql: string, options: { database: string }): unknown;
}

let parser: SqlParser | undefined;
/** One dialect's build, loaded on first use (the package's index loads every dialect). */
function sqlParser(): SqlParser {
  if (!parser) {
    const build = createRequire(import.meta.url)('node-sql-parser/build/postgresql.js') as { Parser: new () => SqlParser };
    parser = new build.Parser();
  }
  return parser;
}

const ALLOWED_FIRST_WORDS = new Set(['select', 'with']);

/** The statement without its trailing semicolons, if it is one read-only query; else a DpfError. */
export function readOnlyStatement(sql: string): string {
  const second = secondStatementStart(sql);
  if (second !== undefined) fail('ExploreMultipleStatements', { line: lineAt(sql, second) });
  const statement = withoutTrailingTerminators(sql).trim();
  const word = firstWord(statement);
  if (!word) fail('ExploreNotReadOnly', { statement: 'empty' });
  let kinds: string[] | undefined;
  try {
    const ast = sqlParser().astify(statement, { database: 'postgresql' });
    kinds = (Array.isArray(ast) ? ast : [ast]).map((node) => String((node as { type?: unknown }).type ?? 'unknown'));
  } catch {
    kinds = undefined; // beyond the parser's grammar: the first keyword decides (step 3)
  }
  if (kinds && (kinds.length !== 1 || kinds[0] !== 'select')) fail('ExploreNotReadOnly', { statement: (kinds.find((k) => k !== 'select') ?? kinds[0] ?? word).toUpperCase() });
  if (!ALLOWED_FIRST_WORDS.has(word)) fail('ExploreNotReadOnly', { statement: word.toUpperCase() });
  // DuckDB takes `with … insert/update/delete`; the parser that would see it did not read the text.
  const write = !kinds && word === 'with' ? /\b(insert|update|delete|merge)\b/i.exec(codeOnly(statement)) : null;
  if (write) fail('ExploreNotReadOnly', { statement: write[1]!.toUpperCase() });
  if (!parenthesesBalanced(statement)) fail('ExploreNotReadOnly', { statement: 'unbalanced (its parentheses do not close)' });
  return statement;
}

/** The first keyword, past comments and opening parentheses (`(select 1) union (select 2)`). */
function firstWord(sql: string): string | undefined {
  const rest = sql.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*/, '');
  return /^[A-Za-z_]+/.exec(rest)?.[0].toLowerCase();
}
