/** Where dpf's own files (schemas/, templates/, project-template/) live, from src/ or dist/. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SCHEMAS_DIR = join(PACKAGE_ROOT, 'schemas');
// Defined beside the SQL template catalog, which the adapters' layer owns.
export { TEMPLATES_DIR } from '../adapters/sql-templates.js';
export const PROJECT_TEMPLATE_DIR = join(PACKAGE_ROOT, 'project-template');

export const DPF_VERSION: string = (
  JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
