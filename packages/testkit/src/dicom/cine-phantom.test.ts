import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cineClassicInstances, cineEnhancedInstance, cinePhantom } from '@delineate/formats';
import { dciodvfyAvailable, runDciodvfy } from './dciodvfy';

// The full-size phantom (12 slices × 20 phases) is what the demo offers, so it is what is validated.
const phantom = cinePhantom();

describe.runIf(dciodvfyAvailable())('cine phantom against dciodvfy', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'delineate-cine-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('classic MR images (first and last slice, ED and ES) have no IOD errors', async () => {
    const files = cineClassicInstances(phantom);
    expect(files).toHaveLength(240);
    const chosen = files.filter((f) => (f.slice === 0 || f.slice === 11) && (f.phase === 0 || f.phase === 7));
    expect(chosen).toHaveLength(4);
    for (const file of chosen) {
      const path = join(folder, `classic-${file.slice}-${file.phase}.dcm`);
      await writeFile(path, file.bytes);
      const report = runDciodvfy(path);
      expect(report.errors).toEqual([]);
      expect(report.output).toContain('MRImage');
    }
  });

  it('the Enhanced MR image of all 240 frames has no IOD errors', async () => {
    const path = join(folder, 'enhanced.dcm');
    await writeFile(path, cineEnhancedInstance(phantom).bytes);
    const report = runDciodvfy(path);
    expect(report.errors).toEqual([]);
    expect(report.output).toContain('EnhancedMRImage');
  });

  it('a broken object does fail the same check', async () => {
    const path = join(folder, 'broken.dcm');
    const bytes = cineEnhancedInstance(cinePhantom({ slices: 2, phases: 3, rows: 16, columns: 16 })).bytes;
    await writeFile(path, bytes.subarray(0, bytes.length - 100));
    expect(runDciodvfy(path).errors.length).toBeGreaterThan(0);
  });
});
