import { describe, expect, it } from 'vitest';
import { modalityDisplay } from '../../viewer/modality-presets';
import { measurementText } from './measurement-text';

describe('measurement words', () => {
  it('gives a ruler in mm and an ellipse ROI with its mean, SD and area, in HU for CT only', () => {
    expect(measurementText({ kind: 'ruler', orientation: 'axial', s: 0, a: [0, 0], b: [1, 1], lengthMm: 42.46 }, modalityDisplay('CT'))).toBe('42.5 mm');
    const roi = { kind: 'ellipse' as const, orientation: 'axial' as const, s: 0, centre: [1, 1] as [number, number], radii: [2, 2] as [number, number], stats: { pixels: 13, areaMm2: 310.4, mean: 48.24, sd: 9.71, min: 30, max: 70 } };
    expect(measurementText(roi, modalityDisplay('CT'))).toBe('mean 48.2 ± 9.7 HU (SD) · 310 mm²');
    expect(measurementText(roi, modalityDisplay('MR'))).toBe('mean 48.2 ± 9.7 (SD) · 310 mm²');
  });
});
