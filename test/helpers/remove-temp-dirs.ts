/**
 * Removes the temporary folders a test file made with tempDir (run-dpf.ts) once the file's
 * tests are done (vitest setupFiles). A full run made a gigabyte or two of them and left them
 * in /tmp; a session of runs filled the disk.
 */
import { rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { madeTempDirs } from './run-dpf.js';

afterAll(() => {
  for (const dir of madeTempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
