#!/usr/bin/env node
// Thin entry: everything lives in src/cli (built to dist/ by `npm install`).
import { runCli } from '../dist/cli/main.js';

// `dpf ls | head` closes the pipe early: stop quietly, as other command-line tools do.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const code = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  cwd: process.cwd(),
  env: process.env,
});
process.exitCode = code;
