/**
 * dbt_project.yml keys that a dbt user brings along in dpf_project.yml. A closed list: each one
 * means nothing to dpf and is accepted with a warning saying why (schemas/dpf_project.schema.json
 * admits exactly these), except the run hooks, whose SQL would silently not run: an error.
 * Every other unknown key stays an error of the schema.
 */
import { diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import type { ProjectConfig } from './load-project.js';
import type { YamlFile } from './read-yaml-file.js';

/** Key -> why dpf ignores it (docs/from-dbt.md repeats this list). */
export const DBT_ONLY_KEYS: Readonly<Record<string, string>> = {
  'asset-paths': 'the catalog site copies no asset folders',
  'docs-paths': 'docs blocks are read from the .md files under the model, seed and snapshot paths',
  'log-path': 'dpf writes no log file; `--log-format json` prints every event to stdout',
  'packages-install-path': 'dpf has no packages to install',
  'require-dbt-version': "it pins dbt's version, not dpf's",
  'config-version': 'dpf_project.yml has one format',
  dispatch: 'it chooses between packages\' macros, and dpf has no packages',
  'query-comment': 'dpf adds no comment to the SQL it runs',
  flags: "they switch dbt's behaviours, and dpf has none of them",
};

export const RUN_HOOK_KEYS = ['on-run-start', 'on-run-end'] as const;

export function dbtProjectKeyDiagnostics(configFile: YamlFile<ProjectConfig>): Diagnostic[] {
  const present = Object.keys(configFile.data as object);
  const out: Diagnostic[] = [];
  for (const key of present) {
    const reason = DBT_ONLY_KEYS[key];
    if (reason) out.push(diagnostic('DbtOnlyKey', { key, reason }, configFile.locateKey([key]), 'warning'));
    if ((RUN_HOOK_KEYS as readonly string[]).includes(key)) out.push(diagnostic('RunHooks', { key }, configFile.locateKey([key])));
  }
  return out;
}
