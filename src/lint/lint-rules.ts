/**
 * The conventions dpf lint checks, one small function per rule over a model and what the
 * manifest says about it. Rules only report findings; they never change the project.
 */
import type { ModelNode, TestNode } from '../compiler/manifest.js';
import type { SourceLocation } from '../errors/dpf-error.js';
import { excludes, type LintConfig, type LintRuleName } from './lint-config.js';

export interface LintFinding {
  readonly rule: LintRuleName;
  readonly severity: 'warn' | 'error';
  readonly model: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** What is wrong. */
  readonly message: string;
  /** What to do. */
  readonly hint: string;
}

/** A model with what the rules need: its tests and where its SQL file and YAML entry are. */
export interface LintSubject {
  readonly node: ModelNode;
  readonly dataTests: readonly TestNode[];
  /** The model's entry in its YAML file (`- name: x`), or its SQL file when no YAML describes it. */
  readonly entry: SourceLocation;
  /** A column's entry in the YAML file, by column name. */
  readonly columnEntry: (column: string) => SourceLocation;
}

type Check = (subject: LintSubject, config: LintConfig) => Omit<LintFinding, 'rule' | 'severity' | 'model'>[];

const at = (location: SourceLocation) => ({ file: location.file, line: location.line ?? 1, column: location.column ?? 1 });

const naming: Check = ({ node }, config) => {
  const folders = node.originalFilePath.split('/').slice(0, -1);
  // The deepest folder with prefixes decides: marts/finance/x.sql follows marts unless finance has its own.
  const folder = [...folders].reverse().find((f) => config.naming.prefixes[f] !== undefined);
  if (folder === undefined) return [];
  const prefixes = config.naming.prefixes[folder]!;
  if (prefixes.some((p) => node.name.startsWith(p))) return [];
  const wanted = prefixes.join(' or ');
  return [
    {
      ...at({ file: node.originalFilePath }),
      message: `Model "${node.name}" is under ${folder}/ and its name does not start with ${wanted}.`,
      hint: `Rename the file to ${prefixes[0]}${node.name}${node.originalFilePath.slice(node.originalFilePath.lastIndexOf('.'))} (and its refs and YAML entry), or set lint: naming: prefixes: for ${folder} in dpf_project.yml.`,
    },
  ];
};

const documented: Check = ({ node, entry, columnEntry }, config) => {
  const findings: ReturnType<Check> = [];
  if (node.description.trim() === '') {
    findings.push({
      ...at(entry),
      message: `Model "${node.name}" has no description.`,
      hint: node.patchPath
        ? `Add description: to its entry in ${node.patchPath}: what one row is, and what the model is for.`
        : `Describe it in a YAML file beside it (models: - name: ${node.name} with description:), saying what one row is.`,
    });
  }
  if (config.documented.columns) {
    for (const column of Object.values(node.columns)) {
      if (column.description.trim() !== '') continue;
      findings.push({
        ...at(columnEntry(column.name)),
        message: `Column "${column.name}" of model "${node.name}" has no description.`,
        hint: 'Add description: under the column: its meaning and unit, and what a null means.',
      });
    }
  }
  return findings;
};

const tested: Check = ({ node, dataTests, entry }, config) => {
  const hintYaml = node.patchPath ? `its entry in ${node.patchPath}` : `a YAML file beside ${node.originalFilePath}`;
  if (!config.tested.key) {
    if (dataTests.length > 0) return [];
    return [
      {
        ...at(entry),
        message: `Model "${node.name}" has no data test.`,
        hint: `Add data_tests: to ${hintYaml}, e.g. unique and not_null on its key column (docs/testing.md).`,
      },
    ];
  }
  const testsOn = (column: string, name: string) => dataTests.some((t) => t.columnName === column && t.testMetadata?.name === name);
  const columns = new Set(dataTests.flatMap((t) => (t.columnName ? [t.columnName] : [])));
  if ([...columns].some((c) => testsOn(c, 'unique') && testsOn(c, 'not_null'))) return [];
  return [
    {
      ...at(entry),
      message: `Model "${node.name}" has no key tested: no column with both unique and not_null.`,
      hint: `Add unique and not_null under the key column's data_tests: in ${hintYaml}.`,
    },
  ];
};

export function ownerOf(node: { readonly meta: Record<string, unknown>; readonly config?: { readonly meta?: Record<string, unknown> } }): string | undefined {
  const owner = node.meta.owner ?? node.config?.meta?.owner;
  return typeof owner === 'string' && owner.trim() !== '' ? owner.trim() : undefined;
}

const owned: Check = ({ node, entry }) =>
  ownerOf(node) !== undefined
    ? []
    : [
        {
          ...at(entry),
          message: `Model "${node.name}" names no owner.`,
          hint: `Add meta: {owner: team-or-@handle} to ${node.patchPath ? `its entry in ${node.patchPath}` : 'its YAML entry'}, or +meta: {owner: ...} to its folder in dpf_project.yml.`,
        },
      ];

const CHECKS: Record<LintRuleName, Check> = { naming, documented, tested, owned };

export function lintModel(subject: LintSubject, config: LintConfig): LintFinding[] {
  return (Object.keys(CHECKS) as LintRuleName[]).flatMap((rule) => {
    const { severity, exclude } = config[rule];
    if (severity === 'off') return [];
    if (exclude.some((entry) => excludes(entry, { name: subject.node.name, file: subject.node.originalFilePath }))) return [];
    return CHECKS[rule](subject, config).map((f) => ({ rule, severity, model: subject.node.name, ...f }));
  });
}
