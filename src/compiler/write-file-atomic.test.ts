import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaceFolder, writeFileAtomic } from './write-file-atomic.js';

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temporary file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpf-atomic-'));
    const file = join(dir, 'run_results.json');
    writeFileSync(file, 'old');
    writeFileAtomic(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['run_results.json']);
  });

  it('removes its temporary file when the rename fails, and throws', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpf-atomic-'));
    // A non-empty folder where the file should go: the rename is refused.
    mkdirSync(join(dir, 'manifest.json'));
    writeFileSync(join(dir, 'manifest.json', 'x'), 'x');
    expect(() => writeFileAtomic(join(dir, 'manifest.json'), '{}')).toThrow();
    expect(readdirSync(dir)).toEqual(['manifest.json']);
  });
});

describe('replaceFolder', () => {
  it('swaps a staged folder in, with nothing of the old one left', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpf-atomic-'));
    writeFiles(join(dir, 'site'), { 'old.js': 'old' });
    writeFiles(join(dir, 'site.tmp'), { 'new.js': 'new' });
    replaceFolder(join(dir, 'site.tmp'), join(dir, 'site'));
    expect(readdirSync(join(dir, 'site'))).toEqual(['new.js']);
    expect(readdirSync(dir)).toEqual(['site']);
  });
});

function writeFiles(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}
