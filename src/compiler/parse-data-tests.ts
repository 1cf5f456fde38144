/**
 * Data tests, at parse time: generic tests declared in YAML (on models, seeds, sources and
 * their columns) and singular tests (tests/*.sql). Validates each test's arguments against
 * its definition, applies test config (folder defaults from dpf_project.yml `data_tests:`,
 * then the test's own `config:`), resolves the relations it reads, and names it.
 */
import { createHash } from 'node:crypto';
import type { DiagnosticBag, SourceLocation } from '../errors/dpf-error.js';
import { diagnostic } from '../errors/dpf-error.js';
import type { Dialect } from '../adapters/adapter.js';
import { analyzeTemplate } from './analyze-template.js';
import { closestMatch } from './closest-match.js';
import type { GenericTestDefinition } from './generic-tests.js';
import type { ProjectFiles, PropertiesFile } from './load-project.js';
import type { ExecutableNode, RefCall, SourceCall, SourceNode, TestConfig, TestNode } from './manifest.js';
import type { YamlFile } from './read-yaml-file.js';
import { folderConfig, mergeConfigs, type RawConfig } from './resolve-config.js';

export const TEST_CONFIG_KEYS = ['severity', 'warn_if', 'error_if', 'where', 'limit', 'store_failures', 'tags', 'enabled', 'meta', 'name'];
const THRESHOLD = /^\s*(==|=|!=|<>|>=|<=|>|<)\s*(\d+)\s*$/;

export interface TestParseContext {
  readonly files: ProjectFiles;
  readonly projectName: string;
  readonly nodes: Readonly<Record<string, ExecutableNode>>;
  readonly sources: Readonly<Record<string, SourceNode>>;
  readonly byName: ReadonlyMap<string, { uniqueId: string }>;
  /** for_each file name -> the models it generated: tests under the file's YAML entry apply to each. */
  readonly generated?: ReadonlyMap<string, readonly string[]>;
  readonly definitions: ReadonlyMap<string, GenericTestDefinition>;
  readonly dialect: Dialect;
  readonly auditSchema: string;
  readonly targetDatabase?: string;
  readonly partials: ReadonlySet<string>;
  readonly lookupVar: (name: string) => unknown;
  readonly usedConfigPaths: Set<string>;
  readonly bag: DiagnosticBag;
}

/** ref('x'), ref("x"), source('a', 'b') or a bare model name, as written in a test argument. */
export function parseRelationArg(text: string): { ref: string } | { source: string; table: string } | undefined {
  const ref = /^\s*ref\(\s*['"]([^'"]+)['"]\s*\)\s*$/.exec(text);
  if (ref) return { ref: ref[1]! };
  const source = /^\s*source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)\s*$/.exec(text);
  if (source) return { source: source[1]!, table: source[2]! };
  if (/^[A-Za-z_][\w]*$/.test(text.trim())) return { ref: text.trim() };
  return undefined;
}

export function parseThreshold(text: string): { op: string; value: number } | undefined {
  const m = THRESHOLD.exec(text);
  return m ? { op: m[1]!, value: Number(m[2]) } : undefined;
}

interface TestEntry {
  readonly testName: string;
  readonly args: Record<string, unknown>;
  readonly config: RawConfig;
  readonly name?: string;
  readonly description?: string;
}

function readEntry(entry: unknown): TestEntry | undefined {
  if (typeof entry === 'string') return { testName: entry, args: {}, config: {} };
  if (!entry || typeof entry !== 'object') return undefined;
  const obj = entry as Record<string, unknown>;
  let testName: string;
  let body: Record<string, unknown>;
  if (typeof obj.test_name === 'string') {
    testName = obj.test_name;
    const { test_name: _ignored, ...rest } = obj;
    body = rest;
  } else {
    const keys = Object.keys(obj);
    if (keys.length !== 1) return undefined;
    testName = keys[0]!;
    body = (obj[testName] as Record<string, unknown> | null) ?? {};
    if (typeof body !== 'object' || Array.isArray(body)) return undefined;
  }
  const { config, arguments: nested, name, description, ...rest } = body as Record<string, unknown>;
  const args: Record<string, unknown> = { ...((nested as object) ?? {}) };
  const cfg: RawConfig = { ...((config as object) ?? {}) };
  for (const [k, v] of Object.entries(rest)) {
    if (TEST_CONFIG_KEYS.includes(k)) cfg[k] = v; // dbt's older form: config beside the arguments
    else args[k] = v;
  }
  return { testName, args, config: cfg, name: typeof name === 'string' ? name : undefined, description: typeof description === 'string' ? description : undefined };
}

export function parseDataTests(ctx: TestParseContext): Record<string, TestNode> {
  const tests: Record<string, TestNode> = {};
  const { bag, projectName } = ctx;

  /** `written` is how the user wrote it, for messages: ref('x') in YAML, {{ref "x"}} in SQL. */
  const resolveRelation = (text: string, location: SourceLocation, written = text.trim()): { id: string; call: RefCall | SourceCall } | undefined => {
    const parsed = parseRelationArg(text);
    if (!parsed) return undefined;
    if ('ref' in parsed) {
      const target = ctx.byName.get(parsed.ref);
      if (!target) {
        bag.add(diagnostic('RefNotFound', { name: parsed.ref, call: written, suggestion: closestMatch(parsed.ref, ctx.byName.keys()) }, location));
        return undefined;
      }
      return { id: target.uniqueId, call: { name: parsed.ref, location } };
    }
    const id = `source.${projectName}.${parsed.source}.${parsed.table}`;
    if (!ctx.sources[id]) {
      bag.add(diagnostic('SourceNotFound', { source: parsed.source, table: parsed.table, call: written }, location));
      return undefined;
    }
    return { id, call: { source: parsed.source, table: parsed.table, location } };
  };

  const testConfig = (levels: RawConfig[], location: SourceLocation): TestConfig | undefined => {
    const merged = mergeConfigs(levels);
    let ok = true;
    for (const key of Object.keys(merged)) {
      if (!TEST_CONFIG_KEYS.includes(key)) {
        bag.add(diagnostic('UnknownKey', { key, where: 'test config', suggestion: closestMatch(key, TEST_CONFIG_KEYS), allowed: TEST_CONFIG_KEYS }, location));
        ok = false;
      }
    }
    for (const key of ['warn_if', 'error_if'] as const) {
      if (merged[key] !== undefined && !parseThreshold(String(merged[key]))) {
        bag.add(diagnostic('InvalidThreshold', { key, value: String(merged[key]) }, location));
        ok = false;
      }
    }
    const severity = String(merged.severity ?? 'error').toLowerCase();
    if (severity !== 'error' && severity !== 'warn') {
      bag.add(diagnostic('InvalidConfig', { key: 'severity', detail: `must be error or warn, got "${merged.severity}"` }, location));
      ok = false;
    }
    if (!ok) return undefined;
    return {
      severity: severity as 'error' | 'warn',
      warn_if: String(merged.warn_if ?? '!= 0'),
      error_if: String(merged.error_if ?? '!= 0'),
      where: merged.where === undefined ? undefined : String(merged.where),
      limit: merged.limit === undefined ? undefined : Number(merged.limit),
      store_failures: merged.store_failures === true,
      tags: merged.tags as string[],
      enabled: merged.enabled !== false,
      meta: merged.meta as Record<string, unknown>,
    };
  };

  const addTest = (test: TestNode) => {
    const existing = tests[test.uniqueId];
    if (existing) {
      bag.add(diagnostic('DuplicateName', { kind: 'test', name: test.name, other: `declared at ${existing.location.file}:${existing.location.line}` }, test.location));
      return;
    }
    tests[test.uniqueId] = test;
  };

  /** A test node from what differs between generic and singular tests; the rest is derived. */
  const testNode = (
    t: Omit<TestNode, 'kind' | 'uniqueId' | 'packageName' | 'checksum' | 'auditRelation' | 'auditRelationName' | 'meta' | 'config'> & {
      readonly config: TestConfig & { name?: unknown };
      /** What the checksum covers: the SQL file, or the template and the YAML entry. */
      readonly checksummed: string;
    },
  ): TestNode => {
    const { checksummed, config, ...rest } = t;
    const { name: _override, ...withoutName } = config;
    const audit = { database: ctx.targetDatabase, schema: ctx.auditSchema, identifier: t.name };
    return {
      ...rest,
      kind: 'test',
      uniqueId: `test.${projectName}.${t.name}`,
      packageName: projectName,
      meta: config.meta,
      config: withoutName,
      checksum: { name: 'sha256', checksum: createHash('sha256').update(checksummed).digest('hex') },
      auditRelation: audit,
      auditRelationName: ctx.dialect.renderRelation(audit),
    };
  };

  // ---- generic tests from YAML
  const declare = (
    file: YamlFile<PropertiesFile>,
    path: (string | number)[],
    entries: unknown,
    attached: ExecutableNode | SourceNode,
    column: string | undefined,
  ) => {
    if (!Array.isArray(entries)) return;
    entries.forEach((raw, k) => {
      const location = file.locate([...path, k]);
      const entry = readEntry(raw);
      if (!entry) {
        bag.add(diagnostic('TestArgument', { test: JSON.stringify(raw), detail: 'is not a test name or a {test_name: {arguments}} mapping', allowed: [] }, location));
        return;
      }
      const definition = ctx.definitions.get(entry.testName);
      if (!definition) {
        // dbt_utils.unique_combination_of_columns: dpf has no packages, but the built-in of that name.
        const unqualified = entry.testName.replace(/^[A-Za-z_]\w*\./, '');
        bag.add(diagnostic('UnknownGenericTest', { name: entry.testName, suggestion: closestMatch(unqualified, ctx.definitions.keys()) }, location));
        return;
      }
      if (definition.needsColumn && !column) {
        bag.add(diagnostic('TestNeedsColumn', { test: entry.testName }, location));
        return;
      }
      const allowed = Object.keys(definition.args);
      let argsOk = true;
      if (definition.validate && !definition.validate(entry.args)) {
        for (const e of definition.validate.errors ?? []) {
          const extra = e.keyword === 'additionalProperties' ? String((e.params as { additionalProperty: string }).additionalProperty) : undefined;
          const detail = extra
            ? `unknown argument "${extra}"`
            : `argument ${e.instancePath ? `"${e.instancePath.slice(1)}" ` : ''}${e.message ?? 'is invalid'}`;
          bag.add(diagnostic('TestArgument', { test: entry.testName, detail, suggestion: extra ? closestMatch(extra, [...allowed, ...TEST_CONFIG_KEYS]) : undefined, allowed }, location));
        }
        argsOk = false;
      } else if (!definition.validate) {
        for (const arg of definition.required.filter((r) => !(r in entry.args))) {
          bag.add(diagnostic('TestArgument', { test: entry.testName, detail: `missing the argument "${arg}", which ${definition.path} uses`, allowed }, location));
          argsOk = false;
        }
        for (const arg of Object.keys(entry.args)) {
          if (!allowed.includes(arg)) {
            bag.add(diagnostic('TestArgument', { test: entry.testName, detail: `unknown argument "${arg}" (${definition.path} does not use it)`, suggestion: closestMatch(arg, allowed), allowed }, location));
            argsOk = false;
          }
        }
      }
      if (!argsOk) return;
      const deps = [attached.uniqueId];
      const refs: RefCall[] = [];
      const sourceCalls: SourceCall[] = [];
      for (const [arg, kind] of Object.entries(definition.args)) {
        if (kind !== 'relation' || entry.args[arg] === undefined) continue;
        const resolved = resolveRelation(String(entry.args[arg]), location);
        if (!resolved) {
          if (!parseRelationArg(String(entry.args[arg]))) {
            bag.add(diagnostic('TestArgument', { test: entry.testName, detail: `argument "${arg}" must be ref('model') or source('source', 'table')`, allowed }, location));
          }
          return;
        }
        if (!deps.includes(resolved.id)) deps.push(resolved.id);
        if ('name' in resolved.call) refs.push(resolved.call);
        else sourceCalls.push(resolved.call);
      }
      const folders = file.path.split('/').slice(1, -1);
      const baseName = [entry.testName, attached.name, column].filter(Boolean).join('_').replace(/[^A-Za-z0-9_]+/g, '_');
      const configName = typeof entry.config.name === 'string' ? entry.config.name : undefined;
      let name = entry.name ?? configName ?? baseName;
      if (!entry.name && !configName && tests[`test.${projectName}.${name}`] && Object.keys(entry.args).length > 0) {
        name = `${name}_${createHash('sha1').update(JSON.stringify(entry.args)).digest('hex').slice(0, 8)}`;
      }
      const fqn = [projectName, ...folders, name];
      const config = testConfig([...folderConfig(ctx.files.config.data_tests, fqn, ctx.usedConfigPaths), entry.config], location);
      if (!config?.enabled) return;
      addTest(
        testNode({
          testType: 'generic',
          name,
          originalFilePath: file.path,
          location,
          fqn,
          description: entry.description ?? '',
          tags: [...new Set([...config.tags, ...attached.tags])],
          config,
          testMetadata: { name: entry.testName, kwargs: { ...definition.defaults, ...entry.args } },
          attachedNode: attached.uniqueId,
          columnName: column,
          rawCode: definition.template,
          checksummed: definition.template + JSON.stringify(entry),
          refs,
          sources: sourceCalls,
          dependsOn: deps,
        }),
      );
    });
  };

  const byKindName = (kind: 'model' | 'seed', name: string) => {
    const found = ctx.byName.get(name);
    const node = found ? ctx.nodes[found.uniqueId] : undefined;
    return node?.kind === kind ? node : undefined;
  };
  for (const file of ctx.files.properties) {
    for (const kind of ['models', 'seeds'] as const) {
      (file.data[kind] ?? []).forEach((entry, i) => {
        const own = byKindName(kind === 'models' ? 'model' : 'seed', entry.name);
        const fanned = kind === 'models' && !own ? (ctx.generated?.get(entry.name) ?? []).map((n) => byKindName('model', n)) : [];
        for (const node of own ? [own] : fanned) {
          if (!node) continue; // reported as a YAML entry without a node
          for (const key of ['data_tests', 'tests']) declare(file, [kind, i, key], entry[key], node, undefined);
          ((entry.columns as Array<Record<string, unknown>>) ?? []).forEach((col, j) => {
            for (const key of ['data_tests', 'tests']) declare(file, [kind, i, 'columns', j, key], col[key], node, String(col.name));
          });
        }
      });
    }
    (file.data.sources ?? []).forEach((source, i) => {
      source.tables.forEach((table, j) => {
        const node = ctx.sources[`source.${projectName}.${source.name}.${table.name}`];
        if (!node) return;
        for (const key of ['data_tests', 'tests']) declare(file, ['sources', i, 'tables', j, key], table[key], node, undefined);
        ((table.columns as Array<Record<string, unknown>>) ?? []).forEach((col, k) => {
          for (const key of ['data_tests', 'tests']) declare(file, ['sources', i, 'tables', j, 'columns', k, key], col[key], node, String(col.name));
        });
      });
    });
  }

  // ---- singular tests: tests/**/*.sql
  for (const file of ctx.files.tests) {
    const analysis = analyzeTemplate(file.text, { file: file.path, partials: ctx.partials, lookupVar: ctx.lookupVar });
    analysis.diagnostics.forEach((d) => bag.add(d));
    const location = { file: file.path, line: 1, column: 1 };
    const inline = Object.fromEntries(Object.entries(analysis.config).map(([k, v]) => [k, v.value]));
    const fqn = [projectName, ...file.folders, file.name];
    const config = testConfig([...folderConfig(ctx.files.config.data_tests, fqn, ctx.usedConfigPaths), inline], location);
    if (!config || !config.enabled) continue;
    const deps: string[] = [];
    const refs: RefCall[] = [];
    const sourceCalls: SourceCall[] = [];
    for (const ref of analysis.refs) {
      const r = resolveRelation(`ref('${ref.name}')`, ref.location, `{{ref "${ref.name}"}}`);
      if (r && !deps.includes(r.id)) deps.push(r.id);
      if (r) refs.push(ref);
    }
    for (const s of analysis.sources) {
      const r = resolveRelation(`source('${s.source}', '${s.table}')`, s.location, `{{source "${s.source}" "${s.table}"}}`);
      if (r && !deps.includes(r.id)) deps.push(r.id);
      if (r) sourceCalls.push(s);
    }
    const name = typeof inline.name === 'string' ? inline.name : file.name;
    addTest(
      testNode({
        testType: 'singular',
        name,
        originalFilePath: file.path,
        location,
        fqn,
        description: '',
        tags: config.tags,
        config,
        rawCode: file.text,
        checksummed: file.text,
        refs,
        sources: sourceCalls,
        dependsOn: deps,
      }),
    );
  }
  return tests;
}
