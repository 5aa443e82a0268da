import { spawnSync } from 'node:child_process';
import { statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript run before any TypeScript tooling (bin/bundle.mjs)
import { buildBundle, freshBundle } from '../bin/bundle.mjs';

const cliBin = fileURLToPath(new URL('../bin/delineate.mjs', import.meta.url));
const catalogSource = fileURLToPath(new URL('./catalog.ts', import.meta.url));

describe('the CLI bundle', () => {
  it('is used while its sources are unchanged, goes stale when one changes, and runs the same commands', async () => {
    const dir = (freshBundle() as string | undefined) ?? ((await buildBundle()) as string);
    expect(statSync(join(dir, 'delineate.mjs')).isFile()).toBe(true);
    expect(freshBundle()).toBe(dir);

    // Any input newer than the build makes it stale (its time is put back afterwards).
    const before = statSync(catalogSource);
    utimesSync(catalogSource, before.atime, new Date(before.mtimeMs + 5_000));
    try {
      expect(freshBundle()).toBeUndefined();
    } finally {
      utimesSync(catalogSource, before.atime, before.mtime);
    }
    expect(freshBundle()).toBe(dir);

    // The bundle and the sources answer alike: the overall help, and an unknown command.
    for (const env of [{}, { DELINEATE_CLI_FROM_SOURCE: '1' }]) {
      const help = spawnSync(process.execPath, [cliBin, '--help'], { env: { ...process.env, ...env }, encoding: 'utf8' });
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/Usage: delineate/);
      expect(help.stdout).toMatch(/access-review/);
      const unknown = spawnSync(process.execPath, [cliBin, 'releases'], { env: { ...process.env, ...env }, encoding: 'utf8' });
      expect(unknown.status).toBe(2);
      expect(unknown.stderr.trim()).toBe("delineate: unknown command 'releases' [DLN_CLI_USAGE] (see delineate --help)");
    }
  }, 120_000);
});
