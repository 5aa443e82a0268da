import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requireTestData } from '@delineate/testkit';
import { createDciodvfyValidator, normaliseValidatorLine } from './dciodvfy';

describe('dciodvfy validator', () => {
  const validate = createDciodvfyValidator();

  it('reports the errors of a real object by element, without values', async () => {
    const errors = await validate(readFileSync(requireTestData('dicom/deid-data/ctbrain1.dcm')));
    expect(errors.length).toBeGreaterThan(5);
    expect(errors.every((e) => e.startsWith('Error - '))).toBe(true);
    // ctbrain1's own values that dciodvfy quotes: a private creator, a protocol name, an age.
    for (const value of ['MITRA', 'CT BRAIN WO IVCON', '75Y']) expect(errors.join('\n')).not.toContain(value);
    expect(errors).toContain('Error - </ConversionType(0008,0064)> - Empty attribute (no value) for Type # Required - Module=<SCEquipment>');
  });

  it('keeps attribute paths and module names, drops every value and count', () => {
    expect(normaliseValidatorLine('Error - </(0033,1004,"MITRA OBJECT UTF8 ATTRIBUTES 1.0")[1]> - Value invalid for this VR [CS] = <CT BRAIN WO IVCON> - Length invalid for this VR = <17> - expected <= 16')).toBe(
      'Error - </(0033,1004)[1]> - Value invalid for this VR [CS] = <> - Length invalid for this VR = <> - expected <= #',
    );
    expect(normaliseValidatorLine("Error - </PatientAge(0010,1010)> - Value invalid for this VR [AS] - Trailing character invalid for this VR = ' ' (0x20)")).toBe(
      "Error - </PatientAge(0010,1010)> - Value invalid for this VR [AS] - Trailing character invalid for this VR = '' (#x#)",
    );
    expect(normaliseValidatorLine('Error - </ImplementationClassUID(0002,0012)> - Illegal root for UID = <1234567890.1998.310>')).toBe(
      'Error - </ImplementationClassUID(0002,0012)> - Illegal root for UID = <>',
    );
    expect(normaliseValidatorLine('Error - Missing attribute Type 1 Required Element=<OverlayData> Module=<OverlayPlane>')).toBe(
      'Error - Missing attribute Type # Required Element=<OverlayData> Module=<OverlayPlane>',
    );
  });

  it('reports nothing for a conformant object and flags garbage', async () => {
    expect(await validate(readFileSync(requireTestData('dicom/pydicom/CT_small.dcm')))).toEqual([]);
    expect((await validate(new Uint8Array(300))).length).toBeGreaterThan(0);
  });
});
