/** Compiled ajv validators for the JSON Schemas in schemas/, built once per process on demand. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { SCHEMAS_DIR } from './package-paths.js';

export type SchemaName = 'dpf_project' | 'profiles' | 'properties' | 'manifest' | 'run_results' | 'sources';

const cache = new Map<SchemaName, ValidateFunction>();

/**
 * Options for every validator dpf compiles. validateSchema is off: checking our own schemas
 * against the draft-07 meta-schema cost ~50 ms on every run, and a test (schemas.test.ts)
 * checks them once instead.
 */
export const AJV_OPTIONS = { allErrors: true, strict: false, validateFormats: false, verbose: true, validateSchema: false } as const;

export function schemaValidator(name: SchemaName): ValidateFunction {
  let validate = cache.get(name);
  if (!validate) {
    const ajv = new Ajv(AJV_OPTIONS);
    const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, `${name}.schema.json`), 'utf8'));
    validate = ajv.compile(schema);
    cache.set(name, validate);
  }
  return validate;
}
