/** dpf docs serve on an address other than loopback says that the catalog is exposed. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject, REPO_ROOT } from '../helpers/run-dpf.js';

async function serveOutput(dir: string, host: string): Promise<{ stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'dpf.js'), 'docs', 'serve', '--port', '0', '--host', host], { cwd: dir, env: { ...process.env, HOME: dir } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (stdout.includes('Ctrl+C to stop')) setTimeout(resolve, 200);
      });
      child.on('exit', (code) => reject(new Error(`dpf docs serve exited with ${code}: ${stdout}${stderr}`)));
    });
  } finally {
    child.kill('SIGTERM');
  }
  return { stdout, stderr };
}

describe('dpf docs serve --host', () => {
  it('warns when the catalog is reachable from the network, and not on loopback', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' });
    expect((await dpf(['docs', 'generate', '--project-dir', dir, '--empty-catalog'], { cwd: dir })).code).toBe(0);
    const exposed = await serveOutput(dir, '0.0.0.0');
    expect(exposed.stderr).toMatch(/warning: listening on 0\.0\.0\.0: anyone who can reach this machine on port \d+ can read the catalog/);
    const local = await serveOutput(dir, '127.0.0.1');
    expect(local.stdout).toContain('Serving');
    expect(local.stderr).not.toContain('warning');
  });
});
