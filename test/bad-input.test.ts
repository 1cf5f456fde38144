/**
 * Input crafted to break a parser — a YAML alias bomb, thousands of nesting levels, the same in
 * --vars — ends as a DpfError with file:line and a short excerpt, never a stack trace or a
 * 7 KB line of brackets.
 */
import { describe, expect, it } from 'vitest';
import { dpf, makeProject } from './helpers/run-dpf.js';

const model = { 'models/a.sql': 'select 1 as id\n' };

/** Ten anchors, each a list of nine aliases of the one before: 9^10 copies when expanded. */
function aliasBomb(indent: string): string {
  const lines = [`${indent}l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]`];
  for (let i = 1; i <= 10; i++) lines.push(`${indent}l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
  return lines.join('\n') + '\n';
}

function expectShortError(run: { code: number; output: string; stderr: string }, code: string) {
  expect(run.code, run.output).toBe(2);
  expect(run.output).not.toContain('internal error');
  expect(run.output).not.toMatch(/^ {4}at /m);
  expect(run.stderr).toContain(`error ${code}`);
  // The code frame shows a window of a long line, not the line.
  for (const line of run.stderr.split('\n')) expect(line.length, line.slice(0, 80)).toBeLessThan(200);
  expect(run.stderr.length).toBeLessThan(2000);
}

describe('YAML that would exhaust dpf', () => {
  it('an alias bomb in models/*.yml is DPF110 at its file and line', async () => {
    const dir = makeProject({ ...model, 'models/a.yml': `models:\n  - name: a\n    meta:\n${aliasBomb('      ')}` });
    const run = await dpf(['compile', '--project-dir', dir], { cwd: dir });
    expectShortError(run, 'DPF110');
    expect(run.stderr).toMatch(/YAML too complex — models\/a\.yml:\d+:\d+/);
    expect(run.stderr).toContain('alias bomb');
  });

  for (const [shape, text] of [
    ['a flow list', `models:\n  - name: a\n    meta: {x: ${'['.repeat(2000)}${']'.repeat(2000)}}\n`],
    ['flow mappings', `models:\n  - name: a\n    meta: ${'{k: '.repeat(2000)}1${'}'.repeat(2000)}\n`],
    ['block mappings', `models:\n  - name: a\n    meta:\n${Array.from({ length: 2000 }, (_, i) => `${' '.repeat(6 + i)}k:\n`).join('')}${' '.repeat(2006)}v: 1\n`],
    ['a list 150 deep (parsed, then refused)', `models:\n  - name: a\n    meta: {x: ${'['.repeat(150)}${']'.repeat(150)}}\n`],
  ] as const) {
    it(`${shape} nested 2,000 levels deep in models/*.yml is DPF110 with a short excerpt`, async () => {
      const dir = makeProject({ ...model, 'models/a.yml': text });
      const run = await dpf(['build', '--project-dir', dir], { cwd: dir });
      expectShortError(run, 'DPF110');
      expect(run.stderr).toMatch(/YAML too complex — models\/a\.yml:\d+:\d+/);
      expect(run.stderr).toContain('nested more than 100 levels deep');
      expect(run.stderr).toMatch(/…/);
    });
  }

  it('a deeply nested or alias-bombed --vars value is DPF108', async () => {
    const dir = makeProject(model);
    for (const [vars, says] of [
      [`{a: ${'['.repeat(2000)}${']'.repeat(2000)}}`, 'nested more than 100 levels deep'],
      [`{a: ${'{k: '.repeat(150)}1${'}'.repeat(150)}}`, 'nested more than 100 levels deep'],
      [`{${aliasBomb('').trim().split('\n').join(', ')}}`, 'alias bomb'],
    ]) {
      const run = await dpf(['build', '--project-dir', dir, '--vars', vars], { cwd: dir });
      expectShortError(run, 'DPF108');
      expect(run.stderr).toContain(says);
    }
  });

  it('YAML nested 100 levels deep still reads', async () => {
    const dir = makeProject({ ...model, 'models/a.yml': `models:\n  - name: a\n    meta: {x: ${'['.repeat(96)}1${']'.repeat(96)}}\n` });
    const run = await dpf(['compile', '--project-dir', dir, '--vars', `{v: ${'['.repeat(99)}1${']'.repeat(99)}}`], { cwd: dir });
    expect(run.code, run.output).toBe(0);
  });
});
