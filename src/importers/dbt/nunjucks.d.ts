/** The part of nunjucks dpf uses: its Jinja parser (the package ships no types for it). */
declare module 'nunjucks' {
  /** An AST node: `typename`, 0-based `lineno`/`colno`, and the fields of its type. */
  export interface JinjaNode {
    readonly typename: string;
    readonly lineno: number;
    readonly colno: number;
  }
  export const parser: { parse(source: string, extensions?: unknown[], options?: Record<string, unknown>): JinjaNode };
  const nunjucks: { parser: typeof parser };
  export default nunjucks;
}
