import { describe, expect, it } from 'vitest';
import { seededRandom } from '../test/volumes';
import { squaredDistanceField } from './edt';
import { squaredDistancesAt } from './nearest';

describe('squaredDistancesAt (pruned exact search)', () => {
  it('equals the full separable transform at every queried point', () => {
    const dims: [number, number, number] = [21, 17, 13];
    const spacing: [number, number, number] = [Math.fround(0.7), Math.fround(1.1), Math.fround(2.5)];
    const rnd = seededRandom(99);
    const features = Uint8Array.from({ length: 21 * 17 * 13 }, () => (rnd() < 0.01 ? 1 : 0));
    const queries = Int32Array.from({ length: 400 }, () => Math.floor(rnd() * features.length));
    const out = new Float64Array(queries.length);
    const points = Int32Array.from([...features].flatMap((f, i) => (f ? [i] : [])));
    expect(squaredDistancesAt(points, dims, spacing, queries, out, Infinity)).toBe(true);
    const field = squaredDistanceField(features, dims, spacing);
    queries.forEach((q, i) => expect(Math.sqrt(out[i] ?? NaN)).toBeCloseTo(Math.sqrt(field[q] ?? NaN), 5));
  });

  it('equals a brute-force search exactly, queries ascending (as surfaces give them) or in any order', () => {
    const dims: [number, number, number] = [19, 11, 7];
    const [sx, sy, sz] = [Math.fround(0.7), Math.fround(0.9), Math.fround(2.5)];
    const rnd = seededRandom(7);
    const n = 19 * 11 * 7;
    for (const density of [0.02, 0.3]) {
      const points = Int32Array.from(Array.from({ length: n }, (_, i) => i).filter(() => rnd() < density));
      const ascending = Int32Array.from({ length: n }, (_, i) => i);
      const shuffled = Int32Array.from({ length: 600 }, () => Math.floor(rnd() * n));
      for (const queries of [ascending, shuffled]) {
        const out = new Float64Array(queries.length);
        expect(squaredDistancesAt(points, dims, [sx, sy, sz], queries, out, Infinity)).toBe(true);
        queries.forEach((q, i) => {
          const [x, y, z] = [q % 19, Math.floor(q / 19) % 11, Math.floor(q / 209)];
          let best = Infinity;
          for (const p of points) {
            const dx = Math.abs((p % 19) - x), dy = Math.abs((Math.floor(p / 19) % 11) - y), dz = Math.abs(Math.floor(p / 209) - z);
            best = Math.min(best, dz * sz * (dz * sz) + dy * sy * (dy * sy) + dx * sx * (dx * sx));
          }
          expect(out[i]).toBe(best);
        });
      }
    }
  });

  it('gives up when the probe budget is exhausted, so the caller can fall back', () => {
    const out = new Float64Array(1);
    expect(squaredDistancesAt(Int32Array.of(0), [40, 40, 40], [1, 1, 1], Int32Array.of(40 * 40 * 40 - 1), out, 10)).toBe(false);
  });
});
