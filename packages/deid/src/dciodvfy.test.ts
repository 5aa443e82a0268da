import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requireTestData } from '@delineate/testkit';
import { createDciodvfyValidator } from './dciodvfy';

describe('dciodvfy validator', () => {
  const validate = createDciodvfyValidator();

  it('reports the errors of a real object, normalised without values', async () => {
    const errors = await validate(readFileSync(requireTestData('dicom/deid-data/ctbrain1.dcm')));
    expect(errors.length).toBeGreaterThan(5);
    expect(errors.every((e) => e.startsWith('Error - ') && !/\d/.test(e))).toBe(true);
  });

  it('reports nothing for a conformant object and flags garbage', async () => {
    expect(await validate(readFileSync(requireTestData('dicom/pydicom/CT_small.dcm')))).toEqual([]);
    expect((await validate(new Uint8Array(300))).length).toBeGreaterThan(0);
  });
});
