/** Runs bin/dpf.js as its own process and kills it (SIGKILL) a moment after its first node starts. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './run-dpf.js';

export async function killMidRun(args: string[], cwd: string, delayMs: number): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/dpf.js'), ...args, '--log-format', 'json'], { cwd, env: { ...process.env, HOME: cwd } });
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('"node_started"')) setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('exit', () => resolve());
  });
  return child.signalCode;
}
