/** Compiled ajv validators for the JSON Schemas in schemas/, built once per process on demand. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { SCHEMAS_DIR } from './package-paths.js';

export type SchemaName = 'dpf_project' | 'profiles' | 'properties' | 'manifest' | 'run_results' | 'sources';

const cache = new Map<SchemaName, ValidateFunction>();

export function schemaValidator(name: SchemaName): ValidateFunction {
  let validate = cache.get(name);
  if (!validate) {
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, verbose: true });
    const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, `${name}.schema.json`), 'utf8'));
    validate = ajv.compile(schema);
    cache.set(name, validate);
  }
  return validate;
}
