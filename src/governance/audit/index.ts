/**
 * `audit` of the public API (`dpf audit`): the security report. Reads files and compiles the
 * project without writing anything (for personal data its rules expose; a project that does not
 * compile is a warning), and opens the warehouse only with `warehouse` (grants drift) — so it runs in CI before anything is built. Secrets in the repository and in target/ artifacts, SQL
 * injection hazards in templates, and the PII scanner's unclassified findings when it wrote
 * some. No secret leaves it: findings carry the secret masked (first characters and length).
 */
import { readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { closestMatch } from '../../compiler/closest-match.js';
import { loadProjectConfig, targetPathOf } from '../../compiler/load-project.js';
import { fail } from '../../errors/dpf-error.js';
import { isSeverity, severityRank, sortFindings, type AuditFinding, type AuditReport, type Severity } from './audit-findings.js';
import { listProjectFiles, shownPath } from './list-project-files.js';
import { PII_FINDINGS_FILE, readPiiFindings } from './read-pii-findings.js';
import { scanSecrets } from './scan-secrets.js';
import { scanExposures } from './scan-exposures.js';
import { scanGrantsDrift } from './scan-grants-drift.js';
import { scanQueryAccess } from './scan-query-access.js';
import { scanSqlVars } from './scan-sql-vars.js';
import { SEVERITIES } from './secret-rules.js';

export type { AuditFinding, AuditReport, ClassifiedAccess, FindingKind, Severity, UserAccess } from './audit-findings.js';

export interface AuditOptions {
  /** Folder holding dpf_project.yml (default: cwd). */
  readonly projectDir?: string;
  /** A profiles.yml folder outside the project (--profiles-dir) is scanned too. */
  readonly profilesDir?: string;
  /** The report fails (`failed`, exit 1) when a finding is at or above this (default high). */
  readonly failOn?: Severity | string;
  /** Relative paths resolve against this (default: process.cwd()). */
  readonly cwd?: string;
  /** For the profile's {{env}} when the project is compiled to check exposures (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Also check the target's engine: grants drift against roles.yml (`dpf audit --warehouse`). */
  readonly warehouse?: boolean;
  /** The profiles.yml target compiled and, with warehouse, checked (default: the profile's). */
  readonly target?: string;
}

export async function audit(options: AuditOptions = {}): Promise<AuditReport> {
  const failOn = options.failOn ?? 'high';
  if (!isSeverity(failOn)) fail('AuditFailOnUnknown', { value: failOn, suggestion: closestMatch(failOn, [...SEVERITIES]) });
  const cwd = options.cwd ?? process.cwd();
  const projectDir = resolve(cwd, options.projectDir ?? '.');
  const config = loadProjectConfig(projectDir).data;
  const targetPath = targetPathOf(projectDir, config);
  const files = listProjectFiles(projectDir, targetPath);
  const show = (file: string) => shownPath(projectDir, file);

  const findings: AuditFinding[] = [];
  const repository = [...files.repository];
  if (options.profilesDir) {
    const profiles = join(resolve(cwd, options.profilesDir), 'profiles.yml');
    if (!repository.includes(profiles)) repository.push(profiles);
  }
  for (const file of repository) findings.push(...scanSecrets(file, show(file), false));
  for (const file of files.artifacts) findings.push(...scanSecrets(file, show(file), true));

  // Templates: .sql under the model, snapshot and test paths, .hbs partials under the macro paths.
  const templateDirs = [...(config['model-paths'] ?? ['models']), ...(config['snapshot-paths'] ?? ['snapshots']), ...(config['test-paths'] ?? ['tests'])];
  const inside = (file: string, dirs: readonly string[]) => dirs.some((d) => file.startsWith(resolve(projectDir, d) + sep));
  const templates = files.repository.filter((f) => (f.endsWith('.sql') && inside(f, templateDirs)) || (f.endsWith('.hbs') && inside(f, config['macro-paths'] ?? ['macros'])));
  for (const file of templates) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    findings.push(...scanSqlVars(text, show(file)));
  }

  const pii = readPiiFindings(targetPath, show(join(targetPath, PII_FINDINGS_FILE)));
  findings.push(...pii.findings);
  const exposures = await scanExposures(projectDir, options.profilesDir ? resolve(cwd, options.profilesDir) : undefined, options.env ?? process.env, options.target);
  findings.push(...exposures.findings);
  const engine = options.warehouse && exposures.compiled ? await scanGrantsDrift(exposures.compiled, projectDir) : { findings: [], warnings: [] };
  findings.push(...engine.findings);
  // Who queried classified relations since the last report (engines with a query log: Trino).
  const queries = options.warehouse && exposures.compiled ? await scanQueryAccess(exposures.compiled, projectDir, options.env ?? process.env) : { findings: [], warnings: [] };
  findings.push(...queries.findings);

  const sorted = sortFindings(findings);
  const counts = { low: 0, medium: 0, high: 0 } satisfies Record<Severity, number>;
  for (const f of sorted) counts[f.severity]++;
  return {
    version: 1,
    projectDir,
    failOn,
    failed: sorted.some((f) => severityRank(f.severity) >= severityRank(failOn)),
    counts,
    findings: sorted,
    scanned: { files: repository.length, artifacts: files.artifacts.length, templates: templates.length, piiFindings: pii.present, ...(options.warehouse ? { warehouse: true } : {}) },
    warnings: [...pii.warnings, ...exposures.warnings, ...engine.warnings, ...queries.warnings],
    ...('access' in queries && queries.access ? { access: queries.access } : {}),
  };
}
