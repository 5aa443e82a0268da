import { seededRandom as coreSeededRandom } from '../random';
import { gridOf } from '../mask/grid';
import { type BinaryMask, binaryMask } from '../mask/mask';

/**
 * Builds a mask from a numpy-style description (C order: the last axis fastest), the way
 * published Python test suites write their cases: shape and spacing in numpy axis order,
 * `inside(i0, i1, i2)` in numpy indices. Our grids are x fastest, so axes are reversed.
 */
export function maskFromNumpy(
  shape: readonly number[],
  spacing: readonly number[],
  inside: (i0: number, i1: number, i2: number) => boolean,
): BinaryMask {
  const dims = [...shape].reverse();
  const grid = gridOf(dims, [...spacing].reverse());
  const data = new Uint8Array(dims.reduce((a, b) => a * b, 1));
  if (shape.length === 2) {
    const [a0 = 1, a1 = 1] = shape;
    for (let i0 = 0; i0 < a0; i0++) for (let i1 = 0; i1 < a1; i1++) data[i0 * a1 + i1] = inside(i0, i1, 0) ? 1 : 0;
  } else {
    const [a0 = 1, a1 = 1, a2 = 1] = shape;
    for (let i0 = 0; i0 < a0; i0++)
      for (let i1 = 0; i1 < a1; i1++)
        for (let i2 = 0; i2 < a2; i2++) data[(i0 * a1 + i1) * a2 + i2] = inside(i0, i1, i2) ? 1 : 0;
  }
  return binaryMask(grid, data);
}

/**
 * MONAI's `create_spherical_seg_3d` from tests/metrics/test_hausdorff_distance.py: a (99, 99, 99)
 * volume, voxel (i0, i1, i2) inside when (i1·s1 − c1)² + (i0·s0 − c0)² + (i2·s2 − c2)² ≤ r²
 * (their spx, spy, spz order of summation). `maskSpacing` is the spacing the metric is given.
 */
export function monaiSphere(
  radius: number,
  centre: readonly [number, number, number],
  imSpacing: readonly [number, number, number] = [1, 1, 1],
  maskSpacing: readonly [number, number, number] = [1, 1, 1],
): BinaryMask {
  const [s0, s1, s2] = imSpacing;
  const [c0, c1, c2] = centre;
  return maskFromNumpy([99, 99, 99], maskSpacing, (i0, i1, i2) => {
    const spy = i0 * s0 - c0, spx = i1 * s1 - c1, spz = i2 * s2 - c2;
    return spx * spx + spy * spy + spz * spz <= radius * radius;
  });
}

/** The core's seeded generator as a function, for property tests. */
export function seededRandom(seed: number): () => number {
  const random = coreSeededRandom(seed);
  return () => random.next();
}
