/**
 * Finds Jinja left in a template (a dbt habit) before handlebars parses it, so that every
 * occurrence in a file is reported, each with its line and column and the dpf spelling computed
 * from what was written: `{{ ref('orders') }}` is DPF220 "write {{ref "orders"}}". Without this,
 * `{% if %}`, `{% set %}` and `{# #}` are plain text to handlebars and fail only in the
 * database, and `{{ ref('x') }}` is handlebars' first generic syntax error.
 *
 * One regex pass over the raw text finds candidate tags; only those are matched against the
 * table of constructs (HABITS), first match wins. It must never flag plain handlebars:
 * `{{ref "x"}}`, `{{ this }}`, `{{~ref "x"~}}`, `{{#if (is_incremental)}}`, `{{> p}}`, and
 * anything inside a handlebars comment `{{!-- --}}` (which never reaches the SQL).
 *
 * SQL string literals and comments are scanned too, on purpose: dbt renders Jinja inside them
 * (`where d > '{{ var("start") }}'` is a common dbt line) and so does handlebars, so Jinja there
 * is as wrong as anywhere else. A brace that opens no Jinja tag, such as the JSON literal
 * `'{"a": 1}'`, matches nothing: every candidate starts with `{{`, `{%` or `{#` and must close.
 */
import { diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import { lineColumn, lineStarts } from './line-index.js';

const FROM_DBT = 'docs/from-dbt.md';

/** Candidate tags. The first two alternatives are handlebars comments, consumed to be skipped. */
const TAG = new RegExp(
  [
    String.raw`\{\{!--[\s\S]*?--\}\}`,
    String.raw`\{\{![\s\S]*?\}\}`,
    String.raw`\{%[-+]?\s*[A-Za-z_][\s\S]*?%\}`, // {% statement %}
    String.raw`(?<!\{)\{#[\s\S]*?#\}`, // {# comment #}; not the "{#" of a handlebars {{#block}}
    String.raw`(?<!\{)\{\{-?\s*[A-Za-z_][\w.]*\([\s\S]*?\}\}`, // {{ call(...) }}: handlebars puts a space before "("
    String.raw`(?<!\{)\{\{-[\s\S]*?\}\}`, // {{- whitespace control -}}: handlebars uses "~"
    String.raw`(?<!\{)\{\{(?!\s*else\b)[^{}!#/>^&~|]*\|[^{}]*\}\}`, // {{ value | filter }}; not {{else each xs as |x|}}
  ].join('|'),
  'g',
);

interface Tag {
  readonly kind: 'statement' | 'comment' | 'expression';
  /** What is between the delimiters, without Jinja's whitespace-control marks, trimmed. */
  readonly body: string;
  /** Jinja's {{- / -}} marks: handlebars writes them {{~ / ~}}. */
  readonly trimLeft: boolean;
  readonly trimRight: boolean;
}

interface Fix {
  /** The dpf spelling, quoted in the message and the hint. */
  readonly spelling: string;
  /** Why the spelling differs, when the difference is more than syntax. */
  readonly note?: string;
}

interface Habit {
  readonly kind: Tag['kind'];
  readonly match: RegExp;
  /** What the construct is, for the message: "a ref", "an if block". */
  readonly what: string | ((m: RegExpExecArray) => string);
  readonly fix: (m: RegExpExecArray) => Fix;
}

const EACH_NOTE = 'inside the block {{this}} is the current item ({{this.field}} a field of it), {{@index}} its position, and {{#unless @last}},{{/unless}} stands for loop.last';
const NO_OPERATORS = 'handlebars conditions have no operators (==, and, or, not): test one value, such as a var that holds the answer: {{#if (var "flag")}}';

/** The constructs, in the order they are tried. */
const HABITS: readonly Habit[] = [
  // ---- {% statements %}
  {
    kind: 'statement',
    match: /^if\s+not\s+is_incremental\(\s*\)$/,
    what: 'an incremental filter',
    fix: () => ({ spelling: '{{#unless (is_incremental)}}…{{/unless}}' }),
  },
  {
    kind: 'statement',
    match: /^if\s+is_incremental\(\s*\)$/,
    what: 'an incremental filter',
    fix: () => ({ spelling: '{{#if (is_incremental)}}…{{/if}}' }),
  },
  { kind: 'statement', match: /^if\s+([\s\S]+)$/, what: 'an if block', fix: (m) => condition('{{#if', m[1]!) },
  { kind: 'statement', match: /^elif\s+([\s\S]+)$/, what: 'an elif', fix: (m) => condition('{{else if', m[1]!) },
  { kind: 'statement', match: /^else$/, what: 'an else', fix: () => ({ spelling: '{{else}}' }) },
  { kind: 'statement', match: /^endif$/, what: 'the end of an if block', fix: () => ({ spelling: '{{/if}}' }) },
  {
    kind: 'statement',
    match: /^for\s+(\w+)\s+in\s+([\s\S]+)$/,
    what: 'a for loop',
    fix: (m) => {
      const list = value(m[2]!);
      if (list && list.startsWith('"')) return { spelling: '{{#each (var "name")}}…{{/each}}', note: `a list written in the template goes under vars: in dpf_project.yml (name: [${m[2]!.replace(/^\[|\]$/g, '')}]); ${EACH_NOTE}` };
      return { spelling: `{{#each ${list ?? '…'}}}…{{/each}}`, note: `${EACH_NOTE}${list ? '' : `; ${m[2]} is not a dpf value: put the list in a var`}` };
    },
  },
  { kind: 'statement', match: /^endfor$/, what: 'the end of a for loop', fix: () => ({ spelling: '{{/each}}' }) },
  {
    kind: 'statement',
    match: /^set\s+(\w+)/,
    what: 'a variable assignment',
    fix: (m) => ({
      spelling: `{{var "${m[1]}"}}`,
      note: `templates cannot set variables: define ${m[1]} under vars: in dpf_project.yml (or pass --vars), or write the text it holds as a partial, macros/${m[1]}.hbs, used as {{> ${m[1]}}}`,
    }),
  },
  { kind: 'statement', match: /^endset$/, what: 'the end of a set block', fix: () => ({ spelling: '{{var "name"}}', note: 'templates cannot set variables: define the value under vars: in dpf_project.yml, or write it as a partial in macros/' }) },
  {
    kind: 'statement',
    match: /^macro\s+(\w+)\s*\(([^)]*)\)$/,
    what: 'a macro definition',
    fix: (m) => {
      const args = splitArgs(m[2]!).map((a) => a.replace(/\s*=[\s\S]*$/, ''));
      const call = [`{{> ${m[1]}`, ...args.map((a) => `${a}="…"`)].join(' ') + '}}';
      return { spelling: call, note: `macros are partials in dpf: put the body in macros/${m[1]}.hbs, where the arguments read as ${args.length ? args.map((a) => `{{${a}}}`).join(', ') : '{{name}}'}, and call it by file name` };
    },
  },
  { kind: 'statement', match: /^endmacro$/, what: 'the end of a macro definition', fix: () => ({ spelling: 'macros/<name>.hbs', note: 'macros are partials in dpf: one file per macro, no macro block' }) },
  {
    kind: 'statement',
    match: /^(end)?snapshot\b\s*(\w*)/,
    what: (m) => (m[1] ? 'the end of a snapshot block' : 'a snapshot block'),
    fix: (m) => ({
      spelling: m[1] ? 'nothing: the file is the snapshot' : `{{config …}} and the query in snapshots/${m[2] || '<name>'}.sql, without the block`,
      note: 'a dpf snapshot is a whole file, named by the file, with the config keys of dbt (docs/configuration.md)',
    }),
  },
  {
    kind: 'statement',
    match: /^(end)?test\b\s*(\w*)/,
    what: (m) => (m[1] ? 'the end of a generic test block' : 'a generic test block'),
    fix: (m) => ({
      spelling: m[1] ? 'nothing: the file is the test' : `tests/generic/${m[2] || '<name>'}.sql reading {{model}} and {{column_name}}, without the block`,
      note: 'a dpf generic test is a whole file, named by the file; its other arguments read as {{argument_name}} (docs/testing.md)',
    }),
  },
  { kind: 'statement', match: /^(end)?raw$/, what: 'a raw block', fix: () => ({ spelling: '\\{{', note: 'a backslash before {{ keeps it as text' }) },
  { kind: 'statement', match: /^(\w+)/, what: (m) => `a {% ${m[1]} %} statement`, fix: () => ({ spelling: 'a helper or a partial', note: `see docs/templates.md and ${FROM_DBT}` }) },

  // ---- {# comments #}
  { kind: 'comment', match: /^([\s\S]*)$/, what: 'a comment', fix: (m) => ({ spelling: `{{!-- ${excerpt(m[1]!.trim(), 40)} --}}` }) },

  // ---- {{ expressions }}
  {
    kind: 'expression',
    match: /^ref\(([\s\S]*)\)$/,
    what: 'a ref',
    fix: (m) => {
      const args = splitArgs(m[1]!);
      const names = args.filter((a) => !/^\w+\s*=/.test(a)).map(stringValue);
      const name = names[names.length - 1];
      const spelling = `{{ref "${name ?? 'model_name'}"}}`;
      if (names.length === 2) return { spelling, note: `dpf has no packages: every model of a project has its own name, so ref takes that name alone, not "${names[0]}"` };
      if (args.some((a) => /^(v|version)\s*=/.test(a))) return { spelling, note: 'dpf has no model versions: ref takes the model name alone' };
      return { spelling };
    },
  },
  {
    kind: 'expression',
    match: /^source\(([\s\S]*)\)$/,
    what: 'a source',
    fix: (m) => {
      const [source, table] = splitArgs(m[1]!).map(stringValue);
      return { spelling: `{{source "${source ?? 'source_name'}" "${table ?? 'table_name'}"}}` };
    },
  },
  {
    kind: 'expression',
    match: /^config\(([\s\S]*)\)$/,
    what: 'a config call',
    fix: (m) => {
      const pairs = splitArgs(m[1]!).map((a) => /^(\w+)\s*=\s*([\s\S]+)$/.exec(a));
      const unconverted = pairs.filter((p) => p && value(p[2]!, true) === undefined).map((p) => p![1]);
      const written = pairs.filter((p) => p && value(p[2]!, true) !== undefined).map((p) => `${p![1]}=${value(p![2]!, true)}`);
      const spelling = `{{config${written.map((w) => ` ${w}`).join('')}}}`;
      return unconverted.length ? { spelling, note: `${unconverted.join(', ')} cannot be written inline: put ${unconverted.length > 1 ? 'them' : 'it'} under config: in the model's YAML (docs/configuration.md)` } : { spelling };
    },
  },
  {
    kind: 'expression',
    match: /^var\(([\s\S]*)\)$/,
    what: 'a var',
    fix: (m) => {
      const args = splitArgs(m[1]!).map((a) => value(a) ?? '…');
      return { spelling: `{{var ${args.join(' ') || '"name"'}}}` };
    },
  },
  {
    kind: 'expression',
    match: /^is_incremental\(\s*\)$/,
    what: 'an incremental check',
    fix: () => ({ spelling: '{{#if (is_incremental)}}…{{/if}}' }),
  },
  {
    kind: 'expression',
    match: /^env_var\(([\s\S]*)\)$/,
    what: 'an environment variable',
    fix: (m) => {
      const name = stringValue(splitArgs(m[1]!)[0] ?? '') ?? 'NAME';
      return { spelling: `{{var "${name.toLowerCase()}"}}`, note: `environment variables are read only in profiles.yml ({{env "${name}"}}), so that secrets never reach compiled SQL: pass the value to models as a var (--vars or dpf_project.yml)` };
    },
  },
  {
    kind: 'expression',
    match: /^(\w+)\.([\w.]+)\(([\s\S]*)\)$/,
    what: (m) => `a macro of the ${m[1]} package (${m[1]}.${m[2]})`,
    fix: (m) => ({ spelling: 'plain SQL or a partial of your own (macros/*.hbs)', note: `dpf has no package macros, so ${m[1]}.${m[2]} does not exist; ${FROM_DBT} gives the SQL for the common ones` }),
  },
  {
    kind: 'expression',
    match: /^(\w+)\(([\s\S]*)\)$/,
    what: (m) => `a macro call (${m[1]})`,
    fix: (m) => {
      const args = splitArgs(m[2]!);
      const named = args.map((a, i) => {
        const kw = /^(\w+)\s*=\s*([\s\S]+)$/.exec(a);
        return kw ? `${kw[1]}=${value(kw[2]!) ?? '"…"'}` : `arg${i + 1}=${value(a) ?? '"…"'}`;
      });
      const note = `macros are partials in dpf: macros/${m[1]}.hbs, called by file name${args.some((a) => !/^\w+\s*=/.test(a)) ? ' with named arguments only' : ''}`;
      return { spelling: [`{{> ${m[1]}`, ...named].join(' ') + '}}', note };
    },
  },
  {
    kind: 'expression',
    match: /^([^|]*?)\s*\|\s*(\w+)/,
    what: (m) => `a filter (| ${m[2]})`,
    fix: (m) => ({
      spelling: `{{${(value(m[1]!) ?? m[1]!).replace(/^\(([\s\S]*)\)$/, '$1')}}}`,
      note: `handlebars has no filters: apply ${m[2]} in SQL, or give the var the value it needs`,
    }),
  },
  {
    kind: 'expression',
    match: /^([A-Za-z_][\w.]*)$/,
    what: 'whitespace control',
    fix: (m) => ({ spelling: `{{~${m[1]}~}}` }),
  },
  { kind: 'expression', match: /^([\s\S]*)$/, what: 'an expression', fix: () => ({ spelling: 'a helper such as {{var "name"}}', note: `see docs/templates.md and ${FROM_DBT}` }) },
];

/** One DPF220 diagnostic per Jinja construct in the text, in order. */
export function findJinjaHabits(text: string, file: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  let starts: number[] | undefined;
  for (const m of text.matchAll(TAG)) {
    const raw = m[0];
    if (raw.startsWith('{{!')) continue;
    const tag = readTag(raw);
    for (const habit of HABITS) {
      if (habit.kind !== tag.kind) continue;
      const hit = habit.match.exec(tag.body);
      if (!hit) continue;
      starts ??= lineStarts(text);
      const [line, column] = lineColumn(starts, m.index);
      const fix = withTrims(habit.fix(hit), tag);
      const what = typeof habit.what === 'function' ? habit.what(hit) : habit.what;
      found.push(diagnostic('JinjaSyntax', { written: excerpt(raw, 60), what, spelling: fix.spelling, note: fix.note }, { file, line, column }));
      break;
    }
  }
  return found;
}

function readTag(raw: string): Tag {
  const kind = raw[1] === '%' ? 'statement' : raw[1] === '#' ? 'comment' : 'expression';
  let inner = raw.slice(2, -2);
  if (kind === 'comment') return { kind, body: inner, trimLeft: false, trimRight: false };
  // {%+ keeps whitespace that the environment would strip: it has no handlebars counterpart.
  const mark = /^[-+]/.test(inner);
  const trimLeft = inner[0] === '-';
  const trimRight = /-$/.test(inner);
  inner = inner.slice(mark ? 1 : 0, trimRight ? -1 : undefined);
  return { kind, body: inner.trim(), trimLeft, trimRight };
}

/** Jinja's whitespace control carried over: on a single tag as ~, otherwise as a note. */
function withTrims(fix: Fix, tag: Tag): Fix {
  if (!tag.trimLeft && !tag.trimRight) return fix;
  if (/^\{\{[^{}~]*\}\}$/.test(fix.spelling)) {
    const spelling = `{{${tag.trimLeft ? '~' : ''}${fix.spelling.slice(2, -2)}${tag.trimRight ? '~' : ''}}}`;
    return { ...fix, spelling };
  }
  const note = 'the - of a Jinja tag trims whitespace; in handlebars that is a ~ inside the braces ({{~#if …}}, {{/if~}})';
  return { ...fix, note: fix.note ? `${fix.note}; ${note}` : note };
}

/** Jinja arguments at the top level: commas inside quotes and brackets do not split. */
function splitArgs(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last) args.push(last);
  return args;
}

/** The text of a quoted Jinja string, or undefined. */
function stringValue(arg: string): string | undefined {
  return /^(['"])([\s\S]*)\1$/.exec(arg.trim())?.[2];
}

/**
 * A Jinja value as a handlebars argument, or undefined when it has none: strings, numbers,
 * booleans, var() and names. With `joinLists`, a list of strings becomes "a,b", as {{config}}
 * takes several columns or tags.
 */
function value(arg: string, joinLists = false): string | undefined {
  const text = arg.trim();
  const str = stringValue(text);
  if (str !== undefined) return str.includes('"') ? `'${str}'` : `"${str}"`;
  if (/^-?\d+(\.\d+)?$/.test(text)) return text;
  if (/^(true|false)$/i.test(text)) return text.toLowerCase();
  const call = /^var\(([\s\S]*)\)$/.exec(text);
  if (call) {
    const args = splitArgs(call[1]!).map((a) => value(a));
    return args.every((a) => a !== undefined) ? `(var ${args.join(' ')})` : undefined;
  }
  const list = /^\[([\s\S]*)\]$/.exec(text);
  if (list && joinLists) {
    const items = splitArgs(list[1]!).map(stringValue);
    return items.every((i) => i !== undefined) ? `"${items.join(',')}"` : undefined;
  }
  if (list) return undefined;
  if (/^[A-Za-z_][\w.]*$/.test(text) && !/^(none|None)$/.test(text)) return text;
  return undefined;
}

/** {% if c %} or {% elif c %}: the same test when handlebars can say it, else a pointer. */
function condition(open: string, cond: string): Fix {
  const negated = /^not\s+([\s\S]+)$/.exec(cond.trim());
  const test = cond.trim() === 'is_incremental()' ? '(is_incremental)' : value(negated ? negated[1]! : cond);
  if (test === undefined) return { spelling: `${open} …}}`, note: NO_OPERATORS };
  if (negated) return open === '{{#if' ? { spelling: `{{#unless ${test}}}…{{/unless}}` } : { spelling: `${open} …}}`, note: NO_OPERATORS };
  return { spelling: `${open} ${test}}}` };
}

/** What was written, on one line and short enough for a message. */
function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
