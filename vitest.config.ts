import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: files run in parallel forks, each with its own database cloned from a migrated template.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
