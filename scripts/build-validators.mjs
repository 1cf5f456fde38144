#!/usr/bin/env node
/**
 * Precompiles the JSON Schemas in schemas/ into standalone ajv validators in dist/validators/,
 * so that dpf does not compile a schema on every run (~50 ms for dpf_project.yml alone). Each
 * file records the hash of the schema it was made from; dpf falls back to compiling at run
 * time when a schema changed since (src/compiler/schema-validators.ts).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { AJV_OPTIONS } = await import(join(root, 'dist/compiler/schema-validators.js'));
const out = join(root, 'dist/validators');
mkdirSync(out, { recursive: true });
for (const file of readdirSync(join(root, 'schemas')).filter((f) => f.endsWith('.schema.json'))) {
  const text = readFileSync(join(root, 'schemas', file), 'utf8');
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
  const validate = ajv.compile(JSON.parse(text));
  const hash = createHash('sha256').update(text).digest('hex');
  const name = file.replace(/\.schema\.json$/, '');
  writeFileSync(join(out, `${name}.cjs`), `// schema sha256 ${hash}\n${standaloneCode.default(ajv, validate)}\n`);
}
