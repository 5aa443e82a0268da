import { describe, expect, it } from 'vitest';
import { maskArea, maskOfRuns, runsOfMask } from './frame-runs';
import { interpolateMask } from './shape-interpolation';

const W = 96;
const H = 72;

function disc(cx: number, cy: number, r: number): Uint8Array {
  const mask = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (Math.hypot(x - cx, y - cy) <= r) mask[y * W + x] = 1;
  return mask;
}

function centroidAndRadius(mask: Uint8Array): { x: number; y: number; r: number } {
  let sx = 0;
  let sy = 0;
  const n = maskArea(mask);
  mask.forEach((v, i) => {
    if (v) {
      sx += i % W;
      sy += Math.floor(i / W);
    }
  });
  return { x: sx / n, y: sy / n, r: Math.sqrt(n / Math.PI) };
}

describe('interpolateMask', () => {
  it('between two discs at different places and sizes gives the disc at the interpolated centre and radius', () => {
    const a = disc(20, 20, 6);
    const b = disc(70, 50, 16);
    for (const t of [0.25, 0.5, 0.75]) {
      const mid = interpolateMask(a, b, W, H, t);
      const got = centroidAndRadius(mid);
      expect(got.x).toBeCloseTo(20 + 50 * t, 0);
      expect(got.y).toBeCloseTo(20 + 30 * t, 0);
      expect(Math.abs(got.r - (6 + 10 * t))).toBeLessThan(0.5);
      // A disc, not a blend of two: nearly every pixel agrees with the ideal disc.
      const ideal = disc(20 + 50 * t, 20 + 30 * t, 6 + 10 * t);
      let differ = 0;
      for (let i = 0; i < ideal.length; i++) if (ideal[i] !== mid[i]) differ++;
      expect(differ / maskArea(ideal)).toBeLessThan(0.08);
    }
  });

  it('is not a copy of either keyframe and returns the keyframes at its ends', () => {
    const a = disc(20, 20, 6);
    const b = disc(70, 50, 16);
    const mid = interpolateMask(a, b, W, H, 0.5);
    expect(runsOfMask(mid)).not.toEqual(runsOfMask(a));
    expect(runsOfMask(mid)).not.toEqual(runsOfMask(b));
    expect(runsOfMask(interpolateMask(a, b, W, H, 0))).toEqual(runsOfMask(a));
    expect(runsOfMask(interpolateMask(a, b, W, H, 1))).toEqual(runsOfMask(b));
  });

  it('gives nothing when a keyframe is empty', () => {
    expect(maskArea(interpolateMask(disc(20, 20, 6), new Uint8Array(W * H), W, H, 0.5))).toBe(0);
  });
});

describe('frame runs', () => {
  it('round-trip a mask and refuse runs that do not cover the frame', () => {
    const mask = disc(30, 30, 9);
    const runs = runsOfMask(mask);
    const back = maskOfRuns(runs, W * H);
    expect(back.ok && Array.from(back.mask)).toEqual(Array.from(mask));
    expect(maskOfRuns([...runs, 5], W * H).ok).toBe(false);
    expect(maskOfRuns([10, 10], W * H).ok).toBe(false);
  });
});
