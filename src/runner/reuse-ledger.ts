/**
 * What the last run left in the warehouse, for reuse: the build history (unique id ->
 * stateChecksum, as in dpf_meta.node_builds) and which relations exist, saved in
 * target/reuse_ledger.json together with the adapter's stamp of the warehouse (for a DuckDB
 * file: its size, modification time and inode). When the stamp still matches, nothing has
 * touched the warehouse since, so the ledger says exactly what the warehouse would: a build
 * whose every step is reusable finishes without opening the database at all. Any other change
 * (another process writing the file, a different target) changes the stamp, and dpf reads the
 * warehouse as usual.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutableNode } from '../compiler/manifest.js';
import { relationKey } from './existing-relations.js';
import type { PlanStep } from './plan-run.js';

const FILE = 'reuse_ledger.json';

/** Strategies whose result is fully determined by the stateChecksum (incremental ones are not). */
export const REUSABLE_STRATEGIES: ReadonlySet<string> = new Set(['table', 'view', 'seed']);

export interface ReuseState {
  /** unique id -> stateChecksum of its last successful build in this target. */
  readonly history: ReadonlyMap<string, string>;
  /** relationKey of every relation known to exist. */
  readonly existing: ReadonlySet<string>;
}

export function isReusable(step: PlanStep, node: ExecutableNode | undefined, state: ReuseState): boolean {
  return (
    !!node?.stateChecksum &&
    REUSABLE_STRATEGIES.has(step.strategy) &&
    state.history.get(step.uniqueId) === node.stateChecksum &&
    state.existing.has(relationKey(node.relation))
  );
}

interface LedgerFile {
  readonly stamp: string;
  readonly targetName: string;
  readonly history: Record<string, string>;
  readonly existing: string[];
}

/** The saved state, if it was saved for this target and the warehouse still has the same stamp. */
export function readLedger(targetPath: string, targetName: string, stamp: string): ReuseState | undefined {
  try {
    const ledger = JSON.parse(readFileSync(join(targetPath, FILE), 'utf8')) as LedgerFile;
    if (ledger.stamp !== stamp || ledger.targetName !== targetName) return undefined;
    return { history: new Map(Object.entries(ledger.history)), existing: new Set(ledger.existing) };
  } catch {
    return undefined; // none yet, or unreadable: read the warehouse instead

  }
}

export function writeLedger(targetPath: string, targetName: string, stamp: string, state: ReuseState): void {
  const ledger: LedgerFile = { stamp, targetName, history: Object.fromEntries(state.history), existing: [...state.existing] };
  mkdirSync(targetPath, { recursive: true });
  // A torn write cannot mislead: a ledger that does not parse is ignored.
  writeFileSync(join(targetPath, FILE), JSON.stringify(ledger));
}

export function forgetLedger(targetPath: string): void {
  rmSync(join(targetPath, FILE), { force: true });
}
