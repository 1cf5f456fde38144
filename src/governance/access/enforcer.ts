/** What each engine's enforcement of an access plan does: apply it, or compare it with what the engine holds. */
import type { Adapter, TargetConfig } from '../../adapters/adapter.js';
import type { RuleDrift } from './compare-rules.js';
import type { AccessPlan } from './plan-access.js';

export interface EnforceInput {
  readonly projectDir: string;
  readonly target: TargetConfig;
  /** Trino: write (or compare) this rules file instead of the target's access_control_file. */
  readonly out?: string;
}

export interface Enforcer {
  /** Mistakes to report before connecting to the engine. */
  checkPlan?(plan: AccessPlan, input: EnforceInput): void;
  /** Returns what it wrote (files, schemas). */
  apply(plan: AccessPlan, input: EnforceInput, adapter: Adapter): Promise<readonly string[]>;
  check(plan: AccessPlan, input: EnforceInput, adapter: Adapter): Promise<{ enforced: string; drift: RuleDrift[] }>;
}
