/**
 * The commands of the guides (docs/guides/) and processes (docs/processes/) are real: every
 * ```sh block runs with bash, `dpf` being this checkout's bin/dpf.js, in a fresh copy of the demo
 * project that is a git repository, built once, with production's artifacts in prod-artifacts/.
 * A block that must not run here (a deploy to prod, a server that runs until stopped) follows a
 * `<!-- not run: <reason> -->` line; its dpf commands and flags are still checked against
 * `dpf <command> --help`. Every guide has the four sections a reader looks for.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyDemoProject, dpf, REPO_ROOT, tempDir } from './helpers/run-dpf.js';

interface Block {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  /** The reason given in `<!-- not run: ... -->`, if the block must not run. */
  readonly notRun?: string;
}

const DOC_DIRS = ['docs/guides', 'docs/processes'];
const docFiles = DOC_DIRS.flatMap((dir) => readdirSync(join(REPO_ROOT, dir)).filter((f) => f.endsWith('.md')).map((f) => `${dir}/${f}`));
const GUIDES = ['platform-engineer', 'data-engineer', 'analytics-engineer', 'data-scientist', 'analyst', 'business-user', 'legal', 'security'];
const PROCESSES = ['development', 'incident-response', 'runbooks', 'onboarding'];

function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(REPO_ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    // Fences may be indented inside a list item; the block's lines lose that indent.
    const open = /^(\s*)```sh$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!;
    const end = lines.indexOf(`${indent}\`\`\``, i + 1);
    const marker = /^\s*<!-- not run: (.+) -->$/.exec(lines[i - 1] ?? '');
    const code = lines.slice(i + 1, end).map((l) => l.slice(indent.length)).join('\n');
    blocks.push({ file, line: i + 1, code, notRun: marker?.[1] });
    i = end;
  }
  return blocks;
}

/** Each `dpf ...` invocation in a block, as its words (pipes, `&&`, `||`, `;` and comments cut). */
function invocations(code: string): string[][] {
  return code
    .split('\n')
    .map((line) => line.replace(/\s#.*$/, '').replace(/^#.*$/, ''))
    .flatMap((line) => line.split(/&&|\|\||\||;/))
    .map((segment) => segment.trim().replace(/^\S+=\S+\s+/, '').split(/\s+/))
    .filter((words) => words[0] === 'dpf');
}

const GROUPS = ['source', 'docs', 'pipeline', 'export', 'alerts', 'scan', 'grants'];
const helpCache = new Map<string, Promise<string>>();

async function helpOf(path: string[]): Promise<string> {
  const key = path.join(' ');
  if (!helpCache.has(key)) helpCache.set(key, dpf([...path, '--help'], { cwd: REPO_ROOT }).then((r) => (r.code === 0 ? r.stdout : `exit ${r.code}: ${r.stderr}`)));
  return helpCache.get(key)!;
}

const allBlocks = docFiles.flatMap(blocksOf);

describe('guides and processes', () => {
  it('has a guide per participant and a page per process, each reachable from its index', () => {
    for (const name of GUIDES) expect(docFiles, name).toContain(`docs/guides/${name}.md`);
    for (const name of PROCESSES) expect(docFiles, name).toContain(`docs/processes/${name}.md`);
    const guideIndex = readFileSync(join(REPO_ROOT, 'docs/guides/README.md'), 'utf8');
    for (const name of GUIDES) expect(guideIndex).toContain(`(${name}.md)`);
    const processIndex = readFileSync(join(REPO_ROOT, 'docs/processes/README.md'), 'utf8');
    for (const name of PROCESSES) expect(processIndex).toContain(`(${name}.md)`);
    // Processes are reviewed: the index names a cadence and an owner.
    expect(processIndex).toMatch(/## Review/);
    expect(processIndex).toMatch(/owner/i);
  });

  it('gives every guide what a reader looks for: what they do, daily commands, where to look, whom to ask', () => {
    for (const name of GUIDES) {
      const text = readFileSync(join(REPO_ROOT, `docs/guides/${name}.md`), 'utf8');
      for (const heading of ['## What you do with dpf', '## Daily commands', '## Where to look', '## Whom to ask']) {
        expect(text, `docs/guides/${name}.md: ${heading}`).toContain(heading);
      }
    }
  });

  it('says dpf, never npx dpf, and keeps blocks that do not run few and explained', () => {
    for (const file of docFiles) {
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      expect(text, file).not.toMatch(/npx dpf\b/);
      // Commands live in ```sh blocks, the ones this test runs: no other shell fence hides one.
      expect(text, file).not.toMatch(/^\s*```(bash|shell|console|zsh)\s*$/m);
    }
    const notRun = allBlocks.filter((b) => b.notRun);
    expect(notRun.length).toBeLessThanOrEqual(Math.ceil(allBlocks.length / 4));
    for (const file of docFiles) expect(notRun.filter((b) => b.file === file).length, file).toBeLessThanOrEqual(3);
  });

  it('uses only commands and flags dpf has, in every block (also those not run)', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const block of allBlocks) {
      for (const words of invocations(block.code)) {
        const path = GROUPS.includes(words[1]!) ? words.slice(1, 3) : words.slice(1, 2);
        const help = await helpOf(path);
        if (!help.startsWith('Usage: dpf')) {
          problems.push(`${block.file}:${block.line}: dpf ${path.join(' ')} is not a command (${help.slice(0, 80)})`);
          continue;
        }
        for (const word of words.slice(1 + path.length)) {
          const flag = word.replace(/=.*$/, '');
          if (/^--?[a-z]/.test(flag) && !new RegExp(`(^|[ ,])${flag}\\b`, 'm').test(help)) problems.push(`${block.file}:${block.line}: dpf ${path.join(' ')} has no ${flag}`);
        }
        checked++;
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(60);
  });
});

describe('the commands of the guides and processes, run', () => {
  let prepared: string;
  let shim: string;

  beforeAll(async () => {
    prepared = copyDemoProject();
    const build = await dpf(['build'], { cwd: prepared, env: { HOME: prepared } });
    expect(build.code, build.output).toBe(0);
    cpSync(join(prepared, 'target'), join(prepared, 'prod-artifacts'), { recursive: true });
    shim = tempDir('dpf-shim-');
    writeFileSync(join(shim, 'dpf'), `#!/usr/bin/env bash\nexec node ${JSON.stringify(join(REPO_ROOT, 'bin', 'dpf.js'))} "$@"\n`);
    chmodSync(join(shim, 'dpf'), 0o755);
    const git = spawnSync('bash', ['-c', 'git init -q -b main && git add -A && git commit -qm "the demo project"'], { cwd: prepared, env: gitEnv(prepared), encoding: 'utf8' });
    expect(git.status, git.stderr).toBe(0);
  }, 300_000);

  function gitEnv(home: string): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH, HOME: home, TZ: 'UTC', GIT_AUTHOR_NAME: 'Doc Test', GIT_AUTHOR_EMAIL: 'doc@example.com', GIT_COMMITTER_NAME: 'Doc Test', GIT_COMMITTER_EMAIL: 'doc@example.com' };
  }

  /** bash, asynchronously: a synchronous child would block this worker past vitest's RPC timeout. */
  function bash(code: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolvePromise) => {
      const child = spawn('bash', ['-euo', 'pipefail', '-c', code], { cwd, env, timeout: 240_000 });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (status) => resolvePromise({ status, stdout, stderr }));
    });
  }

  it.each(docFiles)('%s: every block not marked runs and exits 0', async (file) => {
    const blocks = blocksOf(file).filter((b) => !b.notRun);
    const project = join(tempDir(), 'shop');
    cpSync(prepared, project, { recursive: true });
    const env = { ...gitEnv(project), PATH: `${shim}:${process.env.PATH}` };
    // Production's manifest as this copy compiles it: a file source's checksum includes the
    // project folder, so the prepared copy's would make it and its descendants look modified.
    const compile = await bash('dpf compile > /dev/null && cp target/manifest.json prod-artifacts/manifest.json', project, env);
    expect(compile.status, compile.stderr).toBe(0);
    for (const block of blocks) {
      const run = await bash(block.code, project, env);
      expect(run.status, `${file}:${block.line}\n${block.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`).toBe(0);
    }
    expect(existsSync(join(project, 'dpf_project.yml'))).toBe(true);
  }, 600_000);
});
