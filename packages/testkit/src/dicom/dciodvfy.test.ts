import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCtPhantom } from '@delineate/formats';
import { writeTinyCtPhantom } from '../phantom';
import { dciodvfyAvailable, runDciodvfy } from './dciodvfy';

describe.skipIf(!dciodvfyAvailable())('dciodvfy on the synthetic CT phantom', () => {
  let folder = '';
  let files: string[] = [];

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'delineate-dciodvfy-'));
    // Non-square, non-default geometry so the check covers more than the demo defaults.
    files = (await writeTinyCtPhantom(folder, { rows: 48, columns: 64, spacing: [0.7, 0.9, 2.5], seed: 3 })).files;
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('validates the first, a middle and the last slice as CT Image with no errors or warnings', () => {
    for (const path of [files[0]!, files[4]!, files[files.length - 1]!]) {
      const report = runDciodvfy(path);
      expect(report.iod).toBe('CTImage');
      expect(report.errors).toEqual([]);
      expect(report.warnings).toEqual([]);
      expect(report.exitCode).toBe(0);
    }
  });

  it('validates a slice at the demo size (512×512, 0.78125 mm pixels)', async () => {
    const demoSized = await writeCtPhantom(join(folder, 'demo-size'), { slices: 2, spacing: [0.78125, 0.78125, 2] });
    const report = runDciodvfy(demoSized.files[1]!);
    expect(report.iod).toBe('CTImage');
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
  });

  it('reports errors for a damaged file', async () => {
    const bytes = await readFile(files[0]!);
    const broken = Buffer.from(bytes.toString('latin1').replace('MONOCHROME2 ', 'MONOCHROMEX '), 'latin1');
    const path = join(folder, 'broken.dcm');
    await writeFile(path, broken);
    const report = runDciodvfy(path);
    expect(report.errors.some((line) => line.includes('Photometric Interpretation'))).toBe(true);
    expect(report.exitCode).not.toBe(0);
  });
});
