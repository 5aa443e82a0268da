import { describe, expect, it } from 'vitest';
import { directionLetters, viewEdgeLetters } from './orientation';

const identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];

describe('orientation letters', () => {
  it('names the patient directions of LPS axes', () => {
    expect(directionLetters([1, 0, 0])).toBe('L');
    expect(directionLetters([-1, 0, 0])).toBe('R');
    expect(directionLetters([0, 1, 0])).toBe('P');
    expect(directionLetters([0, -1, 0])).toBe('A');
    expect(directionLetters([0, 0, 1])).toBe('S');
    expect(directionLetters([0, 0, -1])).toBe('I');
  });

  it('writes an oblique direction with its largest component first and ignores noise', () => {
    expect(directionLetters([0.8, -0.6, 0])).toBe('LA');
    expect(directionLetters([0.2, 0.97, 0.01])).toBe('P');
    expect(directionLetters([-0.5, 0.5, 0.707])).toMatch(/^S[RP]{2}$/);
  });

  it('puts the radiological convention on an axial acquisition (patient right on the left of the screen)', () => {
    expect(viewEdgeLetters(identity, 'axial')).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    expect(viewEdgeLetters(identity, 'coronal')).toEqual({ left: 'R', right: 'L', top: 'S', bottom: 'I' });
    expect(viewEdgeLetters(identity, 'sagittal')).toEqual({ left: 'A', right: 'P', top: 'S', bottom: 'I' });
  });

  it('follows the direction cosines of a coronal acquisition instead of assuming axial', () => {
    // Rows run to the patient's left, columns downwards (-z), slices anterior to posterior.
    const coronal = [1, 0, 0, 0, 0, -1, 0, 1, 0];
    expect(viewEdgeLetters(coronal, 'axial')).toEqual({ left: 'R', right: 'L', top: 'S', bottom: 'I' });
    expect(viewEdgeLetters(coronal, 'coronal')).toEqual({ left: 'R', right: 'L', top: 'P', bottom: 'A' });
  });
});
