import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random';
import { gridOf } from './grid';
import { type LabelArray, cropLabelPair, labelMap, labelsPresent, scanLabelPair } from './mask';
import { LabelRunsBuilder, cropRunPair, labelRunsOf, labelsInRuns, scanRunPair } from './runs';

/** Blobs of labels 1‥maxLabel (sometimes one label only) on a small grid, seeded. */
function randomMaps(seed: number, dims: [number, number, number], maxLabel: number): { a: Uint8Array; b: Uint8Array } {
  const rnd = seededRandom(seed);
  const n = dims[0] * dims[1] * dims[2];
  const blob = (): Uint8Array => {
    const d = new Uint8Array(n);
    for (let k = 0; k < 4; k++) {
      const label = 1 + (rnd.nextUint32() % maxLabel);
      const c = dims.map((m) => rnd.next() * m), r = dims.map((m) => 1 + rnd.next() * m * 0.4);
      for (let z = 0; z < dims[2]; z++)
        for (let y = 0; y < dims[1]; y++)
          for (let x = 0; x < dims[0]; x++) {
            const q = ((x - (c[0] ?? 0)) / (r[0] ?? 1)) ** 2 + ((y - (c[1] ?? 0)) / (r[1] ?? 1)) ** 2 + ((z - (c[2] ?? 0)) / (r[2] ?? 1)) ** 2;
            if (q <= 1 || rnd.next() < 0.01) d[(z * dims[1] + y) * dims[0] + x] = label;
          }
    }
    return d;
  };
  return { a: blob(), b: blob() };
}

describe('label runs', () => {
  it('hold every voxel: expanding the runs gives the map back', () => {
    const grid = gridOf([9, 5, 4], [1, 1, 1]);
    const { a } = randomMaps(7, [9, 5, 4], 3);
    const runs = labelRunsOf(labelMap(grid, a));
    const back = new Uint8Array(a.length);
    for (let r = 0; r < 20; r++)
      for (let i = runs.rowStart[r] ?? 0; i < (runs.rowStart[r + 1] ?? 0); i++) back.fill(runs.label[i] ?? 0, r * 9 + (runs.start[i] ?? 0), r * 9 + (runs.end[i] ?? 0));
    expect(back).toEqual(a);
    expect(labelsInRuns(runs)).toEqual(labelsPresent(labelMap(grid, a)));
  });

  it('give the same counts, boxes and crops as the voxel scan (seeded property)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const dims: [number, number, number] = [3 + (seed % 9), 2 + (seed % 5), seed % 3 === 0 ? 1 : 2 + (seed % 4)];
      const grid = dims[2] === 1 ? gridOf([dims[0], dims[1]], [0.7, 0.9]) : gridOf(dims, [0.7, 0.9, 2.5]);
      const { a, b } = randomMaps(seed, dims, seed % 4 === 0 ? 1 : 3);
      const wide = (d: Uint8Array): LabelArray => (seed % 5 === 0 ? Int16Array.from(d) : d);
      const ref = labelMap(grid, wide(a)), test = labelMap(grid, wide(b));
      const expected = scanLabelPair(ref, test);
      const got = scanRunPair(labelRunsOf(ref), labelRunsOf(test));
      expect([...got.entries()]).toEqual([...expected.entries()]);
      for (const [label, st] of expected) {
        const want = cropLabelPair(ref, test, label, 1, st.box, expected.size === 1);
        const crop = cropRunPair(labelRunsOf(ref), labelRunsOf(test), label, 1, st.box);
        expect(crop.box).toEqual(want?.box);
        expect(crop.reference.grid).toEqual(want?.reference.grid);
        expect(crop.reference.data).toEqual(want?.reference.data);
        expect(crop.test.data).toEqual(want?.test.data);
      }
    }
  });

  it('refuse more or fewer rows than the grid has', () => {
    const b = new LabelRunsBuilder(gridOf([4, 2], [1, 1]));
    b.addRow([0, 1, 1, 0]);
    expect(() => b.finish()).toThrow(RangeError);
    b.emptyRows(1);
    expect(() => b.endRow()).toThrow(RangeError);
    const runs = b.finish();
    expect([...runs.start, ...runs.end, ...runs.label]).toEqual([1, 3, 1]);
  });
});

describe('surfaces from runs', () => {
  it('are the surfaces of the crop, point for point and weight for weight (seeded property)', async () => {
    const { runPairSurfaces } = await import('../metrics/surface-runs');
    const { pairSurfaces } = await import('../metrics/surface');
    for (let seed = 1; seed <= 30; seed++) {
      const dims: [number, number, number] = [4 + (seed % 9), 3 + (seed % 6), seed % 3 === 0 ? 1 : 2 + (seed % 5)];
      const grid = dims[2] === 1 ? gridOf([dims[0], dims[1]], [0.7, 0.9]) : gridOf(dims, [0.7, 0.9, 2.5]);
      const { a, b } = randomMaps(100 + seed, dims, seed % 4 === 0 ? 1 : 3);
      const ra = labelRunsOf(labelMap(grid, a)), rb = labelRunsOf(labelMap(grid, b));
      for (const [label, st] of scanRunPair(ra, rb)) {
        for (const convention of ['surfel', 'voxel'] as const) {
          const crop = cropRunPair(ra, rb, label, 1, st.box);
          const want = pairSurfaces(crop.reference, crop.test, convention, crop.box);
          const got = runPairSurfaces(ra, rb, label, st.box, convention);
          expect(got?.reference.dims).toEqual(want?.reference.dims);
          expect([...(got?.reference.points ?? [])]).toEqual([...(want?.reference.points ?? [])]);
          expect([...(got?.reference.weights ?? [])]).toEqual([...(want?.reference.weights ?? [])]);
          expect([...(got?.test.points ?? [])]).toEqual([...(want?.test.points ?? [])]);
          expect([...(got?.test.weights ?? [])]).toEqual([...(want?.test.weights ?? [])]);
        }
      }
    }
  });
});
