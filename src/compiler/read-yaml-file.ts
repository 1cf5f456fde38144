/**
 * Reads one YAML file, validates it against a JSON Schema, and maps every problem back to a
 * line and column. Owns YAML parsing for the whole compiler; it does not interpret the content.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node as YamlNode } from 'yaml';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { DpfError, diagnostic, type Diagnostic, type SourceLocation } from '../errors/dpf-error.js';
import { closestMatch } from './closest-match.js';
import { lineColumn } from './line-index.js';

export interface YamlFile<T = unknown> {
  readonly path: string; // relative to the project dir, used in messages
  readonly data: T;
  /** Location of the value at a JSON path such as ['models', 0, 'name']. */
  locate(path: readonly (string | number)[]): SourceLocation;
  /** Location of the key of a mapping entry (where a misspelt key is), else of its value. */
  locateKey(path: readonly (string | number)[]): SourceLocation;
}

/**
 * A parsed YAML file as plain data: its content and the [line, column] of every value and
 * key, by path. Being plain, it can be made in a worker thread and sent back.
 */
export interface YamlIndex<T = unknown> {
  readonly path: string;
  readonly data: T;
  /** Offsets of values and keys by path; lineStarts turns an offset into line and column. */
  readonly values: Record<string, number>;
  readonly keys: Record<string, number>;
  readonly lineStarts: number[];
}


const pointer = (path: readonly (string | number)[]) => path.join('\u0001');

export function readYamlFile<T>(absPath: string, relPath: string, validate?: ValidateFunction): YamlFile<T> {
  return parseYaml<T>(readFileSync(absPath, 'utf8'), relPath, validate);
}

export function parseYaml<T>(text: string, relPath: string, validate?: ValidateFunction): YamlFile<T> {
  return hydrateYaml(indexYaml<T>(text, relPath, validate));
}

/** Gives an index its lookups back: the nearest recorded value or key up the path. */
export function hydrateYaml<T>(index: YamlIndex<T>): YamlFile<T> {
  const at = (offset: number): SourceLocation => {
    const [line, column] = lineColumn(index.lineStarts, offset);
    return { file: index.path, line, column };
  };
  const locate = (path: readonly (string | number)[]): SourceLocation => {
    for (let n = path.length; n >= 0; n--) {
      const offset = index.values[pointer(path.slice(0, n))];
      if (offset !== undefined) return at(offset);
    }
    return { file: index.path, line: 1, column: 1 };
  };
  const locateKey = (path: readonly (string | number)[]): SourceLocation => {
    const offset = index.keys[pointer(path)];
    return offset !== undefined ? at(offset) : locate(path);
  };
  return { path: index.path, data: index.data, locate, locateKey };
}

/**
 * Deeper than any dpf file needs, and shallow enough that every recursive step after parsing
 * (toJS, schema validation, config merging, rendering) stays far from Node's stack limit.
 */
export const MAX_YAML_DEPTH = 100;
/** How many times aliases may be expanded (yaml's guard against "billion laughs" files). */
export const MAX_YAML_ALIASES = 1000;

export const TOO_DEEP = `is nested more than ${MAX_YAML_DEPTH} levels deep (lists or mappings inside one another); dpf reads no deeper`;
export const TOO_MANY_ALIASES = `uses its *aliases so often that expanding them would take more than ${MAX_YAML_ALIASES.toLocaleString('en-US')} copies (an "alias bomb")`;

/**
 * What the yaml package or the JavaScript stack says when a text is too complex to read, in
 * dpf's words; undefined for other errors. Parsing is recursive, so a few thousand levels
 * overflow the stack inside the yaml package, which reports it as a parse error.
 */
export function yamlTooComplex(message: string): string | undefined {
  if (/Maximum call stack size exceeded/.test(message)) return TOO_DEEP;
  if (/Excessive alias count/.test(message)) return TOO_MANY_ALIASES;
  return undefined;
}

/** Depth of nested lists and mappings in a plain value, walked without recursion. */
export function nestingDepth(value: unknown, stopAt = Infinity): number {
  let deepest = 0;
  const todo: [unknown, number][] = [[value, 0]];
  while (todo.length > 0) {
    const [v, depth] = todo.pop()!;
    if (!v || typeof v !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > stopAt) return deepest;
    for (const child of Object.values(v)) todo.push([child, depth + 1]);
  }
  return deepest;
}

/** The first node nested deeper than MAX_YAML_DEPTH, and the first alias, without recursion. */
function scanNodes(doc: Document): { tooDeep?: YamlNode; alias?: YamlNode } {
  const todo: [unknown, number][] = [[doc.contents, 1]];
  let alias: YamlNode | undefined;
  while (todo.length > 0) {
    const [node, depth] = todo.pop()!;
    if (isAlias(node)) alias ??= node;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > MAX_YAML_DEPTH) return { tooDeep: node, alias };
    for (const item of node.items as unknown[]) {
      if (isPair(item)) todo.push([item.key, depth + 1], [item.value, depth + 1]);
      else todo.push([item, depth + 1]);
    }
  }
  return { alias };
}

/** Parses, validates and indexes positions. Throws a DpfError listing every problem. */
export function indexYaml<T>(text: string, relPath: string, validate?: ValidateFunction): YamlIndex<T> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file: relPath, line, column: col };
  };
  if (doc.errors.length > 0) {
    const tooComplex = doc.errors.find((e) => yamlTooComplex(e.message));
    if (tooComplex) throw new DpfError([diagnostic('YamlTooComplex', { detail: yamlTooComplex(tooComplex.message)! }, at(tooComplex.pos[0]))]);
    throw new DpfError(doc.errors.map((e) => diagnostic('YamlSyntax', { detail: firstLine(e.message) }, at(e.pos[0]))));
  }
  const scanned = scanNodes(doc);
  if (scanned.tooDeep) throw new DpfError([diagnostic('YamlTooComplex', { detail: TOO_DEEP }, at(scanned.tooDeep.range?.[0] ?? 0))]);
  let data: T;
  try {
    data = (doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) ?? {}) as T;
  } catch (err) {
    const detail = yamlTooComplex((err as Error).message);
    if (!detail) throw err;
    throw new DpfError([diagnostic('YamlTooComplex', { detail }, at(scanned.alias?.range?.[0] ?? 0))]);
  }
  const locate = (path: readonly (string | number)[]): SourceLocation => {
    const node = nodeAt(doc, path);
    return node?.range ? at(node.range[0]) : { file: relPath, line: 1, column: 1 };
  };
  if (validate && !validate(data)) {
    throw new DpfError(schemaDiagnostics(validate.errors ?? [], doc, data, locate, at));
  }
  // Pointers are built by appending, the same strings pointer() makes from a path.
  const values: Record<string, number> = {};
  const keys: Record<string, number> = {};
  const visit = (node: unknown, ptr: string) => {
    if (!node || typeof node !== 'object' || !('range' in node)) return;
    const range = (node as YamlNode).range;
    if (range) values[ptr] = range[0];
    const prefix = ptr === '' ? '' : `${ptr}\u0001`;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const child = prefix + String(pair.key.value);
        if (pair.key.range) keys[child] = pair.key.range[0];
        visit(pair.value, child);
      }
    } else if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) visit(node.items[i], prefix + i);
    }
  };
  visit(doc.contents, '');
  return { path: relPath, data, values, keys, lineStarts: lineCounter.lineStarts };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function nodeAt(doc: Document, path: readonly (string | number)[]): YamlNode | undefined {
  // Walk up until a node exists: a missing key is reported where its parent is.
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as YamlNode | undefined;
    if (node && typeof node === 'object' && 'range' in node) return node;
  }
  return undefined;
}

function splitPointer(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** models[fct_orders].columns[order_id] rather than models[0].columns[0], where entries have names. */
function describePath(path: (string | number)[], data: unknown): string {
  if (path.length === 0) return 'the top level';
  let node: unknown = data;
  let out = '';
  for (const p of path) {
    node = node && typeof node === 'object' ? (node as Record<string | number, unknown>)[p] : undefined;
    if (typeof p === 'number') {
      const name = node && typeof node === 'object' ? (node as { name?: unknown }).name : undefined;
      out += `[${typeof name === 'string' ? name : p}]`;
    } else out += `.${p}`;
  }
  return out.replace(/^\./, '');
}

/** Turns ajv errors into one diagnostic per distinct problem, pointing at the offending key. */
function schemaDiagnostics(
  errors: ErrorObject[],
  doc: Document,
  data: unknown,
  locate: (p: (string | number)[]) => SourceLocation,
  at: (offset: number) => SourceLocation,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  // oneOf/anyOf produce noise from every branch; keep the most specific errors.
  // propertyNames only repeats the error its key's own check gave ("property name must be valid").
  const specific = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if' && e.keyword !== 'propertyNames');
  const list = specific.length > 0 ? specific : errors;
  for (const e of list) {
    const path = splitPointer(e.instancePath);
    let d: Diagnostic;
    const keyLocation = (key: string, parentPath: (string | number)[] = path) => {
      const parent = doc.getIn(parentPath, true);
      const pair = isMap(parent) ? parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key) : undefined;
      return pair && isScalar(pair.key) && pair.key.range ? at(pair.key.range[0]) : locate([...parentPath, key]);
    };
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      d = diagnostic('UnknownKey', { key, where: describePath(path, data), suggestion: closestMatch(key, allowed), allowed }, keyLocation(key));
    } else if (e.keyword === 'type' && (e.parentSchema as FolderSchema | undefined)?.['x-dpf-folder'] && path.length > 0) {
      // The key is the mistake, so the location is the key's, in its parent mapping.
      d = folderKeyDiagnostic(path, data, e.parentSchema as FolderSchema, keyLocation(String(path[path.length - 1]), path.slice(0, -1)));
    } else if (e.propertyName !== undefined) {
      // A key that breaks the schema's rule for keys (propertyNames): say which key, and what a key must be.
      const wanted = (e.parentSchema as { description?: string } | undefined)?.description;
      const detail = `the key ${JSON.stringify(e.propertyName)} ${e.message ?? 'is invalid'}${wanted ? ` (${wanted})` : ''}`;
      d = diagnostic('InvalidValue', { where: describePath(path, data), detail }, keyLocation(e.propertyName));
    } else {
      const detail =
        e.keyword === 'enum'
          ? `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`
          : (e.message ?? 'is invalid');
      d = diagnostic('InvalidValue', { where: describePath(path, data), detail }, locate(path));
    }
    const key = `${d.code}:${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

/** A folder of config defaults in schemas/dpf_project.schema.json, marked with x-dpf-folder. */
interface FolderSchema {
  readonly 'x-dpf-folder': true;
  readonly properties: Record<string, unknown>;
}

/**
 * A key without "+" whose value is no mapping, where only folders and known configs may be: not
 * ajv's "must be object" (true, but it sends a dbt user looking for the wrong thing) but which
 * configs there are, and the "+" when the enclosing key is a mapping config written without it.
 */
function folderKeyDiagnostic(path: (string | number)[], data: unknown, folder: FolderSchema, location: SourceLocation): Diagnostic {
  const key = String(path[path.length - 1]);
  const parentPath = path.slice(0, -1);
  const parentKey = String(parentPath[parentPath.length - 1] ?? '');
  const names = Object.keys(folder.properties);
  const mappingConfig = names.includes(`+${parentKey}`) && !names.includes(parentKey) ? parentKey : undefined;
  const args = { key, where: describePath(parentPath, data), suggestion: closestMatch(key, names), mappingConfig, allowed: names.filter((n) => n.startsWith('+')) };
  return diagnostic('FolderKeyInvalid', args, location);
}
