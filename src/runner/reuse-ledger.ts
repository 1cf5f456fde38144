/**
 * What the last run left in the warehouse, for reuse without opening it: the relation records
 * (as in dpf_meta.relation_builds), which relations exist, and the data versions of the tables
 * it read as sources, saved in target/reuse_ledger.json with the adapter's stamp of the
 * warehouse (for a DuckDB file: its size, modification time and inode). While the stamp still
 * matches, nothing has written to the warehouse since, so the ledger says exactly what the
 * warehouse would (files read in place are looked at again). Any write to the file, by
 * anyone, changes the stamp, and dpf reads the warehouse and fingerprints the sources as usual.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RelationRecord } from './relation-records.js';
import { writeFileAtomic } from '../compiler/write-file-atomic.js';

const FILE = 'reuse_ledger.json';
const VERSION = 2;

export interface ReuseState {
  /** By relation name. */
  readonly records: ReadonlyMap<string, RelationRecord>;
  /** relationKey of every relation known to exist. */
  readonly existing: ReadonlySet<string>;
  /** Source relation name -> data version (undefined: could not be told). */
  readonly sourceVersions: ReadonlyMap<string, string | undefined>;
}

interface LedgerFile {
  readonly version: number;
  readonly stamp: string;
  readonly targetName: string;
  readonly records: RelationRecord[];
  readonly existing: string[];
  readonly sourceVersions: [string, string | null][];
}

/** The saved state, if it was saved for this target and the warehouse still has the same stamp. */
export function readLedger(targetPath: string, targetName: string, stamp: string): ReuseState | undefined {
  try {
    const ledger = JSON.parse(readFileSync(join(targetPath, FILE), 'utf8')) as LedgerFile;
    if (ledger.version !== VERSION || ledger.stamp !== stamp || ledger.targetName !== targetName) return undefined;
    return {
      records: new Map(ledger.records.map((r) => [r.relationName, r])),
      existing: new Set(ledger.existing),
      sourceVersions: new Map(ledger.sourceVersions.map(([k, v]) => [k, v ?? undefined])),
    };
  } catch {
    return undefined; // none yet, or unreadable: read the warehouse instead
  }
}

export function writeLedger(targetPath: string, targetName: string, stamp: string, state: ReuseState): void {
  const ledger: LedgerFile = {
    version: VERSION,
    stamp,
    targetName,
    records: [...state.records.values()],
    existing: [...state.existing],
    sourceVersions: [...state.sourceVersions].map(([k, v]) => [k, v ?? null]),
  };
  mkdirSync(targetPath, { recursive: true });
  writeFileAtomic(join(targetPath, FILE), JSON.stringify(ledger));
}

export function forgetLedger(targetPath: string): void {
  rmSync(join(targetPath, FILE), { force: true });
}
