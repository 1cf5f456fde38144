/**
 * Personal data that roles.yml lets a broad role read in clear (docs/governance.md#the-security-report-dpf-audit):
 * the access plan (access/plan-access.ts, what `dpf grants apply` would enforce) read per role.
 * A role is broad when it does not manage and either roles.yml says so (`broad: true`: business
 * users, analysts, many people behind one role) or the lowest level of classifications.yml names
 * it among its readers (the role public data is meant for). Each model such a
 * role reads with a personal-data column neither masked nor hidden is one high finding at the
 * role's line. Pure: takes the compiled manifest with its governance.
 */
import type { ProjectGraph } from '../../compiler/build-graph.js';
import type { Manifest } from '../../compiler/manifest.js';
import type { Classifications } from '../classification/load-classifications.js';
import { EVERY_COLUMN } from '../classification/propagate-classifications.js';
import type { Role, Roles } from '../access/load-roles.js';
import { planAccess } from '../access/plan-access.js';
import type { AuditFinding } from './audit-findings.js';

/** Why a role counts as broad, or undefined when it does not. */
export function broadReason(role: Role, classifications: Classifications): string | undefined {
  if (role.manage || !role.read) return undefined;
  const lowest = classifications.levels[0];
  if (role.broad) return 'broad: true in roles.yml';
  if (lowest?.readers.includes(role.name)) return `the lowest level "${lowest.name}" names it among its readers`;
  return undefined;
}

export function roleExposures(manifest: Manifest, graph: ProjectGraph, roles: Roles, classifications: Classifications): AuditFinding[] {
  const governance = manifest.governance;
  if (!governance) return [];
  const plan = planAccess(manifest, graph, roles, classifications);
  const findings: AuditFinding[] = [];
  for (const access of plan.roles) {
    const why = broadReason(access.role, classifications);
    if (!why) continue;
    for (const model of access.models) {
      const guarded = new Set(model.columns.map((c) => c.column.toLowerCase()));
      const clear = Object.entries(governance.columns[model.nodeId] ?? {})
        .filter(([column, c]) => c.pii.length > 0 && c.declassified === undefined && !guarded.has(column.toLowerCase()))
        .map(([column, c]) => `${column === EVERY_COLUMN ? '(every column)' : column} (${c.pii.join(', ')})`);
      if (clear.length === 0) continue;
      findings.push({
        kind: 'pii_exposure',
        rule: 'pii-to-broad-role',
        severity: 'high',
        file: access.role.location.file,
        line: access.role.location.line ?? 1,
        column: access.role.location.column ?? 1,
        message:
          `Role "${access.role.name}" is broad (${why}) and reads personal data in clear in ${model.name}: ${clear.join(', ')}. ` +
          'Give the kind or its level readers: in classifications.yml that leave this role out (it then reads the column masked), or narrow the role\'s read:.',
      });
    }
  }
  return findings;
}
