/**
 * roles.yml (docs/governance.md#access-by-role): who reads what. Each role names its engine
 * users and groups, the models it may read (dpf selectors, schemas) and up to which
 * classification level, and row filters. Validated against schemas/roles.schema.json; names
 * unique (DPF104), `up_to` a level of classifications.yml (DPF971), and every role that
 * classifications.yml's readers name declared here (DPF970). Reads files only: what the
 * selectors select is decided later, against the manifest (plan-access.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { closestMatch } from '../../compiler/closest-match.js';
import { readYamlFile } from '../../compiler/read-yaml-file.js';
import { schemaValidator } from '../../compiler/schema-validators.js';
import { DpfError, diagnostic, type Diagnostic, type SourceLocation } from '../../errors/dpf-error.js';
import { CLASSIFICATIONS_FILE, type Classifications } from '../classification/load-classifications.js';

export const ROLES_FILE = 'roles.yml';

/** The engine users and groups that act in a role. */
export interface Principals {
  readonly users: readonly string[];
  readonly groups: readonly string[];
}

export interface Located<T> {
  readonly value: T;
  readonly location: SourceLocation;
}

export interface RowFilter {
  /** A model, seed or snapshot name. */
  readonly model: string;
  /** A SQL condition over its columns. */
  readonly where: string;
  readonly location: SourceLocation;
}

export interface RoleRead {
  /** Absent: every model, seed and snapshot. */
  readonly select?: readonly Located<string>[];
  readonly exclude: readonly Located<string>[];
  readonly schemas?: readonly string[];
  /** Index into the levels (lowest first); -1: only unclassified models. */
  readonly upTo: number;
  readonly filters: readonly RowFilter[];
}

export interface Role {
  readonly name: string;
  readonly description?: string;
  /** Engine type → its users and groups (only engines the role names). */
  readonly principals: Readonly<Record<string, Principals>>;
  /** Owns the project's schemas: builds, replaces, drops and reads everything unmasked. */
  readonly manage: boolean;
  /** Many people act in it (`broad: true`): dpf audit reports personal data it reads in clear. */
  readonly broad: boolean;
  /** Absent: reads nothing (unless it manages). */
  readonly read?: RoleRead;
  readonly location: SourceLocation;
}

export interface Roles {
  readonly file: string;
  readonly roles: readonly Role[];
}

interface RoleFile {
  name: string;
  description?: string;
  trino?: { users?: string[]; groups?: string[] };
  manage?: boolean;
  broad?: boolean;
  read?: { select?: string[]; exclude?: string[]; schemas?: string[]; up_to?: string; filters?: { model: string; where: string }[] };
}

/** Engines a role can name principals for (the keys of a role in roles.yml besides its own). */
const ENGINE_KEYS = ['trino'] as const;

export function loadRoles(projectDir: string, classifications: Classifications | undefined): Roles | undefined {
  const path = join(projectDir, ROLES_FILE);
  if (!existsSync(path)) return undefined;
  const file = readYamlFile<{ roles: RoleFile[] }>(path, ROLES_FILE, schemaValidator('roles'));
  const problems: Diagnostic[] = [];
  const levels = classifications?.levels.map((l) => l.name) ?? [];
  const seen = new Map<string, SourceLocation>();
  const roles = file.data.roles.map((r, i): Role => {
    const at = (...rest: (string | number)[]) => file.locate(['roles', i, ...rest]);
    const location = at('name');
    const other = seen.get(r.name);
    if (other) problems.push(diagnostic('DuplicateName', { kind: 'role', name: r.name, other: `${other.file}:${other.line}` }, location));
    seen.set(r.name, location);
    const principals: Record<string, Principals> = {};
    for (const engine of ENGINE_KEYS) {
      const p = r[engine];
      if (p) principals[engine] = { users: p.users ?? [], groups: p.groups ?? [] };
    }
    let read: RoleRead | undefined;
    if (r.read) {
      const upTo = r.read.up_to === undefined ? 0 : levels.indexOf(r.read.up_to);
      if (r.read.up_to !== undefined && upTo === -1) {
        problems.push(diagnostic('RoleUnknownLevel', { role: r.name, level: r.read.up_to, suggestion: closestMatch(r.read.up_to, levels), known: levels }, at('read', 'up_to')));
      }
      const located = (key: 'select' | 'exclude', list: string[]) => list.map((value, j) => ({ value, location: at('read', key, j) }));
      read = {
        select: r.read.select && located('select', r.read.select),
        exclude: located('exclude', r.read.exclude ?? []),
        schemas: r.read.schemas,
        // Without classifications.yml there are no levels: every model is "unclassified".
        upTo: levels.length === 0 ? -1 : upTo,
        filters: (r.read.filters ?? []).map((f, j) => ({ model: f.model, where: f.where, location: at('read', 'filters', j, 'model') })),
      };
    }
    return { name: r.name, description: r.description, principals, manage: r.manage === true, broad: r.broad === true, read, location };
  });
  if (classifications) problems.push(...unknownReaders(projectDir, classifications, roles.map((r) => r.name)));
  if (problems.length > 0) throw new DpfError(problems);
  return { file: ROLES_FILE, roles };
}

/** classifications.yml's readers that roles.yml does not declare, at their list items. */
function unknownReaders(projectDir: string, classifications: Classifications, known: readonly string[]): Diagnostic[] {
  const file = readYamlFile<unknown>(join(projectDir, CLASSIFICATIONS_FILE), CLASSIFICATIONS_FILE);
  const problems: Diagnostic[] = [];
  const check = (section: 'levels' | 'pii', rules: Classifications['levels']) =>
    rules.forEach((rule, i) =>
      rule.readers.forEach((reader, j) => {
        if (!known.includes(reader)) {
          problems.push(diagnostic('UnknownRole', { name: reader, where: `the readers of ${rule.name} in ${CLASSIFICATIONS_FILE}`, suggestion: closestMatch(reader, known), known: [...known] }, file.locate([section, i, 'readers', j])));
        }
      }),
    );
  check('levels', classifications.levels);
  check('pii', classifications.pii);
  return problems;
}
