/**
 * Project conventions (docs/lint.md): `dpf lint`'s rules over a compiled manifest, and the
 * CODEOWNERS file `dpf codeowners` derives from model owners. Reads the manifest and YAML
 * files; writes nothing (the public API writes CODEOWNERS).
 */
export { lintProject, type LintReport } from './lint-project.js';
export type { LintFinding } from './lint-rules.js';
export { LINT_RULES, DEFAULT_PREFIXES, type LintConfig, type LintRuleName, type LintSeverity } from './lint-config.js';
export { renderCodeowners, CODEOWNERS_PATH, type CodeownersContent } from './codeowners-file.js';
