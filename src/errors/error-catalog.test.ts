import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS } from './error-catalog.js';

describe('the error catalog', () => {
  it('has unique, permanent-looking codes', () => {
    const codes = Object.values(ERRORS).map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^DPF\d{3}$/);
  });

  it('is documented: every code appears in docs/errors.md', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    for (const e of Object.values(ERRORS)) expect(doc, e.code).toContain(`| ${e.code} | ${e.title} |`);
  });
});
