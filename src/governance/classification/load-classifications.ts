/**
 * classifications.yml (docs/governance.md): the levels, lowest first, and the kinds of personal
 * data, each with its readers, masking and retention; owned by the legal team. Validated against
 * schemas/classifications.schema.json; a kind's level must be a level (DPF960), names unique
 * (DPF104). Absent file: the project is not classified (undefined).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { closestMatch } from '../../compiler/closest-match.js';
import { readYamlFile } from '../../compiler/read-yaml-file.js';
import { schemaValidator } from '../../compiler/schema-validators.js';
import { DpfError, diagnostic, type Diagnostic, type SourceLocation } from '../../errors/dpf-error.js';

export const CLASSIFICATIONS_FILE = 'classifications.yml';

export type Masking = 'hash' | 'redact' | 'null' | 'partial' | 'none';

export interface ClassificationRule {
  readonly name: string;
  readonly description?: string;
  readonly readers: readonly string[];
  readonly masking?: Masking;
  readonly retentionDays?: number;
  readonly location: SourceLocation;
}

export interface PiiRule extends ClassificationRule {
  /** The level its columns are at least. */
  readonly level: string;
}

export interface Classifications {
  readonly file: string;
  /** Lowest first. */
  readonly levels: readonly ClassificationRule[];
  readonly pii: readonly PiiRule[];
  readonly defaultLevel?: string;
}

interface RuleFile {
  name: string;
  description?: string;
  level?: string;
  readers?: string[];
  masking?: Masking;
  retention_days?: number;
}

interface ClassificationsFile {
  levels: RuleFile[];
  pii?: RuleFile[];
  default_level?: string;
}

export function loadClassifications(projectDir: string): Classifications | undefined {
  const path = join(projectDir, CLASSIFICATIONS_FILE);
  if (!existsSync(path)) return undefined;
  const file = readYamlFile<ClassificationsFile>(path, CLASSIFICATIONS_FILE, schemaValidator('classifications'));
  const problems: Diagnostic[] = [];
  const rule = (r: RuleFile, at: (string | number)[]): ClassificationRule => ({
    name: r.name,
    description: r.description,
    readers: r.readers ?? [],
    masking: r.masking,
    retentionDays: r.retention_days,
    location: file.locate([...at, 'name']),
  });
  const levels = file.data.levels.map((l, i) => rule(l, ['levels', i]));
  const names = levels.map((l) => l.name);
  const seen = new Map<string, SourceLocation>();
  const unique = (r: ClassificationRule, kind: string) => {
    const other = seen.get(r.name);
    if (other) problems.push(diagnostic('DuplicateName', { kind, name: r.name, other: `${other.file}:${other.line}` }, r.location));
    seen.set(r.name, r.location);
  };
  levels.forEach((l) => unique(l, 'classification level'));
  const level = (value: string | undefined, at: (string | number)[]) => {
    if (value !== undefined && !names.includes(value)) problems.push(diagnostic('UnknownClassification', { name: value, where: 'classifications.yml', suggestion: closestMatch(value, names), known: names }, file.locate(at)));
  };
  const pii = (file.data.pii ?? []).map((p, i): PiiRule => {
    level(p.level, ['pii', i, 'level']);
    return { ...rule(p, ['pii', i]), level: p.level! };
  });
  pii.forEach((p) => unique(p, 'kind of personal data'));
  level(file.data.default_level, ['default_level']);
  if (problems.length > 0) throw new DpfError(problems);
  return { file: CLASSIFICATIONS_FILE, levels, pii, defaultLevel: file.data.default_level };
}
