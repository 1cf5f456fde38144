// Each secret rule on a made-up sample (put together at run time, so that no scanner flags
// this file), the placeholders that are not findings, and the mask.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanSecrets } from './scan-secrets.js';
import { maskSecret } from './secret-rules.js';

const dir = mkdtempSync(join(tmpdir(), 'dpf-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const j = (...parts: string[]) => parts.join('');

function scan(text: string, name = 'notes.txt') {
  const file = join(dir, name);
  writeFileSync(file, text);
  return scanSecrets(file, name, false);
}

const SAMPLES: [rule: string, line: string, secret: string][] = [
  ['aws-access-key-id', `key = ${j('ASIA', 'Y2K7QW3ERT6UIOPL')}`, j('ASIA', 'Y2K7QW3ERT6UIOPL')],
  ['aws-secret-access-key', `aws_secret_access_key = ${j('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYzz1xKk9QmQ')}`, j('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYzz1xKk9QmQ')],
  ['github-token', `token ${j('gho', '_', 'a'.repeat(10), 'B7c9D2e4F6g8H1j3K5m7N9p2Q4')}`, j('gho', '_', 'a'.repeat(10), 'B7c9D2e4F6g8H1j3K5m7N9p2Q4')],
  ['github-fine-grained-token', j('github', '_pat_', '11ABCDEFG0', 'x'.repeat(72)), j('github', '_pat_', '11ABCDEFG0', 'x'.repeat(72))],
  ['gitlab-token', `CI_TOKEN=${j('glpat', '-', 'Zx8Yw7Vu6Ts5Rq4Po3Nm')}`, j('glpat', '-', 'Zx8Yw7Vu6Ts5Rq4Po3Nm')],
  ['slack-token', `bot: ${j('xoxb', '-', '1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx')}`, j('xoxb', '-', '1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx')],
  ['slack-webhook', `url: https://${j('hooks.slack', '.com/services/')}T11AA22BB/B33CC44DD55/Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2`, 'T11AA22BB/B33CC44DD55/Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2'],
  ['private-key', j('-----BEGIN RSA ', 'PRIVATE KEY-----'), j('-----BEGIN RSA ', 'PRIVATE KEY-----')],
  ['jwt', `Authorization: Bearer ${j('eyJhbGciOiJIUzI1NiJ9', '.', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', '.', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U')}`, j('eyJhbGciOiJIUzI1NiJ9', '.', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', '.', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U')],
  ['url-password', `dsn: postgres://loader:${j('Tr0ub4dor', '-and-3')}@db.internal:5432/shop`, j('Tr0ub4dor', '-and-3')],
];

describe('secret rules', () => {
  it.each(SAMPLES)('%s finds its sample at its line and column, masked', (rule, line, secret) => {
    const findings = scan(`first line\n  ${line}\n`);
    const mine = findings.filter((f) => f.rule === rule);
    expect(mine, JSON.stringify(findings)).toHaveLength(1);
    expect(mine[0]).toMatchObject({ line: 2, column: 3 + line.indexOf(secret), masked: maskSecret(secret) });
    expect(JSON.stringify(findings)).not.toContain(secret);
  });

  it('finds literal passwords and tokens only in profiles.yml and dpf_project.yml, in block and flow style', () => {
    const yaml = 'dev:\n  password: s3cr3t-Value\n  prod: { user: etl, token: "tok-123456789" }\n  api_key: "{{env \'API_KEY\'}}"\n  secret: \'\'\n';
    expect(scan(yaml, 'profiles.yml').map((f) => [f.rule, f.line, f.masked])).toEqual([
      ['literal-secret-in-config', 2, maskSecret('s3cr3t-Value')],
      ['literal-secret-in-config', 3, maskSecret('tok-123456789')],
    ]);
    expect(scan(yaml, 'schema.yml')).toEqual([]);
  });

  it('passes placeholders, vendor examples, env references and lines marked dpf-audit: ignore', () => {
    const text = [
      j('AKIA', 'IOSFODNN7EXAMPLE'),
      'postgres://user:${PG_PASSWORD}@host/db',
      'https://user:****@host/x',
      `${j('AKIA', 'Q3EGRKJ7ZLXW5M4P')} -- a documented fake, dpf-audit: ignore`,
    ].join('\n');
    expect(scan(text)).toEqual([]);
  });

  it('masks with at most 4 characters and never more than a third', () => {
    expect(maskSecret(j('AKIA', 'Q3EGRKJ7ZLXW5M4P'))).toBe('AKIA…(20 chars)');
    expect(maskSecret('abcdefg')).toBe('ab…(7 chars)');
  });
});
