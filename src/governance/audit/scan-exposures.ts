/**
 * Personal data the project's own rules expose (docs/governance.md): a model marked
 * `access: public` whose columns carry personal data (high: the compile refuses it, and the
 * report says where), and personal data that classifications.yml lets every role read (medium:
 * neither its kind nor its level names readers), and broad roles of roles.yml reading personal
 * data in clear (high, scan-role-exposures.ts). The project is compiled without writing
 * anything; a project that does not compile is one warning, and these checks are skipped.
 */
import { compileFromDisk, type CompiledProject } from '../../compiler/compile-pipeline.js';
import { nodesOfKind } from '../../compiler/node-kinds.js';
import { diagnostic, DpfError, type Diagnostic } from '../../errors/dpf-error.js';
import { lineageEngine } from '../../lineage/compute-column-lineage.js';
import { publicExposures } from '../classification/check-access.js';
import { loadClassifications } from '../classification/load-classifications.js';
import { propagateClassifications } from '../classification/propagate-classifications.js';
import { loadRoles } from '../access/load-roles.js';
import { roleExposures } from './scan-role-exposures.js';
import type { AuditFinding } from './audit-findings.js';

export interface Exposures {
  readonly findings: AuditFinding[];
  readonly warnings: Diagnostic[];
  /** The compiled project with its governance, for the checks that also read the engine (grants drift, queries). */
  readonly compiled?: CompiledProject;
}

export async function scanExposures(projectDir: string, profilesDir: string | undefined, env: NodeJS.ProcessEnv, target?: string): Promise<Exposures> {
  let classifications;
  try {
    classifications = loadClassifications(projectDir);
  } catch (err) {
    if (!(err instanceof DpfError)) throw err;
    return { findings: [], warnings: [skipped(err.diagnostics[0]?.message ?? 'classifications.yml cannot be read')] };
  }
  if (!classifications) return { findings: [], warnings: [] };
  let compiled;
  try {
    compiled = await compileFromDisk({ projectDir, profilesDir, env, target, writeArtifacts: false });
  } catch (err) {
    if (!(err instanceof DpfError)) throw err;
    return { findings: [], warnings: [skipped(`${err.diagnostics[0]?.code}: ${err.diagnostics[0]?.message.replace(/\.$/, '')}`)] };
  }
  const { governance } = propagateClassifications(compiled.manifest, classifications, lineageEngine(compiled.target.type));
  const findings: AuditFinding[] = publicExposures(compiled.manifest, governance).map((d) => ({
    kind: 'pii_exposure',
    rule: 'public-model-pii',
    severity: 'high',
    file: d.location?.file ?? 'models',
    line: d.location?.line ?? 1,
    column: d.location?.column ?? 1,
    message: `${d.message} ${typeof d.hint === 'string' ? d.hint : ''}`.trim(),
  }));
  // Kinds of personal data nobody limits: their rule and their level's rule name no readers.
  const levelReaders = new Map(classifications.levels.map((l) => [l.name, l.readers]));
  const open = new Set(classifications.pii.filter((p) => p.readers.length === 0 && (levelReaders.get(p.level) ?? []).length === 0).map((p) => p.name));
  for (const node of nodesOfKind(compiled.manifest, 'model', 'seed', 'snapshot', 'source')) {
    for (const [column, c] of Object.entries(governance.columns[node.uniqueId] ?? {})) {
      if (c.declassified !== undefined || !c.declared) continue;
      for (const kind of c.pii.filter((k) => open.has(k))) {
        const rule = classifications.pii.find((p) => p.name === kind)!;
        findings.push({
          kind: 'pii_exposure',
          rule: 'pii-without-readers',
          severity: 'medium',
          file: rule.location.file,
          line: rule.location.line ?? 1,
          column: rule.location.column ?? 1,
          message: `${node.name}.${column} holds personal data (${kind}) that every role may read: neither the kind "${kind}" nor its level "${rule.level}" names readers in classifications.yml. Add readers: to one of them.`,
        });
      }
    }
  }
  const manifest = { ...compiled.manifest, governance };
  // Broad roles reading personal data in clear: roles.yml's plan, as dpf grants would enforce it.
  try {
    const roles = loadRoles(projectDir, classifications);
    if (roles) findings.push(...roleExposures(manifest, compiled.graph, roles, classifications));
  } catch (err) {
    if (!(err instanceof DpfError)) throw err;
    return { findings, warnings: [skipped(`${err.diagnostics[0]?.code}: ${err.diagnostics[0]?.message.replace(/\.$/, '')}`)], compiled: { ...compiled, manifest } };
  }
  return { findings, warnings: [], compiled: { ...compiled, manifest } };
}

function skipped(detail: string): Diagnostic {
  return diagnostic('AuditExposuresSkipped', { detail }, undefined, 'warning');
}
