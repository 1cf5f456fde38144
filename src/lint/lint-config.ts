/**
 * dpf_project.yml's `lint:` block as plain data: each rule's severity, exclusions and options,
 * with the defaults filled in. The JSON Schema has checked the shapes already; this adds what a
 * schema cannot say well (an unknown rule with the closest name, exclusions that match nothing).
 */
import { diagnostic, DpfError, type Diagnostic } from '../errors/dpf-error.js';
import { closestMatch } from '../compiler/closest-match.js';
import type { ProjectConfig } from '../compiler/load-project.js';
import type { YamlFile } from '../compiler/read-yaml-file.js';

export type LintSeverity = 'off' | 'warn' | 'error';
export type LintRuleName = 'naming' | 'documented' | 'tested' | 'owned';
export const LINT_RULES: readonly LintRuleName[] = ['naming', 'documented', 'tested', 'owned'];

interface RuleBase {
  readonly severity: LintSeverity;
  /** Model names, or folders (models/intermediate) whose models the rule skips. */
  readonly exclude: readonly string[];
}

export interface LintConfig {
  readonly naming: RuleBase & { readonly prefixes: Readonly<Record<string, readonly string[]>> };
  readonly documented: RuleBase & { readonly columns: boolean };
  readonly tested: RuleBase & { readonly key: boolean };
  readonly owned: RuleBase;
}

/** The layers most dbt-style projects use; a project replaces the table with naming: prefixes:. */
export const DEFAULT_PREFIXES: Readonly<Record<string, readonly string[]>> = {
  staging: ['stg_'],
  intermediate: ['int_'],
  marts: ['fct_', 'dim_'],
};

type RawRule = LintSeverity | { severity?: LintSeverity; exclude?: string[]; prefixes?: Record<string, string[]>; columns?: boolean; key?: boolean };

/** What the rules need to know of the project to check exclusions: its models and their files. */
export interface LintModelRef {
  readonly name: string;
  readonly file: string;
}

export function readLintConfig(projectFile: YamlFile<ProjectConfig>, models: readonly LintModelRef[]): LintConfig {
  const raw = ((projectFile.data as { lint?: Record<string, RawRule> }).lint ?? {}) as Record<string, RawRule>;
  const problems: Diagnostic[] = [];
  for (const name of Object.keys(raw)) {
    if (!(LINT_RULES as readonly string[]).includes(name)) {
      problems.push(diagnostic('LintRuleUnknown', { rule: name, suggestion: closestMatch(name, LINT_RULES), known: [...LINT_RULES] }, projectFile.locateKey(['lint', name])));
    }
  }
  const rule = (name: LintRuleName): Exclude<RawRule, LintSeverity> => {
    const value = raw[name];
    return typeof value === 'string' ? { severity: value } : (value ?? {});
  };
  const base = (name: LintRuleName): RuleBase => {
    const exclude = rule(name).exclude ?? [];
    exclude.forEach((entry, i) => {
      if (!matchesAnyModel(entry, models)) {
        const suggestion = closestMatch(entry, [...models.map((m) => m.name), ...folders(models)]);
        problems.push(diagnostic('LintExcludeMatchesNothing', { rule: name, entry, suggestion }, projectFile.locate(['lint', name, 'exclude', i])));
      }
    });
    return { severity: rule(name).severity ?? 'error', exclude };
  };
  const config: LintConfig = {
    naming: { ...base('naming'), prefixes: rule('naming').prefixes ?? DEFAULT_PREFIXES },
    documented: { ...base('documented'), columns: rule('documented').columns ?? false },
    tested: { ...base('tested'), key: rule('tested').key ?? false },
    owned: base('owned'),
  };
  if (problems.length > 0) throw new DpfError(problems);
  return config;
}

/** Whether an exclude entry names this model or a folder holding its file. */
export function excludes(entry: string, model: LintModelRef): boolean {
  const folder = entry.replace(/\/+$/, '');
  return entry === model.name || model.file.startsWith(`${folder}/`);
}

function matchesAnyModel(entry: string, models: readonly LintModelRef[]): boolean {
  return models.some((model) => excludes(entry, model));
}

function folders(models: readonly LintModelRef[]): string[] {
  return [...new Set(models.map((m) => m.file.split('/').slice(0, -1).join('/')))];
}

