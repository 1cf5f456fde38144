/** The JSON Schemas in schemas/ are valid draft-07 (dpf compiles them without checking, for speed). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { SCHEMAS_DIR } from './package-paths.js';

describe('schemas/', () => {
  it('holds valid JSON Schemas that ajv compiles without a warning', () => {
    // A warning such as `unknown format "date-time" ignored` means a check that silently does nothing.
    const warnings: unknown[] = [];
    const logger = { log: () => {}, warn: (...args: unknown[]) => warnings.push(args), error: (...args: unknown[]) => warnings.push(args) };
    const ajv = new Ajv({ strict: false, validateSchema: true, logger });
    const files = readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.schema.json'));
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const file of files) {
      const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8'));
      expect(ajv.validateSchema(schema), `${file}: ${JSON.stringify(ajv.errors)}`).toBe(true);
      expect(() => new Ajv({ strict: false, logger }).compile(schema), file).not.toThrow();
    }
    expect(warnings).toEqual([]);
  });

  it('checks the artifacts\' generatedAt as a date-time', () => {
    for (const name of ['manifest', 'run_results']) {
      const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, `${name}.schema.json`), 'utf8'));
      const validate = new Ajv({ strict: false }).compile(schema.properties.metadata.properties.generatedAt);
      expect(validate(new Date().toISOString()), name).toBe(true);
      expect(validate('2024-03-01T10:00:00+01:00'), name).toBe(true);
      expect(validate('yesterday'), name).toBe(false);
      expect(validate('2024-03-01'), name).toBe(false);
    }
  });
});
