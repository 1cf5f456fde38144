/** The JSON Schemas in schemas/ are valid draft-07 (dpf compiles them without checking, for speed). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { SCHEMAS_DIR } from './package-paths.js';

describe('schemas/', () => {
  it('holds valid JSON Schemas', () => {
    const ajv = new Ajv({ strict: false, validateSchema: true });
    const files = readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.schema.json'));
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const file of files) {
      const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8'));
      expect(ajv.validateSchema(schema), `${file}: ${JSON.stringify(ajv.errors)}`).toBe(true);
      expect(() => new Ajv({ strict: false }).compile(schema), file).not.toThrow();
    }
  });
});
