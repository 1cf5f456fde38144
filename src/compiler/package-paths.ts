/** Where dpf's own files (schemas/, templates/, project-template/) live, from src/ or dist/. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SCHEMAS_DIR = join(PACKAGE_ROOT, 'schemas');
export const TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates');
export const PROJECT_TEMPLATE_DIR = join(PACKAGE_ROOT, 'project-template');

export const DPF_VERSION: string = (
  JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
