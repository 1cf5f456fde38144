/**
 * Where a SQL text's statements end: a scan that skips string literals (with E'' backslash
 * escapes), quoted identifiers, line and nested block comments and dollar-quoted bodies, and
 * reports the semicolons outside them. It serves messages and tidying only (where a second
 * statement begins, dropping a model's trailing semicolons); whether a text is one statement
 * is the engine's decision, made by its own parser (see the adapters' execute).
 */

/** Offsets of the semicolons that end a statement. */
export function statementTerminators(sql: string): number[] {
  const ends: number[] = [];
  for (const i of codeOffsets(sql)) if (sql[i] === ';') ends.push(i);
  return ends;
}

/**
 * Whether every parenthesis outside literals and comments closes one opened before it, and
 * all close: then the text, wrapped as `(<text>\n)`, cannot end the wrapping parenthesis early.
 */
export function parenthesesBalanced(sql: string): boolean {
  let depth = 0;
  for (const i of codeOffsets(sql)) {
    if (sql[i] === '(') depth++;
    else if (sql[i] === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** The text with string literals, quoted identifiers and comments blanked out: what is left is keywords, names and operators. */
export function codeOnly(sql: string): string {
  const out = Array.from({ length: sql.length }, () => ' ');
  for (const i of codeOffsets(sql)) out[i] = sql[i]!;
  return out.join('');
}

/** Offsets of the characters outside string literals, quoted identifiers, comments and dollar-quoted bodies. */
function* codeOffsets(sql: string): Generator<number> {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'") {
      i = stringEnd(sql, i, isEscapeString(sql, i));
    } else if (c === '"') {
      i = quotedEnd(sql, i, '"');
    } else if (c === '-' && sql[i + 1] === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? sql.length : eol + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      i = blockCommentEnd(sql, i);
    } else if (c === '$') {
      const tag = /\$(?:[A-Za-z_]\w*)?\$/y;
      tag.lastIndex = i;
      const m = i > 0 && /\w/.test(sql[i - 1]!) ? null : tag.exec(sql);
      if (m) {
        const close = sql.indexOf(m[0], i + m[0].length);
        i = close < 0 ? sql.length : close + m[0].length;
      } else {
        yield i;
        i++;
      }
    } else {
      yield i;
      i++;
    }
  }
}

/**
 * The offset where a second statement begins, if the text holds more than one: the first
 * text after a terminator that is not blank, a comment or another terminator.
 */
export function secondStatementStart(sql: string): number | undefined {
  for (const end of statementTerminators(sql)) {
    const next = skipBlanksAndComments(sql, end + 1);
    if (next < sql.length && sql[next] !== ';') return next;
  }
  return undefined;
}

/**
 * The text without the semicolons that end its last statement ("select 1;" and
 * "select 1; -- done" both become one statement a template can wrap); comments stay.
 */
export function withoutTrailingTerminators(sql: string): string {
  let out = sql;
  for (const end of statementTerminators(sql).reverse()) {
    const next = skipBlanksAndComments(sql, end + 1);
    if (next < sql.length && sql[next] !== ';') break;
    out = out.slice(0, end) + out.slice(end + 1);
  }
  return out;
}

/** 1-based line of an offset. */
export function lineAt(sql: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (sql.charCodeAt(i) === 10) line++;
  return line;
}

function skipBlanksAndComments(sql: string, from: number): number {
  let i = from;
  while (i < sql.length) {
    if (/\s/.test(sql[i]!)) i++;
    else if (sql.startsWith('--', i)) {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? sql.length : eol + 1;
    } else if (sql.startsWith('/*', i)) i = blockCommentEnd(sql, i);
    else break;
  }
  return i;
}

/** E'...' (and e'...') strings take backslash escapes; standard strings do not. */
function isEscapeString(sql: string, quote: number): boolean {
  const prefix = sql[quote - 1];
  return (prefix === 'E' || prefix === 'e') && !/\w/.test(sql[quote - 2] ?? '');
}

function stringEnd(sql: string, open: number, backslashEscapes: boolean): number {
  let i = open + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === "'") {
      if (sql[i + 1] === "'") i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

function quotedEnd(sql: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/** Block comments nest, as in PostgreSQL, whose grammar DuckDB's parser follows. */
function blockCommentEnd(sql: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}
