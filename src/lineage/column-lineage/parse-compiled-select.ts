/**
 * Parses one model's compiled SQL into node-sql-parser's SELECT node, trying the parser
 * dialects closest to the engine in turn; below, accessors for the few node shapes tracing
 * reads. It never throws: a failure becomes a reason a user can read. It traces nothing.
 */
import { createRequire } from 'node:module';

export type LineageEngine = 'duckdb' | 'trino';
type Dialect = 'postgresql' | 'trino' | 'snowflake';

/**
 * Closest dialect first. DuckDB's grammar is PostgreSQL's; node-sql-parser's Trino grammar
 * rejects scalar subqueries in the select list, so PostgreSQL backs it up. Snowflake comes last
 * for both: it alone reads QUALIFY, GROUP BY ALL and `* EXCLUDE`, but it takes a bare
 * double-quoted identifier for a string (tracing reads those as columns).
 */
const DIALECTS: Record<LineageEngine, readonly Dialect[]> = {
  duckdb: ['postgresql', 'snowflake'],
  trino: ['trino', 'postgresql', 'snowflake'],
};

/** How many of a parse error's expected tokens the reason keeps; the rest are noise to a user. */
const EXPECTED_TOKENS_SHOWN = 5;

export type ParsedSelect =
  | { readonly ok: true; readonly select: AstNode }
  | { readonly ok: false; readonly reason: string };

export function parseCompiledSelect(sql: string, engine: LineageEngine): ParsedSelect {
  let firstError: unknown;
  for (const dialect of DIALECTS[engine]) {
    try {
      return onlySelect(parserFor(dialect).astify(sql, { database: dialect }));
    } catch (error) {
      firstError ??= error;
    }
  }
  return { ok: false, reason: parseFailureReason(firstError) };
}

function onlySelect(ast: unknown): ParsedSelect {
  const statements = Array.isArray(ast) ? astNodes(ast) : [ast];
  if (statements.length !== 1) {
    return { ok: false, reason: `The SQL holds ${statements.length} statements; lineage reads a model's single SELECT.` };
  }
  const [statement] = statements;
  return isAstNode(statement) && statement.type === 'select'
    ? { ok: true, select: statement }
    : { ok: false, reason: 'The SQL is not a SELECT, so it has no output columns to trace.' };
}

interface SqlParser {
  astify(sql: string, options: { database: Dialect }): unknown;
}

const requireParserBuild = createRequire(import.meta.url);
/**
 * Each dialect's build is a few hundred kB that only `dpf docs generate` needs, so it is loaded
 * on first use and kept: the parser holds no state between statements.
 */
const parsers = new Map<Dialect, SqlParser>();

function parserFor(dialect: Dialect): SqlParser {
  const loaded = parsers.get(dialect);
  if (loaded) return loaded;
  const build = requireParserBuild(`node-sql-parser/build/${dialect}.js`) as { Parser: new () => SqlParser };
  const parser = new build.Parser();
  parsers.set(dialect, parser);
  return parser;
}

function parseFailureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `node-sql-parser could not parse this SQL${positionOf(error)}: ${shortenExpectedTokens(message)}`;
}

/** ` at line 3, column 7` from a PEG.js syntax error, or nothing. */
function positionOf(error: unknown): string {
  const start = isAstNode(error) && isAstNode(error.location) ? error.location.start : undefined;
  if (!isAstNode(start) || typeof start.line !== 'number' || typeof start.column !== 'number') return '';
  return ` at line ${start.line}, column ${start.column}`;
}

/** `Expected "(", ",", … (60 more) but "t" found.` keeps the part that helps: what was found. */
function shortenExpectedTokens(message: string): string {
  const match = /^Expected (.*) but (.*) found\.$/s.exec(message);
  if (!match) return message;
  const expected = match[1].split(', ');
  if (expected.length <= EXPECTED_TOKENS_SHOWN) return message;
  return `Expected ${expected.slice(0, EXPECTED_TOKENS_SHOWN).join(', ')}, … but ${match[2]} found.`;
}

// node-sql-parser's own typings are loose and its dialects disagree (a column is `"a"` in one and
// `{ expr: { value: "a" } }` in another), so these accessors narrow `unknown` and accept every
// form we have seen.

export type AstNode = Readonly<Record<string, unknown>>;

export function isAstNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function astNodes(value: unknown): AstNode[] {
  return Array.isArray(value) ? value.filter(isAstNode) : [];
}

/** An identifier as written: `"a"`, `{ value: "a" }` or `{ expr: { value: "a" } }`. */
export function identifierText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!isAstNode(value)) return undefined;
  return typeof value.value === 'string' ? value.value : identifierText(value.expr);
}

/** The SELECT a node is, or holds as a parenthesized subquery (`{ ast: select }`). */
export function selectOf(value: unknown): AstNode | undefined {
  if (!isAstNode(value)) return undefined;
  if (value.type === 'select') return value;
  return isAstNode(value.ast) && value.ast.type === 'select' ? value.ast : undefined;
}
