/**
 * Renders one model template to SQL with the helpers bound to that model. `ref` and `source`
 * return the relation names found at parse time (or the CTE name of an ephemeral model);
 * `config` renders nothing. Templates render SQL, not HTML: nothing is escaped, except what
 * `literal` quotes as a string literal of the target's dialect (docs/templates.md).
 */
import HandlebarsModule from 'handlebars';
import type { HelperOptions } from 'handlebars';
import { DpfError, diagnostic } from '../errors/dpf-error.js';
import type { Dialect } from '../adapters/adapter.js';
import { withoutTrailingTerminators } from '../adapters/statement-boundaries.js';
import type { ForEachOrigin, Manifest, UnionRefs } from './manifest.js';
import { renderUnion } from './union-refs.js';
import { executableNode, isEphemeral, relationNode } from './node-kinds.js';

type HandlebarsEnv = typeof HandlebarsModule;

export interface TargetInfo {
  readonly name: string;
  readonly schema: string;
  readonly type: string;
  readonly profile_name: string;
  readonly database?: string;
}

export interface RenderEnvironment {
  readonly handlebars: HandlebarsEnv;
  readonly manifest: Manifest;
  readonly dialect: Dialect;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly target: TargetInfo;
  /** Ids of models inlined as CTEs, by name. */
  readonly byName: ReadonlyMap<string, string>;
  readonly isIncremental?: boolean;
  /** Unit tests: what a ref or source to this unique id renders as instead (a fixture CTE). */
  readonly inputOverride?: (uniqueId: string) => string | undefined;
}

/** What a template renders for: a model, a singular test, an inline query. */
export interface RenderSubject {
  readonly packageName: string;
  readonly originalFilePath: string;
  /** The relation {{this}} and {{self}} name. */
  readonly relationName: string;
  /** A model a for_each generated: the value {{each_value}} renders. */
  readonly forEach?: ForEachOrigin;
  /** Its {{union_refs}} calls, resolved at parse time. */
  readonly unionRefs?: readonly UnionRefs[];
}

export const cteName = (modelName: string) => `__dpf_cte__${modelName}`;

/** The top-level context: `{{this}}` renders the model's own relation, as in dbt. */
class ModelContext {
  constructor(
    private readonly relation: string,
    readonly target: TargetInfo,
  ) {}
  toString(): string {
    return this.relation;
  }
}

export function createHandlebars(partials: ReadonlyMap<string, string>): HandlebarsEnv {
  const handlebars = HandlebarsModule.create();
  // A macro file's final newline would otherwise land in the middle of the calling line.
  for (const [name, text] of partials) handlebars.registerPartial(name, text.replace(/\r?\n$/, ''));
  return handlebars;
}

export interface RenderedModel {
  readonly sql: string;
  /** Unique ids of ephemeral models this SQL refers to by CTE name. */
  readonly ephemeralRefs: string[];
}

export function renderModelSql(node: RenderSubject, ast: hbs.AST.Program, env: RenderEnvironment): RenderedModel {
  const { manifest, dialect } = env;
  const ephemeralRefs: string[] = [];
  const isOptions = (v: unknown): v is HelperOptions => !!v && typeof v === 'object' && 'hash' in (v as object);
  const helpers = {
    ref(name: string) {
      const id = env.byName.get(name)!;
      const override = env.inputOverride?.(id);
      if (override !== undefined) return override;
      const target = executableNode(manifest, id)!;
      if (isEphemeral(target)) {
        if (!ephemeralRefs.includes(id)) ephemeralRefs.push(id);
        return dialect.quoteIdentifier(cteName(target.name));
      }
      return target.relationName;
    },
    source(source: string, table: string) {
      const id = `source.${node.packageName}.${source}.${table}`;
      return env.inputOverride?.(id) ?? relationNode(manifest, id)!.relationName;
    },
    config: () => '',
    var(name: string, ...rest: unknown[]) {
      const fallback = rest.length > 1 && !isOptions(rest[0]) ? rest[0] : undefined;
      return name in env.vars ? env.vars[name] : fallback;
    },
    literal: (value: unknown) => quoteLiteral(value, dialect),
    // A list written in the model, where dbt users would {% set xs = [...] %}: its arguments (the last is handlebars' options).
    list: (...args: unknown[]) => args.slice(0, -1),
    // A mapping written in the model ({% set d = {'a': 1} %} in dbt): its named arguments, for #each (@key) and lookup.
    // Handlebars hands the hash over last pair first: reversed, #each sees the pairs in written order, as Jinja's items() does.
    dict: (options: HelperOptions) => Object.fromEntries(Object.entries(options.hash as Record<string, unknown>).reverse()),
    // dbt_utils.generate_surrogate_key: the same md5 of the columns as text, '-'-separated, nulls as dbt_utils writes them.
    surrogate_key(...args: unknown[]) {
      const columns = args.slice(0, -1).map(String);
      if (columns.length === 0) throw new Error('{{surrogate_key}} takes the columns (or expressions) to hash: {{surrogate_key "order_id" "line"}}');
      const text = dialect.typeName('text');
      const parts = columns.map((c) => `coalesce(cast(${c} as ${text}), '_dbt_utils_surrogate_key_null_')`);
      return `md5(cast(${parts.join(" || '-' || ")} as ${text}))`;
    },
    self: () => node.relationName,
    is_incremental: () => env.isIncremental === true,
    each_value(...args: unknown[]) {
      const value = node.forEach?.value;
      if (value === undefined) throw new Error('{{each_value}} is only for models a for_each generates');
      const column = args.length > 1 && typeof args[0] === 'string' ? args[0] : undefined;
      if (typeof value !== 'object') {
        if (column !== undefined) throw new Error(`{{each_value "${column}"}} reads a column of a row, but this for_each's values are single values: write {{each_value}}`);
        return quoteLiteral(value, dialect);
      }
      if (column === undefined) return quoteLiteral(Object.values(value)[0], dialect);
      if (!(column in value)) throw new Error(`{{each_value "${column}"}}: the rows have no column "${column}" (they have ${Object.keys(value).join(', ')})`);
      return quoteLiteral(value[column], dialect);
    },
    each_name() {
      if (!node.forEach) throw new Error('{{each_name}} is only for models a for_each generates');
      return node.forEach.key;
    },
    union_refs(selector: string) {
      const call = node.unionRefs?.find((u) => u.selector === selector);
      if (!call) throw new Error(`{{union_refs "${selector}"}} was not resolved when the project was parsed`);
      return renderUnion(call, manifest, env.byName, (name) => helpers.ref(name), dialect);
    },
  };
  const context = new ModelContext(node.relationName, env.target);
  try {
    const fast = renderSimple(ast, helpers as Record<string, (...args: unknown[]) => unknown>, context);
    if (fast !== undefined) return { sql: stripTrailingSemicolons(fast), ephemeralRefs };
    const template = env.handlebars.compile(ast as unknown as string, { noEscape: true, strict: false, data: true });
    const sql = template(context, { helpers, allowProtoPropertiesByDefault: false });
    return { sql: stripTrailingSemicolons(sql), ephemeralRefs };
  } catch (err) {
    if (err instanceof DpfError) throw err;
    const e = err as Error & { lineNumber?: number; column?: number };
    throw new DpfError([
      diagnostic(
        'RenderFailed',
        { detail: e.message.split('\n')[0]! },
        { file: node.originalFilePath, line: e.lineNumber, column: e.column !== undefined ? e.column + 1 : undefined },
      ),
    ]);
  }
}

type Literal = hbs.AST.StringLiteral | hbs.AST.NumberLiteral | hbs.AST.BooleanLiteral;
const isLiteral = (e: hbs.AST.Expression): e is Literal => e.type === 'StringLiteral' || e.type === 'NumberLiteral' || e.type === 'BooleanLiteral';

/**
 * Most models are text with {{ref}}, {{source}}, {{config}}, {{var}} and {{this}} calls on
 * literals. Handlebars compiles every template to a JavaScript function first, which costs
 * far more than rendering; for such simple templates the AST is walked directly, with the
 * same output (whitespace control is already applied to the AST by the parser). Anything
 * else (blocks, partials, subexpressions) returns undefined and goes through handlebars.
 */
function renderSimple(ast: hbs.AST.Program, helpers: Record<string, (...args: unknown[]) => unknown>, context: ModelContext): string | undefined {
  let out = '';
  for (const stmt of ast.body) {
    switch (stmt.type) {
      case 'ContentStatement':
        out += (stmt as hbs.AST.ContentStatement).value;
        break;
      case 'CommentStatement':
        break;
      case 'MustacheStatement': {
        const m = stmt as hbs.AST.MustacheStatement;
        const path = m.path as hbs.AST.PathExpression;
        if (path.type !== 'PathExpression' || path.data || !m.params.every((p) => isLiteral(p) || isSimpleCall(p, helpers)) || !(m.hash?.pairs ?? []).every((p) => isLiteral(p.value))) return undefined;
        let value: unknown;
        if (/^this$/.test(path.original)) value = context.toString();
        else if (path.parts.length === 2 && path.parts[0] === 'target' && path.depth === 0) value = (context.target as unknown as Record<string, unknown>)[path.parts[1]!];
        else if (path.parts.length === 1 && helpers[path.parts[0]!]) {
          const hash = Object.fromEntries((m.hash?.pairs ?? []).map((p) => [p.key, (p.value as Literal).value]));
          const params = m.params.map((p) => (isLiteral(p) ? p.value : call(p as hbs.AST.SubExpression, helpers)));
          value = helpers[path.parts[0]!]!(...params, { hash, data: {} });
        } else return undefined;
        if (value !== null && value !== undefined) out += String(value);
        break;
      }
      default:
        return undefined;
    }
  }
  return out;
}

/** `{{literal (var "v")}}`: a helper called on literals, without a hash, as an argument. */
function isSimpleCall(expr: hbs.AST.Expression, helpers: Record<string, (...args: unknown[]) => unknown>): boolean {
  if (expr.type !== 'SubExpression') return false;
  const sub = expr as hbs.AST.SubExpression;
  const path = sub.path as hbs.AST.PathExpression;
  return path.type === 'PathExpression' && !path.data && path.parts.length === 1 && !!helpers[path.parts[0]!] && sub.params.every(isLiteral) && !sub.hash?.pairs.length;
}

function call(sub: hbs.AST.SubExpression, helpers: Record<string, (...args: unknown[]) => unknown>): unknown {
  const name = (sub.path as hbs.AST.PathExpression).parts[0]!;
  return helpers[name]!(...sub.params.map((p) => (p as Literal).value), { hash: {}, data: {} });
}

/**
 * A value as a SQL string literal: text inside it cannot end the literal or start another
 * statement. Numbers and booleans become their text; a missing value becomes NULL.
 */
function quoteLiteral(value: unknown, dialect: Dialect): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object') throw new Error(`literal quotes one value (a string, number or boolean), not ${Array.isArray(value) ? 'a list' : 'a mapping'}`);
  const text = String(value);
  // The engines take SQL as a C string: a NUL would cut the statement short.
  if (text.includes('\0')) throw new Error('literal cannot quote a value containing a NUL character');
  return dialect.stringLiteral(text);
}

function stripTrailingSemicolons(sql: string): string {
  // "select 1; -- done": a comment after the last semicolon needs a scan (is that `--` in a
  // string?), which most models, ending in plain text or a bare semicolon, do without.
  const text = /;[\s;]*(--|\/\*)/.test(sql) ? withoutTrailingTerminators(sql) : sql;
  return text.replace(/[\s;]+$/, '').replace(/^\s*\n/, '') + '\n';
}

/**
 * Prepends ephemeral models as CTEs. A model that starts with its own WITH gets the CTEs
 * merged into that clause, since SQL allows only one WITH at the top.
 */
export function injectCtes(sql: string, ctes: { name: string; sql: string }[], dialect: Dialect): string {
  if (ctes.length === 0) return sql;
  const rendered = ctes.map((c) => `${dialect.quoteIdentifier(c.name)} as (\n${c.sql.trimEnd()}\n)`).join(',\n');
  const lead = /^(\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*)with(\s+recursive)?\b/i.exec(sql);
  if (lead) {
    const head = `${lead[1]}with${lead[2] ?? ''} `;
    return `${head}${rendered},\n${sql.slice(lead[0].length).replace(/^\s+/, '')}`;
  }
  return `with ${rendered}\n${sql}`;
}
