/**
 * Which of the project's relations a query's text names, for the security report's access check
 * (scan-query-access.ts). Pure and approximate, as a reader of SQL text must be: comments and
 * string literals are dropped first (a literal is data, and may be personal data); then every
 * dotted name, each part quoted or not, is compared case-insensitively (Trino folds identifiers
 * to lower case) with `database.schema.identifier` and `schema.identifier`; a bare name counts
 * only right after `from` or `join` and only when one relation of the project has it (the query's
 * session schema is not in the log). A view read through another name, or a name built at run
 * time, is not seen.
 */
import type { Relation } from '../../adapters/relation.js';

const PART = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$@]*)`;
const CHAIN = new RegExp(String.raw`(\b[A-Za-z]+\s+)?(${PART}(?:\s*\.\s*${PART})*)`, 'g');

/** The text without comments and string literals (each replaced by a space). */
export function withoutLiterals(sql: string): string {
  return sql.replace(/--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|'(?:[^']|'')*(?:'|$)/g, ' ');
}

const partsOf = (chain: string): string[] =>
  [...chain.matchAll(new RegExp(PART, 'g'))].map(([p]) => (p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p).toLowerCase());

/** Returns the indexes into `relations` of those the text names. */
export function relationMentions(sql: string, relations: readonly Relation[]): Set<number> {
  const key = (...parts: (string | undefined)[]) => parts.map((p) => (p ?? '').toLowerCase()).join('\u0000');
  const full = new Map<string, number>();
  const bySchema = new Map<string, number[]>();
  const byName = new Map<string, number[]>();
  relations.forEach((r, i) => {
    if (r.database) full.set(key(r.database, r.schema, r.identifier), i);
    const push = (map: Map<string, number[]>, k: string) => map.set(k, [...(map.get(k) ?? []), i]);
    push(bySchema, key(r.schema, r.identifier));
    push(byName, key(r.identifier));
  });
  const found = new Set<number>();
  for (const [, before, chain] of withoutLiterals(sql).matchAll(CHAIN)) {
    const parts = partsOf(chain!);
    if (parts.length >= 3) {
      const hit = full.get(key(...parts.slice(-3)));
      if (hit !== undefined) found.add(hit);
      else for (const i of bySchema.get(key(...parts.slice(-2))) ?? []) if (!relations[i]!.database) found.add(i);
    } else if (parts.length === 2) {
      for (const i of bySchema.get(key(...parts)) ?? []) found.add(i);
    } else if (/^(from|join)$/i.test((before ?? '').trim())) {
      const named = byName.get(key(parts[0])) ?? [];
      if (named.length === 1) found.add(named[0]!);
    }
  }
  return found;
}
