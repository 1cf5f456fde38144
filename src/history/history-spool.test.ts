import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyRows, type HistoryRows } from './history-rows.js';
import { appendToSpool, claimSpool, readSpool, SPOOL_FILE } from './history-spool.js';
import { HISTORY_VERSION } from './history-tables.js';

const run = (id: string): HistoryRows => ({ ...emptyRows(), runs: [{ run_id: id }] });
const ids = (rows: HistoryRows) => rows.runs.map((r) => r.run_id);

describe('claiming the spool', () => {
  it('takes what was spooled; a run that spools meanwhile starts a new spool, which the claim leaves alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpf-spool-'));
    appendToSpool(dir, run('a'));
    appendToSpool(dir, run('b'));
    const claim = claimSpool(dir);
    expect(ids(claim.rows)).toEqual(['a', 'b']);
    appendToSpool(dir, run('c')); // a ledger run while the claim is being written
    claim.done();
    expect(ids(readSpool(dir))).toEqual(['c']);
    expect(readdirSync(dir).filter((n) => n.includes('claimed'))).toEqual([]);
  });

  it('gives the lines back when the write failed, keeps a newer dpf\'s lines, and takes the claims of a killed run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpf-spool-'));
    appendToSpool(dir, run('a'));
    writeFileSync(join(dir, SPOOL_FILE), `${readFileSync(join(dir, SPOOL_FILE), 'utf8')}${JSON.stringify({ version: HISTORY_VERSION + 1, rows: run('future') })}\n`);
    const failed = claimSpool(dir);
    expect(ids(failed.rows)).toEqual(['a']);
    failed.giveBack();
    expect(ids(readSpool(dir))).toEqual(['a']);
    expect(readFileSync(join(dir, SPOOL_FILE), 'utf8')).toContain('"future"');
    // A run killed after claiming leaves its claim: the next one takes it too.
    writeFileSync(join(dir, 'history_spool.1.x.claimed.jsonl'), `${JSON.stringify({ version: HISTORY_VERSION, rows: run('killed') })}\n`);
    const next = claimSpool(dir);
    expect(ids(next.rows).sort()).toEqual(['a', 'killed']);
    next.done();
    expect(existsSync(join(dir, 'history_spool.1.x.claimed.jsonl'))).toBe(false);
    expect(readFileSync(join(dir, SPOOL_FILE), 'utf8')).toContain('"future"');
  });
});
