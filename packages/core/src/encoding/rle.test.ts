import { describe, expect, it } from 'vitest';
import { decodeRle8, encodeRle8, labelsInRle8, validateRle8 } from './rle';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('rle8', () => {
  it('round-trips random label volumes with long and short runs', () => {
    const rand = lcg(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 1 + Math.floor(rand() * 50_000);
      const v = new Uint8Array(n);
      let i = 0;
      while (i < n) {
        const run = 1 + Math.floor(rand() ** 4 * 20_000);
        v.fill(Math.floor(rand() * 4), i, Math.min(n, i + run));
        i += run;
      }
      const decoded = decodeRle8(encodeRle8(v), n);
      expect(decoded.ok).toBe(true);
      if (decoded.ok) expect(Buffer.from(decoded.voxels).equals(Buffer.from(v))).toBe(true);
    }
  });

  it('encodes a 512×512×128 empty volume in a few bytes', () => {
    const n = 512 * 512 * 128;
    const encoded = encodeRle8(new Uint8Array(n));
    expect(encoded.length).toBeLessThan(6);
    const decoded = decodeRle8(encoded, n);
    expect(decoded.ok && decoded.voxels.length).toBe(n);
  });

  it('rejects streams that do not describe exactly the expected volume', () => {
    const encoded = encodeRle8(new Uint8Array([1, 1, 2, 0]));
    expect(decodeRle8(encoded, 5)).toEqual({ ok: false, reason: 'length_mismatch' });
    expect(decodeRle8(encoded, 3)).toEqual({ ok: false, reason: 'length_mismatch' });
    expect(decodeRle8(encoded.slice(0, encoded.length - 1), 4)).toEqual({ ok: false, reason: 'truncated' });
    expect(decodeRle8(new Uint8Array([1, 0]), 1)).toEqual({ ok: false, reason: 'zero_run' });
  });

  it('validates without decoding, agreeing with the decoder', () => {
    const v = new Uint8Array(1000);
    v.fill(3, 100, 400);
    const encoded = encodeRle8(v);
    expect(validateRle8(encoded, 1000)).toEqual({ ok: true, labels: [0, 3] });
    expect(validateRle8(encoded, 999)).toEqual({ ok: false, reason: 'length_mismatch' });
    expect(validateRle8(new Uint8Array([5, 0x80]), 10)).toEqual({ ok: false, reason: 'truncated' });
  });

  it('lists the labels present', () => {
    const v = new Uint8Array(300);
    v.fill(2, 10, 200);
    v[250] = 1;
    expect(labelsInRle8(encodeRle8(v))).toEqual([0, 1, 2]);
  });
});
