/**
 * The test command's browser set-up (bench/chromium-setup.ts): every decision with injected
 * probes, since this machine has Chromium and other suites use it (it must not be uninstalled to
 * test the install path), and the real "none found, none installed" stop in a child vitest run.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APT_COMMAND_FOR_PEOPLE, ChromiumMissing, chromiumPath, planChromium, setUpChromium, systemProbes, type ChromiumProbes } from '../bench/chromium-setup.js';
import { REPO_ROOT, tempDir } from './helpers/run-dpf.js';

interface Machine {
  readonly env?: Record<string, string>;
  readonly files?: readonly string[];
  readonly root?: boolean;
  readonly sudo?: boolean;
}

/** A pretend machine: these executables, this environment, root or not, sudo or not. */
function probes(machine: Machine): ChromiumProbes & { readonly files: Set<string> } {
  const files = new Set(machine.files ?? []);
  return {
    env: { PATH: '/usr/local/bin:/usr/bin', ...machine.env },
    files,
    isExecutable: (path) => files.has(path),
    isRoot: () => machine.root ?? false,
    hasPasswordlessSudo: () => machine.sudo ?? false,
  };
}

const NOT_FOUND =
  'The browser tests need Chromium, and none was found: DPF_CHROMIUM is not set and none of chromium, chromium-browser, google-chrome, google-chrome-stable is on the PATH.';
const OR_OVERRIDE = 'or point DPF_CHROMIUM at a Chromium or Chrome you have:\n  DPF_CHROMIUM=/path/to/chromium npm test\n';
const INSTALL_APT = `Install Debian's package and run the tests again:\n  ${APT_COMMAND_FOR_PEOPLE}\n`;

describe('planChromium', () => {
  it('uses DPF_CHROMIUM when it is set, before anything on the PATH', () => {
    const machine = probes({ env: { DPF_CHROMIUM: '/opt/chrome/chrome' }, files: ['/opt/chrome/chrome', '/usr/bin/chromium'] });
    expect(planChromium(machine)).toEqual({ kind: 'found', path: '/opt/chrome/chrome' });
  });

  it('stops on a DPF_CHROMIUM that is not a browser instead of looking elsewhere', () => {
    const machine = probes({ env: { DPF_CHROMIUM: '/opt/nothing' }, files: ['/usr/bin/chromium', '/usr/bin/apt-get'], root: true });
    expect(planChromium(machine)).toEqual({
      kind: 'missing',
      message:
        'DPF_CHROMIUM is set to /opt/nothing, which is not an executable file.\n' +
        'Point it at a Chromium or Chrome binary, or unset it to let the test set-up find or install one.\n',
    });
  });

  it('finds a browser on the PATH, preferring chromium over Chrome whatever the folder order', () => {
    expect(planChromium(probes({ files: ['/usr/local/bin/google-chrome', '/usr/bin/chromium'] }))).toEqual({ kind: 'found', path: '/usr/bin/chromium' });
    expect(planChromium(probes({ files: ['/usr/local/bin/google-chrome-stable'] }))).toEqual({ kind: 'found', path: '/usr/local/bin/google-chrome-stable' });
    expect(planChromium(probes({ files: ['/usr/bin/chromium-browser'] }))).toEqual({ kind: 'found', path: '/usr/bin/chromium-browser' });
  });

  it('installs Debian\'s chromium with apt-get when none is found and it runs as root', () => {
    expect(planChromium(probes({ files: ['/usr/bin/apt-get'], root: true }))).toEqual({
      kind: 'install',
      commands: [
        ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update'],
        ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '--no-install-recommends', 'chromium'],
      ],
    });
  });

  it('installs through sudo when sudo asks no password', () => {
    expect(planChromium(probes({ files: ['/usr/bin/apt-get'], sudo: true }))).toEqual({
      kind: 'install',
      commands: [
        ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update'],
        ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '--no-install-recommends', 'chromium'],
      ],
    });
  });

  it('says what to run when it may not install: not root and no password-less sudo', () => {
    expect(planChromium(probes({ files: ['/usr/bin/apt-get'] }))).toEqual({
      kind: 'missing',
      message: `${NOT_FOUND} The test set-up installs it only as root or with sudo that asks no password.\n${INSTALL_APT}${OR_OVERRIDE}`,
    });
  });

  it('says what to run when DPF_NO_INSTALL forbids installing, even as root', () => {
    expect(planChromium(probes({ env: { DPF_NO_INSTALL: '1' }, files: ['/usr/bin/apt-get'], root: true }))).toEqual({
      kind: 'missing',
      message: `${NOT_FOUND} DPF_NO_INSTALL is set, so the test set-up installs nothing.\n${INSTALL_APT}${OR_OVERRIDE}`,
    });
  });

  it('does not offer apt-get on a machine without it', () => {
    expect(planChromium(probes({ root: true }))).toEqual({
      kind: 'missing',
      message:
        `${NOT_FOUND} The test set-up installs it only with apt-get, which this machine does not have.\n` +
        `Install Chromium or Chrome with your system's package manager and run the tests again,\n${OR_OVERRIDE}`,
    });
  });
});

describe('setUpChromium', () => {
  it('announces the install on stderr before it starts, runs apt-get, then returns the installed browser', () => {
    const machine = probes({ files: ['/usr/bin/apt-get'], root: true });
    const events: string[] = [];
    const path = setUpChromium(
      machine,
      (argv) => {
        events.push(argv.join(' '));
        if (argv.includes('install')) machine.files.add('/usr/bin/chromium');
        return 0;
      },
      (line) => events.push(`say: ${line}`),
    );
    expect(path).toBe('/usr/bin/chromium');
    expect(events).toEqual([
      'say: dpf tests: no Chromium found for the browser tests; installing Debian\'s chromium package (apt-get update, then apt-get install -y --no-install-recommends chromium: about a minute). Set DPF_CHROMIUM to use a browser you have, or DPF_NO_INSTALL=1 to install nothing.\n',
      'env DEBIAN_FRONTEND=noninteractive apt-get update',
      'env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium',
    ]);
  });

  it('stops with the command to run when apt-get fails, without running the next step', () => {
    const machine = probes({ files: ['/usr/bin/apt-get'], root: true });
    const ran: string[] = [];
    let error: unknown;
    try {
      setUpChromium(machine, (argv) => (ran.push(argv.join(' ')), 100), () => {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ChromiumMissing);
    expect((error as Error).message).toBe(
      'Installing Chromium for the browser tests failed: env DEBIAN_FRONTEND=noninteractive apt-get update exited with 100 (its output is above).\n' +
        `Install it yourself and run the tests again:\n  ${APT_COMMAND_FOR_PEOPLE}\n${OR_OVERRIDE}`,
    );
    expect(ran).toEqual(['env DEBIAN_FRONTEND=noninteractive apt-get update']);
  });

  it('runs nothing when a browser is there', () => {
    const ran: string[] = [];
    const path = setUpChromium(probes({ files: ['/usr/bin/chromium', '/usr/bin/apt-get'], root: true }), (argv) => (ran.push(argv.join(' ')), 0), () => {});
    expect(path).toBe('/usr/bin/chromium');
    expect(ran).toEqual([]);
  });
});

describe('chromiumPath (what the browser tests launch)', () => {
  it('never installs, and says that only the test set-up does', () => {
    expect(() => chromiumPath(probes({ files: ['/usr/bin/apt-get'], root: true }))).toThrow(
      `${NOT_FOUND} Only the set-up of \`npm test\` installs it.\n${INSTALL_APT}${OR_OVERRIDE}`,
    );
  });

  it('is the browser the set-up resolved on this machine: a real executable', () => {
    const path = chromiumPath(systemProbes());
    expect(systemProbes().isExecutable(path)).toBe(true);
    expect(spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/Chrom(e|ium) \d+/);
  });
});

describe('npm test on a machine without a browser, where installing is forbidden', () => {
  it('stops before any test runs, with the exact command to run and the override to set', () => {
    // A PATH with an apt-get (never run: installing is forbidden) and no browser; node itself is
    // called by its absolute path.
    const bin = join(tempDir('dpf-no-chromium-'), 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'apt-get'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const child = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'), 'run', 'test/chromium-setup.test.ts'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { HOME: process.env.HOME, PATH: bin, DPF_NO_INSTALL: '1' },
      timeout: 60_000,
    });
    expect(child.signal).toBeNull();
    expect(child.status).toBe(1);
    expect(child.stderr).toBe(`\n${NOT_FOUND} DPF_NO_INSTALL is set, so the test set-up installs nothing.\n${INSTALL_APT}${OR_OVERRIDE}`);
    expect(child.stdout).not.toMatch(/Test Files|passed|failed/);
  });
});
