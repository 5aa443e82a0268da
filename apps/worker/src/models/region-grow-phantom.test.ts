import { describe, expect, it } from 'vitest';
import { RegionGrowing, regionMask, type VolumeDims } from '@delineate/core';
import { generateCtPhantom } from '@delineate/formats';
import { sliceHounsfield } from '@delineate/store';

/** The straightforward reference: a voxel queue from the click, 6-connected, window tested per voxel. */
function queueGrow(hu: Int16Array, dims: VolumeDims, seed: readonly [number, number, number], tolerance: number): Uint8Array {
  const [nx, ny, nz] = dims;
  const out = new Uint8Array(hu.length);
  const start = seed[0] + nx * (seed[1] + ny * seed[2]);
  const low = hu[start]! - tolerance, high = hu[start]! + tolerance;
  const queue = [start];
  out[start] = 1;
  for (let head = 0; head < queue.length; head++) {
    const i = queue[head]!;
    const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
    for (const j of [x > 0 ? i - 1 : -1, x < nx - 1 ? i + 1 : -1, y > 0 ? i - nx : -1, y < ny - 1 ? i + nx : -1, z > 0 ? i - nx * ny : -1, z < nz - 1 ? i + nx * ny : -1]) {
      if (j >= 0 && out[j] === 0 && hu[j]! >= low && hu[j]! <= high) {
        out[j] = 1;
        queue.push(j);
      }
    }
  }
  return out;
}

describe('region growing on the CT phantom', () => {
  it('equals the voxel-queue reference for clicks in the liver, the body and air at several tolerances', () => {
    // The demo phantom's anatomy and noise (σ 10 HU) on a smaller grid, so the reference stays quick.
    const phantom = generateCtPhantom({ columns: 160, rows: 160, slices: 24 });
    const dims = phantom.dims as VolumeDims;
    const [nx, ny, nz] = dims;
    const plane = nx * ny;
    const hu = new Int16Array(plane * nz);
    phantom.slices.forEach((s, z) => hu.set(sliceHounsfield(s.bytes, ny, nx), z * plane));
    const liver: number[] = [];
    for (let i = 0; i < hu.length; i++) if (phantom.labels[i] === 1) liver.push(i);
    expect(liver.length).toBeGreaterThan(1000);
    const clicks = [liver[Math.floor(liver.length / 2)]!, liver[Math.floor(liver.length / 5)]!, plane * 12 + nx * 80 + 80, 3];
    const grower = new RegionGrowing(dims);
    let largest = 0;
    for (const at of clicks) {
      const seed = [at % nx, Math.floor(at / nx) % ny, Math.floor(at / plane)] as const;
      for (const tolerance of [5, 15, 40]) {
        const grown = grower.grow(hu, seed, { tolerance });
        const expected = queueGrow(hu, dims, seed, tolerance);
        expect(Buffer.from(regionMask(grown, hu.length)).equals(Buffer.from(expected))).toBe(true);
        expect(grown.voxels).toBe(expected.reduce((s, v) => s + v, 0));
        largest = Math.max(largest, grown.voxels);
      }
    }
    // The clicks reached real regions, not only their own voxel.
    expect(largest).toBeGreaterThan(10_000);
  });
});
