/**
 * The secret patterns `dpf audit` looks for, as data. Adapted from gitleaks' default rules
 * (github.com/gitleaks/gitleaks, config/gitleaks.toml, MIT), narrowed to what a data project
 * holds: cloud keys, git hosting tokens, chat tokens and webhooks, private keys, JWTs, URLs with
 * a password, and literal passwords or tokens in profiles.yml and dpf_project.yml where
 * `{{env '…'}}` belongs. secretlint's ruleset was the other candidate; it needs Node 22.
 *
 * `secret` names the capture group holding the secret: only it is masked
 * and checked against the allowlist, so a finding's masked text never includes more of the
 * line than the secret's first characters.
 */

export type Severity = 'low' | 'medium' | 'high';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high'];

export interface SecretRule {
  readonly id: string;
  readonly description: string;
  readonly severity: Severity;
  readonly pattern: RegExp;
  /** The capture group that is the secret (0: the whole match; 'first': the first group that matched). */
  readonly secret: number | 'first';
  /** Only in files with these base names (profiles.yml); absent: every file. */
  readonly files?: readonly string[];
  /** A cheap test before the pattern runs (a keyword the line must hold, lower case). */
  readonly keywords: readonly string[];
}

const SECRET_KEYS = 'password|passwd|pwd|pass|secret|client_secret|token|access_token|auth_token|refresh_token|api_key|apikey|access_key|secret_key|private_key|key_secret';

export const SECRET_RULES: readonly SecretRule[] = [
  {
    id: 'aws-access-key-id',
    description: 'AWS access key id',
    severity: 'high',
    pattern: /\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b/g,
    secret: 1,
    keywords: ['a3t', 'akia', 'asia', 'abia', 'acca'],
  },
  {
    id: 'aws-secret-access-key',
    description: 'AWS secret access key',
    severity: 'high',
    pattern: /aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    secret: 1,
    keywords: ['secret'],
  },
  { id: 'github-token', description: 'GitHub token', severity: 'high', pattern: /\b((?:ghp|gho|ghu|ghs|ghr)_[0-9A-Za-z]{36})\b/g, secret: 1, keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'] },
  { id: 'github-fine-grained-token', description: 'GitHub fine-grained token', severity: 'high', pattern: /\b(github_pat_[0-9A-Za-z_]{82})\b/g, secret: 1, keywords: ['github_pat_'] },
  { id: 'gitlab-token', description: 'GitLab token', severity: 'high', pattern: /\b((?:glpat|glptt|gldt|glrt|glcbt|glsoat|glffct)-[0-9A-Za-z_-]{20,})/g, secret: 1, keywords: ['glpat-', 'glptt-', 'gldt-', 'glrt-', 'glcbt-', 'glsoat-', 'glffct-'] },
  { id: 'gitlab-runner-token', description: 'GitLab runner registration token', severity: 'high', pattern: /\b(GR1348941[0-9A-Za-z_-]{20})\b/g, secret: 1, keywords: ['gr1348941'] },
  { id: 'slack-token', description: 'Slack token', severity: 'high', pattern: /\b(xox[abposre]-[0-9A-Za-z-]{10,250})/g, secret: 1, keywords: ['xox'] },
  {
    id: 'slack-webhook',
    description: 'Slack webhook URL',
    severity: 'high',
    pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/([A-Za-z0-9+/]{30,80})/g,
    secret: 1,
    keywords: ['hooks.slack.com'],
  },
  {
    id: 'private-key',
    description: 'private key block',
    severity: 'high',
    pattern: /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----/g,
    secret: 0,
    keywords: ['private key'],
  },
  {
    id: 'jwt',
    description: 'JSON Web Token',
    severity: 'medium',
    pattern: /\b(ey[A-Za-z0-9_-]{17,}\.ey[A-Za-z0-9_-]{17,}\.[A-Za-z0-9_-]{10,}={0,2})/g,
    secret: 1,
    keywords: ['ey'],
  },
  {
    id: 'url-password',
    description: 'URL with a user and password',
    severity: 'high',
    pattern: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@'"`]{1,64}:([^\s:/@'"`]{3,128})@[^\s/'"`]+/gi,
    secret: 1,
    keywords: ['://'],
  },
  {
    id: 'literal-secret-in-config',
    description: 'literal password or token',
    severity: 'high',
    // A key as a YAML block or flow mapping writes it: `password: x`, `{ token: "x" }`.
    pattern: new RegExp(`(?:^|[\\s{,])["']?(?:${SECRET_KEYS})["']?\\s*:\\s*(?:"([^"\\n]*)"|'([^'\\n]*)'|([^\\s,}#"'][^,}#\\n]*?))\\s*(?:[,}#]|$)`, 'gi'),
    secret: 'first',
    files: ['profiles.yml', 'profiles.yaml', 'dpf_project.yml', 'dpf_project.yaml'],
    keywords: ['pass', 'pwd', 'secret', 'token', 'key'],
  },
];

/**
 * Values that are not secrets: placeholders, references to where the secret is kept, the
 * examples of vendors' documentation (AKIAIOSFODNN7EXAMPLE), masked values.
 */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v.length < 3) return true;
  if (v.includes('{{') || v.includes('${') || v.startsWith('$') || v.startsWith('%')) return true;
  if (/^(?:null|none|true|false|~|changeme|change_me|your[_-].*|<.*>|\*+|x+|\.\.\.)$/i.test(v)) return true;
  if (/example|placeholder|redacted|dummy/i.test(v)) return true;
  return /^(.)\1+$/.test(v);
}

/** "AKIA…(20 chars)": the first characters (at most 4, and never more than a third) and the length. */
export function maskSecret(value: string): string {
  return `${value.slice(0, Math.min(4, Math.floor(value.length / 3)))}…(${value.length} chars)`;
}
