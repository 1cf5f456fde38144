/**
 * The project's git commit and whether tracked files changed since, for dpf_meta.runs: one
 * `git status` started when a run starts and read when it ends, so it overlaps the run
 * rather than adding to it. Outside a repository, or without git, both are null.
 */
import { execFile } from 'node:child_process';

export interface GitState {
  readonly commit: string | null;
  readonly dirty: boolean | null;
}

const NONE: GitState = { commit: null, dirty: null };

export function gitState(dir: string): Promise<GitState> {
  return new Promise((resolve) => {
    try {
      execFile('git', ['status', '--porcelain=v2', '--branch', '--untracked-files=no'], { cwd: dir, timeout: 10_000, windowsHide: true }, (err, stdout) => {
        if (err) return resolve(NONE);
        const lines = stdout.split('\n').filter((l) => l.length > 0);
        const oid = lines.find((l) => l.startsWith('# branch.oid '))?.slice('# branch.oid '.length).trim();
        const commit = oid && /^[0-9a-f]{7,64}$/.test(oid) ? oid : null; // "(initial)": no commit yet
        resolve({ commit, dirty: lines.some((l) => !l.startsWith('#')) });
      });
    } catch {
      resolve(NONE);
    }
  });
}
