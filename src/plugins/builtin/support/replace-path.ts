/**
 * Replacing a file or a folder so that a reader, a failure or a kill never finds half a
 * delivery: the files sink writes the new delivery beside the target (`nextPath`), then swaps it
 * in with `replacePath`; `recoverPath`, called before every delivery, puts back what a killed
 * one left half-way.
 *
 * A file replaces a file with one rename (atomic on POSIX). A folder (hive partitions) cannot be
 * swapped in one step on POSIX without Linux's renameat2, so it takes three: the old folder is
 * renamed aside (`oldPath`), the new one renamed in, the old one deleted. A kill between the
 * first two renames leaves no target and the old folder aside: recoverPath renames it back, so
 * the last complete delivery is what the next reader finds. A kill after the second leaves both:
 * the new one is complete, and the old one is deleted.
 *
 * The side paths are hidden names in the target's own folder (`.orders.parquet.dpf_next`), on the
 * same file system (a rename cannot cross one) and outside globs such as `out/*.parquet`.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Where the next delivery is written before it is swapped in. */
export const nextPath = (target: string): string => join(dirname(target), `.${basename(target)}.dpf_next`);
/** Where the last delivery waits while a folder is swapped. */
export const oldPath = (target: string): string => join(dirname(target), `.${basename(target)}.dpf_old`);

/** Puts back what a killed delivery left: the last delivery restored if it was set aside, leftovers deleted. */
export function recoverPath(target: string): void {
  const old = oldPath(target);
  if (existsSync(old)) {
    if (existsSync(target)) rmSync(old, { recursive: true, force: true });
    else renameSync(old, target);
  }
  rmSync(nextPath(target), { recursive: true, force: true });
}

/** Swaps `next` in at `target` (a file over a file in one rename; otherwise aside, in, delete). */
export function replacePath(target: string, next: string): void {
  if (!existsSync(target) || (!statSync(target).isDirectory() && !statSync(next).isDirectory())) {
    renameSync(next, target);
    return;
  }
  const old = oldPath(target);
  renameSync(target, old);
  renameSync(next, target);
  rmSync(old, { recursive: true, force: true });
}
