/**
 * The site's home page text: `overview.md` at the top of a model path (models/overview.md by
 * default), as dbt projects keep their `__overview__` docs block. Markdown, rendered and
 * sanitized in the browser like every description.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectConfig } from '../compiler/load-project.js';

export const OVERVIEW_FILE = 'overview.md';

export function readOverview(projectDir: string, config: ProjectConfig): { text: string; path: string } | undefined {
  for (const dir of config['model-paths'] ?? ['models']) {
    const path = join(dir, OVERVIEW_FILE);
    const file = join(projectDir, path);
    if (existsSync(file)) return { text: readFileSync(file, 'utf8'), path };
  }
  return undefined;
}
