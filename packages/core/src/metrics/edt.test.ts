import { describe, expect, it } from 'vitest';
import { gridOf } from '../mask/grid';
import { binaryMask } from '../mask/mask';
import { seededRandom } from '../test/volumes';
import { distanceToForeground } from './edt';

function bruteForce(data: Uint8Array, dims: readonly number[], spacing: readonly number[]): Float64Array {
  const [nx = 1, ny = 1, nz = 1] = dims;
  const [sx = 1, sy = 1, sz = 1] = spacing;
  const pts: [number, number, number][] = [];
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) if (data[(z * ny + y) * nx + x]) pts.push([x, y, z]);
  const out = new Float64Array(nx * ny * nz);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        let best = Infinity;
        for (const [px, py, pz] of pts) best = Math.min(best, Math.hypot((x - px) * sx, (y - py) * sy, (z - pz) * sz));
        out[(z * ny + y) * nx + x] = best;
      }
  return out;
}

describe('distanceToForeground (exact separable EDT)', () => {
  it.each([
    [[17, 13, 9], [0.7, 1.3, 2.5], 0.02],
    [[23, 11, 7], [1, 1, 1], 0.1],
    [[31, 19], [0.5, 3], 0.01],
    [[8, 8, 30], [2, 1, 0.3], 0.005],
  ])('matches brute force on random features, dims %j spacing %j', (dims, spacing, density) => {
    const rnd = seededRandom(dims.reduce((a, b) => a * 31 + b, 7));
    const grid = gridOf(dims, spacing);
    const data = new Uint8Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = rnd() < density ? 1 : 0;
    data[3] = 1;
    const got = distanceToForeground(binaryMask(grid, data));
    const want = bruteForce(data, grid.dims, grid.spacing);
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i] ?? NaN, 5);
  });

  it('gives Infinity everywhere for an empty mask', () => {
    const grid = gridOf([4, 5, 6], [1, 1, 1]);
    const got = distanceToForeground(binaryMask(grid, new Uint8Array(120)));
    expect(got.every((v) => v === Infinity)).toBe(true);
  });
});
