/**
 * Grants drift in the security report (`dpf audit --warehouse`, docs/governance.md): what the
 * target's engine enforces against what roles.yml and classifications.yml declare, the same
 * comparison as `dpf grants check` (access/grants.ts). A rule missing, changed or unexpected is
 * high (someone may read what they should not, or legal's rules are not in force); the same
 * rules in another order are medium (Trino applies the first that matches). Only with roles.yml;
 * a check that cannot run (no rules file set, the engine unreachable) is one DPF954 warning.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CompiledProject } from '../../compiler/compile-pipeline.js';
import { diagnostic, DpfError, type Diagnostic } from '../../errors/dpf-error.js';
import type { RuleDrift } from '../access/compare-rules.js';
import { checkGrants } from '../access/grants.js';
import { ROLES_FILE } from '../access/load-roles.js';
import type { AuditFinding } from './audit-findings.js';

const SEVERITY: Readonly<Record<RuleDrift['change'], AuditFinding['severity']>> = { missing: 'high', changed: 'high', unexpected: 'high', reordered: 'medium' };

const WHAT: Readonly<Record<RuleDrift['change'], string>> = {
  missing: 'declared, but the engine does not enforce it',
  changed: 'enforced differently from what is declared',
  unexpected: 'enforced, but declared nowhere',
  reordered: 'enforced in another order than declared (the first rule that matches applies)',
};

export async function scanGrantsDrift(compiled: CompiledProject, projectDir: string): Promise<{ findings: AuditFinding[]; warnings: Diagnostic[] }> {
  if (!existsSync(join(projectDir, ROLES_FILE))) return { findings: [], warnings: [] };
  let checked;
  try {
    checked = await checkGrants({ projectDir, manifest: compiled.manifest, graph: compiled.graph, target: compiled.target });
  } catch (err) {
    if (!(err instanceof DpfError)) throw err;
    const first = err.diagnostics[0];
    return { findings: [], warnings: [diagnostic('AuditEngineCheckSkipped', { check: 'grants drift', detail: `${first?.code}: ${first?.message.replace(/\.$/, '')}` }, undefined, 'warning')] };
  }
  const findings = checked.drift.map(
    (d): AuditFinding => ({
      kind: 'grants_drift',
      rule: `grants-${d.change}`,
      severity: SEVERITY[d.change],
      file: ROLES_FILE,
      line: 1,
      column: 1,
      message: `${d.section} rule ${d.rule} is ${WHAT[d.change]} (target ${compiled.target.targetName}, ${checked.enforced}). Run dpf grants check to see it, and dpf grants apply to enforce roles.yml again.`,
    }),
  );
  return { findings, warnings: [] };
}
