/**
 * Finds the Chromium that the browser tests, the docs benchmark and the README screenshots drive
 * (bench/chromium.ts), and, run by the test command before any test (test/global-setup.ts),
 * installs Debian's `chromium` package when none is found and the machine allows it. It never
 * downloads a browser itself: Playwright's browser downloads come from a CDN these machines cannot
 * reach, and a Chromium bundled in an npm package hung without output; Debian's package works.
 *
 * What to do is a pure function of injected probes (planChromium), so every branch is tested on
 * a machine that has Chromium, without uninstalling it. This is the test harness, not dpf: its
 * failures are plain messages for whoever runs the tests, not DpfErrors of the catalog.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Searched on the PATH, in this order: Debian's name, Ubuntu's and Fedora's, Google's builds. */
export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;

/** What a person runs to install it by hand, printed when the set-up cannot. */
export const APT_COMMAND_FOR_PEOPLE = 'sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium';

const APT_STEPS = [
  ['apt-get', 'update'],
  ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium'],
] as const;

/** What planChromium needs to know about the machine, injected so that tests can vary it. */
export interface ChromiumProbes {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly isExecutable: (path: string) => boolean;
  readonly isRoot: () => boolean;
  /** Whether sudo runs without asking for a password (`sudo -n true`). */
  readonly hasPasswordlessSudo: () => boolean;
}

export type ChromiumPlan =
  | { readonly kind: 'found'; readonly path: string }
  | { readonly kind: 'install'; readonly commands: readonly (readonly string[])[] }
  | { readonly kind: 'missing'; readonly message: string };

/** Runs one command with its output on stderr and returns its exit code. */
export type RunCommand = (argv: readonly string[]) => number;

export function planChromium(probes: ChromiumProbes): ChromiumPlan {
  const located = locateChromium(probes);
  if (located) return located;
  const refusal = whyNotInstall(probes);
  if (refusal) return { kind: 'missing', message: missingMessage(probes, refusal) };
  // sudo resets the environment, so the non-interactive setting goes through `env` in both cases.
  const prefix = probes.isRoot() ? ['env', 'DEBIAN_FRONTEND=noninteractive'] : ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive'];
  return { kind: 'install', commands: APT_STEPS.map((step) => [...prefix, ...step]) };
}

/**
 * The set-up step: returns the browser's path, installing Debian's package first when the plan
 * says so (announced on stderr before it starts: it takes a minute); throws ChromiumMissing,
 * whose message says what to run or set, when there is no browser to be had.
 */
export function setUpChromium(probes: ChromiumProbes, run: RunCommand, say: (line: string) => void): string {
  const plan = planChromium(probes);
  switch (plan.kind) {
    case 'found':
      return plan.path;
    case 'missing':
      throw new ChromiumMissing(plan.message);
    case 'install':
      say(
        'dpf tests: no Chromium found for the browser tests; installing Debian\'s chromium package ' +
          '(apt-get update, then apt-get install -y --no-install-recommends chromium: about a minute). ' +
          'Set DPF_CHROMIUM to use a browser you have, or DPF_NO_INSTALL=1 to install nothing.\n',
      );
      for (const argv of plan.commands) {
        const code = run(argv);
        if (code !== 0) throw new ChromiumMissing(installFailedMessage(argv, code));
      }
      const after = planChromium(probes);
      if (after.kind === 'found') return after.path;
      throw new ChromiumMissing(installFailedMessage(plan.commands[plan.commands.length - 1], 0));
  }
}

/** The browser's path without installing anything: what bench/chromium.ts launches. */
export function chromiumPath(probes: ChromiumProbes = systemProbes()): string {
  const located = locateChromium(probes) ?? { kind: 'missing', message: missingMessage(probes, 'Only the set-up of `npm test` installs it.') };
  if (located.kind === 'found') return located.path;
  throw new ChromiumMissing(located.message);
}

export class ChromiumMissing extends Error {
  override readonly name = 'ChromiumMissing';
}

export function systemProbes(env: Readonly<Record<string, string | undefined>> = process.env): ChromiumProbes {
  return {
    env,
    isExecutable,
    isRoot: () => process.getuid?.() === 0,
    hasPasswordlessSudo: () => {
      if (!searchPath({ env, isExecutable }, ['sudo'])) return false;
      return spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', env: { ...process.env, ...env } }).status === 0;
    },
  };
}

/** Runs a command for real, its output on stderr so that vitest's stdout stays the report. */
export const runOnStderr: RunCommand = (argv) => spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 2, 2] }).status ?? 1;

/** DPF_CHROMIUM if set (and then it must be a browser), else the first of CHROMIUM_NAMES on the PATH. */
function locateChromium(probes: ChromiumProbes): Exclude<ChromiumPlan, { kind: 'install' }> | undefined {
  const override = probes.env.DPF_CHROMIUM;
  if (override) {
    if (probes.isExecutable(override)) return { kind: 'found', path: override };
    return { kind: 'missing', message: badOverrideMessage(override) };
  }
  const found = searchPath(probes, CHROMIUM_NAMES);
  return found ? { kind: 'found', path: found } : undefined;
}

function whyNotInstall(probes: ChromiumProbes): string | undefined {
  if (probes.env.DPF_NO_INSTALL) return 'DPF_NO_INSTALL is set, so the test set-up installs nothing.';
  if (!searchPath(probes, ['apt-get'])) return 'The test set-up installs it only with apt-get, which this machine does not have.';
  if (!probes.isRoot() && !probes.hasPasswordlessSudo()) return 'The test set-up installs it only as root or with sudo that asks no password.';
  return undefined;
}

function searchPath(probes: Pick<ChromiumProbes, 'env' | 'isExecutable'>, names: readonly string[]): string | undefined {
  const dirs = (probes.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (probes.isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function missingMessage(probes: ChromiumProbes, refusal: string): string {
  const install = searchPath(probes, ['apt-get'])
    ? `Install Debian's package and run the tests again:\n  ${APT_COMMAND_FOR_PEOPLE}\n`
    : 'Install Chromium or Chrome with your system\'s package manager and run the tests again,\n';
  return (
    `The browser tests need Chromium, and none was found: DPF_CHROMIUM is not set and none of ${CHROMIUM_NAMES.join(', ')} is on the PATH. ${refusal}\n` +
    install +
    'or point DPF_CHROMIUM at a Chromium or Chrome you have:\n  DPF_CHROMIUM=/path/to/chromium npm test\n'
  );
}

function badOverrideMessage(path: string): string {
  return (
    `DPF_CHROMIUM is set to ${path}, which is not an executable file.\n` +
    'Point it at a Chromium or Chrome binary, or unset it to let the test set-up find or install one.\n'
  );
}

function installFailedMessage(argv: readonly string[], code: number): string {
  const what = code === 0 ? `${argv.join(' ')} succeeded, but still no chromium is on the PATH` : `${argv.join(' ')} exited with ${code} (its output is above)`;
  return (
    `Installing Chromium for the browser tests failed: ${what}.\n` +
    `Install it yourself and run the tests again:\n  ${APT_COMMAND_FOR_PEOPLE}\n` +
    'or point DPF_CHROMIUM at a Chromium or Chrome you have:\n  DPF_CHROMIUM=/path/to/chromium npm test\n'
  );
}
