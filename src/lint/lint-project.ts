/**
 * `dpf lint` over a compiled project: every model checked by every rule that is on, with each
 * finding at the file and line to change. Reads YAML files only to find entries' lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectConfig } from '../compiler/load-project.js';
import type { Manifest } from '../compiler/manifest.js';
import { nodesOfKind } from '../compiler/node-kinds.js';
import { parseYaml, type YamlFile } from '../compiler/read-yaml-file.js';
import type { SourceLocation } from '../errors/dpf-error.js';
import { readLintConfig } from './lint-config.js';
import { lintModel, type LintFinding, type LintSubject } from './lint-rules.js';

export interface LintReport {
  readonly projectDir: string;
  /** How many models were checked. */
  readonly models: number;
  /** By file, then line. */
  readonly findings: readonly LintFinding[];
  readonly counts: { readonly error: number; readonly warn: number };
  /** A finding of severity error: dpf lint exits 1. */
  readonly failed: boolean;
}

export function lintProject(projectDir: string, projectFile: YamlFile<ProjectConfig>, manifest: Manifest): LintReport {
  const models = nodesOfKind(manifest, 'model');
  const config = readLintConfig(projectFile, models.map((m) => ({ name: m.name, file: m.originalFilePath })));
  const tests = nodesOfKind(manifest, 'test');
  const yamlFiles = new YamlEntries(projectDir);
  const findings = models.flatMap((node) => {
    const subject: LintSubject = {
      node,
      dataTests: tests.filter((t) => t.attachedNode === node.uniqueId || (t.testType === 'singular' && t.dependsOn.includes(node.uniqueId))),
      entry: yamlFiles.locate(node.patchPath, node.name, []) ?? { file: node.originalFilePath, line: 1, column: 1 },
      columnEntry: (column) => yamlFiles.locate(node.patchPath, node.name, ['columns', column]) ?? { file: node.patchPath ?? node.originalFilePath, line: 1, column: 1 },
    };
    return lintModel(subject, config);
  });
  findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule));
  const error = findings.filter((f) => f.severity === 'error').length;
  return { projectDir, models: models.length, findings, counts: { error, warn: findings.length - error }, failed: error > 0 };
}

/** The lines of `- name: x` entries under models: in YAML properties files, each file read once. */
class YamlEntries {
  private readonly files = new Map<string, YamlFile<{ models?: { name?: string; columns?: { name?: string }[] }[] }> | undefined>();

  constructor(private readonly projectDir: string) {}

  locate(path: string | undefined, model: string, sub: readonly ['columns', string] | readonly []): SourceLocation | undefined {
    if (!path) return undefined;
    const file = this.read(path);
    const index = file?.data?.models?.findIndex((m) => m?.name === model) ?? -1;
    if (!file || index < 0) return undefined;
    if (sub.length === 0) return file.locate(['models', index, 'name']);
    const columnIndex = file.data.models![index]!.columns?.findIndex((c) => c?.name === sub[1]) ?? -1;
    return columnIndex < 0 ? file.locate(['models', index, 'name']) : file.locate(['models', index, 'columns', columnIndex, 'name']);
  }

  private read(path: string) {
    if (!this.files.has(path)) {
      const abs = join(this.projectDir, path);
      this.files.set(path, existsSync(abs) ? parseYaml(readFileSync(abs, 'utf8'), path) : undefined);
    }
    return this.files.get(path);
  }
}
