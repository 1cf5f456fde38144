/**
 * SQL injection hazards in templates, found statically in the raw text (no rendering): a
 * `{{var "x"}}` rendered into SQL code, where a value passed with `--vars` (or by whatever
 * starts the run: a pipeline, a script) becomes SQL, is a medium finding; one inside a quoted
 * string literal ('{{var "x"}}') is a low one, as a value holding a quote still ends the literal.
 * `{{literal (var "x")}}` quotes the value in the target's dialect and is safe; a var inside a
 * SQL comment renders nothing that runs. One pass over the text tracks where SQL strings and
 * comments are, treating each handlebars tag as opaque.
 */
import { lineColumn, lineStarts } from '../../compiler/line-index.js';
import type { AuditFinding } from './audit-findings.js';

type State = 'code' | 'string' | 'identifier' | 'line_comment' | 'block_comment';

/** `{{var "name" …}}`, `{{{var 'name'}}}`, with whitespace control: the var written out, not passed to a helper. */
const VAR_TAG = /^\{\{\{?~?\s*var\s+(?:"([^"]*)"|'([^']*)')/;

export function scanSqlVars(text: string, shown: string): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const starts = lineStarts(text);
  let state: State = 'code';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '{' && next === '{') {
      const end = tagEnd(text, i);
      if (state !== 'line_comment' && state !== 'block_comment') {
        const tag = VAR_TAG.exec(text.slice(i, Math.min(end, i + 300)));
        if (tag) findings.push(finding(shown, starts, i, tag[1] ?? tag[2] ?? '', state === 'string'));
      }
      i = end;
      continue;
    }
    switch (state) {
      case 'code':
        if (c === "'") state = 'string';
        else if (c === '"') state = 'identifier';
        else if (c === '-' && next === '-') state = 'line_comment';
        else if (c === '/' && next === '*') {
          state = 'block_comment';
          i++;
        }
        break;
      case 'string':
        // '' inside a literal is an escaped quote: the literal goes on.
        if (c === "'") {
          if (next === "'") i++;
          else state = 'code';
        }
        break;
      case 'identifier':
        if (c === '"') state = 'code';
        break;
      case 'line_comment':
        if (c === '\n') state = 'code';
        break;
      case 'block_comment':
        if (c === '*' && next === '/') {
          state = 'code';
          i++;
        }
        break;
    }
    i++;
  }
  return findings;
}

/** The offset after a handlebars tag starting at `start` (comments {{!-- … --}} may hold "}}"). */
function tagEnd(text: string, start: number): number {
  const close = text.startsWith('{{!--', start) ? '--}}' : text.startsWith('{{{', start) ? '}}}' : '}}';
  const at = text.indexOf(close, start + 2);
  return at < 0 ? text.length : at + close.length;
}

function finding(shown: string, starts: readonly number[], offset: number, name: string, quoted: boolean): AuditFinding {
  const [line, column] = lineColumn(starts, offset);
  return quoted
    ? {
        kind: 'sql_injection',
        rule: 'quoted-var',
        severity: 'low',
        file: shown,
        line,
        column,
        message: `'{{var "${name}"}}' puts a variable inside a string literal by hand: a value holding a quote (from --vars) ends the literal and the rest runs as SQL. Write {{literal (var "${name}")}}, which quotes it.`,
      }
    : {
        kind: 'sql_injection',
        rule: 'unquoted-var',
        severity: 'medium',
        file: shown,
        line,
        column,
        message: `{{var "${name}"}} is rendered into the SQL outside a string literal: whatever --vars passes for "${name}" runs as SQL. Write {{literal (var "${name}")}} for a value, or keep the variable out of the SQL's code (a ref, a config value).`,
      };
}
