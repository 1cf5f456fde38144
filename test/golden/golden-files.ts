/**
 * Compares a compiled project's target/manifest.json and target/compiled/ with the expected
 * files in test/golden/expected/<name>/, or rewrites those files when GOLDEN_UPDATE=1
 * (`npm run golden:update`). Both sides go through normalize-manifest first.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { normalizeManifest, normalizeText } from './normalize-manifest.js';

const EXPECTED = join(dirname(fileURLToPath(import.meta.url)), 'expected');
const HOW_TO_UPDATE = 'If the change is intended, run `npm run golden:update` and review `git diff test/golden/expected`.';

export function expectMatchesGolden(name: string, projectDir: string): void {
  const target = join(projectDir, 'target');
  const manifest = normalizeManifest(JSON.parse(readFileSync(join(target, 'manifest.json'), 'utf8')), projectDir);
  const compiledDir = join(target, 'compiled');
  const compiled = new Map(listFiles(compiledDir).map((f) => [f, normalizeText(readFileSync(join(compiledDir, f), 'utf8'), projectDir)]));
  const expectedDir = join(EXPECTED, name);
  if (process.env.GOLDEN_UPDATE === '1') writeGolden(expectedDir, manifest, compiled);

  const manifestFile = join(expectedDir, 'manifest.json');
  expect(existsSync(manifestFile), `no expected files in test/golden/expected/${name}. ${HOW_TO_UPDATE}`).toBe(true);
  // One comparison per node (and per map entry), so a failure names what changed.
  const actual = entriesOf(manifest);
  const expected = entriesOf(JSON.parse(readFileSync(manifestFile, 'utf8')));
  expect([...actual.keys()].sort(), `the manifest's entries changed. ${HOW_TO_UPDATE}`).toEqual([...expected.keys()].sort());
  for (const [key, value] of actual) {
    if (expected.has(key)) expect.soft(value, `manifest ${key} differs from test/golden/expected/${name}. ${HOW_TO_UPDATE}`).toEqual(expected.get(key));
  }

  const expectedCompiled = join(expectedDir, 'compiled');
  expect([...compiled.keys()], `the files under target/compiled/ changed. ${HOW_TO_UPDATE}`).toEqual(listFiles(expectedCompiled));
  for (const [file, text] of compiled) {
    const golden = join(expectedCompiled, file);
    if (existsSync(golden)) expect.soft(text, `compiled/${file} differs from test/golden/expected/${name}. ${HOW_TO_UPDATE}`).toBe(readFileSync(golden, 'utf8'));
  }
}

function writeGolden(dir: string, manifest: object, compiled: Map<string, string>): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Pretty-printed, so that `git diff` of an update is readable.
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  for (const [file, text] of compiled) {
    const path = join(dir, 'compiled', file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

/** metadata and empty maps as they are; nodes, sources, tests and the other maps one entry per id. */
function entriesOf(manifest: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [section, value] of Object.entries(manifest)) {
    const map = section !== 'metadata' && !!value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0;
    if (!map) out.set(section, value);
    else for (const [id, entry] of Object.entries(value)) out.set(`${section}/${id}`, entry);
  }
  return out;
}

/** Files under dir, as sorted paths with forward slashes (the same on every OS). */
function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => relative(dir, join(dir, f)).split(sep).join('/'))
    .sort();
}
