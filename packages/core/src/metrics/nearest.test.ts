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

  it('gives up when the probe budget is exhausted, so the caller can fall back', () => {
    const out = new Float64Array(1);
    expect(squaredDistancesAt(Int32Array.of(0), [40, 40, 40], [1, 1, 1], Int32Array.of(40 * 40 * 40 - 1), out, 10)).toBe(false);
  });
});
