import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRasterPhoto, encodeRgbPng, generateSyntheticFundus, writeOphthalmicPhoto } from '@delineate/formats';
import { dciodvfyAvailable, runDciodvfy } from './dciodvfy';

describe.skipIf(!dciodvfyAvailable())('dciodvfy on photographs wrapped as Ophthalmic Photography', () => {
  let folder = '';
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'delineate-op-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const check = async (name: string, bytes: Uint8Array, iod: string) => {
    const path = join(folder, name);
    await writeFile(path, bytes);
    const report = runDciodvfy(path);
    expect(report.iod).toBe(iod);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
  };

  it('an RGB PNG (the synthetic fundus, odd width) wrapped at ingest is a valid OP 8 Bit image', async () => {
    const fundus = generateSyntheticFundus({ width: 321, height: 257, laterality: 'OS' });
    const { pixels } = decodeRasterPhoto(encodeRgbPng(fundus.pixels));
    await check('op8.dcm', writeOphthalmicPhoto({ pixels, laterality: 'OS', acquiredAt: new Date(0), subjectId: 'SUBJ-1', uidSeed: 'dciodvfy-8' }), 'OphthalmicPhotography8BitImage');
  });

  it('16-bit grey pixels with a pixel spacing are a valid OP 16 Bit image', async () => {
    const pixels = { kind: 'grey16' as const, width: 40, height: 30, data: new Uint16Array(1200).map((_, i) => i * 50) };
    await check('op16.dcm', writeOphthalmicPhoto({ pixels, laterality: 'OD', acquiredAt: new Date(0), subjectId: 'SUBJ-2', uidSeed: 'dciodvfy-16', pixelSpacingMm: [0.01, 0.01] }), 'OphthalmicPhotography16BitImage');
  });
});
