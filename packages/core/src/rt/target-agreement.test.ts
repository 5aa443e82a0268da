import { describe, expect, it } from 'vitest';
import { gridOf } from '../mask/grid';
import { binaryMask } from '../mask/mask';
import { addedPathLength, targetAgreement } from './target-agreement';

/** An axial square of side `n` pixels starting at (x0, y0) on a 10 × 10 × 1 grid of 2 × 2 × 3 mm. */
function square(x0: number, y0: number, n: number) {
  const data = new Uint8Array(100);
  for (let y = y0; y < y0 + n; y++) for (let x = x0; x < x0 + n; x++) data[y * 10 + x] = 1;
  return binaryMask(gridOf([10, 10, 1], [2, 2, 3]), data);
}

describe('target agreement as RT papers report it', () => {
  it('gives volume ratio, common and generalised conformity for three readers', () => {
    const r = targetAgreement([square(1, 1, 4), square(1, 1, 4), square(2, 1, 4)]);
    // Volumes 16, 16, 16 voxels of 12 mm³; all three share 3 × 4 = 12, together they cover 20.
    expect(r.volumesMl).toEqual([0.192, 0.192, 0.192].map((v) => expect.closeTo(v, 12)));
    expect(r.volumeRatio).toBe(1);
    expect(r.conformityCommon).toBeCloseTo(12 / 20, 12);
    // Pairs: (1,2) 16/16, (1,3) 12/20, (2,3) 12/20.
    expect(r.conformityGeneralised).toBeCloseTo((16 + 12 + 12) / (16 + 20 + 20), 12);
  });

  it('gives the largest over the smallest volume', () => {
    expect(targetAgreement([square(1, 1, 2), square(1, 1, 4)]).volumeRatio).toBe(4);
  });

  it('counts the reference contour the other reader does not follow, in mm', () => {
    // Reference square 4 × 4 has 12 border pixels; the test square shifted by one shares the
    // column x = 2 partly: border pixels of the reference that are also test border pixels.
    expect(addedPathLength(square(1, 1, 4), square(1, 1, 4))).toBe(0);
    const shifted = addedPathLength(square(1, 1, 4), square(2, 1, 4));
    // Reference border: x=1 (4), x=4 (4), y=1 and y=4 for x=2,3 (4). Test border covers x=2..5 on
    // y=1 and y=4, and x=2, x=5 columns: shared are (2,1),(3,1),(4,1),(2,4),(3,4),(4,4) → 6 missing.
    expect(shifted).toBe(6 * 2);
    // Within 2 mm tolerance every reference border pixel has a test border pixel one pixel away.
    expect(addedPathLength(square(1, 1, 4), square(2, 1, 4), 2)).toBe(0);
    expect(addedPathLength(square(1, 1, 4), binaryMask(gridOf([10, 10, 1], [2, 2, 3]), new Uint8Array(100)))).toBe(12 * 2);
  });
});
