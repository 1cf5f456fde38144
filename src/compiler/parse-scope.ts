/**
 * What every node parser shares while one project is parsed: the diagnostics, the project's
 * config and vars, YAML patches by name, the analyzed macros, and the maps the parsers fill
 * (nodes, templates, names). parse-project.ts makes it and calls one parser per kind
 * (parse-models.ts, parse-seeds.ts, parse-sources.ts, parse-data-tests.ts, parse-unit-tests.ts).
 */
import { createHash } from 'node:crypto';
import { diagnostic, type DiagnosticBag, type SourceLocation } from '../errors/dpf-error.js';
import { evaluateEnabled } from './evaluate-enabled.js';
import type { analyzeTemplate, UnionRefsCall } from './analyze-template.js';
import type { ProjectFiles, PropertiesFile } from './load-project.js';
import type { ColumnInfo, ExecutableNode, Relation, SqlNode } from './manifest.js';
import type { ParseContext } from './parse-project.js';
import type { YamlFile } from './read-yaml-file.js';
import { toTags, type RawConfig } from './resolve-config.js';
import type { Describe } from './resolve-docs.js';

export interface PatchEntry {
  readonly entry: Record<string, unknown> & { name: string };
  readonly file: YamlFile<PropertiesFile>;
  readonly index: number;
}

/** A model's or snapshot's refs, sources and vars, resolved once every node is known. */
export interface SqlNodeRefs {
  readonly node: SqlNode;
  readonly vars: ReturnType<typeof analyzeTemplate>['vars'];
}

/** A model file read and configured, waiting for its for_each query's rows (parse-models.ts). */
export interface DeferredForEach {
  readonly fileName: string;
  /** Names the models it then generates (parse-models.ts emitForEach). */
  emit(values: readonly unknown[]): void;
  readonly query: string;
  readonly location: SourceLocation;
  readonly path: string;
}

export interface NodeParseScope {
  readonly bag: DiagnosticBag;
  readonly ctx: ParseContext;
  readonly project: ProjectFiles['config'];
  readonly projectName: string;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly describe: Describe;
  /** A YAML entry's columns, with the doc calls in their descriptions resolved. */
  columns(raw: unknown, file: YamlFile | undefined, path: (string | number)[]): Record<string, ColumnInfo>;
  /** Where a node with this name and config is built, and how the engine writes it. */
  relationFor(name: string, config: { schema?: string; alias?: string; database?: string }): { relation: Relation; relationName: string };
  /** YAML entries (descriptions, columns, config) by name; a parser deletes the ones it uses. */
  readonly patches: Record<'models' | 'seeds' | 'snapshots', Map<string, PatchEntry>>;
  /** Folder-config paths that matched a node (the rest are reported as unused). */
  readonly usedConfigPaths: Set<string>;
  readonly partialNames: ReadonlySet<string>;
  partialClosure(direct: string[]): string[];
  readonly macroAnalyses: ReadonlyMap<string, ReturnType<typeof analyzeTemplate>>;
  readonly nodes: Record<string, ExecutableNode>;
  readonly templates: Map<string, hbs.AST.Program>;
  /** Takes a name for a node; false (and a DuplicateName diagnostic) when another node has it. */
  claimName(name: string, uniqueId: string, path: string, kind: string): boolean;
  readonly modelRefs: SqlNodeRefs[];
  /** Model files whose for_each runs a query: expanded once every other node is known. */
  readonly deferredForEach: DeferredForEach[];
  /** for_each file name -> the names of the models it generated (YAML under the file's name applies to each). */
  readonly generated: Map<string, string[]>;
  /** Models with {{union_refs}}: their selectors are resolved once every node is known. */
  readonly unionCalls: { readonly node: SqlNode; readonly calls: readonly UnionRefsCall[] }[];
}

export const sha256 = (text: string) => ({ name: 'sha256' as const, checksum: createHash('sha256').update(text).digest('hex') });

/** grants: {privilege: grantee or [grantees]}; privileges lower-cased, grantees as written. */
export function grantsConfig(merged: RawConfig): { grants?: Record<string, string[]> } {
  const raw = merged.grants as Record<string, unknown> | undefined;
  if (!raw || Object.keys(raw).length === 0) return {};
  return { grants: Object.fromEntries(Object.entries(raw).map(([privilege, who]) => [privilege.toLowerCase(), toTags(who)])) };
}

/**
 * A node's `enabled` config: true, false, or an expression over vars and the target decided
 * here (evaluate-enabled.ts). A broken expression is DPF103 at `at()` and leaves the node out.
 */
export function isEnabled(scope: Pick<NodeParseScope, 'bag' | 'ctx' | 'vars'>, value: unknown, at: () => SourceLocation): boolean {
  if (value === undefined || value === null || value === true) return true;
  if (value === false) return false;
  const expression = String(value);
  const { ctx } = scope;
  const result = evaluateEnabled(expression, {
    vars: scope.vars,
    target: { name: ctx.targetName, schema: ctx.targetSchema, type: ctx.adapterType, database: ctx.targetDatabase ?? null },
  });
  if ('value' in result) return result.value;
  scope.bag.add(diagnostic('InvalidValue', { where: `enabled: ${expression}`, detail: result.problem }, at()));
  return false;
}

/** Where a YAML entry's `config: <key>` is, if it sets one. */
export function yamlKeyLocation(patch: PatchEntry | undefined, key: string): SourceLocation | undefined {
  if (!patch || (patch.entry.config as Record<string, unknown> | undefined)?.[key] === undefined) return undefined;
  const kind = (['models', 'seeds', 'snapshots'] as const).find((k) => (patch.file.data[k] as unknown[] | undefined)?.[patch.index] === patch.entry);
  return kind ? patch.file.locateKey([kind, patch.index, 'config', key]) : undefined;
}
