// vitest for `npm run test:airflow` only (scripts/test-airflow.sh): the export run on a real
// Apache Airflow. Its files end in .airflow.ts, so `npm test` (test/**/*.test.ts) never runs them.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/airflow/**/*.airflow.ts'],
    // `airflow dags test` runs every task of a DAG, each a dpf process: minutes, not seconds.
    testTimeout: 480_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['test/helpers/remove-temp-dirs.ts'],
  },
});
