import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript run before any TypeScript tooling (bin/bundle.mjs)
import { buildBundle, fingerprintOf, freshBundle } from '../bin/bundle.mjs';

const cliBin = fileURLToPath(new URL('../bin/delineate.mjs', import.meta.url));

describe('the CLI bundle', () => {
  it('is used while its sources are unchanged, goes stale when one changes, and runs the same commands', async () => {
    const dir = (freshBundle() as string | undefined) ?? ((await buildBundle()) as string);
    expect(statSync(join(dir, 'delineate.mjs')).isFile()).toBe(true);
    expect(freshBundle()).toBe(dir);

    // Any input newer than the build makes it stale. Shown on a file of its own: touching a real
    // source would make the bundle stale for the CLI processes other tests start meanwhile.
    const dirOfInput = mkdtempSync(join(tmpdir(), 'dln-bundle-input-'));
    try {
      const input = join(dirOfInput, 'source.ts');
      writeFileSync(input, 'export {};\n');
      const at = new Date(Date.parse('2026-12-01T10:00:00.250Z'));
      utimesSync(input, at, at);
      const fingerprint = fingerprintOf([input]) as string;
      expect(fingerprint).toMatch(/^[0-9a-f]{24}$/);
      utimesSync(input, at, new Date(at.getTime() + 5_000));
      expect(fingerprintOf([input])).not.toBe(fingerprint);
      utimesSync(input, at, at);
      expect(fingerprintOf([input])).toBe(fingerprint);
      writeFileSync(input, 'export const changed = 1;\n');
      utimesSync(input, at, at);
      expect(fingerprintOf([input])).not.toBe(fingerprint); // same time, another size
      rmSync(input);
      expect(fingerprintOf([input])).toBeUndefined();
    } finally {
      rmSync(dirOfInput, { recursive: true, force: true });
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
