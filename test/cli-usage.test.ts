/** The command line answers a newcomer's slips: unknown commands, and hints that can be pasted as printed. */
import { describe, expect, it } from 'vitest';
import { dpf, makeProject, tempDir } from './helpers/run-dpf.js';

describe('an unknown command', () => {
  it('is a usage error (exit 2) that names the closest command', async () => {
    const run = await dpf(['buidl'], { cwd: tempDir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DPF512');
    expect(run.stderr).toContain('"buidl" is not a command of dpf. Did you mean "build"?');
    expect(run.stderr).toContain('`dpf --help` describes them');
  });

  it('stays an error with --help, instead of the root help and exit 0', async () => {
    const run = await dpf(['buidl', '--help'], { cwd: tempDir() });
    expect(run.code).toBe(2);
    expect(run.stdout).not.toContain('Usage:');
    expect(run.stderr).toContain('Did you mean "build"?');
  });

  it('is found under a command with subcommands too', async () => {
    const run = await dpf(['docs', 'genrate'], { cwd: tempDir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"genrate" is not a command of dpf docs. Did you mean "generate"?');
  });

  it('leaves known commands and `dpf help <command>` alone', async () => {
    const help = await dpf(['help', 'build'], { cwd: tempDir() });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: dpf build');
    const buildHelp = await dpf(['build', '--help'], { cwd: tempDir() });
    expect(buildHelp.code).toBe(0);
  });
});

describe('dpf docs generate', () => {
  it('repeats --project-dir in its closing hint', async () => {
    const project = makeProject({ 'models/a.sql': 'select 1 as id\n' });
    const run = await dpf(['docs', 'generate', '--empty-catalog', '--project-dir', project], { cwd: tempDir() });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain(`run \`dpf docs serve --project-dir ${project}\``);
  });

  it('says plain `dpf docs serve` inside the project', async () => {
    const project = makeProject({ 'models/a.sql': 'select 1 as id\n' });
    const run = await dpf(['docs', 'generate', '--empty-catalog'], { cwd: project });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('run `dpf docs serve`.');
  });
});
