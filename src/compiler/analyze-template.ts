/**
 * Reads a model's handlebars template once, at parse time, and finds what the model depends on
 * (ref, source, partials), its inline {{config}}, and every helper it calls, each with its
 * line and column. Unknown helpers and malformed calls become diagnostics here, so rendering
 * later never meets a surprise and `ref` means the same thing at parse and at run time.
 */
import HandlebarsModule from 'handlebars';
import { diagnostic, type Diagnostic, type SourceLocation } from '../errors/dpf-error.js';
import { closestMatch } from './closest-match.js';
import { findJinjaHabits } from './jinja-habits.js';
import { parseSimpleTemplate } from './parse-simple-template.js';
import type { RefCall, SourceCall } from './manifest.js';

type Ast = hbs.AST.Program;
type AstNode = hbs.AST.Node;

/** Helpers a model may call, with their usage for error messages. */
export const MODEL_HELPERS: Record<string, string> = {
  ref: '{{ref "model_name"}}',
  source: '{{source "source_name" "table_name"}}',
  config: '{{config materialized="table" schema="finance" tags="a,b"}}',
  var: '{{var "name"}} or {{var "name" "default"}}',
  literal: '{{literal (var "name")}}',
  list: '{{#each (list "a" "b")}} ... {{/each}}',
  dict: '{{#each (dict a=1 b="x")}}{{@key}} = {{this}}{{/each}} or (lookup (dict a=1) "a")',
  surrogate_key: '{{surrogate_key "order_id" "line_number"}}',
  self: '{{self}}',
  is_incremental: '{{#if (is_incremental)}} ... {{/if}}',
  each_value: '{{each_value}} (the value as a SQL literal) or {{each_value "column"}} (a column of a row), in a for_each model',
  each_name: '{{each_name}} (the value as it appears in the generated model\'s name), in a for_each model',
  union_refs: '{{union_refs "tag:region"}} or {{union_refs "tag:region" source_column="_dpf_source"}}',
};
const BLOCK_HELPERS = new Set(['if', 'unless', 'each', 'with']);
const SCOPE_HELPERS = new Set(['each', 'with']);
const OTHER_BUILTINS = new Set(['lookup', 'log']);
/** Names that read from the top-level context rather than calling a helper. */
const CONTEXT_NAMES = new Set(['this', 'target']);

export type ConfigValue = string | number | boolean;

export interface VarCall {
  readonly name: string;
  readonly hasDefault: boolean;
  readonly location: SourceLocation;
}

/** `{{config for_each=...}}` written in the SQL: over a var, or over a list written in place. */
export type InlineForEach = { readonly var: string } | { readonly values: readonly ConfigValue[] };

/** A `{{union_refs "selector"}}` call: the models the selector picks are unioned by column name. */
export interface UnionRefsCall {
  readonly selector: string;
  /** A column holding each row's model name; absent: none. */
  readonly sourceColumn?: string;
  readonly location: SourceLocation;
}

export interface TemplateAnalysis {
  readonly ast?: Ast;
  readonly refs: RefCall[];
  readonly sources: SourceCall[];
  readonly config: Record<string, { value: ConfigValue; location: SourceLocation }>;
  readonly vars: VarCall[];
  readonly partials: string[];
  readonly diagnostics: Diagnostic[];
  /** `{{config for_each=...}}`, where it is written. */
  readonly forEach?: { readonly spec: InlineForEach; readonly location: SourceLocation };
  /** Where `{{each_value}}` / `{{each_name}}` are called: only a for_each model may. */
  readonly eachCalls: SourceLocation[];
  readonly unionRefs: UnionRefsCall[];
}

export interface AnalyzeOptions {
  readonly file: string;
  readonly partials: ReadonlySet<string>;
  /** Resolves {{config key=(var "x")}} at parse time. */
  readonly lookupVar: (name: string) => unknown;
  /** A partial reads its hash arguments as bare names ({{column}}), so those are not errors. */
  readonly isPartial?: boolean;
}

export function analyzeTemplate(text: string, options: AnalyzeOptions): TemplateAnalysis {
  const result = {
    refs: [] as RefCall[],
    sources: [] as SourceCall[],
    config: {} as TemplateAnalysis['config'],
    vars: [] as VarCall[],
    partials: [] as string[],
    diagnostics: [] as Diagnostic[],
    forEach: undefined as TemplateAnalysis['forEach'],
    eachCalls: [] as SourceLocation[],
    unionRefs: [] as UnionRefsCall[],
  };
  // Jinja is reported whole, every occurrence, before handlebars stops at the first it cannot parse.
  const jinja = findJinjaHabits(text, options.file);
  if (jinja.length > 0) return { ...result, diagnostics: jinja };
  let ast: Ast;
  try {
    ast = parseSimpleTemplate(text) ?? HandlebarsModule.parse(text);
  } catch (err) {
    result.diagnostics.push(parseErrorDiagnostic(err as Error & { lineNumber?: number; column?: number }, options.file));
    return result;
  }
  const at = (node: AstNode): SourceLocation => ({
    file: options.file,
    line: node.loc?.start.line,
    column: node.loc ? node.loc.start.column + 1 : undefined,
  });
  const report = (d: Diagnostic) => result.diagnostics.push(d);
  const allHelpers = [...Object.keys(MODEL_HELPERS), ...BLOCK_HELPERS, ...OTHER_BUILTINS];

  const checkKnown = (name: string, node: AstNode): boolean => {
    if (name === 'env') {
      report(diagnostic('EnvOutsideProfile', {}, at(node)));
      return false;
    }
    if (name in MODEL_HELPERS || BLOCK_HELPERS.has(name) || OTHER_BUILTINS.has(name)) return true;
    report(diagnostic('UnknownHelper', { name, suggestion: closestMatch(name, allHelpers) }, at(node)));
    return false;
  };

  const stringParams = (call: { params: hbs.AST.Expression[] }): (string | undefined)[] =>
    call.params.map((p) => (p.type === 'StringLiteral' ? (p as hbs.AST.StringLiteral).value : undefined));

  const argError = (helper: string, detail: string, node: AstNode) =>
    report(diagnostic('HelperArguments', { helper, detail, usage: MODEL_HELPERS[helper] ?? helper }, at(node)));

  const literalValue = (expr: hbs.AST.Expression): ConfigValue | undefined => {
    switch (expr.type) {
      case 'StringLiteral':
      case 'NumberLiteral':
      case 'BooleanLiteral':
        return (expr as hbs.AST.StringLiteral).value as ConfigValue;
      case 'SubExpression': {
        const sub = expr as hbs.AST.SubExpression;
        const [name, fallback] = stringParams(sub);
        if ((sub.path as hbs.AST.PathExpression).original === 'var' && name) {
          const value = options.lookupVar(name) ?? fallback;
          if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  };

  /** for_each=(var "name") or for_each=(list "a" "b"): read at parse time, as config is. */
  const forEachValue = (expr: hbs.AST.Expression): InlineForEach | undefined => {
    if (expr.type !== 'SubExpression') return undefined;
    const sub = expr as hbs.AST.SubExpression;
    const helper = (sub.path as hbs.AST.PathExpression).original;
    if (helper === 'var' && sub.params.length === 1 && sub.params[0]!.type === 'StringLiteral') return { var: (sub.params[0] as hbs.AST.StringLiteral).value };
    if (helper === 'list' && sub.params.every((p) => p.type === 'StringLiteral' || p.type === 'NumberLiteral' || p.type === 'BooleanLiteral')) {
      return { values: sub.params.map((p) => (p as hbs.AST.StringLiteral).value as ConfigValue) };
    }
    return undefined;
  };

  const analyzeCall = (
    name: string,
    call: { params: hbs.AST.Expression[]; hash?: hbs.AST.Hash },
    node: AstNode,
    isStatement: boolean,
  ) => {
    const args = stringParams(call);
    switch (name) {
      case 'ref':
        if (call.params.length !== 1 || args[0] === undefined) argError('ref', 'takes one quoted model name', node);
        else result.refs.push({ name: args[0], location: at(node) });
        break;
      case 'source':
        if (call.params.length !== 2 || args[0] === undefined || args[1] === undefined)
          argError('source', 'takes two quoted names: the source and the table', node);
        else result.sources.push({ source: args[0], table: args[1], location: at(node) });
        break;
      case 'config':
        if (!isStatement) argError('config', 'must stand on its own, not inside another helper', node);
        else if (call.params.length > 0) argError('config', 'takes named arguments only (key="value")', node);
        for (const pair of call.hash?.pairs ?? []) {
          if (pair.key === 'for_each') {
            const spec = forEachValue(pair.value);
            if (!spec) argError('config', 'takes for_each=(var "name") or for_each=(list "a" "b"); a query goes in YAML (config: for_each: {query: ...})', pair as unknown as AstNode);
            else result.forEach = { spec, location: at(pair as unknown as AstNode) };
            continue;
          }
          const value = literalValue(pair.value);
          if (value === undefined) argError('config', `needs a literal value for ${pair.key}`, pair as unknown as AstNode);
          else result.config[pair.key] = { value, location: at(pair as unknown as AstNode) };
        }
        break;
      case 'var':
        if (call.params.length < 1 || call.params.length > 2 || args[0] === undefined)
          argError('var', 'takes a quoted variable name and an optional default', node);
        else result.vars.push({ name: args[0], hasDefault: call.params.length === 2, location: at(node) });
        break;
      case 'each_value':
      case 'each_name':
        if (call.params.length > (name === 'each_value' ? 1 : 0) || (call.params.length === 1 && args[0] === undefined) || (call.hash?.pairs.length ?? 0) > 0)
          argError(name, name === 'each_value' ? 'takes nothing, or one quoted column name' : 'takes no arguments', node);
        result.eachCalls.push(at(node));
        break;
      case 'union_refs': {
        const extra = (call.hash?.pairs ?? []).filter((p) => p.key !== 'source_column');
        const column = call.hash?.pairs.find((p) => p.key === 'source_column')?.value;
        const columnValue = column === undefined ? undefined : column.type === 'StringLiteral' ? (column as hbs.AST.StringLiteral).value : column.type === 'BooleanLiteral' ? (column as hbs.AST.BooleanLiteral).value : null;
        if (call.params.length !== 1 || args[0] === undefined || extra.length > 0 || columnValue === null || columnValue === '')
          argError('union_refs', 'takes one quoted selector and optionally source_column="name" (or source_column=true for _dpf_source)', node);
        else
          result.unionRefs.push({
            selector: args[0],
            ...(columnValue === true ? { sourceColumn: '_dpf_source' } : typeof columnValue === 'string' ? { sourceColumn: columnValue } : {}),
            location: at(node),
          });
        break;
      }
      case 'literal':
        if (call.params.length !== 1 || (call.hash?.pairs.length ?? 0) > 0) argError('literal', 'takes one value to quote', node);
        break;
    }
    for (const p of call.params) visitExpression(p);
    for (const pair of call.hash?.pairs ?? []) visitExpression(pair.value);
  };

  const visitExpression = (expr: hbs.AST.Expression) => {
    if (expr.type !== 'SubExpression') return;
    const sub = expr as hbs.AST.SubExpression;
    const path = sub.path as hbs.AST.PathExpression;
    if (path.type !== 'PathExpression' || path.data) return;
    if (checkKnown(path.original, sub)) analyzeCall(path.original, sub, sub, false);
  };

  const visitProgram = (program: hbs.AST.Program | undefined, depth: number) => {
    for (const stmt of program?.body ?? []) visitStatement(stmt, depth);
  };

  const visitStatement = (stmt: hbs.AST.Statement, depth: number) => {
    switch (stmt.type) {
      case 'MustacheStatement': {
        const m = stmt as hbs.AST.MustacheStatement;
        const path = m.path as hbs.AST.PathExpression;
        if (path.type !== 'PathExpression' || path.data) return;
        const isCall = m.params.length > 0 || (m.hash?.pairs.length ?? 0) > 0;
        // {{this}}, {{this.x}}, {{./x}} read the context explicitly; parts drop the "this".
        const explicitThis = /^(this([./]|$)|\.\.?\/)/.test(path.original);
        const head = explicitThis ? 'this' : (path.parts[0] ?? 'this');
        if (!isCall && !explicitThis && path.parts.length <= 1 && head in MODEL_HELPERS) {
          analyzeCall(head, m, m, true);
        } else if (isCall) {
          if (checkKnown(path.original, m)) analyzeCall(path.original, m, m, true);
        } else if (depth === 0 && !CONTEXT_NAMES.has(head)) {
          checkKnown(path.original, m);
        }
        return;
      }
      case 'BlockStatement': {
        const b = stmt as hbs.AST.BlockStatement;
        const name = (b.path as hbs.AST.PathExpression).original;
        if (!BLOCK_HELPERS.has(name)) {
          report(diagnostic('UnknownHelper', { name, suggestion: closestMatch(name, [...BLOCK_HELPERS]) }, at(b)));
        }
        for (const p of b.params) visitExpression(p);
        visitProgram(b.program, SCOPE_HELPERS.has(name) ? depth + 1 : depth);
        visitProgram(b.inverse, depth);
        return;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement': {
        const p = stmt as hbs.AST.PartialStatement;
        const name = p.name.type === 'PathExpression' ? (p.name as hbs.AST.PathExpression).original : undefined;
        if (name === undefined) return;
        if (!options.partials.has(name)) {
          report(diagnostic('PartialNotFound', { name, suggestion: closestMatch(name, options.partials) }, at(p)));
        } else if (!result.partials.includes(name)) {
          result.partials.push(name);
        }
        for (const param of p.params) visitExpression(param);
        return;
      }
      default:
        return;
    }
  };

  visitProgram(ast, options.isPartial ? 1 : 0);
  return { ast, ...result };
}

function parseErrorDiagnostic(err: Error & { lineNumber?: number; column?: number }, file: string): Diagnostic {
  const lines = err.message.split('\n');
  let line = err.lineNumber;
  let column = err.column !== undefined ? err.column + 1 : undefined;
  const lineMatch = /Parse error on line (\d+)/.exec(lines[0] ?? '');
  if (lineMatch) {
    // Handlebars' excerpt of the line may start mid-line, so its caret gives no reliable column.
    line = Number(lineMatch[1]);
    column = undefined;
  }
  const expecting = lines.find((l) => l.startsWith('Expecting'));
  const got = expecting ? /got '([^']+)'/.exec(expecting)?.[1] : undefined;
  const detail = lineMatch
    ? `unexpected ${got === 'EOF' ? 'end of file' : got === 'INVALID' ? 'character' : (got ?? 'token')} (an unclosed {{ or a misplaced }}?)`
    : (lines[0] ?? err.message).replace(/ - \d+:\d+$/, '');
  return diagnostic('TemplateSyntax', { detail }, { file, line, column });
}
