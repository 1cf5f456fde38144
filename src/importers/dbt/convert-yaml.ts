/**
 * dbt's YAML files to dpf's: dbt_project.yml → dpf_project.yml, profiles.yml, and the
 * properties files beside models, seeds and snapshots. The documents are edited in place (the
 * `yaml` package's Document API), so the user's comments and layout survive; what has no dpf
 * form is removed and reported at its line.
 */
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Pair, type YAMLMap } from 'yaml';
import { fail } from '../../errors/dpf-error.js';
import type { Problem } from './convert-jinja.js';

/** Something the converter changed that the user should know of, but that the output does not lack. */
export interface Note {
  readonly file: string;
  readonly line: number;
  readonly detail: string;
}

export interface YamlConversion {
  readonly problems: Problem[];
  readonly notes: Note[];
}

export interface DbtYaml {
  readonly doc: Document;
  readonly lineOf: (offset: number | undefined) => number;
}

export function readDbtYaml(absPath: string, relPath: string): DbtYaml {
  const lines = new LineCounter();
  const doc = parseDocument(readFileSync(absPath, 'utf8'), { lineCounter: lines, keepSourceTokens: false });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    const at = lines.linePos(error.pos[0]);
    fail('DbtYamlUnreadable', { detail: error.message.split('\n')[0]! }, { file: relPath, line: at.line, column: at.col });
  }
  return { doc, lineOf: (offset) => (offset === undefined ? 1 : lines.linePos(offset).line) };
}

const keyOf = (pair: Pair): string => (isScalar(pair.key) ? String(pair.key.value) : '');
const lineOfPair = (y: DbtYaml, pair: Pair) => y.lineOf(isScalar(pair.key) ? pair.key.range?.[0] : undefined);

/** dbt settings dpf ignores (P8): dropped, so that the new project compiles without warnings. */
const DBT_ONLY_SETTINGS: Record<string, string> = {
  'analysis-paths': 'dpf has no analyses: run an ad-hoc query with dpf show --inline',
  'asset-paths': 'dpf has no assets',
  'docs-paths': 'dpf reads docs blocks from .md files beside the models (D1): move them there',
  'log-path': 'dpf writes no log file',
  'packages-install-path': 'dpf has no packages',
  'require-dbt-version': "dbt's version does not apply",
  'config-version': "dbt's version does not apply",
  dispatch: 'dpf has no packages to dispatch to',
  'query-comment': 'dpf adds no query comments',
  flags: "dbt's behaviour flags do not apply",
  quoting: 'dpf always quotes identifiers through the engine',
};

/** Folder configs with no dpf form: hooks run arbitrary SQL, so dropping them changes what a build does. */
const HOOKS = new Set(['+pre-hook', '+post-hook', 'pre-hook', 'post-hook', 'pre_hook', 'post_hook']);
const DROPPED_CONFIGS: Record<string, string> = {
  '+persist_docs': 'dpf keeps descriptions in its catalog site, not in the warehouse',
  persist_docs: 'dpf keeps descriptions in its catalog site, not in the warehouse',
  '+quote_columns': 'dpf always quotes seed columns',
  quote_columns: 'dpf always quotes seed columns',
};

/** dbt_project.yml, edited into dpf_project.yml. */
export function convertProjectFile(y: DbtYaml, file: string): YamlConversion {
  const problems: Problem[] = [];
  const notes: Note[] = [];
  const root = y.doc.contents;
  if (!isMap(root)) return { problems, notes };
  for (const pair of [...root.items]) {
    const key = keyOf(pair);
    const line = lineOfPair(y, pair);
    if (key in DBT_ONLY_SETTINGS) {
      root.delete(pair.key);
      notes.push({ file, line, detail: `"${key}" dropped: ${DBT_ONLY_SETTINGS[key]}` });
    } else if (key === 'on-run-start' || key === 'on-run-end') {
      root.delete(pair.key);
      problems.push({ file, line, construct: key, detail: 'run hooks have no dpf form (P9): run their SQL before or after dpf build' });
    } else if (key === 'snapshots' || key === 'sources') {
      root.delete(pair.key);
      problems.push({ file, line, construct: `${key}: folder configs`, detail: `dpf_project.yml has no ${key}: block (P10): set these configs in each ${key === 'snapshots' ? "snapshot's {{config}}" : "source's YAML"}` });
    } else if (key === 'tests') {
      pair.key = y.doc.createNode('data_tests');
      notes.push({ file, line, detail: '"tests:" renamed "data_tests:" (P7)' });
    }
    if (['models', 'seeds', 'data_tests', 'tests'].includes(key) && isMap(pair.value)) dropFolderConfigs(y, pair.value, file, problems, notes);
  }
  return { problems, notes };
}

function dropFolderConfigs(y: DbtYaml, map: YAMLMap, file: string, problems: Problem[], notes: Note[]): void {
  for (const pair of [...map.items]) {
    const key = keyOf(pair);
    const line = lineOfPair(y, pair);
    if (HOOKS.has(key)) {
      map.delete(pair.key);
      problems.push({ file, line, construct: key, detail: 'hooks have no dpf form (P10): grants are the +grants config; run other SQL before or after dpf build' });
    } else if (key in DROPPED_CONFIGS) {
      map.delete(pair.key);
      notes.push({ file, line, detail: `"${key}" dropped: ${DROPPED_CONFIGS[key]}` });
    } else if (!key.startsWith('+') && isMap(pair.value)) dropFolderConfigs(y, pair.value, file, problems, notes);
  }
}

/**
 * profiles.yml: the project's profile only (other profiles may hold other teams' settings),
 * `env_var` as dpf's `env` (F3), duckdb and trino outputs (F2). A password written out in
 * the file is not copied: it becomes an env reference, so the new project holds no secret.
 */
export function convertProfiles(y: DbtYaml, file: string, profile: string): YamlConversion & { targets: string[] } {
  const problems: Problem[] = [];
  const notes: Note[] = [];
  const targets: string[] = [];
  const root = y.doc.contents;
  if (!isMap(root)) return { problems, notes, targets };
  for (const pair of [...root.items]) {
    if (keyOf(pair) !== profile) {
      root.delete(pair.key);
      notes.push({ file, line: lineOfPair(y, pair), detail: `profile "${keyOf(pair)}" left out: it is not this project's (${profile})` });
    }
  }
  const outputs = y.doc.getIn([profile, 'outputs']);
  if (!isMap(outputs)) return { problems, notes, targets };
  for (const pair of [...outputs.items]) {
    const name = keyOf(pair);
    const output = pair.value;
    if (!isMap(output)) continue;
    const type = String(output.get('type') ?? '');
    if (type !== 'duckdb' && type !== 'trino') {
      outputs.delete(pair.key);
      problems.push({ file, line: lineOfPair(y, pair), construct: `a ${type || 'typeless'} target`, detail: `dpf builds in DuckDB and Trino (F2): target "${name}" is left out` });
      continue;
    }
    targets.push(name);
    if (type === 'duckdb' && !output.has('schema')) output.set('schema', 'main'); // dbt-duckdb's default schema
    if (type === 'trino' && !output.has('catalog') && output.has('database')) {
      output.set('catalog', output.get('database'));
      output.delete('database');
    }
    for (const item of output.items) convertProfileValue(y, item, `${profile}.outputs.${name}`, file, problems, notes);
  }
  const target = y.doc.getIn([profile, 'target']);
  if (typeof target === 'string' && !targets.includes(target) && targets.length > 0) {
    y.doc.setIn([profile, 'target'], targets[0]);
    notes.push({ file, line: 1, detail: `default target "${target}" is left out; the default is now "${targets[0]}"` });
  }
  return { problems, notes, targets };
}

const ENV_VAR = /\{\{\s*env_var\(\s*(['"])([^'"]+)\1\s*(?:,\s*(['"])([^'"]*)\3\s*)?\)\s*(?:\|\s*(?:int|as_number|as_text)\s*)?\}\}/g;

function convertProfileValue(y: DbtYaml, pair: Pair, where: string, file: string, problems: Problem[], notes: Note[]): void {
  const key = keyOf(pair);
  const line = lineOfPair(y, pair);
  if (isMap(pair.value)) {
    for (const item of pair.value.items) convertProfileValue(y, item, `${where}.${key}`, file, problems, notes);
    return;
  }
  if (!isScalar(pair.value)) return;
  const value = pair.value.value;
  if (typeof value !== 'string') {
    if (/password|token|secret|private_key/i.test(key) && value !== null) replaceSecret(y, pair, where, file, line, notes);
    return;
  }
  const converted = value.replace(ENV_VAR, (_all, _q, name: string, _q2, fallback?: string) => (fallback === undefined ? `{{env '${name}'}}` : `{{env '${name}' '${fallback}'}}`));
  if (/\{\{(?!env ')|\{%/.test(converted)) {
    problems.push({ file, line, construct: `Jinja in ${where}.${key}`, detail: 'profiles take {{env "NAME"}} only (F3): write the value out, or read it from the environment' });
    return;
  }
  if (converted !== value) pair.value = y.doc.createNode(converted);
  else if (/password|token|secret|private_key/i.test(key)) replaceSecret(y, pair, where, file, line, notes);
}

function replaceSecret(y: DbtYaml, pair: Pair, where: string, file: string, line: number, notes: Note[]): void {
  const name = `${where}_${keyOf(pair)}`.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
  pair.value = y.doc.createNode(`{{env '${name}'}}`);
  notes.push({ file, line, detail: `${where}.${keyOf(pair)} was written out in the file; it is read from $${name} instead, so the new project holds no secret` });
}

/** dbt_utils tests dpf ships built in (T6), without the package prefix. */
export const BUILT_IN_DBT_UTILS_TESTS = new Set(['unique_combination_of_columns', 'expression_is_true', 'recency', 'accepted_range', 'not_empty']);

/**
 * A properties file: `tests:` → `data_tests:`, `dbt_utils.x` tests → the built-in x, tests dpf
 * lacks removed and reported, entries of nodes that were not converted moved out (`removed`
 * gets them, so the caller can keep them beside the unconverted SQL).
 */
export function convertProperties(y: DbtYaml, file: string, unconverted: ReadonlySet<string>, genericTests: ReadonlySet<string>): YamlConversion & { removed: unknown[] } {
  const problems: Problem[] = [];
  const notes: Note[] = [];
  const removed: unknown[] = [];
  const root = y.doc.contents;
  if (!isMap(root)) return { problems, notes, removed };
  for (const pair of [...root.items]) {
    const key = keyOf(pair);
    if (!['version', 'models', 'seeds', 'sources', 'unit_tests', 'snapshots'].includes(key)) {
      root.delete(pair.key);
      problems.push({ file, line: lineOfPair(y, pair), construct: `${key}:`, detail: `dpf has no ${key} (properties files hold models, seeds, sources, snapshots and unit_tests)` });
      continue;
    }
    if (['models', 'seeds', 'snapshots'].includes(key) && isSeq(pair.value)) {
      for (const entry of [...pair.value.items]) {
        if (isMap(entry) && unconverted.has(String(entry.get('name')))) {
          removed.push(entry.toJSON());
          pair.value.items.splice(pair.value.items.indexOf(entry), 1);
        }
      }
    }
    if (key === 'unit_tests' && isSeq(pair.value)) {
      for (const entry of [...pair.value.items]) {
        if (isMap(entry) && unconverted.has(String(entry.get('model')))) pair.value.items.splice(pair.value.items.indexOf(entry), 1);
      }
    }
  }
  visit(y.doc, {
    Pair(_key, pair) {
      if (!isPair(pair) || !isScalar(pair.key)) return;
      const name = String(pair.key.value);
      if (name !== 'tests' && name !== 'data_tests') return;
      if (name === 'tests') pair.key = y.doc.createNode('data_tests');
      if (isSeq(pair.value)) convertTestList(y, pair.value.items, file, genericTests, problems);
    },
  });
  return { problems, notes, removed };
}

const CORE_TESTS = new Set(['not_null', 'unique', 'accepted_values', 'relationships', 'row_count']);

function convertTestList(y: DbtYaml, items: unknown[], file: string, genericTests: ReadonlySet<string>, problems: Problem[]): void {
  for (const item of [...items]) {
    const node = item as { range?: [number] } & (ReturnType<Document['createNode']>);
    let nameNode: { value: unknown } | undefined;
    if (isScalar(node)) nameNode = node;
    else if (isMap(node)) {
      const testName = node.items.find((p) => keyOf(p) === 'test_name');
      nameNode = (testName?.value as { value: unknown } | undefined) ?? (node.items.length > 0 && keyOf(node.items[0]!) !== 'name' ? (node.items[0]!.key as { value: unknown }) : undefined);
    }
    if (!nameNode || typeof nameNode.value !== 'string') continue;
    const full = nameNode.value;
    const bare = full.replace(/^dbt_utils\./, '');
    if (full.startsWith('dbt_utils.') && BUILT_IN_DBT_UTILS_TESTS.has(bare)) nameNode.value = bare;
    else if (!CORE_TESTS.has(full) && !BUILT_IN_DBT_UTILS_TESTS.has(full) && !genericTests.has(full)) {
      items.splice(items.indexOf(item), 1);
      problems.push({ file, line: y.lineOf(node.range?.[0]), construct: `the test ${full}`, detail: 'dpf has no such generic test: write it in tests/generic/ (T5), or as a singular test' });
    }
  }
}
