/**
 * One dbt Jinja template (a model, a snapshot, a singular test, a macro or generic test body)
 * to a dpf handlebars template, in the forms docs/from-dbt.md lists. The Jinja is parsed by
 * nunjucks' parser (Jinja's syntax; its AST keeps line and column), then walked: every node
 * either has a dpf form or is reported as a Problem at its line; nothing is guessed.
 * Owns the translation only: which files to convert, and what happens to a file with problems,
 * is the caller's (import-dbt.ts).
 */
import nunjucks, { type JinjaNode } from 'nunjucks';

/** A construct with no dpf form, where it is: the file is relative to the dbt project. */
export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly construct: string;
  readonly detail: string;
}

/** A project macro as a partial: its parameters in order, and the defaults (handlebars expressions). */
export interface MacroSignature {
  readonly name: string;
  readonly params: readonly string[];
  readonly defaults: Readonly<Record<string, string>>;
}

export interface JinjaContext {
  /** The file, relative to the dbt project, for problems. */
  readonly file: string;
  /** Line of the template's first line in the file (a macro body inside macros/x.sql). */
  readonly firstLine?: number;
  readonly macros: ReadonlyMap<string, MacroSignature>;
  /** Names the template receives as context (a macro's or generic test's parameters). */
  readonly params?: readonly string[];
}

export interface ConvertedTemplate {
  readonly text: string;
  readonly problems: Problem[];
  /** The models it refs, for moving the dependants of a model that could not be converted. */
  readonly refs: string[];
}

type N = JinjaNode & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Thrown inside the walk, caught per output or statement so that one file reports all its problems. */
class Unsupported extends Error {
  constructor(
    readonly construct: string,
    readonly detail: string,
    readonly node: N,
  ) {
    super(construct);
  }
}

interface Loop {
  readonly name: string;
  /** `for k, v in d.items()`: k is @key, v is this. */
  readonly key?: string;
}

interface Scope {
  readonly sets: Map<string, string>;
  readonly loops: readonly Loop[];
}

const COMMENT_CALL = '__dpf_comment__';

/** Jinja comments are dropped by the lexer; they are kept as handlebars comments, line count intact. */
function protectComments(source: string): { text: string; comments: string[] } {
  const comments: string[] = [];
  const text = source.replace(/\{#(-?)([\s\S]*?)(-?)#\}/g, (_all, open: string, body: string, close: string) => {
    comments.push(body.trim());
    return `{{${open} ${COMMENT_CALL}(${comments.length - 1})${'\n'.repeat((body.match(/\n/g) ?? []).length)} ${close}}}`;
  });
  return { text, comments };
}

const hbsString = (s: string) => (s.includes('"') ? `'${s.replace(/'/g, "\\'")}'` : `"${s}"`);
/** Literal text of the template: handlebars would read `{{` in it as a tag. */
const escapeText = (s: string) => s.replace(/\{\{/g, '\\{{');
/** `(ref "x")` as a statement: `ref "x"`. */
const unwrap = (expr: string) => (expr.startsWith('(') && expr.endsWith(')') ? expr.slice(1, -1) : expr);

export function convertJinja(source: string, ctx: JinjaContext): ConvertedTemplate {
  const problems: Problem[] = [];
  const refs: string[] = [];
  const firstLine = ctx.firstLine ?? 1;
  const lineOf = (node: N) => firstLine + (node.lineno ?? 0);
  const { text, comments } = protectComments(source);
  let root: N;
  try {
    root = nunjucks.parser.parse(text, [], {}) as N;
  } catch (err) {
    // nunjucks' parse errors carry a 1-based line (none at the end of the file).
    const { message, lineno } = err as Error & { lineno?: number };
    const line = typeof lineno === 'number' ? lineno : 1;
    const detail = `${message.replace(/^\(unknown path\)\s*/, '').replace(/\s+/g, ' ').trim()}: fix the Jinja, or write the dpf form by hand`;
    problems.push({ file: ctx.file, line: firstLine + line - 1, construct: 'Jinja dpf cannot parse', detail });
    return { text: source, problems, refs };
  }

  const report = (e: Unsupported) => problems.push({ file: ctx.file, line: lineOf(e.node), construct: e.construct, detail: e.detail });

  /** `../` per enclosing #each: a name of the template's context seen from inside a block. */
  const up = (scope: Scope) => '../'.repeat(scope.loops.length);

  const literalValue = (node: N): string => {
    const v = node.value;
    if (typeof v === 'string') return hbsString(v);
    if (v === null || v === undefined) return 'null';
    return String(v);
  };

  const listOf = (node: N, scope: Scope): string => `(list ${(node.children as N[]).map((c) => expr(c, scope)).join(' ')})`.replace(/ \)$/, ')');

  const dictOf = (node: N, scope: Scope): string => {
    const pairs = (node.children as N[]).map((pair) => {
      const key = pair.key.typename === 'Literal' || pair.key.typename === 'Symbol' ? String(pair.key.value) : undefined;
      if (key === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Unsupported('a dict key that is not a plain name', 'dpf writes a dict as (dict key=value ...): keys must be plain names', pair);
      return `${key}=${expr(pair.value, scope)}`;
    });
    return `(dict ${pairs.join(' ')})`;
  };

  const callArgs = (node: N): { positional: N[]; keywords: Map<string, N> } => {
    const positional: N[] = [];
    const keywords = new Map<string, N>();
    for (const arg of (node.args?.children ?? []) as N[]) {
      if (arg.typename === 'KeywordArgs') for (const pair of arg.children as N[]) keywords.set(String(pair.key.value), pair.value);
      else positional.push(arg);
    }
    return { positional, keywords };
  };

  const stringArg = (node: N | undefined, what: string, call: N): string => {
    if (node?.typename === 'Literal' && typeof node.value === 'string') return node.value;
    throw new Unsupported(`${what} with a computed argument`, `dpf needs a quoted name here (${what}("name")); write the name out`, node ?? call);
  };

  const calleeName = (node: N): string | undefined => {
    const name = node.name as N;
    if (name.typename === 'Symbol') return name.value as string;
    if (name.typename === 'LookupVal' && name.target.typename === 'Symbol' && name.val.typename === 'Literal') return `${name.target.value}.${name.val.value}`;
    return undefined;
  };

  /** A Jinja expression as a handlebars expression (a literal, a path or a subexpression). */
  const expr = (node: N, scope: Scope): string => {
    switch (node.typename) {
      case 'Literal':
        return literalValue(node);
      case 'Symbol':
        return symbol(node, scope);
      case 'Array':
        return listOf(node, scope);
      case 'Dict':
        return dictOf(node, scope);
      case 'Group':
        if ((node.children as N[]).length === 1) return expr(node.children[0], scope);
        break;
      case 'LookupVal':
        return lookup(node, scope);
      case 'FunCall':
        return call(node, scope);
      case 'Not':
      case 'Compare':
      case 'And':
      case 'Or':
        throw new Unsupported(`a ${node.typename === 'Not' ? '"not"' : node.typename === 'Compare' ? 'comparison' : `"${node.typename.toLowerCase()}"`} in an expression`, 'handlebars has no operators: set a var per run (--vars) and test it, or write the condition in SQL', node);
      case 'Filter':
        throw new Unsupported(`the filter "| ${node.name?.value ?? '?'}"`, 'handlebars has no Jinja filters: write the value out, or do it in SQL', node);
      case 'InlineIf':
        throw new Unsupported('an inline if (x if c else y)', 'write {{#if ...}} x {{else}} y {{/if}}', node);
    }
    throw new Unsupported(`the expression "${node.typename}"`, 'arithmetic, string concatenation (~) and other operators have no handlebars form: compute the value in SQL', node);
  };

  const symbol = (node: N, scope: Scope): string => {
    const name = node.value as string;
    const depth = scope.loops.length;
    for (let i = depth - 1; i >= 0; i--) {
      const loop = scope.loops[i]!;
      const hops = '../'.repeat(depth - 1 - i);
      if (loop.name === name) return hops ? `${hops}this` : 'this';
      if (loop.key === name) {
        if (hops) throw new Unsupported(`the key "${name}" of an outer loop`, 'handlebars reaches only the innermost loop\'s @key', node);
        return '@key';
      }
    }
    if (scope.sets.has(name)) return scope.sets.get(name)!;
    if (ctx.params?.includes(name)) return `${up(scope)}${name}`;
    // In a partial (a macro's body), the context is the call's arguments, not the model: self and @root name the model.
    const topLevel = depth === 0 && ctx.params === undefined;
    if (name === 'this') return topLevel ? 'this' : 'self';
    if (name === 'target') return topLevel ? 'target' : '@root.target';
    if (name === 'execute') throw new Unsupported('execute', 'dpf renders once, without the database (J14): there is no parse-time pass to tell apart', node);
    throw new Unsupported(`the variable "${name}"`, `"${name}" is not set in this file: dpf templates see vars through (var "name") and lists written in place`, node);
  };

  const lookup = (node: N, scope: Scope): string => {
    const target = node.target as N;
    const key = node.val as N;
    if (target.typename === 'Symbol' && key.typename === 'Literal') {
      const base = target.value as string;
      const prop = String(key.value);
      if (base === 'loop' && scope.loops.length > 0) {
        const mapped = { last: '@last', first: '@first', index0: '@index' }[prop];
        if (mapped) return mapped;
        throw new Unsupported(`loop.${prop}`, 'handlebars has @index (loop.index0), @first and @last', node);
      }
      if (base === 'target' && !scope.sets.has('target')) {
        if (['name', 'schema', 'type', 'database', 'profile_name'].includes(prop)) return `${scope.loops.length === 0 && ctx.params === undefined ? '' : '@root.'}target.${prop}`;
        throw new Unsupported(`target.${prop}`, 'dpf templates know target.name, schema, type, database and profile_name', node);
      }
      if (scope.sets.has(base) && scope.sets.get(base)!.startsWith('(dict ')) return `(lookup ${scope.sets.get(base)} ${hbsString(prop)})`;
    }
    throw new Unsupported('an attribute or item lookup', 'write the value out, or keep it in a var', node);
  };

  const call = (node: N, scope: Scope): string => {
    const name = calleeName(node);
    const { positional, keywords } = callArgs(node);
    switch (name) {
      case 'ref': {
        if (keywords.size > 0 || positional.length < 1 || positional.length > 2) throw new Unsupported('ref with keyword arguments (version=...)', 'dpf refs take one model name', node);
        const model = stringArg(positional[positional.length - 1], 'ref', node);
        refs.push(model);
        return `(ref ${hbsString(model)})`;
      }
      case 'source':
        if (positional.length !== 2) throw new Unsupported('source with other than two arguments', 'write source("source", "table")', node);
        return `(source ${hbsString(stringArg(positional[0], 'source', node))} ${hbsString(stringArg(positional[1], 'source', node))})`;
      case 'var': {
        const varName = stringArg(positional[0], 'var', node);
        return positional.length > 1 ? `(var ${hbsString(varName)} ${expr(positional[1]!, scope)})` : `(var ${hbsString(varName)})`;
      }
      case 'is_incremental':
        return '(is_incremental)';
      case 'env_var':
        throw new Unsupported('env_var in a template', 'dpf reads environment variables in profiles.yml only ({{env "X"}}), so secrets never reach compiled SQL: pass the value as a var', node);
      case 'dbt_utils.generate_surrogate_key':
      case 'dbt_utils.surrogate_key': {
        const columns = positional[0];
        if (columns?.typename !== 'Array') throw new Unsupported(`${name} with a computed column list`, 'write the list of columns out: [\'a\', \'b\']', node);
        return `(surrogate_key ${(columns.children as N[]).map((c) => expr(c, scope)).join(' ')})`;
      }
    }
    if (name?.startsWith('dbt_utils.') || name?.startsWith('dbt.') || name?.startsWith('adapter.') || name?.startsWith('dbt_expectations.')) {
      throw new Unsupported(`${name}()`, UNSUPPORTED_CALLS[name] ?? 'dpf has no counterpart of this macro: write its SQL out, or make it a partial in macros/', node);
    }
    if (name && UNSUPPORTED_CALLS[name]) throw new Unsupported(`${name}()`, UNSUPPORTED_CALLS[name], node);
    throw new Unsupported(`the call ${name ?? 'of an expression'}(...) inside an expression`, 'a project macro becomes a partial ({{> name arg="x"}}), which stands on its own, not inside another call', node);
  };

  const macroCall = (node: N, scope: Scope, macro: MacroSignature): string => {
    const { positional, keywords } = callArgs(node);
    const args = new Map<string, string>();
    positional.forEach((arg, i) => {
      const param = macro.params[i];
      if (param === undefined) throw new Unsupported(`${macro.name}() with more arguments than the macro takes`, `the macro takes ${macro.params.join(', ')}`, arg);
      args.set(param, expr(arg, scope));
    });
    for (const [key, value] of keywords) args.set(key, expr(value, scope));
    for (const [key, value] of Object.entries(macro.defaults)) if (!args.has(key)) args.set(key, value);
    const hash = [...args].map(([k, v]) => ` ${k}=${v}`).join('');
    return `{{> ${macro.name}${hash}}}`;
  };

  /** dbt.date_trunc('day', 'order_date'): the arguments are SQL text; a list is several (concat), a type macro its SQL. */
  const crossDatabase = (node: N, name: string): string => {
    const { positional, keywords } = callArgs(node);
    const text = (arg: N): string[] => {
      if (arg.typename === 'Literal') return [String(arg.value)];
      if (arg.typename === 'Array') return (arg.children as N[]).flatMap(text);
      const inner = arg.typename === 'FunCall' ? calleeName(arg)?.replace(/^(dbt|dbt_utils)\./, '') : undefined;
      if (inner && CROSS_DATABASE[inner] && callArgs(arg).positional.length === 0) return [CROSS_DATABASE[inner]([])];
      throw new Unsupported(`dbt.${name}() with a computed argument`, 'write the SQL out', arg);
    };
    if (keywords.size > 0) throw new Unsupported(`dbt.${name}() with named arguments`, 'write the SQL out', node);
    return CROSS_DATABASE[name]!(positional.flatMap(text));
  };

  /** `{{ x }}`: what handlebars prints for it, and whether it is a value that `literal` can quote. */
  const output = (node: N, scope: Scope): { text: string; quotable: boolean } => {
    if (node.typename === 'FunCall') {
      const name = calleeName(node);
      if (name === COMMENT_CALL) return { text: `{{!-- ${comments[node.args.children[0].value as number]} --}}`, quotable: false };
      if (name === 'config') return { text: configCall(node, scope), quotable: false };
      // log() prints to dbt's log and renders nothing: leaving it out changes no table.
      if (name === 'log') return { text: '', quotable: false };
      if (name && ctx.macros.has(name)) return { text: macroCall(node, scope, ctx.macros.get(name)!), quotable: false };
      if (name === 'dbt_utils.pivot') return { text: pivot(node, scope), quotable: false };
      const crossDb = name?.replace(/^(dbt|dbt_utils)\./, '');
      if (crossDb && crossDb !== name && CROSS_DATABASE[crossDb]) {
        return { text: escapeText(crossDatabase(node, crossDb)), quotable: false };
      }
      if (name === 'dbt_utils.union_relations') return { text: unionRelations(node), quotable: false };
    }
    if (node.typename === 'Literal') return { text: escapeText(String(node.value ?? '')), quotable: false };
    if (node.typename === 'InlineIf') {
      // {{ "," if not loop.last else "" }}: a block of the two outputs.
      const { helper, test } = condition(node.cond, scope);
      const otherwise = node.else_ ? output(node.else_, scope).text : '';
      return { text: `{{#${helper} ${test}}}${output(node.body, scope).text}${otherwise ? `{{else}}${otherwise}` : ''}{{/${helper}}}`, quotable: false };
    }
    if (node.typename === 'Symbol' && node.value === 'this' && !scope.sets.has('this')) {
      return { text: scope.loops.length === 0 && ctx.params === undefined ? '{{this}}' : '{{self}}', quotable: false };
    }
    const e = expr(node, scope);
    const quotable = node.typename !== 'FunCall' || calleeName(node) === 'var';
    return { text: `{{${unwrap(e)}}}`, quotable: quotable && !e.startsWith('(ref ') && !e.startsWith('(source ') };
  };

  const configCall = (node: N, scope: Scope): string => {
    const { positional, keywords } = callArgs(node);
    if (positional.length > 0) throw new Unsupported('config() with positional arguments', 'write config(key=value, ...)', node);
    const pairs: string[] = [];
    for (const [key, value] of keywords) {
      if (/^(pre|post)[_-]hook$/.test(key)) throw new Unsupported(`config(${key}=...)`, 'hooks have no dpf form (P10): grants are the grants config; run other SQL before or after dpf build', value);
      if (key === 'target_schema' || key === 'target_database') throw new Unsupported(`config(${key}=...)`, `dpf builds a snapshot where models go: write schema="..." (it lands in <target schema>_<schema>, or exactly there with schema_strategy: exact)`, value);
      if (value.typename === 'Literal') pairs.push(`${key}=${typeof value.value === 'string' ? hbsString(value.value) : String(value.value)}`);
      else if (value.typename === 'Array' && (value.children as N[]).every((c) => c.typename === 'Literal' && typeof c.value === 'string')) {
        pairs.push(`${key}=${hbsString((value.children as N[]).map((c) => c.value as string).join(','))}`);
      } else if (value.typename === 'FunCall' && calleeName(value) === 'var') pairs.push(`${key}=${expr(value, scope)}`);
      else throw new Unsupported(`config(${key}=...) with a computed or structured value`, `dpf's {{config}} takes literal values; put ${key} under config: in the model's YAML`, value);
    }
    return `{{config${pairs.map((p) => ` ${p}`).join('')}}}`;
  };

  /** dbt_utils.pivot(column, values) with the values written out: an #each over them, as dbt_utils writes it. */
  const pivot = (node: N, scope: Scope): string => {
    const { positional, keywords } = callArgs(node);
    const column = stringArg(positional[0] ?? keywords.get('column'), 'dbt_utils.pivot', node);
    const values = positional[1] ?? keywords.get('values');
    if (!values || (values.typename !== 'Array' && !(values.typename === 'Symbol' && scope.sets.has(values.value)))) {
      throw new Unsupported('dbt_utils.pivot over values read from the database', 'dpf renders without the database (J14): write the values out as a list', node);
    }
    const allowed = new Set(['column', 'values', 'agg', 'then_value', 'else_value', 'prefix', 'suffix', 'quote_identifiers']);
    const other = [...keywords.keys()].find((k) => !allowed.has(k));
    if (other || positional.length > 2) throw new Unsupported(`dbt_utils.pivot with ${other ?? 'more than two positional arguments'}`, 'dpf converts pivot(column, values, agg=, then_value=, else_value=, prefix=, suffix=)', node);
    const text = (key: string, fallback: string) => (keywords.get(key)?.value ?? fallback) as string;
    const quoted = keywords.get('quote_identifiers')?.value !== false;
    const alias = `${text('prefix', '')}{{this}}${text('suffix', '')}`;
    return `{{#each ${expr(values, scope)}}}${text('agg', 'sum')}(case when ${column} = {{literal this}} then ${text('then_value', '1')} else ${text('else_value', '0')} end) as ${quoted ? `"${alias}"` : alias}{{#unless @last}},{{/unless}}{{/each}}`;
  };

  /** dbt_utils.union_relations(relations=[ref('a'), ref('b')]): union_refs over the same models. */
  const unionRelations = (node: N): string => {
    const { positional, keywords } = callArgs(node);
    const list = positional[0] ?? keywords.get('relations');
    const models = list?.typename === 'Array' ? (list.children as N[]).map((r) => (r.typename === 'FunCall' && calleeName(r) === 'ref' ? r.args.children.at(-1)?.value : undefined)) : [];
    if (models.length === 0 || models.some((m) => typeof m !== 'string') || [...keywords.keys()].some((k) => k !== 'relations')) {
      throw new Unsupported('dbt_utils.union_relations over other than refs', 'dpf converts union_relations(relations=[ref("a"), ref("b")]) to {{union_refs "a b"}}', node);
    }
    refs.push(...(models as string[]));
    return `{{union_refs ${hbsString((models as string[]).join(' '))} source_column="_dbt_source_relation"}}`;
  };

  const condition = (node: N, scope: Scope): { helper: 'if' | 'unless'; test: string } => {
    if (node.typename === 'Not') return { helper: 'unless', test: expr(node.target, scope) };
    return { helper: 'if', test: expr(node, scope) };
  };

  const statements = (list: N[] | undefined, scope: Scope): string => (list ?? []).map((n) => statement(n, scope)).join('');

  const statement = (node: N, scope: Scope): string => {
    try {
      return statementOf(node, scope);
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      report(err);
      return '';
    }
  };

  const statementOf = (node: N, scope: Scope): string => {
    switch (node.typename) {
      case 'NodeList':
      case 'Root':
        return statements(node.children, scope);
      case 'Output':
        return outputs(node.children as N[], scope);
      case 'If': {
        let text = '';
        let current: N | null = node;
        let first = true;
        while (current) {
          const { helper, test } = condition(current.cond, scope);
          text += first ? `{{#${helper} ${test}}}` : `{{else ${helper} ${test}}}`;
          text += statements(current.body?.children, scope);
          const next: N | null = current.else_;
          // Handlebars closes an {{else if}} / {{else unless}} chain with the first block's name.
          if (next && next.typename === 'If') {
            current = next;
            first = false;
            continue;
          }
          if (next) text += `{{else}}${statements(next.children, scope)}`;
          current = null;
        }
        return `${text}{{/${condition(node.cond, scope).helper}}}`;
      }
      case 'For': {
        const target = node.name as N;
        let loop: Loop;
        let list: string;
        if (target.typename === 'Array' && target.children.length === 2) {
          const arr = node.arr as N;
          const isItems = arr.typename === 'FunCall' && arr.name.typename === 'LookupVal' && arr.name.val.value === 'items';
          if (!isItems) throw new Unsupported('a for loop over pairs other than dict.items()', 'write {% for k, v in d.items() %}', node);
          loop = { key: target.children[0].value, name: target.children[1].value };
          list = expr(arr.name.target, scope);
        } else if (target.typename === 'Symbol') {
          loop = { name: target.value };
          list = expr(node.arr, scope);
        } else throw new Unsupported('a for loop with this target', 'write {% for x in list %}', node);
        if (scope.loops.length > 0 && scope.loops.some((l) => l.key)) throw new Unsupported('a loop inside a loop over dict items', 'handlebars cannot reach the outer @key by name', node);
        const inner: Scope = { sets: scope.sets, loops: [...scope.loops, loop] };
        const body = statements(node.body?.children, inner);
        const otherwise = node.else_ ? `{{else}}${statements(node.else_.children, scope)}` : '';
        return `{{#each ${list}}}${body}${otherwise}{{/each}}`;
      }
      case 'Set': {
        if (node.body) throw new Unsupported('a {% set %} block', 'templates have no assignments: write the text where it is used', node);
        const targets = node.targets as N[];
        if (targets.length !== 1) throw new Unsupported('a {% set %} of several names', 'set one name at a time', node);
        // No assignment in handlebars: the value is written where the name is used (J10).
        scope.sets.set(targets[0]!.value as string, expr(node.value, scope));
        return '';
      }
      case 'Macro':
        throw new Unsupported(`the macro "${node.name?.value}" defined here`, 'macros belong in macros/*.sql, where they become partials', node);
      case 'Caller':
      case 'CallExtension':
      case 'CallExtensionAsync':
        throw new Unsupported('a {% call %} block or statement', 'dpf renders without the database (J14): write the result out', node);
      case 'FilterAsync':
      case 'Filter':
        throw new Unsupported('a {% filter %} block', 'write the text out', node);
    }
    throw new Unsupported(`the {% ${String(node.typename).toLowerCase()} %} tag`, 'dpf templates have if, for (each) and partials only', node);
  };

  /** An Output's children; `'{{ var("x") }}'` becomes `{{literal (var "x")}}` (J4). */
  const outputs = (children: N[], scope: Scope): string => {
    let text = '';
    for (const child of children) {
      if (child.typename === 'TemplateData') {
        text += escapeText(String(child.value ?? ''));
        continue;
      }
      try {
        const out = output(child, scope);
        text += out.quotable ? `${QUOTABLE}${out.text}${QUOTABLE}` : out.text;
      } catch (err) {
        if (!(err instanceof Unsupported)) throw err;
        report(err);
      }
    }
    return text;
  };

  const scope: Scope = { sets: new Map(), loops: [] };
  let out = statement(root, scope);
  out = quoteLiterals(out);
  return { text: out, problems, refs };
}

/** Marks a value's output, so that one written between quotes can become `{{literal ...}}`. */
const QUOTABLE = '\u0000';

/**
 * `'{{var "x"}}'` → `{{literal (var "x")}}`, and `'{{this}}'` inside #each → `{{literal this}}`
 * (J4): a value written between quotes ends the literal early when it holds a quote.
 */
function quoteLiterals(text: string): string {
  return text
    .replace(/'\u0000\{\{([^\u0000]*)\}\}\u0000'/g, (_all, inner: string) => `{{literal ${inner.includes(' ') ? `(${inner})` : inner}}}`)
    .replace(/\u0000/g, '');
}

/**
 * dbt's cross-database macros (and dbt_utils' older copies) whose SQL is the same on DuckDB and
 * Trino: written out when converting, from the arguments as dbt takes them (SQL text).
 */
const CROSS_DATABASE: Record<string, (args: string[]) => string> = {
  current_timestamp: () => 'current_timestamp',
  type_string: () => 'varchar',
  type_int: () => 'integer',
  type_bigint: () => 'bigint',
  type_float: () => 'double',
  type_boolean: () => 'boolean',
  type_timestamp: () => 'timestamp',
  date_trunc: ([part, date]) => `date_trunc('${part}', ${date})`,
  datediff: ([first, second, part]) => `date_diff('${part}', ${first}, ${second})`,
  concat: (fields) => fields.join(' || '),
  hash: ([field]) => `md5(cast(${field} as varchar))`,
  split_part: ([text, delimiter, part]) => `split_part(${text}, ${delimiter}, ${part})`,
  length: ([expression]) => `length(${expression})`,
  replace: ([field, from, to]) => `replace(${field}, ${from}, ${to})`,
  position: ([substring, text]) => `strpos(${text}, ${substring})`,
  safe_cast: ([field, type]) => `try_cast(${field} as ${type})`,
};

/** Calls dbt projects make that need the database or dbt's runtime, and what to do instead. */
const UNSUPPORTED_CALLS: Record<string, string> = {
  run_query: 'dpf renders without the database (J14): write the values out, or pass them as vars',
  statement: 'dpf renders without the database (J14)',
  return: 'a macro that returns a value has no partial form: write the value where it is used',
  exceptions: 'dpf templates do not raise: use a data test',
  'adapter.get_columns_in_relation': 'dpf renders without the database (J14): list the columns',
  'adapter.dispatch': 'dpf has one macro per name: write the SQL of your engine in a partial',
  'dbt_utils.star': 'dpf renders without the database (J14): list the columns (DuckDB also has select * exclude (...))',
  'dbt_utils.get_column_values': 'dpf renders without the database (J14): write the values out, or pass them as vars',
  'dbt_utils.date_spine': 'write the spine with the engine\'s series function (DuckDB: generate_series(start, end, interval 1 day))',
};
