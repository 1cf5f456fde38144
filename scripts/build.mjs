#!/usr/bin/env node
/**
 * Builds dist/: the TypeScript compile, then the precompiled JSON Schema validators. It says so
 * before it starts because `npm install` runs it (prepare), and the compile is 20-30 s of
 * silence otherwise; `npm test`, `npm run bench` and `npm run test:trino` run it first too.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();
process.stderr.write('dpf: compiling TypeScript into dist/ (20-30 s)...\n');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) {
  process.stderr.write('dpf: the TypeScript compile failed (errors above).\n');
  process.exit(compiled.status ?? 1);
}
await import('./build-validators.mjs');
process.stderr.write(`dpf: built dist/ in ${Math.round((Date.now() - started) / 1000)} s.\n`);
