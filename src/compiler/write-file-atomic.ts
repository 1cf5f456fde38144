/**
 * Every file dpf writes under target/ goes through here, so that a reader — another command,
 * the next run after a kill, or a run after the disk filled up — finds either the previous
 * file or the new one, never half of one. It must not be used for files a user edits.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { diskFullError } from '../errors/disk-full.js';

let sequence = 0;

/**
 * Writes to a temporary name in the same folder (so the rename stays on one file system, where
 * POSIX makes it atomic) and renames it into place. No fsync: the failures this guards against
 * are a killed process and a full disk, and an fsync per compiled file would cost a compile of
 * thousands of models seconds; after a power cut the journal of the file system decides.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${sequence++}.tmp`);
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, file);
  } catch (err) {
    rmSync(temporary, { force: true });
    // Node's ENOSPC names no file (it fails in write(2) on a descriptor): name it here.
    throw diskFullError(err, file) ?? err;
  }
}

/**
 * Replaces the folder `dir` by the folder `staged` (written completely beforehand, next to it):
 * the old folder stays whole until the new one is. Between the two renames the folder is briefly
 * absent, never mixed.
 */
export function replaceFolder(staged: string, dir: string): void {
  const old = `${dir}.${process.pid}.old`;
  rmSync(old, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  let moved = false;
  try {
    renameSync(dir, old);
    moved = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  renameSync(staged, dir);
  if (moved) rmSync(old, { recursive: true, force: true });
}
