/**
 * The files `dpf audit` reads: the repository's files under the project folder (`git ls-files`
 * with untracked files that .gitignore does not ignore), or every file but .git/ and
 * node_modules/ outside git; and every file under the target folder, where artifacts are,
 * ignored by git or not. Paths come back absolute, each once.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

export interface ListedFiles {
  /** The project's own files (sources, YAML, docs). */
  readonly repository: readonly string[];
  /** Files under the target folder. */
  readonly artifacts: readonly string[];
}

const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

export function listProjectFiles(projectDir: string, targetPath: string): ListedFiles {
  const target = resolve(targetPath);
  const inTarget = (file: string) => file === target || file.startsWith(target + sep);
  const tracked = gitFiles(projectDir) ?? walk(projectDir);
  const artifacts = existsSync(target) ? walk(target) : [];
  return { repository: [...new Set(tracked)].filter((f) => !inTarget(f)).sort(), artifacts: artifacts.sort() };
}

function gitFiles(dir: string): string[] | undefined {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024, windowsHide: true });
    // Deleted but not yet committed files are still listed: keep those that exist.
    return out.split('\0').filter((p) => p.length > 0).map((p) => resolve(dir, p)).filter((p) => existsSync(p));
  } catch {
    return undefined; // not a repository, or no git
  }
}

function walk(dir: string): string[] {
  const files: string[] = [];
  const visit = (folder: string) => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) visit(path);
      } else if (entry.isFile()) files.push(path);
    }
  };
  visit(dir);
  return files;
}

/** A path as reports show it: relative to the project folder, with forward slashes. */
export function shownPath(projectDir: string, file: string): string {
  return relative(projectDir, file).split(sep).join('/');
}
