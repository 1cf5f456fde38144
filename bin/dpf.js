#!/usr/bin/env node
// Thin entry: everything lives in src/cli (built to dist/ by `npm install`).
import { runCli } from '../dist/cli/main.js';

const code = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  cwd: process.cwd(),
  env: process.env,
});
process.exitCode = code;
