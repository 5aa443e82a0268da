import { describe, expect, it } from 'vitest';
import { createFill } from './fill';
import { createScissors } from './scissors';
import { axial, onSlice, testContext, testDims } from './test-context';

const voxels = testDims.columns * testDims.rows * testDims.slices;

/** Air (-1000) everywhere but two soft-tissue discs (60) of radius 4 on every slice, at (8, 8) and (22, 12). */
function twoDiscs(): Int16Array {
  const image = new Int16Array(voxels).fill(-1000);
  for (let z = 0; z < testDims.slices; z++)
    for (let y = 0; y < testDims.rows; y++)
      for (let x = 0; x < testDims.columns; x++) {
        if (Math.hypot(x - 8, y - 8) <= 4 || Math.hypot(x - 22, y - 12) <= 4) image[x + testDims.columns * (y + testDims.rows * z)] = 60;
      }
  return image;
}

describe('paint fill tool', () => {
  it('fills a hole enclosed by a contour on the clicked slice only', () => {
    const ctx = testContext({}, new Int16Array(voxels));
    // A 7 × 7 ring of label 2 on slice 3: a 5 × 5 hole inside.
    const rect = createScissors('rect');
    rect.down(ctx, axial(4, 4, 3));
    rect.up(ctx, axial(10, 10, 3));
    rect.down(ctx, axial(5, 5, 3, true));
    rect.up(ctx, axial(9, 9, 3));
    expect(onSlice(ctx, 3, 2)).toBe(49 - 25);
    const fill = createFill();
    expect(fill.down(ctx, axial(7, 7, 3)).kind).toBe('edited');
    expect(onSlice(ctx, 3, 2)).toBe(49);
    expect(onSlice(ctx, 2, 2)).toBe(0);
  });

  it('stays inside the intensity range and the clicked connected region (no flooding the air)', () => {
    const ctx = testContext({ threshold: { lower: -100, upper: 200 } }, twoDiscs());
    const fill = createFill();
    expect(fill.down(ctx, axial(8, 8, 5)).kind).toBe('edited');
    const disc = onSlice(ctx, 5, 2);
    // The disc of radius 4 has 49 pixels; the other disc and the air stay background.
    expect(disc).toBe(49);
    expect(ctx.map.data[22 + testDims.columns * (12 + testDims.rows * 5)]).toBe(0);
  });

  it('tells why nothing was filled when the clicked pixel is outside the range', () => {
    const ctx = testContext({ threshold: { lower: -100, upper: 200 } }, twoDiscs());
    const effect = createFill().down(ctx, axial(0, 0, 5));
    expect(effect).toEqual({ kind: 'notice', text: 'The clicked pixel (-1000) is outside the intensity range -100 to 200: nothing was filled' });
    expect(onSlice(ctx, 5, 2)).toBe(0);
  });

  it('waits for the image rather than filling without a bound', () => {
    const effect = createFill().down(testContext(), axial(0, 0, 0));
    expect(effect.kind).toBe('notice');
  });

  it('clicking the label itself changes nothing and leaves no stroke', () => {
    const ctx = testContext({}, new Int16Array(voxels));
    ctx.map.begin('seed');
    ctx.map.set(0, 2);
    ctx.map.end();
    const fill = createFill();
    expect(fill.down(ctx, axial(0, 0, 0)).kind).toBe('none');
    expect(ctx.map.undoStack).toHaveLength(1);
  });
});
