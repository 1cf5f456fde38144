/**
 * Explore's SQL names relations as the warehouse knows them (`main.fct_orders`,
 * `"main"."fct_orders"`); an analysis names them with `{{ref "fct_orders"}}` and
 * `{{source "web" "sessions"}}`, which is what puts it in the lineage. This turns the one into
 * the other, for the relations of the project's manifest only, by a lexical scan that knows
 * string literals, quoted identifiers and comments (nothing inside a literal or a comment is
 * touched):
 *
 * - a qualified name (`schema.name`, `database.schema.name`, quoted or not, any case) that is a
 *   node's relation becomes its ref or source call, wherever it stands;
 * - a bare name becomes one only right after `from` or `join`, when exactly one relation has
 *   that identifier and no CTE of the query has that name (a bare word elsewhere may be a column).
 *
 * Anything else (a relation outside the project, a table function) stays as typed, and the
 * analysis still compiles: its SQL is then plain SQL, read as is.
 */

/** A relation of the project and the call that names it in a template. */
export interface RefTarget {
  readonly database?: string;
  readonly schema: string;
  readonly identifier: string;
  /** `{{ref "name"}}` or `{{source "source" "table"}}`. */
  readonly call: string;
}

export interface Rewritten {
  readonly sql: string;
  /** The calls put in, in order of first appearance. */
  readonly refs: string[];
}

interface Token {
  readonly kind: 'word' | 'quoted' | 'dot' | 'other';
  readonly start: number;
  readonly end: number;
  /** A word or quoted identifier's name: quoted as written, unquoted lowercased. */
  readonly name: string;
}

export function relationsToRefs(sql: string, targets: readonly RefTarget[]): Rewritten {
  const qualified = new Map<string, string>();
  const bare = new Map<string, string[]>();
  for (const t of targets) {
    qualified.set(key([t.schema, t.identifier]), t.call);
    if (t.database) qualified.set(key([t.database, t.schema, t.identifier]), t.call);
    bare.set(t.identifier.toLowerCase(), [...(bare.get(t.identifier.toLowerCase()) ?? []), t.call]);
  }
  const tokens = tokenize(sql);
  const ctes = cteNames(tokens);
  const edits: { start: number; end: number; call: string }[] = [];
  for (let i = 0; i < tokens.length; ) {
    const chain = nameChain(tokens, i);
    if (chain.length === 0) {
      i++;
      continue;
    }
    const first = tokens[i]!;
    const last = tokens[i + chain.length * 2 - 2]!;
    const before = significantBefore(tokens, i);
    const afterDot = before?.kind === 'dot';
    let call: string | undefined;
    if (!afterDot && chain.length > 1) call = qualified.get(key(chain));
    else if (!afterDot && chain.length === 1 && before?.kind === 'word' && (before.name === 'from' || before.name === 'join') && !ctes.has(chain[0]!.toLowerCase())) {
      const candidates = bare.get(chain[0]!.toLowerCase()) ?? [];
      if (candidates.length === 1) call = candidates[0];
    }
    if (call) edits.push({ start: first.start, end: last.end, call });
    i += chain.length * 2 - 1;
  }
  let out = sql;
  for (const edit of [...edits].reverse()) out = `${out.slice(0, edit.start)}${edit.call}${out.slice(edit.end)}`;
  return { sql: out, refs: [...new Set(edits.map((e) => e.call))] };
}

const key = (parts: readonly string[]) => parts.map((p) => p.toLowerCase()).join('\u0000');

/** The names of `a.b.c` starting at token i (words and quoted identifiers joined by dots), or []. */
function nameChain(tokens: readonly Token[], i: number): string[] {
  const names: string[] = [];
  let k = i;
  while (k < tokens.length && (tokens[k]!.kind === 'word' || tokens[k]!.kind === 'quoted')) {
    names.push(tokens[k]!.name);
    if (tokens[k + 1]?.kind !== 'dot' || (tokens[k + 2]?.kind !== 'word' && tokens[k + 2]?.kind !== 'quoted')) break;
    k += 2;
  }
  return names;
}

function significantBefore(tokens: readonly Token[], i: number): Token | undefined {
  return i > 0 ? tokens[i - 1] : undefined;
}

/** `with x as (`, `, y as (`: names a bare relation name must not be mistaken for. */
function cteNames(tokens: readonly Token[]): Set<string> {
  const names = new Set<string>();
  for (let i = 0; i + 2 < tokens.length; i++) {
    const [name, as, open] = [tokens[i]!, tokens[i + 1]!, tokens[i + 2]!];
    if ((name.kind === 'word' || name.kind === 'quoted') && as.kind === 'word' && as.name === 'as' && open.kind === 'other' && open.name === '(') names.add(name.name.toLowerCase());
  }
  return names;
}

/** Words, quoted identifiers, dots and other characters; literals and comments are skipped. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '-' && sql[i + 1] === '-') i = lineEnd(sql, i);
    else if (c === '/' && sql[i + 1] === '*') i = blockEnd(sql, i);
    else if (c === "'") {
      // A literal is a barrier: the word before it and after it are not neighbours.
      tokens.push({ kind: 'other', start: i, end: (i = closing(sql, i, "'")), name: "'" });
    } else if (c === '"') {
      const end = closing(sql, i, '"');
      tokens.push({ kind: 'quoted', start: i, end, name: sql.slice(i + 1, end - 1).replaceAll('""', '"') });
      i = end;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][\w$]*/.exec(sql.slice(i))![0];
      tokens.push({ kind: 'word', start: i, end: i + m.length, name: m.toLowerCase() });
      i += m.length;
    } else {
      tokens.push({ kind: c === '.' ? 'dot' : 'other', start: i, end: i + 1, name: c });
      i++;
    }
  }
  return tokens;
}

function lineEnd(sql: string, i: number): number {
  const end = sql.indexOf('\n', i);
  return end < 0 ? sql.length : end;
}

function blockEnd(sql: string, i: number): number {
  const end = sql.indexOf('*/', i + 2);
  return end < 0 ? sql.length : end + 2;
}

/** The offset after the quote closing the one at i (a doubled quote is an escaped one). */
function closing(sql: string, i: number, quote: string): number {
  let k = i + 1;
  while (k < sql.length) {
    if (sql[k] === quote) {
      if (sql[k + 1] === quote) k += 2;
      else return k + 1;
    } else k++;
  }
  return sql.length;
}
