import { describe, expect, it } from 'vitest';
import { flattenShifts, propagateToBScan, snapAlongEdge } from './snap';

/** A B-scan of `width` columns, dark above row `edge(a)` and bright from it down. */
function step(width: number, height: number, edge: (a: number) => number, noise = 0): Float32Array {
  const image = new Float32Array(width * height);
  for (let a = 0; a < width; a++) for (let r = 0; r < height; r++) image[r * width + a] = (r >= edge(a) ? 200 : 20) + (noise ? ((a * 7 + r * 13) % 5) * noise : 0);
  return image;
}

describe('OCT editing helpers', () => {
  it('snaps between two clicks along the strongest dark-to-bright edge, ends pinned', () => {
    const edge = (a: number) => 10 + Math.round(3 * Math.sin(a / 4));
    const image = step(30, 24, edge, 2);
    const path = snapAlongEdge(image, 30, 24, { ascan: 2, row: edge(2) }, { ascan: 25, row: edge(25) });
    expect(path).toHaveLength(24);
    // The gradient (r+1) − (r−1) peaks on the two rows either side of the step: within one row.
    for (let c = 0; c < path.length; c++) expect(Math.abs(path[c]! - 0.5 - edge(2 + c))).toBeLessThanOrEqual(1);
    const reversed = snapAlongEdge(image, 30, 24, { ascan: 25, row: edge(25) }, { ascan: 2, row: edge(2) });
    expect(reversed[0]).toBe(path[path.length - 1]);
    expect(reversed[reversed.length - 1]).toBe(path[0]);
    // A bright-to-dark search finds no edge here and does not follow this one.
    const other = snapAlongEdge(image, 30, 24, { ascan: 2, row: 3 }, { ascan: 25, row: 3 }, { polarity: 'bright_to_dark' });
    expect(Math.abs(other[10]! - 0.5 - edge(12))).toBeGreaterThan(1);
  });

  it("propagates a boundary to the neighbouring B-scan's own edge, keeping sub-pixel offsets and gaps", () => {
    const target = step(6, 20, () => 12);
    const moved = propagateToBScan([10.25, 11.25, Number.NaN, 13.25, 14.25, 15.5], target, 6, 20);
    // The edge response is equal on rows 11 and 12 (both straddle the step); ties go nearest.
    expect(Array.from(moved.subarray(0, 2))).toEqual([11.25, 11.25]);
    expect(moved[2]).toBeNaN();
    expect(moved[3]).toBe(12.25);
    expect(moved[5]).toBe(12.5);
  });

  it('gives the shifts that flatten a B-scan to BM, filling gaps from the nearest A-scan', () => {
    expect(Array.from(flattenShifts([Number.NaN, 30, 32, Number.NaN, Number.NaN, 29], 40))).toEqual([10, 10, 8, 8, 11, 11]);
    expect(Array.from(flattenShifts([Number.NaN, Number.NaN], 40))).toEqual([0, 0]);
  });
});
