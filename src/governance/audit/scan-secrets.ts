/**
 * Secrets in files: each line of each text file against SECRET_RULES. A finding holds where
 * (file:line:column), the rule, and the secret masked; the secret itself never leaves this
 * function. Binary files (a NUL byte in the first 8 kB: the DuckDB file) and files over 64 MB
 * are skipped. A line holding `dpf-audit: ignore` is skipped, for a test fixture or a
 * documented fake key.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { AuditFinding } from './audit-findings.js';
import { isPlaceholder, maskSecret, SECRET_RULES, type SecretRule } from './secret-rules.js';

const MAX_BYTES = 64 * 1024 * 1024;
const IGNORE_MARK = 'dpf-audit: ignore';

export function scanSecrets(file: string, shown: string, artifact: boolean): AuditFinding[] {
  const text = readText(file);
  if (text === undefined) return [];
  const name = basename(file).toLowerCase();
  const rules = SECRET_RULES.filter((r) => !r.files || r.files.includes(name));
  const findings: AuditFinding[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lower = line.toLowerCase();
    if (lower.includes(IGNORE_MARK)) continue;
    for (const rule of rules) {
      if (!rule.keywords.some((k) => lower.includes(k))) continue;
      for (const match of line.matchAll(rule.pattern)) {
        const secret = secretOf(rule, match);
        if (secret === undefined || isPlaceholder(secret)) continue;
        const column = (match.index ?? 0) + Math.max(0, match[0].indexOf(secret)) + 1;
        findings.push({
          kind: 'secret',
          rule: rule.id,
          severity: rule.severity,
          file: shown,
          line: i + 1,
          column,
          message: messageOf(rule, artifact),
          masked: maskSecret(secret),
          ...(artifact ? { artifact: true } : {}),
        });
      }
    }
  }
  return findings;
}

function secretOf(rule: SecretRule, match: RegExpMatchArray): string | undefined {
  if (rule.secret === 'first') return match.slice(1).find((g) => g !== undefined)?.trim();
  return match[rule.secret];
}

function messageOf(rule: SecretRule, artifact: boolean): string {
  const what = rule.description[0]!.toUpperCase() + rule.description.slice(1);
  if (artifact) return `${what} in an artifact under the target folder: it came from a project file or a value rendered into it. Remove it at its source, rotate it, and delete this file.`;
  if (rule.id === 'literal-secret-in-config') return `${what} written in the file: write {{env 'NAME'}} and set NAME in the environment, then rotate the value that was written here.`;
  return `${what} in a project file: move it to an environment variable or a secret store and read it with {{env 'NAME'}}, then rotate it (the old value stays in git history).`;
}

function readText(file: string): string | undefined {
  try {
    const size = statSync(file).size;
    if (size > MAX_BYTES || size === 0) return undefined;
    const head = Buffer.alloc(Math.min(8192, size));
    const fd = openSync(file, 'r');
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    if (head.includes(0)) return undefined;
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // gone meanwhile, or unreadable: nothing to report about it
  }
}
