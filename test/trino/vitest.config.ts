// vitest for the part of `npm run test:trino` that needs Trino's file-based access control
// (scripts/test-trino.sh starts a second server with it). Its files end in .trino.ts, so
// `npm test` (test/**/*.test.ts) never runs them.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/trino/**/*.trino.ts'],
    // The first statements on a freshly started server pay its warm-up: a guard against a hang.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One file at a time: every file's `dpf grants apply` writes the one rules file the server reads.
    fileParallelism: false,
    setupFiles: ['test/helpers/remove-temp-dirs.ts'],
  },
});
