import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    // Each test file's temporary folders go when the file ends: runs do not fill the disk.
    setupFiles: ['test/helpers/remove-temp-dirs.ts'],
  },
});
