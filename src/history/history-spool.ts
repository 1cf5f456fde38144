/**
 * The history of runs answered from the reuse ledger, which never open the warehouse (opening
 * it would cost the no-op its speed, and writing to it would make the ledger's stamp stale):
 * each such run appends one JSON line of rows to target/history_spool.jsonl, and the next run
 * that opens the warehouse writes them there and deletes the file. `dpf history` reads the
 * warehouse and the spool. One line is one write(2) in append mode, so a run killed while
 * writing leaves at most a broken last line, which readers skip.
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
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
  const merged = emptyRows();
  let text: string;
  try {
    text = readFileSync(join(targetPath, SPOOL_FILE), 'utf8');
  } catch {
    return merged;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const parsed = JSON.parse(line) as SpoolLine;
      // Written by a newer dpf: its columns may differ. An older line lacks only what later versions added.
      if (parsed.version > HISTORY_VERSION) continue;
      for (const table of Object.keys(merged) as (keyof HistoryRows)[]) merged[table].push(...(parsed.rows[table] ?? []));
    } catch {
      // a line cut short by a kill: that run's rows are lost, the others are kept
    }
  }
  return merged;
}

export function clearSpool(targetPath: string): void {
  rmSync(join(targetPath, SPOOL_FILE), { force: true });
}
