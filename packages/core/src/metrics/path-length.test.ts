import { describe, expect, it } from 'vitest';
import { gridOf } from '../mask/grid';
import { binaryMask } from '../mask/mask';
import { pathLengths } from './path-length';

/** A one-slice 8×8 mask from rows of '#' and '.'. */
function slice(rows: string[]) {
  const data = Uint8Array.from(rows.join('').split(''), (c) => (c === '#' ? 1 : 0));
  return binaryMask(gridOf([8, 8, 1], [0.5, 0.5, 2]), data);
}

describe('pathLengths', () => {
  it('counts the corrected contour off the automatic one (APL) and outside its mask (FNPL), worked by hand', () => {
    const automatic = slice(['........', '.####...', '.####...', '.####...', '.####...', '........', '........', '........']);
    // The annotator widened the square by one column to the right.
    const corrected = slice(['........', '.#####..', '.#####..', '.#####..', '.#####..', '........', '........', '........']);
    const r = pathLengths(automatic, corrected, 0);
    // Corrected border: rows 1 and 4 (5 each) + the two ends of rows 2 and 3 = 14 pixels.
    expect(r.correctedContourPixels).toBe(14);
    // Corrected border pixels: x=1..5 at y=1 and y=4, x=1 and x=5 at y=2,3. Automatic border: x=1..4 at y=1,4; x=1,4 at y=2,3.
    // Off the automatic border: (5,1),(5,2),(5,3),(5,4) = 4 pixels.
    expect(r.addedPixels).toBe(4);
    expect(r.addedPathLengthMm).toBeCloseTo(2, 10);
    // Outside the automatic mask: the same new column, 4 pixels.
    expect(r.falseNegativePixels).toBe(4);
    expect(r.falseNegativePathLengthMm).toBeCloseTo(2, 10);
  });

  it('a tolerance accepts contour pixels near the automatic contour; accepted as is costs nothing', () => {
    const automatic = slice(['........', '.####...', '.####...', '.####...', '.####...', '........', '........', '........']);
    const corrected = slice(['........', '.#####..', '.#####..', '.#####..', '.#####..', '........', '........', '........']);
    expect(pathLengths(automatic, corrected, 0.5).addedPixels).toBe(0);
    const same = pathLengths(automatic, automatic, 0);
    expect([same.addedPathLengthMm, same.falseNegativePathLengthMm]).toEqual([0, 0]);
  });
});
