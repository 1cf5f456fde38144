/**
 * The top-level blocks of a macro, generic test or snapshot file: `{% macro name(a, b='x') %}`,
 * `{% test name(model, column_name) %}`, `{% snapshot name %}` (and `{% materialization %}`,
 * to report), each with its parameters and its body's text and first line. Jinja's whitespace
 * control on the block tags is applied to the body here, as Jinja would.
 */
import nunjucks, { type JinjaNode } from 'nunjucks';

export interface Block {
  readonly tag: 'macro' | 'test' | 'snapshot' | 'materialization';
  readonly name: string;
  readonly params: readonly { readonly name: string; readonly default?: string }[];
  readonly body: string;
  /** Line of the block tag, and of the body's first character. */
  readonly line: number;
  readonly bodyLine: number;
}

const OPEN = /\{%(-?)\s*(macro|test|snapshot|materialization)\s+([A-Za-z_][A-Za-z0-9_]*)\s*(\([^%]*\))?\s*(?:,[^%]*)?(-?)%\}/g;

type Node = JinjaNode & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function splitBlocks(source: string): { blocks: Block[]; problems: { line: number; construct: string; detail: string }[] } {
  const blocks: Block[] = [];
  const problems: { line: number; construct: string; detail: string }[] = [];
  const lineAt = (offset: number) => source.slice(0, offset).split('\n').length;
  for (const open of source.matchAll(OPEN)) {
    const [tagText, , tag, name, args = '', trimAfter] = open as unknown as [string, string, Block['tag'], string, string | undefined, string];
    const start = open.index! + tagText.length;
    const end = new RegExp(`\\{%(-?)\\s*end${tag}\\s*(-?)%\\}`, 'g');
    end.lastIndex = start;
    const close = end.exec(source);
    const line = lineAt(open.index!);
    if (!close) {
      problems.push({ line, construct: `{% ${tag} ${name} %}`, detail: `no {% end${tag} %} closes it` });
      continue;
    }
    let body = source.slice(start, close.index);
    let bodyStart = start;
    if (trimAfter === '-') {
      const trimmed = body.replace(/^\s+/, '');
      bodyStart += body.length - trimmed.length;
      body = trimmed;
    }
    if (close[1] === '-') body = body.replace(/\s+$/, '');
    const params: { name: string; default?: string }[] = [];
    if (args) {
      try {
        const root = nunjucks.parser.parse(`{% macro m${args} %}{% endmacro %}`) as Node;
        const macro = (root.children as Node[])[0]!;
        for (const arg of macro.args.children as Node[]) {
          if (arg.typename === 'Symbol') params.push({ name: arg.value });
          else if (arg.typename === 'KeywordArgs') {
            for (const pair of arg.children as Node[]) {
              const v = pair.value as Node;
              const value = v.typename === 'Literal' ? (typeof v.value === 'string' ? JSON.stringify(v.value) : String(v.value)) : undefined;
              if (value === undefined) problems.push({ line, construct: `the default of ${pair.key.value} in ${name}`, detail: 'only literal defaults convert: pass the argument at every call instead' });
              params.push({ name: pair.key.value, ...(value === undefined ? {} : { default: value }) });
            }
          }
        }
      } catch (err) {
        problems.push({ line, construct: `the parameters of ${name}`, detail: (err as Error).message.replace(/\s+/g, ' ') });
      }
    }
    blocks.push({ tag, name, params, body, line, bodyLine: lineAt(bodyStart) });
  }
  return { blocks, problems };
}
