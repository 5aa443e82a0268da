import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where browser tests keep one seeded demo data folder per demo setup, for this run only (harness.ts). */
export const DEMO_CACHE_ENV = 'DELINEATE_E2E_DEMO_CACHE';

/**
 * vitest globalSetup: a folder for this run's seeded demo data folders. Every browser test seeds
 * the same few demos (the same arguments); the first seeding of each is kept and later tests copy
 * it instead of running `delineate demo` again (about 20 s each on two cores). Per run, so a
 * changed demo or bundle is never served from an older run; removed when the run ends.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'dln-e2e-demos-'));
  process.env[DEMO_CACHE_ENV] = dir;
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
