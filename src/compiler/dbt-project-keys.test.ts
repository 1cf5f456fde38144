import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DBT_ONLY_KEYS, RUN_HOOK_KEYS } from './dbt-project-keys.js';
import { SCHEMAS_DIR } from './package-paths.js';

const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, 'dpf_project.schema.json'), 'utf8'));

describe('the dbt keys of dpf_project.yml', () => {
  it('are admitted by the schema exactly as the closed list says', () => {
    for (const key of [...Object.keys(DBT_ONLY_KEYS), ...RUN_HOOK_KEYS]) expect(schema.properties, key).toHaveProperty([key]);
    const documented = readFileSync(new URL('../../docs/from-dbt.md', import.meta.url), 'utf8');
    for (const key of [...Object.keys(DBT_ONLY_KEYS), ...RUN_HOOK_KEYS]) expect(documented, key).toContain(`\`${key}\``);
  });

  it('include, in every folder of config defaults, each +config with a plain value also without the +', () => {
    for (const name of ['modelFolder', 'seedFolder', 'testFolder']) {
      const folder = schema.definitions[name];
      const [pattern] = Object.keys(folder.patternProperties);
      const folderKey = new RegExp(pattern!, 'u');
      for (const [key, value] of Object.entries<{ type?: string; $ref?: string }>(folder.properties)) {
        if (!key.startsWith('+')) continue;
        const mapping = value.type === 'object' || value.$ref === '#/definitions/grants';
        // A mapping written without + is a folder (as in dbt); a plain value is the config.
        expect(folder.properties[key.slice(1)] !== undefined, `${name} ${key}`).toBe(!mapping);
        expect(folderKey.test(key.slice(1)), `${name} ${key}`).toBe(mapping);
      }
    }
  });
});
