/**
 * Prints a diagnostic for a person: code and title, location, a code frame of the offending
 * line, the message and the hint. Never a stack trace for a user's mistake.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Diagnostic } from '../errors/dpf-error.js';

export function formatLocation(d: Diagnostic): string {
  const loc = d.location;
  if (!loc) return '';
  return [loc.file, loc.line, loc.line !== undefined ? loc.column : undefined].filter((p) => p !== undefined).join(':');
}

export function formatDiagnostic(d: Diagnostic, projectDir: string): string {
  const lines: string[] = [];
  const where = formatLocation(d);
  const label = d.severity === 'warning' ? 'warning' : 'error';
  lines.push(`${label} ${d.code} ${d.title}${where ? ` — ${where}` : ''}`);
  const frame = d.location?.line ? codeFrame(d.location.file, d.location.line, d.location.column, projectDir) : '';
  if (frame) lines.push(frame);
  lines.push(`  ${d.message}`);
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  return lines.join('\n');
}

function codeFrame(file: string, line: number, column: number | undefined, projectDir: string): string {
  const path = isAbsolute(file) ? file : join(projectDir, file);
  if (!existsSync(path)) return '';
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return '';
  }
  const all = text.split('\n');
  const from = Math.max(1, line - 1);
  const to = Math.min(all.length, line + 1);
  const width = String(to).length;
  // A long line (a minified file, a 2,000-level YAML list) is shown as a window around the
  // column, the same window on every line of the frame so that they stay aligned.
  const start = Math.max(0, Math.min((column ?? 1) - 1 - FRAME_WIDTH / 2, (all[line - 1]?.length ?? 0) - FRAME_WIDTH));
  const clip = (s: string) => {
    // A short neighbour of a long line is shown from its start: "…" alone would tell nothing.
    const from = s.length > start ? start : 0;
    return (from > 0 ? '…' : '') + s.slice(from, from + FRAME_WIDTH) + (s.length > from + FRAME_WIDTH ? '…' : '');
  };
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    const marker = n === line ? '>' : ' ';
    out.push(`  ${marker} ${String(n).padStart(width)} | ${clip(all[n - 1] ?? '')}`);
    if (n === line && column) out.push(`    ${' '.repeat(width)} | ${' '.repeat(column - 1 - start + (start > 0 ? 1 : 0))}^`);
  }
  return out.join('\n');
}

/** Characters of each source line a code frame shows. */
const FRAME_WIDTH = 120;
