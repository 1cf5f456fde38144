/**
 * A fast parser for the templates most models are: SQL text with {{ref "x"}}, {{source "a" "b"}},
 * {{config key="v"}}, {{var "x"}}, {{this}} and {{target.name}} on literals. It builds the same
 * AST handlebars would (statements, paths, literals, hashes, 1-based lines and 0-based columns),
 * in a fraction of the time: handlebars' generated parser was a fifth of compiling a large
 * project. Anything else (blocks, partials, comments, whitespace control, escapes) returns
 * undefined, and the caller uses handlebars' own parser.
 */

import { lineColumn, lineStarts } from './line-index.js';

const UNSUPPORTED = /\{\{[#/>!^&{~]|~\}\}|\\\{\{|\{\{\s*else\b/;
const TOKEN = /\s*(?:("[^"\\]*"|'[^'\\]*')|(-?\d+(?:\.\d+)?)(?![\w.])|(true|false)(?![\w.=])|([A-Za-z_]\w*)=|((?:this|[A-Za-z_]\w*)(?:\.[A-Za-z_]\w*)*))/y;

type Loc = hbs.AST.SourceLocation;

export function parseSimpleTemplate(text: string): hbs.AST.Program | undefined {
  if (UNSUPPORTED.test(text)) return undefined;
  const starts = lineStarts(text);
  // Handlebars' columns are 0-based.
  const pos = (offset: number) => {
    const [line, column] = lineColumn(starts, offset);
    return { line, column: column - 1 };
  };
  const loc = (start: number, end: number): Loc => ({ start: pos(start), end: pos(end) }) as Loc;

  const body: hbs.AST.Statement[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('{{', at);
    const contentEnd = open < 0 ? text.length : open;
    if (contentEnd > at) {
      const value = text.slice(at, contentEnd);
      body.push({ type: 'ContentStatement', original: value, value, loc: loc(at, contentEnd) } as unknown as hbs.AST.ContentStatement);
    }
    if (open < 0) break;
    const close = text.indexOf('}}', open + 2);
    if (close < 0 || text[close + 2] === '}') return undefined; // unclosed, or a stray brace: handlebars says where
    const mustache = parseMustache(text, open, close, loc);
    if (!mustache) return undefined;
    body.push(mustache);
    at = close + 2;
  }
  return { type: 'Program', body, strip: {}, loc: loc(0, text.length) } as unknown as hbs.AST.Program;
}

function parseMustache(text: string, open: number, close: number, loc: (s: number, e: number) => Loc): hbs.AST.MustacheStatement | undefined {
  const params: hbs.AST.Expression[] = [];
  const pairs: hbs.AST.HashPair[] = [];
  let path: hbs.AST.PathExpression | undefined;
  let pendingKey: { key: string; start: number } | undefined;
  let hashStart = -1;
  let i = open + 2;
  while (true) {
    TOKEN.lastIndex = i;
    while (TOKEN.lastIndex < close && /\s/.test(text[TOKEN.lastIndex]!)) TOKEN.lastIndex++;
    const start = TOKEN.lastIndex;
    if (start >= close) break;
    const m = TOKEN.exec(text);
    if (!m || TOKEN.lastIndex > close) return undefined;
    i = TOKEN.lastIndex;
    const [, str, num, bool, key, id] = m;
    let expr: hbs.AST.Expression | undefined;
    if (str !== undefined) {
      const value = str.slice(1, -1);
      expr = { type: 'StringLiteral', value, original: value, loc: loc(start, i) } as hbs.AST.StringLiteral;
    } else if (num !== undefined) {
      expr = { type: 'NumberLiteral', value: Number(num), original: Number(num), loc: loc(start, i) } as hbs.AST.NumberLiteral;
    } else if (bool !== undefined) {
      expr = { type: 'BooleanLiteral', value: bool === 'true', original: bool === 'true', loc: loc(start, i) } as hbs.AST.BooleanLiteral;
    } else if (key !== undefined) {
      if (!path || pendingKey) return undefined;
      pendingKey = { key, start };
      continue;
    } else if (id !== undefined) {
      if (path) return undefined; // a path as an argument: leave it to handlebars
      const parts = id.split('.');
      path = {
        type: 'PathExpression',
        data: false,
        depth: 0,
        parts: parts[0] === 'this' ? parts.slice(1) : parts,
        original: id,
        loc: loc(start, i),
      } as hbs.AST.PathExpression;
      continue;
    }
    if (!path || !expr) return undefined;
    if (pendingKey) {
      if (hashStart < 0) hashStart = pendingKey.start;
      pairs.push({ type: 'HashPair', key: pendingKey.key, value: expr, loc: loc(pendingKey.start, i) } as hbs.AST.HashPair);
      pendingKey = undefined;
    } else {
      if (pairs.length > 0) return undefined; // positional after named: a handlebars error
      params.push(expr);
    }
  }
  if (!path || pendingKey) return undefined;
  const hash = pairs.length > 0 ? ({ type: 'Hash', pairs, loc: loc(hashStart, i) } as unknown as hbs.AST.Hash) : undefined;
  const statement = {
    type: 'MustacheStatement',
    path,
    params,
    ...(hash ? { hash } : {}),
    escaped: true,
    strip: { open: false, close: false },
    loc: loc(open, close + 2),
  } as unknown as hbs.AST.MustacheStatement;
  return statement;
}
