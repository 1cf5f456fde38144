/**
 * Trino's enforcement: the access plan written as the rules file of its file-based access
 * control (the target's `access_control_file:`, or --out), which Trino re-reads every
 * security.refresh-period; and that file compared with what the YAML declares (grants drift).
 * Masks take their column's type, read from the engine for the relations that get one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { Adapter } from '../../adapters/adapter.js';
import { relationKey } from '../../adapters/relation.js';
import { writeFileAtomic } from '../../compiler/write-file-atomic.js';
import { DpfError, diagnostic, fail } from '../../errors/dpf-error.js';
import { compareRules } from './compare-rules.js';
import type { EnforceInput, Enforcer } from './enforcer.js';
import type { AccessPlan } from './plan-access.js';
import { principalsOf, trinoRules, type TrinoRules } from './trino-rules.js';

export const trinoRulesFile: Enforcer = {
  checkPlan(plan, input) {
    // Before connecting: a role no one acts in, and nowhere to write, are the YAML's mistakes.
    const unmapped = plan.roles.filter((r) => principalsOf(r.role).length === 0);
    if (unmapped.length > 0) throw new DpfError(unmapped.map((r) => diagnostic('RoleWithoutUsers', { role: r.role.name, engine: 'trino' }, r.role.location)));
    rulesFile(input);
  },
  async apply(plan, input, adapter) {
    const file = rulesFile(input);
    const rules = await declaredRules(plan, input, adapter);
    writeFileAtomic(file, `${JSON.stringify(rules, null, 2)}\n`);
    return [relative(input.projectDir, file) || file];
  },
  async check(plan, input, adapter) {
    const file = rulesFile(input);
    const shown = relative(input.projectDir, file) || file;
    const declared = await declaredRules(plan, input, adapter);
    if (!existsSync(file)) return { enforced: shown, drift: compareRules(declared, {}) };
    let enforced: unknown;
    try {
      enforced = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      fail('AccessRulesUnreadable', { file: shown, detail: (err as Error).message });
    }
    if (enforced === null || typeof enforced !== 'object' || Array.isArray(enforced)) fail('AccessRulesUnreadable', { file: shown, detail: 'it is not a JSON object of rules' });
    return { enforced: shown, drift: compareRules(declared, enforced as Record<string, unknown>) };
  },
};

function rulesFile(input: EnforceInput): string {
  const configured = input.out ?? (input.target.settings.access_control_file as string | undefined);
  if (!configured) fail('AccessControlFileUnset', { target: input.target.targetName });
  return isAbsolute(configured) ? configured : join(input.projectDir, configured);
}

async function declaredRules(plan: AccessPlan, input: EnforceInput, adapter: Adapter): Promise<TrinoRules> {
  const masked = new Map(plan.roles.flatMap((r) => r.models.filter((m) => m.columns.some((c) => c.masking)).map((m) => [relationKey(m.relation), m.relation] as const)));
  const columnTypes = new Map<string, Map<string, string>>();
  await adapter.withConnection(async (connection) => {
    for (const [key, relation] of masked) {
      const columns = await connection.getColumns(relation);
      columnTypes.set(key, new Map(columns.map((c) => [c.name.toLowerCase(), c.type])));
    }
  });
  return trinoRules({ plan, catalog: input.target.database ?? 'iceberg', dialect: adapter.dialect, columnTypes });
}
