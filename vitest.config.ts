import { defineConfig } from 'vitest/config';

/**
 * Test files run at once. Vitest's own default is the cores minus one, which is ONE on CI's two
 * cores although most files mostly wait (Chromium, child processes, PostgreSQL, ffmpeg); CI sets
 * DELINEATE_TEST_WORKERS=2 (.ci/run). Unset, a developer's machine keeps vitest's default.
 */
function testWorkers(): number | undefined {
  const text = process.env.DELINEATE_TEST_WORKERS;
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`DELINEATE_TEST_WORKERS must be a whole number of at least 1 (got "${text}")`);
  return n;
}
const workers = testWorkers();

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'scripts/**/*.test.ts', 'apps/web/e2e/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    ...(workers === undefined ? {} : { maxWorkers: workers, minWorkers: workers }),
    globalSetup: ['packages/store/src/test/global-setup.ts', 'apps/web/e2e/global-setup.ts'],
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
