/**
 * Who read classified relations (`dpf audit --warehouse`, docs/governance.md#who-read-classified-data):
 * the engine's query log since the last such report (its time kept as an `audit` row of
 * dpf_meta.audit_log), each query's text matched against the project's relations that hold
 * personal data or a level with readers, summed per engine user: how many queries, which
 * relations, first and last time, and whether a role of theirs (roles.yml) may read them —
 * info when one may, high when none may and a query ran, medium when every such query was
 * refused. The report holds query ids, users, relations and times: never a query's text, which
 * may hold literals with personal data. Engines without a query log (DuckDB) are left out.
 */
import { adapterFactory } from '../../adapters/index.js';
import type { Relation } from '../../adapters/relation.js';
import { SqlTemplates } from '../../adapters/sql-templates.js';
import type { CompiledProject } from '../../compiler/compile-pipeline.js';
import { hasRelation, isEphemeral, type RelationNode } from '../../compiler/node-kinds.js';
import { redactStrings, secretRedactor } from '../../compiler/redact-secrets.js';
import { diagnostic, DpfError, type Diagnostic } from '../../errors/dpf-error.js';
import { AUDIT_COMMAND, readLastAuditReport, recordAudit } from '../../history/index.js';
import { loadRoles, ROLES_FILE, type Role } from '../access/load-roles.js';
import { loadClassifications } from '../classification/load-classifications.js';
import { modelReaders } from '../classification/model-readers.js';
import type { AuditFinding, ClassifiedAccess, UserAccess } from './audit-findings.js';
import { QUERY_LOGS } from './query-log.js';
import { relationMentions } from './relation-mentions.js';

const CHECK = 'queries over classified relations';

interface Classified {
  readonly node: RelationNode;
  readonly name: string;
  /** Roles that may read it; empty: anyone. */
  readonly readers: readonly string[];
}

export async function scanQueryAccess(
  compiled: CompiledProject,
  projectDir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ findings: AuditFinding[]; warnings: Diagnostic[]; access?: ClassifiedAccess }> {
  const { target } = compiled;
  const reader = QUERY_LOGS[target.type];
  if (!reader) return { findings: [], warnings: [] };
  const skipped = (detail: string) => ({ findings: [], warnings: [diagnostic('AuditEngineCheckSkipped', { check: CHECK, detail }, undefined, 'warning')] });
  let classified: Classified[];
  let roles: readonly Role[] | undefined;
  try {
    const classifications = loadClassifications(projectDir);
    if (!classifications) return { findings: [], warnings: [] };
    roles = loadRoles(projectDir, classifications)?.roles;
    classified = relationNodes(compiled).flatMap((node) => {
      const columns = compiled.manifest.governance?.columns[node.uniqueId];
      const live = Object.fromEntries(Object.entries(columns ?? {}).filter(([, c]) => c.declassified === undefined));
      const readers = modelReaders(live, classifications).readers;
      const personal = Object.values(live).some((c) => c.pii.length > 0);
      return personal || readers.length > 0 ? [{ node, name: plainName(node.relation), readers }] : [];
    });
  } catch (err) {
    if (!(err instanceof DpfError)) throw err;
    return skipped(`${err.first.code}: ${err.first.message.replace(/\.$/, '')}`);
  }
  if (classified.length === 0) return { findings: [], warnings: [] };

  const secrets = target.secrets.filter((s) => s.length > 0);
  const clean = <T>(value: T): T => (secrets.length === 0 ? value : redactStrings(value, secretRedactor(secrets)));
  const adapter = adapterFactory(target.type).create(target, projectDir);
  const warnings: Diagnostic[] = [];
  let since: Date | undefined;
  let log;
  try {
    await adapter.open();
    const templates = new SqlTemplates(adapter.name);
    // No previous report (or no dpf_meta yet): everything the engine still keeps.
    since = await adapter.withConnection((c) => readLastAuditReport(c, { dialect: adapter.dialect, templates, database: target.database }, target.targetName)).catch(() => undefined);
    log = await adapter.withConnection((c) => reader.read(c, adapter, since));
    await recordAudit(adapter, {
      command: AUDIT_COMMAND,
      selector: null,
      targetName: target.targetName,
      database: target.database,
      projectDir,
      startedAt: log.until,
      changes: [],
      env,
      clean,
      warn: (_where, detail) => warnings.push(diagnostic('AuditTimeNotRecorded', { detail }, undefined, 'warning')),
    });
  } catch (err) {
    const detail = err instanceof DpfError ? `${err.first.code}: ${err.first.message.replace(/\.$/, '')}` : String((err as Error)?.message ?? err);
    return skipped(clean(detail));
  } finally {
    await adapter.close().catch(() => undefined);
  }

  const relations: Relation[] = classified.map((c) => c.node.relation);
  const byUser = new Map<string, { ids: string[]; failed: number; read: Set<number>; refusedOnly: Set<number>; first: string; last: string }>();
  for (const query of log.queries) {
    const hits = relationMentions(query.text, relations);
    if (hits.size === 0) continue;
    const entry = byUser.get(query.user) ?? { ids: [], failed: 0, read: new Set<number>(), refusedOnly: new Set<number>(), first: query.created, last: query.created };
    const failed = reader.failed(query.state);
    entry.ids.push(query.queryId);
    if (failed) entry.failed++;
    for (const i of hits) (failed ? entry.refusedOnly : entry.read).add(i);
    if (query.created < entry.first) entry.first = query.created;
    if (query.created > entry.last) entry.last = query.created;
    byUser.set(query.user, entry);
  }

  const findings: AuditFinding[] = [];
  const users: UserAccess[] = [...byUser.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([user, e]) => {
    const theirs = (roles ?? []).filter((r) => r.principals[target.type]?.users.includes(user));
    const allowed = (i: number) => roles === undefined || theirs.some((r) => r.manage || classified[i]!.readers.length === 0 || classified[i]!.readers.includes(r.name));
    const touched = [...new Set([...e.read, ...e.refusedOnly])].sort((a, b) => a - b);
    const readNotAllowed = [...e.read].filter((i) => !allowed(i));
    const triedNotAllowed = touched.filter((i) => !allowed(i));
    const severity = readNotAllowed.length > 0 ? 'high' : triedNotAllowed.length > 0 ? 'medium' : 'info';
    const access: UserAccess = {
      user,
      roles: theirs.map((r) => r.name),
      severity,
      queries: e.ids.length,
      failed: e.failed,
      relations: touched.map((i) => classified[i]!.name),
      notAllowed: triedNotAllowed.map((i) => classified[i]!.name),
      first: e.first,
      last: e.last,
      queryIds: e.ids,
    };
    if (severity !== 'info') findings.push(finding(access, triedNotAllowed.map((i) => classified[i]!), target.type));
    return access;
  });
  return {
    findings,
    warnings,
    access: { engine: target.type, source: reader.source, since: since?.toISOString() ?? null, until: log.until.toISOString(), queries: log.queries.length, users },
  };
}

function finding(access: UserAccess, relations: readonly Classified[], engine: string): AuditFinding {
  const who = `${engine} user "${access.user}" (${access.roles.length > 0 ? `role ${access.roles.join(', ')}` : 'no role'})`;
  const what = relations.map((r) => `${r.name}${r.readers.length > 0 ? ` (readers: ${r.readers.join(', ')})` : ''}`).join(', ');
  const when = access.first === access.last ? `at ${access.first}` : `between ${access.first} and ${access.last}`;
  const message =
    access.severity === 'high'
      ? `${who} read ${what} ${when}, which no role of theirs may read (${access.queries} quer${access.queries === 1 ? 'y' : 'ies'}; their ids are in the report's access section). Find out how they could (dpf grants check), then give the user a role in ${ROLES_FILE} or take the access away.`
      : `${who} tried to read ${what} ${when} and the engine refused every query (${access.queries}); no role of theirs may read it. Nothing was read; check who this is.`;
  return { kind: 'classified_access', rule: access.severity === 'high' ? 'classified-read-without-role' : 'classified-read-refused', severity: access.severity === 'high' ? 'high' : 'medium', file: ROLES_FILE, line: 1, column: 1, message };
}

function relationNodes(compiled: CompiledProject): RelationNode[] {
  return Object.values(compiled.manifest.nodes).filter((n): n is RelationNode => hasRelation(n) && !isEphemeral(n));
}

const plainName = (r: Relation) => [r.database, r.schema, r.identifier].filter(Boolean).join('.');
