/**
 * The history of runs answered from the reuse ledger, which never open the warehouse (opening
 * it would cost the no-op its speed, and writing to it would make the ledger's stamp stale):
 * each such run appends one JSON line of rows to target/history_spool.jsonl, and the next run
 * that opens the warehouse writes them there and deletes the file. `dpf history` reads the
 * warehouse and the spool. One line is one write(2) in append mode, so a run killed while
 * writing leaves at most a broken last line, which readers skip.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HISTORY_VERSION } from './history-tables.js';
import { emptyRows, type HistoryRows } from './history-rows.js';

export const SPOOL_FILE = 'history_spool.jsonl';

interface SpoolLine {
  readonly version: number;
  readonly rows: HistoryRows;
}

export function appendToSpool(targetPath: string, rows: HistoryRows): void {
  mkdirSync(targetPath, { recursive: true });
  const line: SpoolLine = { version: HISTORY_VERSION, rows };
  appendFileSync(join(targetPath, SPOOL_FILE), `${JSON.stringify(line)}\n`);
}

/** Every complete line of the spool, merged; empty when there is none. */
export function readSpool(targetPath: string): HistoryRows {
  let text: string;
  try {
    text = readFileSync(join(targetPath, SPOOL_FILE), 'utf8');
  } catch {
    return emptyRows();
  }
  return parseSpool(text).rows;
}

/** The rows of the lines this dpf can read, and the lines a newer dpf wrote (kept as they are). */
function parseSpool(text: string): { rows: HistoryRows; newer: string[] } {
  const merged = emptyRows();
  const newer: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const parsed = JSON.parse(line) as SpoolLine;
      // Written by a newer dpf: its columns may differ. An older line lacks only what later versions added.
      if (parsed.version > HISTORY_VERSION) {
        newer.push(line);
        continue;
      }
      for (const table of Object.keys(merged) as (keyof HistoryRows)[]) merged[table].push(...(parsed.rows[table] ?? []));
    } catch {
      // a line cut short by a kill: that run's rows are lost, the others are kept
    }
  }
  return { rows: merged, newer };
}

export interface ClaimedSpool {
  readonly rows: HistoryRows;
  /** Written to the warehouse: the claimed lines are deleted. */
  done(): void;
  /** Not written: the claimed lines go back to the spool for the next run. */
  giveBack(): void;
}

const CLAIMED = /^history_spool\..+\.claimed\.jsonl$/;

/**
 * Takes the spool for writing to the warehouse: renamed first, so that a run answered from the
 * ledger meanwhile appends to a new spool instead of to lines about to be deleted. Claims a
 * killed run left behind are taken too (the warehouse write replaces rows of the same runs).
 * Lines of a newer dpf go back to the spool at once.
 */
export function claimSpool(targetPath: string): ClaimedSpool {
  const mine = join(targetPath, `history_spool.${process.pid}.${randomUUID()}.claimed.jsonl`);
  try {
    renameSync(join(targetPath, SPOOL_FILE), mine);
  } catch {
    // no spool: only earlier claims, if any
  }
  let names: string[] = [];
  try {
    names = readdirSync(targetPath).filter((n) => CLAIMED.test(n));
  } catch {
    names = [];
  }
  const files = names.map((n) => join(targetPath, n));
  const text = files.map((f) => { try { return readFileSync(f, 'utf8'); } catch { return ''; } }).join('\n');
  const { rows, newer } = parseSpool(text);
  if (newer.length > 0) appendFileSync(join(targetPath, SPOOL_FILE), `${newer.join('\n')}\n`);
  const remove = () => files.forEach((f) => rmSync(f, { force: true }));
  return {
    rows,
    done: remove,
    giveBack() {
      const lines = text.split('\n').filter((l) => l.trim() && !newer.includes(l));
      if (lines.length > 0) appendFileSync(join(targetPath, SPOOL_FILE), `${lines.join('\n')}\n`);
      remove();
    },
  };
}
