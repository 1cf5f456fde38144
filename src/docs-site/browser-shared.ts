/**
 * The site's browser scripts that Node runs too (templates/site/js/shared/): the search
 * tokenizer and ranking, used to build the index, and the selector engine, used by tests to
 * prove it agrees with `dpf ls --select`. They are classic scripts (the site must open from
 * file://, where Chromium refuses ES modules), so Node evaluates them in a vm context instead
 * of importing them. One source, two runtimes, no drift.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { TEMPLATES_DIR } from '../compiler/package-paths.js';
import type { IndexNode } from './site-data.js';

export const SITE_TEMPLATE_DIR = join(TEMPLATES_DIR, 'site');

export type SearchPart = 'nodes' | 'columns' | 'sql';

export interface SearchCore {
  readonly PARTS: readonly { name: SearchPart; fields: string[]; storeFields: string[]; weight: number }[];
  tokenize(text: string, field?: string): string[];
  tokenizeQuery(text: string): string[];
  indexOptions(part: SearchPart): { fields: string[]; storeFields: string[]; tokenize: (t: string, f?: string) => string[]; processTerm: (t: string) => string; searchOptions: object };
  nameWords(nodes: readonly IndexNode[]): [string, number][];
  search(
    indexes: Partial<Record<SearchPart, unknown>>,
    names: [string, number][] | undefined,
    query: string,
    nameOf: (hit: SearchHit) => string,
    keep?: (hit: SearchHit) => boolean,
    limit?: number,
  ): SearchHit[] & { total: number };
  /** The query as searched ('' when too short to search). */
  effectiveQuery(query: string): string;
}

export interface SearchHit {
  readonly key: string;
  readonly node: number;
  readonly column?: string;
  readonly score: number;
  readonly tier: number;
  readonly fields: Set<string>;
  readonly snippet?: string;
}

export interface SelectEngine {
  select(index: { nodes: readonly IndexNode[]; folders: readonly string[][]; tags: readonly string[] }, expression: string): Set<number>;
}

function load<T>(file: string, name: string): T {
  const context = createContext({});
  runInContext(readFileSync(join(SITE_TEMPLATE_DIR, 'js', 'shared', file), 'utf8'), context, { filename: file });
  return (context as Record<string, unknown>)[name] as T;
}

let searchCore: SearchCore | undefined;
export function loadSearchCore(): SearchCore {
  return (searchCore ??= load<SearchCore>('search-core.js', 'dpfSearchCore'));
}

export function loadSelectEngine(): SelectEngine {
  return load<SelectEngine>('select-nodes.js', 'dpfSelect');
}
