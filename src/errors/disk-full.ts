/**
 * A full disk, however it shows up — Node's ENOSPC (or EDQUOT, a quota), or DuckDB's "Could not
 * write file ...: No space left on device", also quoted inside its "database has been
 * invalidated" errors — is one DpfError (DPF607) naming what could not be written.
 */
import { DpfError, diagnostic } from './dpf-error.js';

const NODE_CODES = new Set(['ENOSPC', 'EDQUOT']);
const ENGINE_MESSAGE = /No space left on device|Disk quota exceeded/i;

/** The DPF607 error for err when it is a full disk, else undefined. `what` names what was written. */
export function diskFullError(err: unknown, what?: string): DpfError | undefined {
  if (err instanceof DpfError) return err.first.name === 'DiskFull' ? err : undefined;
  if (!(err instanceof Error)) return undefined;
  const code = (err as NodeJS.ErrnoException).code;
  if (!(code && NODE_CODES.has(code)) && !ENGINE_MESSAGE.test(err.message)) return undefined;
  const file = what ?? (err as NodeJS.ErrnoException).path ?? /Could not write file "([^"]+)"/.exec(err.message)?.[1];
  return new DpfError([diagnostic('DiskFull', { what: file ?? 'A file', detail: err.message.split('\n')[0]!.slice(0, 200) })]);
}
