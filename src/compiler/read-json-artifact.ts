/**
 * Reads a JSON file dpf wrote under target/ (or another run's target/, for --state). A missing
 * file is undefined; a damaged one — truncated by a disk or a tool outside dpf, or not JSON —
 * is reported to `onDamaged` with a short reason and then also counts as absent, so that
 * every caller decides in one place whether it can go on without the file (a warning) or not
 * (a DpfError naming the file). Never a stack trace for a file dpf wrote itself.
 */
import { readFileSync } from 'node:fs';

/** The JSON parser's reason, cut short: V8 quotes the text it choked on. */
const MAX_DETAIL = 120;

export function readJsonArtifact<T>(file: string, onDamaged: (detail: string) => void): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    onDamaged(shorten((err as Error).message));
    return undefined;
  }
  try {
    const value = JSON.parse(text) as unknown;
    // A file cut to "null" or "3" parses, yet describes nothing.
    if (value === null || typeof value !== 'object') throw new Error(`it holds ${shorten(text.trim()) || 'nothing'}, not an object`);
    return value as T;
  } catch (err) {
    onDamaged(text.trim() === '' ? 'it is empty' : shorten((err as Error).message));
    return undefined;
  }
}

function shorten(text: string): string {
  const line = text.split('\n')[0]!;
  return line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL - 1)}…` : line;
}
