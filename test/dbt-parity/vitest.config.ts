// vitest for `npm run test:dbt-parity` only (scripts/test-dbt-parity.sh): dbt projects built with
// real dbt and, converted by `dpf import dbt`, with dpf. Its files end in .parity.ts, so `npm test`
// (src/**/*.test.ts, test/**/*.test.ts) never runs them.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/dbt-parity/**/*.parity.ts'],
    // dbt starts a Python process that parses the project and builds it: tens of seconds.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['test/helpers/remove-temp-dirs.ts'],
  },
});
