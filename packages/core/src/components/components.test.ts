import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random';
import { componentMask, largestComponent, windowComponents, type VolumeDims } from './components';
import { ctBody, ctBone, ctLung, thresholdInBox } from './classical';
import { RegionGrowing, growRegion, regionMask } from './region-grow';

/** Reference labelling: breadth-first flood fill voxel by voxel (6-connected). */
function floodComponents(mask: Uint8Array, dims: VolumeDims): { labels: Int32Array; count: number } {
  const [nx, ny, nz] = dims;
  const labels = new Int32Array(mask.length).fill(-1);
  let count = 0;
  const queue = new Int32Array(mask.length);
  for (let s = 0; s < mask.length; s++) {
    if (mask[s] === 0 || labels[s]! >= 0) continue;
    let head = 0, tail = 0;
    queue[tail++] = s;
    labels[s] = count;
    while (head < tail) {
      const i = queue[head++]!;
      const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
      const next = [x > 0 ? i - 1 : -1, x < nx - 1 ? i + 1 : -1, y > 0 ? i - nx : -1, y < ny - 1 ? i + nx : -1, z > 0 ? i - nx * ny : -1, z < nz - 1 ? i + nx * ny : -1];
      for (const j of next) {
        if (j >= 0 && mask[j] === 1 && labels[j]! < 0) {
          labels[j] = count;
          queue[tail++] = j;
        }
      }
    }
    count++;
  }
  return { labels, count };
}

describe('windowComponents', () => {
  it('finds the same partition as a voxel flood fill on random volumes', () => {
    const rng = seededRandom(7);
    const random = () => rng.next();
    for (let trial = 0; trial < 20; trial++) {
      const dims: VolumeDims = [3 + Math.floor(random() * 9), 3 + Math.floor(random() * 9), 1 + Math.floor(random() * 6)];
      const mask = new Uint8Array(dims[0] * dims[1] * dims[2]);
      for (let i = 0; i < mask.length; i++) mask[i] = random() < 0.45 ? 1 : 0;
      const runs = windowComponents(mask, dims, { low: 1, high: 1 });
      const flood = floodComponents(mask, dims);
      expect(runs.count).toBe(flood.count);
      // Same partition: each component's mask is one flood label's voxels.
      for (let c = 0; c < runs.count; c++) {
        const m = componentMask(runs, (k) => k === c);
        const labels = new Set<number>();
        let n = 0;
        m.forEach((v, i) => {
          if (v === 1) {
            labels.add(flood.labels[i]!);
            n++;
          }
        });
        expect(labels.size).toBe(1);
        const label = [...labels][0]!;
        expect(n).toBe(flood.labels.filter((l) => l === label).length);
        expect(runs.sizes[c]).toBe(n);
      }
    }
  });

  it('joins across slices only through shared faces and reports the in-plane edge', () => {
    const dims: VolumeDims = [4, 4, 2];
    const v = new Int16Array(32).fill(-1000);
    v[1 + 4 * 1] = 40; // z=0, (1,1)
    v[2 + 4 * 2 + 16] = 40; // z=1, (2,2): diagonal only, not joined
    v[1 + 4 * 1 + 16] = 40; // z=1, (1,1): joined to the first
    v[0 + 4 * 3] = 40; // on the edge
    const c = windowComponents(v, dims, { low: 0, high: 100 });
    expect(c.count).toBe(3);
    expect([...c.sizes].sort()).toEqual([1, 1, 2]);
    expect(c.sizes[largestComponent(c)]).toBe(2);
    expect([...c.touchesInPlaneEdge].filter((e) => e === 1)).toHaveLength(1);
  });
});

describe('classical pre-annotators', () => {
  // A 12×12×3 scan: air around, a 6×6 body (40 HU) with a 2×2 lung (−800 HU), a bone voxel (700 HU), and a table strip (0 HU).
  const dims: VolumeDims = [12, 12, 3];
  const hu = new Int16Array(12 * 12 * 3).fill(-1000);
  const at = (x: number, y: number, z: number) => x + 12 * (y + 12 * z);
  for (let z = 0; z < 3; z++) {
    for (let y = 2; y < 8; y++) for (let x = 2; x < 8; x++) hu[at(x, y, z)] = 40;
    for (let y = 4; y < 6; y++) for (let x = 4; x < 6; x++) hu[at(x, y, z)] = -800;
    hu[at(3, 3, z)] = 700;
    for (let x = 1; x < 11; x++) hu[at(x, 10, z)] = 0;
  }

  it('CT body keeps the largest component above −300 HU and drops the table', () => {
    const body = ctBody(hu, dims);
    expect(body.reduce((s, v) => s + v, 0)).toBe(3 * (36 - 4));
    expect(body[at(5, 10, 1)]).toBe(0);
    expect(body[at(4, 4, 1)]).toBe(0);
  });

  it('lung keeps −1000…−400 HU components that do not touch the in-plane edge', () => {
    const lung = ctLung(hu, dims);
    expect(lung.reduce((s, v) => s + v, 0)).toBe(3 * 4);
    expect(lung[at(0, 0, 0)]).toBe(0);
  });

  it('bone is every voxel above 150 HU; threshold in a box stays in the box', () => {
    expect(ctBone(hu, dims).reduce((s, v) => s + v, 0)).toBe(3);
    const boxed = thresholdInBox(hu, dims, { min: [2, 2, 1], max: [4, 4, 1] }, { low: 0, high: 100 });
    // 3×3 at z=1 holds 9 voxels: one bone (700 HU) and one lung (−800 HU) are outside the window.
    expect(boxed.reduce((s, v) => s + v, 0)).toBe(7);
  });

  it('region growing from a click fills the connected voxels within the tolerance', () => {
    const grown = growRegion(hu, dims, [2, 2, 0], { tolerance: 50 });
    // The body's soft tissue (40 HU) in 3 slices; not the table (0 HU, not connected) nor bone or lung.
    expect(grown.voxels).toBe(3 * (36 - 4 - 1));
    expect(regionMask(grown, hu.length)[at(5, 10, 0)]).toBe(0);
    expect(growRegion(hu, dims, [2, 2, 0], { tolerance: 50, maxVoxels: 10 }).truncated).toBe(true);
    expect(growRegion(hu, dims, [20, 2, 0], { tolerance: 50 }).voxels).toBe(0);
  });

  it('region growing equals a flood fill of the window on random volumes', () => {
    const rng = seededRandom(11);
    const random = () => rng.next();
    for (let trial = 0; trial < 10; trial++) {
      const d: VolumeDims = [9, 8, 5];
      const v = new Int16Array(9 * 8 * 5);
      for (let i = 0; i < v.length; i++) v[i] = Math.floor(random() * 100);
      const seed = [4, 4, 2] as const;
      const centre = v[4 + 9 * (4 + 8 * 2)]!;
      const grown = growRegion(v, d, seed, { tolerance: 30 });
      const inWindow = Uint8Array.from(v, (x) => (Math.abs(x - centre) <= 30 ? 1 : 0));
      const flood = floodComponents(inWindow, d);
      const label = flood.labels[4 + 9 * (4 + 8 * 2)]!;
      expect(Array.from(regionMask(grown, v.length))).toEqual(Array.from(flood.labels, (l) => (l === label ? 1 : 0)));
    }
  });

  it('region growing keeps long rows whole across bit words and honours a fractional tolerance', () => {
    // Rows of 70 voxels span three 32-bit words; a few outliers cut them.
    const d: VolumeDims = [70, 6, 4];
    const v = new Float32Array(70 * 6 * 4).fill(100);
    const rng = seededRandom(5);
    for (let i = 0; i < v.length; i++) if (rng.next() < 0.05) v[i] = 100.6;
    const grown = growRegion(v, d, [0, 0, 0], { tolerance: 0.5 });
    const inWindow = Uint8Array.from(v, (x) => (x === 100 ? 1 : 0));
    const flood = floodComponents(inWindow, d);
    const label = flood.labels[0]!;
    const expected = Array.from(flood.labels, (l) => (l === label ? 1 : 0));
    expect(Array.from(regionMask(grown, v.length))).toEqual(expected);
    expect(grown.voxels).toBe(expected.filter((x) => x === 1).length);
    // Spans never cross a row's end.
    for (let k = 0; k < grown.spanStart.length; k++) expect(Math.floor(grown.spanStart[k]! / 70)).toBe(Math.floor((grown.spanEnd[k]! - 1) / 70));
  });

  it('one grower answers clicks with different seeds and tolerances exactly as a flood fill of each window', () => {
    // Widths off and on the 32-voxel word, smooth values (long runs crossing words) and noise (short runs).
    const rng = seededRandom(23);
    for (const d of [[37, 9, 6], [64, 5, 4], [70, 7, 5]] as VolumeDims[]) {
      const [nx, ny, nz] = d;
      const v = new Int16Array(nx * ny * nz);
      for (let i = 0; i < v.length; i++) {
        const x = i % nx, z = Math.floor(i / (nx * ny));
        v[i] = Math.round(40 * Math.sin(x / 9 + z) + 12 * (rng.next() - 0.5));
      }
      const grower = new RegionGrowing(d);
      for (let click = 0; click < 12; click++) {
        const seed = [Math.floor(rng.next() * nx), Math.floor(rng.next() * ny), Math.floor(rng.next() * nz)] as const;
        const tolerance = [0, 3, 10, 25, 60][click % 5]!;
        const at = seed[0] + nx * (seed[1] + ny * seed[2]);
        const flood = floodComponents(Uint8Array.from(v, (x) => (Math.abs(x - v[at]!) <= tolerance ? 1 : 0)), d);
        const expected = Array.from(flood.labels, (l) => (l === flood.labels[at] ? 1 : 0));
        const grown = grower.grow(v, seed, { tolerance });
        expect(Array.from(regionMask(grown, v.length))).toEqual(expected);
        expect(grown.voxels).toBe(expected.filter((x) => x === 1).length);
        // Spans come row by row in x order, each inside its row.
        for (let k = 1; k < grown.spanStart.length; k++) expect(grown.spanStart[k]!).toBeGreaterThan(grown.spanEnd[k - 1]! - 1);
        for (let k = 0; k < grown.spanStart.length; k++) expect(Math.floor(grown.spanStart[k]! / nx)).toBe(Math.floor((grown.spanEnd[k]! - 1) / nx));
      }
    }
  });

  it('a region reaching more rows than the first pool holds grows the pool and stays exact', () => {
    // 80 × 60 = 4,800 rows, more than the 4,096 rows a grower starts with.
    const d: VolumeDims = [33, 80, 60];
    const rng = seededRandom(31);
    const v = Int16Array.from({ length: 33 * 80 * 60 }, () => Math.floor(rng.next() * 100));
    const grower = new RegionGrowing(d);
    for (const [seed, tolerance] of [[[16, 40, 30], 45], [[0, 0, 0], 30], [[16, 40, 30], 45]] as const) {
      const at = seed[0] + 33 * (seed[1] + 80 * seed[2]);
      const flood = floodComponents(Uint8Array.from(v, (x) => (Math.abs(x - v[at]!) <= tolerance ? 1 : 0)), d);
      const expected = Uint8Array.from(flood.labels, (l) => (l === flood.labels[at] ? 1 : 0));
      const grown = grower.grow(v, seed, { tolerance });
      expect(Buffer.from(regionMask(grown, v.length)).equals(Buffer.from(expected))).toBe(true);
    }
    expect(grower.grow(v, [16, 40, 30], { tolerance: 45 }).spanStart.length).toBeGreaterThan(4096);
  });

  it('region growing stops at the voxel limit and a negative tolerance keeps the click alone', () => {
    const d: VolumeDims = [40, 40, 3];
    const v = new Int16Array(40 * 40 * 3).fill(50);
    const cut = growRegion(v, d, [5, 5, 1], { tolerance: 1, maxVoxels: 100 });
    expect(cut.truncated).toBe(true);
    expect(cut.voxels).toBeGreaterThanOrEqual(100);
    expect(cut.voxels).toBeLessThan(v.length);
    const alone = growRegion(v, d, [5, 5, 1], { tolerance: -1 });
    expect([alone.voxels, Array.from(alone.spanStart), Array.from(alone.spanEnd)]).toEqual([1, [5 + 40 * (5 + 40)], [6 + 40 * (5 + 40)]]);
    expect(growRegion(v, d, [5, 5, 1], { tolerance: 0 }).voxels).toBe(v.length);
  });
});
