/**
 * Who runs a command, for dpf_meta.audit_log: the operating-system user and host, the git
 * author configured for the project's repository (`git config user.name` / `user.email`, one
 * `git config` started with the run and read at its end, like git-state.ts), and the CI actor
 * from the provider's environment. Nothing here fails: what cannot be told is null.
 */
import { execFile } from 'node:child_process';
import { hostname, userInfo } from 'node:os';

export interface AuditActor {
  readonly osUser: string | null;
  readonly host: string | null;
  readonly gitUserName: string | null;
  readonly gitUserEmail: string | null;
  readonly ciActor: string | null;
  readonly ciSystem: string | null;
}

/**
 * CI providers and the variable naming who started the job, first match wins. From the
 * providers' documentation: GitHub Actions (GITHUB_ACTOR), GitLab CI (GITLAB_USER_LOGIN),
 * Azure Pipelines (BUILD_REQUESTEDFOR); any other CI sets CI=true.
 */
const CI_ACTORS: readonly { readonly system: string; readonly detect: string; readonly actor: string }[] = [
  { system: 'github', detect: 'GITHUB_ACTIONS', actor: 'GITHUB_ACTOR' },
  { system: 'gitlab', detect: 'GITLAB_CI', actor: 'GITLAB_USER_LOGIN' },
  { system: 'azure', detect: 'TF_BUILD', actor: 'BUILD_REQUESTEDFOR' },
];

export function ciActorOf(env: NodeJS.ProcessEnv): { readonly ciActor: string | null; readonly ciSystem: string | null } {
  for (const ci of CI_ACTORS) {
    if (env[ci.detect] || env[ci.actor]) return { ciSystem: ci.system, ciActor: env[ci.actor] || null };
  }
  const generic = env.CI && env.CI !== 'false' && env.CI !== '0';
  return { ciSystem: generic ? 'ci' : null, ciActor: null };
}

export function auditActor(projectDir: string, env: NodeJS.ProcessEnv = process.env): Promise<AuditActor> {
  let osUser: string | null;
  try {
    osUser = userInfo().username;
  } catch {
    osUser = env.USER ?? env.USERNAME ?? null;
  }
  let host: string | null;
  try {
    host = hostname() || null;
  } catch {
    host = null;
  }
  const fixed = { osUser, host, ...ciActorOf(env) };
  return new Promise((resolve) => {
    const none = () => resolve({ ...fixed, gitUserName: null, gitUserEmail: null });
    try {
      execFile('git', ['config', '--get-regexp', '^user\\.(name|email)$'], { cwd: projectDir, timeout: 10_000, windowsHide: true }, (err, stdout) => {
        // Exit 1: neither is set; outside a repository git still reads the global config.
        if (err && !stdout) return none();
        // Listed from the widest scope to the narrowest (system, global, the repository's): the last one holds.
        const value = (key: string) => [...stdout.split('\n')].reverse().find((l) => l.startsWith(`${key} `))?.slice(key.length + 1).trim() || null;
        resolve({ ...fixed, gitUserName: value('user.name'), gitUserEmail: value('user.email') });
      });
    } catch {
      none();
    }
  });
}
