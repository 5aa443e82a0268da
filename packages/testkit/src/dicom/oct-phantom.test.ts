import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOctPhantom } from '@delineate/formats';
import { dciodvfyAvailable, runDciodvfy } from './dciodvfy';

/**
 * dicom3tools (2022) lists the three concatenation attributes as Type 1 in its Ophthalmic
 * Tomography Image module while its Multi-frame Functional Groups module forbids them outside a
 * concatenation (PS3.3 C.7.6.16: Type 1C, present only with a Concatenation UID). The phantom is
 * one unsplit instance, so it follows the latter; these three lines are the only accepted ones.
 */
const validatorConflict = [
  'Error - Missing attribute Type 1 Required Element=<ConcatenationFrameOffsetNumber> Module=<OphthalmicTomographyImage>',
  'Error - Missing attribute Type 1 Required Element=<InConcatenationNumber> Module=<OphthalmicTomographyImage>',
  'Error - Missing attribute Type 1 Required Element=<InConcatenationTotalNumber> Module=<OphthalmicTomographyImage>',
];

describe.skipIf(!dciodvfyAvailable())('dciodvfy on the synthetic OCT phantom', () => {
  let folder = '';
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'delineate-oct-'));
    const phantom = generateOctPhantom({ seed: 3 });
    await writeFile(join(folder, 'opt.dcm'), phantom.opt);
    await writeFile(join(folder, 'localizer.dcm'), phantom.localizer);
  }, 60_000);
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('validates the volume as Ophthalmic Tomography Image with no other error', () => {
    const report = runDciodvfy(join(folder, 'opt.dcm'));
    expect(report.iod).toBe('OphthalmicTomographyImage');
    expect(report.errors).toEqual(validatorConflict);
  });

  it('validates the localizer as Ophthalmic Photography 8 Bit Image with no error', () => {
    const report = runDciodvfy(join(folder, 'localizer.dcm'));
    expect(report.iod).toBe('OphthalmicPhotography8BitImage');
    expect(report.errors).toEqual([]);
  });
});
