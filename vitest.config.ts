import { defineConfig } from 'vitest/config';

/**
 * The test run: every `*.test.ts` under test/, after the setup that lets fast-check's arrays reach
 * the lengths a test bounds them by (test/support/fastCheckSizes.ts), a minute allowed per test and hook.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/fastCheckSizes.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
