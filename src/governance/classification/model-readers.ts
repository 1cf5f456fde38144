/**
 * "Who can read this" for one model (docs/governance.md), from its columns' effective
 * classifications: the model is as sensitive as its most sensitive column, so the rules that
 * decide are the highest level among its columns and the kinds of personal data that columns at
 * that level carry. The readers are the union of those rules' readers; a rule without readers
 * adds no restriction of its own, and when none of them names readers, anyone in the project may
 * read the model. A model without a classified column is at classifications.yml's default_level,
 * if it has one. Plain data in, plain data out: the catalog site shows it, the security report
 * can use it; it decides nothing about enforcement (that is roles.yml's and the engine's).
 */
import type { ColumnClassification } from '../../compiler/manifest.js';
import type { Classifications } from './load-classifications.js';

export interface ModelReaders {
  /** The highest level among the model's columns (or the default level); absent: unclassified. */
  readonly level?: string;
  /** The rules that decided, level first, as `level <name>` and `pii <name>`. */
  readonly rules: readonly string[];
  /** Roles that may read it, sorted; empty: anyone in the project. */
  readonly readers: readonly string[];
}

export function modelReaders(columns: Readonly<Record<string, ColumnClassification>> | undefined, classifications: Classifications): ModelReaders {
  const names = classifications.levels.map((l) => l.name);
  const rank = (level: string | undefined) => (level === undefined ? -1 : names.indexOf(level));
  const all = Object.values(columns ?? {});
  let level: string | undefined;
  for (const c of all) if (rank(c.level) > rank(level)) level = c.level;
  level ??= classifications.defaultLevel;
  if (level === undefined) return { rules: [], readers: [] };
  const kinds = new Set(all.filter((c) => c.level === level).flatMap((c) => c.pii));
  const levelRule = classifications.levels.find((l) => l.name === level);
  const piiRules = classifications.pii.filter((p) => kinds.has(p.name));
  const readers = new Set([...(levelRule?.readers ?? []), ...piiRules.flatMap((p) => p.readers)]);
  return {
    level,
    rules: [`level ${level}`, ...piiRules.map((p) => `pii ${p.name}`)],
    readers: [...readers].sort(),
  };
}
