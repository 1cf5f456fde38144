/**
 * Step 5: selection, with dbt's syntax. A --select value is a union of space-separated terms;
 * a term is an intersection of comma-separated atoms; an atom is `[@][N+]method:value[+N]`.
 * Methods: name, fqn, tag, path, source, export, resource_type, config.<key>. Without a method, as in
 * dbt: a path if it has a slash, else a name or an fqn prefix (`staging` selects that folder).
 * Pure: takes the manifest and graph, returns a set of unique ids.
 */
import { fail } from '../errors/dpf-error.js';
import type { ProjectGraph } from './build-graph.js';
import type { Manifest, ManifestNode } from './manifest.js';
import { ALL_KINDS, allNodes, nodesOfKind } from './node-kinds.js';
import { closestMatch } from './closest-match.js';
import { stateChanges, type StateChange } from './compare-state.js';
import type { RunState } from './read-state.js';

export interface SelectionInput {
  readonly select?: readonly string[];
  readonly exclude?: readonly string[];
  /** Newest load time per source, from target/sources.json (current) and --state's (previous). */
  readonly sourceLoadTimes?: { readonly current?: Record<string, string>; readonly previous?: Record<string, string> };
  /** Another run's artifacts (--state), for state: and result: selectors. */
  readonly state?: RunState;
}

interface Atom {
  readonly raw: string;
  readonly method: string;
  readonly value: string;
  readonly parents: number; // 0 none, Infinity all
  readonly children: number;
  readonly childrenParents: boolean; // @
}

const METHODS = ['name', 'fqn', 'tag', 'path', 'source', 'export', 'resource_type', 'config', 'test_type', 'test_name', 'source_status', 'state', 'result', 'unique_id'];
const STATE_VALUES = ['new', 'modified', 'modified.body', 'modified.configs', 'modified.contract', 'modified.macros'];

export function parseAtom(raw: string): Atom {
  const m = /^(@)?(?:(\d*)\+)?([^+]+?)(?:\+(\d*))?$/.exec(raw);
  if (!m) fail('SelectorInvalid', { selector: raw, detail: 'is not of the form [@][N+]method:value[+N]' });
  const [, at, parentDepth, body, childDepth] = m;
  const hasParents = raw.replace(/^@/, '').match(/^\d*\+/) !== null;
  const hasChildren = /\+\d*$/.test(raw);
  if (at && (hasParents || hasChildren)) fail('SelectorInvalid', { selector: raw, detail: 'cannot combine @ with + operators' });
  const colon = body!.indexOf(':');
  let method = 'default';
  let value = body!;
  if (colon > 0) {
    method = body!.slice(0, colon);
    value = body!.slice(colon + 1);
    const base = method.split('.')[0]!;
    if (!METHODS.includes(base) || (base === 'config' && !method.includes('.'))) {
      fail('SelectorInvalid', { selector: raw, detail: `uses the unknown method "${method}" (known: ${METHODS.join(', ')}, config.<key>)` });
    }
  } else if (value.includes('/') || /\.(sql|csv)$/.test(value)) {
    method = 'path';
  }
  if (!value) fail('SelectorInvalid', { selector: raw, detail: 'has no value after the method' });
  if (method === 'resource_type' && !(ALL_KINDS as string[]).includes(value)) {
    const suggestion = closestMatch(value, ALL_KINDS);
    fail('SelectorInvalid', { selector: raw, detail: `names no kind of node${suggestion ? ` (did you mean ${suggestion}?)` : ''}; the kinds are ${ALL_KINDS.join(', ')}` });
  }
  const depth = (d: string | undefined, present: boolean) => (!present ? 0 : d ? Number(d) : Infinity);
  return {
    raw,
    method,
    value,
    parents: depth(parentDepth, hasParents),
    children: depth(childDepth, hasChildren),
    childrenParents: !!at,
  };
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

function matches(node: ManifestNode, atom: Atom, input: SelectionInput = {}, manifest?: Manifest): boolean {
  const value = atom.value;
  switch (atom.method.split('.')[0]) {
    case 'default':
      return matches(node, { ...atom, method: 'name' }, input, manifest) || matches(node, { ...atom, method: 'fqn' }, input, manifest);
    case 'name':
      // A for_each file's name selects every model it generates (docs/configuration.md#for_each).
      return globToRegExp(value).test(node.name) || ((node.kind === 'model' || node.kind === 'snapshot') && !!node.forEach && globToRegExp(value).test(node.forEach.file));
    case 'fqn': {
      const parts = value.split('.');
      const fqn = node.fqn;
      // A dotted fqn selector matches a node or everything under a folder, with or without the project name.
      const tryAt = (offset: number) => parts.every((p, i) => fqn[offset + i] !== undefined && globToRegExp(p).test(fqn[offset + i]!));
      return tryAt(0) || tryAt(1);
    }
    case 'tag':
      return node.tags.some((t) => globToRegExp(value).test(t));
    case 'path': {
      const path = value.replace(/^\.\//, '').replace(/\/$/, '');
      return node.originalFilePath === path || node.originalFilePath.startsWith(`${path}/`) || globToRegExp(path).test(node.originalFilePath);
    }
    case 'source':
      if (node.kind !== 'source') return false;
      return value.includes('.') ? `${node.sourceName}.${node.tableName}` === value : node.sourceName === value;
    case 'export':
      return node.kind === 'export' && globToRegExp(value).test(node.name);
    case 'resource_type':
      return node.kind === value;
    case 'test_type':
      return (node.kind === 'test' && node.testType === value) || (node.kind === 'unit_test' && value === 'unit');
    case 'unique_id':
      return node.uniqueId === value;
    case 'state': {
      const changes = stateChanges(node, manifest!, input.state!.manifest);
      if (value === 'new') return changes.has('new');
      if (value === 'modified') return changes.size > 0;
      return changes.has(value.slice('modified.'.length) as StateChange);
    }
    case 'result':
      return input.state?.results?.[node.uniqueId] === value;
    case 'source_status': {
      if (node.kind !== 'source') return false;
      const { current = {}, previous = {} } = input.sourceLoadTimes ?? {};
      const now = current[node.uniqueId];
      return now !== undefined && (previous[node.uniqueId] === undefined || now > previous[node.uniqueId]!);
    }
    case 'test_name':
      return node.kind === 'test' && globToRegExp(value).test(node.testMetadata?.name ?? node.name);
    case 'config': {
      if (node.kind === 'source' || node.kind === 'unit_test' || node.kind === 'analysis') return false;
      const key = atom.method.slice('config.'.length);
      const actual = (node.config as unknown as Record<string, unknown>)[key];
      if (Array.isArray(actual)) return actual.map(String).includes(value);
      return actual !== undefined && String(actual) === value;
    }
    default:
      return false;
  }
}

function walk(graph: ProjectGraph, start: Iterable<string>, direction: 'up' | 'down', depth: number): Set<string> {
  const out = new Set<string>();
  let frontier = [...start];
  for (let level = 0; level < depth && frontier.length > 0; level++) {
    const next: string[] = [];
    for (const id of frontier) {
      const neighbours = (direction === 'up' ? graph.graph.predecessors(id) : graph.graph.successors(id)) ?? [];
      for (const n of neighbours) {
        if (!out.has(n)) {
          out.add(n);
          next.push(n);
        }
      }
    }
    frontier = next;
  }
  return out;
}

function selectAtom(manifest: Manifest, graph: ProjectGraph, atom: Atom, input: SelectionInput): Set<string> {
  if (atom.method === 'source_status') {
    if (atom.value !== 'fresher') fail('SelectorInvalid', { selector: atom.raw, detail: 'supports only source_status:fresher' });
    if (!input.sourceLoadTimes?.current) fail('SelectorInvalid', { selector: atom.raw, detail: 'needs target/sources.json: run `dpf source freshness` first' });
    if (!input.sourceLoadTimes.previous) fail('SelectorInvalid', { selector: atom.raw, detail: 'needs --state <folder> holding the sources.json of an earlier freshness check to compare with' });
  }
  if (atom.method === 'state' || atom.method === 'result') {
    if (!input.state) fail('SelectorInvalid', { selector: atom.raw, detail: 'needs --state <folder> with the artifacts (manifest.json, run_results.json) of the run to compare with' });
    if (atom.method === 'state' && !STATE_VALUES.includes(atom.value)) {
      fail('SelectorInvalid', { selector: atom.raw, detail: `takes one of ${STATE_VALUES.join(', ')}` });
    }
    if (atom.method === 'result' && input.state.resultsDamaged !== undefined) {
      const file = `${input.state.dir}/run_results.json`;
      const todo = `Replace ${file} with the run_results.json of the run to compare with, or select without result:.`;
      fail('ArtifactDamaged', { need: `The selector "${atom.raw}"`, detail: input.state.resultsDamaged, todo }, { file });
    }
    if (atom.method === 'result' && !input.state.results) {
      fail('SelectorInvalid', { selector: atom.raw, detail: `needs run_results.json in ${input.state.dir}` });
    }
  }
  const base = new Set(allNodes(manifest).filter((n) => matches(n, atom, input, manifest)).map((n) => n.uniqueId));
  const result = new Set(base);
  if (atom.parents) for (const id of walk(graph, base, 'up', atom.parents)) result.add(id);
  if (atom.children) for (const id of walk(graph, base, 'down', atom.children)) result.add(id);
  if (atom.childrenParents) {
    const down = walk(graph, base, 'down', Infinity);
    for (const id of down) result.add(id);
    for (const id of walk(graph, [...base, ...down], 'up', Infinity)) result.add(id);
  }
  return result;
}

function selectExpression(manifest: Manifest, graph: ProjectGraph, values: readonly string[], input: SelectionInput): Set<string> {
  const union = new Set<string>();
  for (const term of values.flatMap((v) => v.split(/\s+/)).filter(Boolean)) {
    let acc: Set<string> | undefined;
    for (const raw of term.split(',').filter(Boolean)) {
      const ids = selectAtom(manifest, graph, parseAtom(raw), input);
      acc = acc ? new Set([...acc].filter((id) => ids.has(id))) : ids;
    }
    for (const id of acc ?? []) union.add(id);
  }
  return union;
}

/**
 * Tests come with what they test (dbt's eager indirect selection): a data test is selected
 * when any node it reads is, a unit test when its model is.
 */
function withTests(manifest: Manifest, ids: Set<string>): Set<string> {
  for (const test of nodesOfKind(manifest, 'test')) {
    if (!ids.has(test.uniqueId) && test.dependsOn.some((d) => ids.has(d))) ids.add(test.uniqueId);
  }
  for (const unit of nodesOfKind(manifest, 'unit_test')) {
    if (ids.has(unit.attachedNode)) ids.add(unit.uniqueId);
  }
  // A monitor goes with the node it watches, as its tests do, and an export with its model.
  for (const attached of nodesOfKind(manifest, 'monitor', 'export')) {
    if (ids.has(attached.attachedNode)) ids.add(attached.uniqueId);
  }
  return ids;
}

/** Unique ids selected, sources and tests included; callers keep the kinds they run. */
export function selectNodes(manifest: Manifest, graph: ProjectGraph, input: SelectionInput): Set<string> {
  const selected =
    input.select && input.select.length > 0
      ? withTests(manifest, selectExpression(manifest, graph, input.select, input))
      : new Set(allNodes(manifest).map((n) => n.uniqueId));
  if (input.exclude && input.exclude.length > 0) {
    for (const id of withTests(manifest, selectExpression(manifest, graph, input.exclude, input))) selected.delete(id);
  }
  return selected;
}
