/**
 * ajv validators for the JSON Schemas in schemas/: precompiled at build time into
 * dist/validators/ (scripts/build-validators.mjs), else compiled once per process on demand.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { PACKAGE_ROOT, SCHEMAS_DIR } from './package-paths.js';

export type SchemaName = 'analysis' | 'dpf_project' | 'profiles' | 'properties' | 'manifest' | 'run_results' | 'sources' | 'history' | 'pipeline' | 'classifications' | 'roles';

const cache = new Map<SchemaName, ValidateFunction>();

/**
 * Options for every validator dpf compiles. validateSchema is off: checking our own schemas
 * against the draft-07 meta-schema cost ~50 ms on every run, and a test (schemas.test.ts)
 * checks them once instead.
 */
export const AJV_OPTIONS = { allErrors: true, strict: false, validateFormats: false, verbose: true, validateSchema: false } as const;

const require = createRequire(import.meta.url);

export function schemaValidator(name: SchemaName): ValidateFunction {
  let validate = cache.get(name);
  if (!validate) {
    const text = readFileSync(join(SCHEMAS_DIR, `${name}.schema.json`), 'utf8');
    validate = precompiled(name, text) ?? compile(text);
    cache.set(name, validate);
  }
  return validate;
}

/** The build's validator, if it was made from this very schema text. */
function precompiled(name: SchemaName, schemaText: string): ValidateFunction | undefined {
  const file = join(PACKAGE_ROOT, 'dist', 'validators', `${name}.cjs`);
  let header: string;
  try {
    header = readFileSync(file, 'utf8').slice(0, 90);
  } catch {
    return undefined;
  }
  const hash = createHash('sha256').update(schemaText).digest('hex');
  if (!header.startsWith(`// schema sha256 ${hash}\n`)) return undefined;
  const loaded = require(file) as ValidateFunction | { default: ValidateFunction };
  return typeof loaded === 'function' ? loaded : loaded.default;
}

function compile(schemaText: string): ValidateFunction {
  return compileSchema(JSON.parse(schemaText) as object);
}

let ajv: import('ajv').Ajv | undefined;

/** Compiles a schema at run time (generic tests' argument schemas, schemas changed since the build). */
export function compileSchema(schema: object): ValidateFunction {
  // Loaded only here: with precompiled validators, a run that parses nothing never needs ajv.
  if (!ajv) {
    const { Ajv } = require('ajv') as typeof import('ajv');
    ajv = new Ajv(AJV_OPTIONS);
  }
  return ajv.compile(schema);
}
