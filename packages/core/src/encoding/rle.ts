/**
 * `rle` (8-bit runs): the platform's stored encoding of a label volume (one unsigned byte per voxel,
 * x fastest, then y, then z). The volume is written as runs: one byte for the label value,
 * then the run length as an unsigned LEB128 varint. A 512×512×128 liver mask is a few
 * hundred kilobytes instead of 32 MiB, and a one-slice edit changes only the runs it touches.
 */
export const RLE8 = 'rle' as const;

export type DecodeResult =
  | { ok: true; voxels: Uint8Array }
  | { ok: false; reason: 'truncated' | 'length_mismatch' | 'zero_run' | 'run_too_long' };

export function encodeRle8(voxels: Uint8Array): Uint8Array {
  // Worst case: every voxel its own run (1 value byte + 1 length byte).
  const out = new Uint8Array(Math.max(16, voxels.length * 2));
  let o = 0;
  let i = 0;
  const n = voxels.length;
  while (i < n) {
    const value = voxels[i]!;
    let j = i + 1;
    while (j < n && voxels[j] === value) j++;
    let length = j - i;
    out[o++] = value;
    while (length >= 0x80) {
      out[o++] = (length & 0x7f) | 0x80;
      length = Math.floor(length / 128);
    }
    out[o++] = length;
    i = j;
  }
  return out.slice(0, o);
}

export type ValidateResult = { ok: true; labels: number[] } | Extract<DecodeResult, { ok: false }>;

/**
 * Checks that a stream describes exactly `expectedLength` voxels without allocating them (a save
 * of a 512×512×128 volume is validated in microseconds), and lists the labels it holds.
 */
export function validateRle8(encoded: Uint8Array, expectedLength: number): ValidateResult {
  const seen = new Set<number>();
  const result = walkRle8Runs(encoded, expectedLength, (value) => {
    seen.add(value);
  });
  return result ?? { ok: true, labels: [...seen].sort((a, b) => a - b) };
}

/** Decodes an `rle8` stream that must describe exactly `expectedLength` voxels. */
export function decodeRle8(encoded: Uint8Array, expectedLength: number): DecodeResult {
  const voxels = new Uint8Array(expectedLength);
  const failure = walkRle8Runs(encoded, expectedLength, (value, start, length) => {
    if (value !== 0) voxels.fill(value, start, start + length);
  });
  return failure ?? { ok: true, voxels };
}

/** Calls `run` for each run; returns the failure, or undefined when the stream is exact. */
export function walkRle8Runs(
  encoded: Uint8Array,
  expectedLength: number,
  run: (value: number, start: number, length: number) => void,
): Extract<DecodeResult, { ok: false }> | undefined {
  let o = 0;
  let i = 0;
  while (i < encoded.length) {
    const value = encoded[i++]!;
    let length = 0;
    let scale = 1;
    for (;;) {
      if (i >= encoded.length) return { ok: false, reason: 'truncated' };
      const byte = encoded[i++]!;
      length += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) break;
      scale *= 128;
      if (scale > 2 ** 49) return { ok: false, reason: 'run_too_long' };
    }
    if (length === 0) return { ok: false, reason: 'zero_run' };
    if (o + length > expectedLength) return { ok: false, reason: 'length_mismatch' };
    run(value, o, length);
    o += length;
  }
  if (o !== expectedLength) return { ok: false, reason: 'length_mismatch' };
  return undefined;
}

/** Label values present in an encoded stream, without decoding it to voxels. */
export function labelsInRle8(encoded: Uint8Array): number[] {
  const seen = new Set<number>();
  let i = 0;
  while (i < encoded.length) {
    seen.add(encoded[i++]!);
    while (i < encoded.length && (encoded[i++]! & 0x80) !== 0);
  }
  return [...seen].sort((a, b) => a - b);
}
