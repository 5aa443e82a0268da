import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/**
 * The shared real test files (`../shared/data`, or `$DELINEATE_TESTDATA`). Returns the
 * absolute path of `relativePath` inside it, or `undefined` when it is missing outside CI.
 * Under `CI=true` a missing file throws: tests that need real data never skip silently.
 */
export function testDataPath(relativePath: string): string | undefined {
  const base = process.env.DELINEATE_TESTDATA ?? join(repoRoot, '..', 'shared', 'data');
  const full = join(base, relativePath);
  if (existsSync(full)) return full;
  if (process.env.CI === 'true') {
    throw new Error(`Test data missing under CI: ${relativePath} (looked in ${base}; set DELINEATE_TESTDATA)`);
  }
  return undefined;
}

/** Like {@link testDataPath} but for tests that cannot run without it (throws when missing). */
export function requireTestData(relativePath: string): string {
  const path = testDataPath(relativePath);
  if (!path) throw new Error(`Test data missing: ${relativePath} (set DELINEATE_TESTDATA)`);
  return path;
}

export { repoRoot };
