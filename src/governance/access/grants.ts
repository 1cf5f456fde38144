/**
 * `dpf grants apply|check` (docs/governance.md#access-by-role): roles.yml and the manifest's
 * classifications made into what the target's engine enforces, or compared with it. One
 * enforcer per engine (a Record, so the rest stays engine-blind): Trino gets the rules file of
 * its file-based access control; DuckDB, which has no users, a schema of masked views per role.
 * Takes a compiled project (with governance); compiling is the public API's part.
 */
import type { Adapter } from '../../adapters/adapter.js';
import { adapterFactory } from '../../adapters/index.js';
import type { ProjectGraph } from '../../compiler/build-graph.js';
import type { Manifest } from '../../compiler/manifest.js';
import { fail } from '../../errors/dpf-error.js';
import { loadClassifications } from '../classification/load-classifications.js';
import type { RuleDrift } from './compare-rules.js';
import { duckdbViews } from './duckdb-views.js';
import { trinoRulesFile } from './trino-rules-file.js';
import type { EnforceInput, Enforcer } from './enforcer.js';
import { loadRoles } from './load-roles.js';
import { planAccess, type AccessPlan } from './plan-access.js';

export interface GrantsInput extends EnforceInput {
  readonly manifest: Manifest;
  readonly graph: ProjectGraph;
}

/** What a role was given, for the report. */
export interface RoleGrantSummary {
  readonly role: string;
  readonly manages: boolean;
  readonly models: number;
  readonly maskedColumns: number;
  readonly hiddenColumns: number;
  readonly filteredModels: number;
  /** Models it selects but may not read (above its up_to). */
  readonly refused: readonly string[];
}

export interface GrantsApplied {
  readonly engine: string;
  /** Trino: the rules file written; DuckDB: the schemas of views made. */
  readonly wrote: readonly string[];
  readonly roles: readonly RoleGrantSummary[];
}

export interface GrantsChecked {
  readonly engine: string;
  /** What was compared with the YAML (the rules file, or the role schemas). */
  readonly enforced: string;
  readonly drift: readonly RuleDrift[];
}

const ENFORCERS: Readonly<Record<string, Enforcer>> = {
  trino: trinoRulesFile,
  duckdb: duckdbViews,
};

export async function applyGrants(input: GrantsInput): Promise<GrantsApplied> {
  const { plan, enforcer } = prepare(input);
  const wrote = await withAdapter(input, (adapter) => enforcer.apply(plan, input, adapter));
  return { engine: input.target.type, wrote, roles: plan.roles.map(summaryOf) };
}

export async function checkGrants(input: GrantsInput): Promise<GrantsChecked> {
  const { plan, enforcer } = prepare(input);
  const { enforced, drift } = await withAdapter(input, (adapter) => enforcer.check(plan, input, adapter));
  return { engine: input.target.type, enforced, drift };
}

function prepare(input: GrantsInput): { plan: AccessPlan; enforcer: Enforcer } {
  const enforcer = ENFORCERS[input.target.type];
  if (!enforcer) fail('GrantsUnsupportedEngine', { engine: input.target.type });
  const classifications = loadClassifications(input.projectDir);
  const roles = loadRoles(input.projectDir, classifications);
  if (!roles) fail('RolesFileMissing', { dir: input.projectDir });
  const plan = planAccess(input.manifest, input.graph, roles, classifications);
  enforcer.checkPlan?.(plan, input);
  return { plan, enforcer };
}

async function withAdapter<T>(input: EnforceInput, fn: (adapter: Adapter) => Promise<T>): Promise<T> {
  const adapter = adapterFactory(input.target.type).create(input.target, input.projectDir);
  await adapter.open();
  try {
    return await fn(adapter);
  } finally {
    await adapter.close();
  }
}

function summaryOf(access: AccessPlan['roles'][number]): RoleGrantSummary {
  const columns = access.models.flatMap((m) => m.columns);
  return {
    role: access.role.name,
    manages: access.role.manage,
    models: access.models.length,
    maskedColumns: columns.filter((c) => c.masking).length,
    hiddenColumns: columns.filter((c) => !c.masking).length,
    filteredModels: access.models.filter((m) => m.filter).length,
    refused: access.refused.map((r) => r.nodeId.split('.').slice(2).join('.')),
  };
}
