/**
 * `enabled:` as an expression over the project's vars and the target, decided when the project
 * compiles (docs/pipelines.md, "enabled"): `target.name == 'prod'`, `var('with_reviews')`,
 * `target.name in ['prod', 'staging'] and not var('dry_run', false)`. A small language of its
 * own, evaluated here without eval: literals (strings, numbers, true, false, null, lists),
 * `target.<key>`, `var('name')` and `var('name', default)`, `==`, `!=`, `in`, `not in`, `and`,
 * `or`, `not` and parentheses. Its result must be true or false.
 */

export interface EnabledScope {
  readonly vars: Readonly<Record<string, unknown>>;
  readonly target: Readonly<Record<string, unknown>>;
}

/** The expression's value, or what is wrong with it (one sentence, for DPF103). */
export function evaluateEnabled(expression: string, scope: EnabledScope): { readonly value: boolean } | { readonly problem: string } {
  try {
    const parser = new Parser(tokenize(expression), scope);
    const value = parser.expression();
    parser.end();
    if (typeof value !== 'boolean') return { problem: `gives ${JSON.stringify(value)}, not true or false` };
    return { value };
  } catch (err) {
    if (err instanceof ExpressionError) return { problem: err.message };
    throw err;
  }
}

class ExpressionError extends Error {}

type Token = { kind: 'string' | 'number' | 'word' | 'symbol'; text: string; value?: unknown };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_.]*)|(==|!=|[()[\],]))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new ExpressionError(`cannot read "${text.slice(at).trim().slice(0, 20)}" (write target.name == 'prod', var('x'), and, or, not, in)`);
    at = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'string', text: m[1], value: m[1].slice(1, -1).replace(/\\(.)/g, '$1') });
    else if (m[2] !== undefined) tokens.push({ kind: 'number', text: m[2], value: Number(m[2]) });
    else if (m[3] !== undefined) tokens.push({ kind: 'word', text: m[3] });
    else tokens.push({ kind: 'symbol', text: m[4]! });
  }
  return tokens;
}

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly scope: EnabledScope,
  ) {}

  end(): void {
    const extra = this.tokens[this.at];
    if (extra) throw new ExpressionError(`has "${extra.text}" where it should end`);
  }

  expression(): unknown {
    let left = this.conjunction();
    while (this.take('word', 'or')) {
      const right = this.conjunction();
      left = truth(left, 'or') || truth(right, 'or');
    }
    return left;
  }

  private conjunction(): unknown {
    let left = this.negation();
    while (this.take('word', 'and')) {
      const right = this.negation();
      left = truth(left, 'and') && truth(right, 'and');
    }
    return left;
  }

  private negation(): unknown {
    if (this.take('word', 'not')) return !truth(this.negation(), 'not');
    return this.comparison();
  }

  private comparison(): unknown {
    const left = this.primary();
    if (this.take('symbol', '==')) return same(left, this.primary());
    if (this.take('symbol', '!=')) return !same(left, this.primary());
    if (this.take('word', 'in')) return member(left, this.primary());
    if (this.peek('word', 'not') && this.tokens[this.at + 1]?.text === 'in') {
      this.at += 2;
      return !member(left, this.primary());
    }
    return left;
  }

  private primary(): unknown {
    const token = this.tokens[this.at++];
    if (!token) throw new ExpressionError('ends too early');
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'symbol' && token.text === '(') {
      const value = this.expression();
      this.expect(')');
      return value;
    }
    if (token.kind === 'symbol' && token.text === '[') {
      const items: unknown[] = [];
      if (!this.take('symbol', ']')) {
        do items.push(this.primary());
        while (this.take('symbol', ','));
        this.expect(']');
      }
      return items;
    }
    if (token.kind === 'word') {
      if (token.text === 'true') return true;
      if (token.text === 'false') return false;
      if (token.text === 'null' || token.text === 'none') return null;
      if (token.text === 'var') return this.variable();
      if (token.text.startsWith('target.')) {
        const key = token.text.slice('target.'.length);
        if (!(key in this.scope.target)) throw new ExpressionError(`names target.${key}, which the target has not (it has ${Object.keys(this.scope.target).join(', ')})`);
        return this.scope.target[key] ?? null;
      }
    }
    throw new ExpressionError(`has "${token.text}" where a value should be (a string, a number, true, false, target.name, var('x'))`);
  }

  private variable(): unknown {
    this.expect('(');
    const name = this.tokens[this.at++];
    if (name?.kind !== 'string') throw new ExpressionError("names a var without quotes: write var('name')");
    let fallback: { value: unknown } | undefined;
    if (this.take('symbol', ',')) fallback = { value: this.primary() };
    this.expect(')');
    const key = String(name.value);
    if (key in this.scope.vars) return this.scope.vars[key];
    if (fallback) return fallback.value;
    throw new ExpressionError(`reads var('${key}'), which is not set: give it a default, var('${key}', false), or set it in dpf_project.yml vars: or --vars`);
  }

  private take(kind: Token['kind'], text: string): boolean {
    if (!this.peek(kind, text)) return false;
    this.at++;
    return true;
  }

  private peek(kind: Token['kind'], text: string): boolean {
    const token = this.tokens[this.at];
    return token?.kind === kind && token.text === text;
  }

  private expect(text: string): void {
    if (!this.take('symbol', text)) throw new ExpressionError(`needs "${text}"${this.tokens[this.at] ? ` before "${this.tokens[this.at]!.text}"` : ' at the end'}`);
  }
}

/** A value used as true or false: booleans only, so that a typo never reads as "enabled". */
function truth(value: unknown, where: string): boolean {
  if (typeof value === 'boolean') return value;
  throw new ExpressionError(`uses ${JSON.stringify(value)} with ${where}, which needs true or false`);
}

/** Equal, where a var given as text ('1', 'true') equals the number or boolean written. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a === 'object' || typeof b === 'object') return false;
  return String(a) === String(b);
}

function member(value: unknown, list: unknown): boolean {
  if (!Array.isArray(list)) throw new ExpressionError(`uses in with ${JSON.stringify(list)}, which is not a list ([...] or a list var)`);
  return list.some((item) => same(value, item));
}
