import { constants, crc32, deflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InflateError, crcOfZeros, inflateGzip } from './gzip-inflate';

/** Inflates with the decoder under test, checking every piece starts 8-byte aligned. */
function inflate(file: Uint8Array): { data: Buffer; pieces: number; aligned: boolean } | null {
  const parts: Buffer[] = [];
  let aligned = true;
  const ok = inflateGzip(file, (piece) => {
    if (piece.byteOffset % 8 !== 0) aligned = false;
    parts.push(Buffer.from(piece)); // a copy: the piece's buffer is reused
    return true;
  });
  return ok ? { data: Buffer.concat(parts), pieces: parts.length, aligned } : null;
}

/** Deterministic bytes: a mask-like mix of long zero runs, runs of other bytes, and noise. */
function sample(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let s = seed >>> 0;
  const rand = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = 0; i < n; ) {
    const len = Math.min(n - i, 1 + Math.floor(rand() * (rand() < 0.2 ? 70000 : 600)));
    const kind = rand();
    if (kind < 0.5) i += len; // zeros
    else if (kind < 0.8) {
      out.fill(1 + Math.floor(rand() * 255), i, i + len);
      i += len;
    } else {
      for (let k = 0; k < len && i < n; k++, i++) out[i] = Math.floor(rand() * 256);
    }
  }
  return out;
}

/** A gzip member with the given header flags' fields, around raw deflate data. */
function member(data: Buffer, fields: { extra?: Buffer; name?: string; comment?: string }): Buffer {
  const flags = (fields.extra ? 4 : 0) | (fields.name !== undefined ? 8 : 0) | (fields.comment !== undefined ? 16 : 0);
  const parts: Buffer[] = [Buffer.from([0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3])];
  if (fields.extra) parts.push(Buffer.from([fields.extra.length & 255, fields.extra.length >> 8]), fields.extra);
  if (fields.name !== undefined) parts.push(Buffer.from(`${fields.name}\0`, 'latin1'));
  if (fields.comment !== undefined) parts.push(Buffer.from(`${fields.comment}\0`, 'latin1'));
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.length % 2 ** 32, 4);
  parts.push(deflateRawSync(data), trailer);
  return Buffer.concat(parts);
}

describe('gzip inflate', () => {
  it('gives what zlib gives, at every level and strategy, across piece boundaries', () => {
    const sizes = [0, 1, 7, 300, 40000, 262144 + 32768 + 5, 1_300_000];
    const strategies = [constants.Z_DEFAULT_STRATEGY, constants.Z_FILTERED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FIXED];
    for (const [k, n] of sizes.entries()) {
      const data = sample(n, k + 1);
      for (const level of [0, 1, 6, 9])
        for (const strategy of strategies) {
          const file = gzipSync(data, { level, strategy });
          const got = inflate(file);
          expect(got).not.toBeNull();
          expect(got?.data.equals(gunzipSync(file))).toBe(true);
          expect(got?.aligned).toBe(true);
        }
    }
  });

  it('reads long runs of zeros and of one byte (a mask) with their CRC', () => {
    const data = Buffer.alloc(5_000_000);
    data.fill(1, 1_000_003, 1_000_803);
    data.fill(7, 3_000_000, 3_900_001);
    data[4_999_999] = 2;
    for (const level of [1, 6, 9]) {
      const got = inflate(gzipSync(data, { level }));
      expect(got?.data.equals(data)).toBe(true);
      expect(got?.pieces).toBeGreaterThan(10);
    }
  });

  it('hands long zero runs over as counts when asked, in order between aligned pieces', () => {
    for (const [k, data] of [sample(3_000_000, 11), Buffer.alloc(2_000_000), sample(1_000_000, 12)].entries()) {
      const file = gzipSync(data, { level: 6 });
      const parts: Buffer[] = [];
      let counts = 0, aligned = true;
      const ok = inflateGzip(
        file,
        (piece) => {
          if (piece.byteOffset % 8 !== 0) aligned = false;
          parts.push(Buffer.from(piece));
          return true;
        },
        (count) => {
          counts++;
          parts.push(Buffer.alloc(count));
          return true;
        },
      );
      expect(ok).toBe(true);
      expect(Buffer.concat(parts).equals(data)).toBe(true);
      expect(aligned).toBe(true);
      if (k < 2) expect(counts).toBeGreaterThan(0);
    }
  });

  it('steps the CRC over zeros as zlib reads them', () => {
    for (const [crc, n] of [[0, 1], [0x12345678, 4096], [0xffffffff, 123457], [7, 3 * 2 ** 20 + 11]] as const) {
      expect(crcOfZeros(crc, n)).toBe(crc32(Buffer.alloc(n), crc));
    }
  });

  it('skips the header fields it knows, and leaves a header CRC to zlib', () => {
    const data = sample(100000, 9);
    const file = member(data, { extra: Buffer.from('xyz'), name: 'mask.nii', comment: 'c' });
    expect(gunzipSync(file).equals(data)).toBe(true);
    expect(inflate(file)?.data.equals(data)).toBe(true);
    const hcrc = Buffer.from(file);
    hcrc[3] = (hcrc[3] as number) | 2;
    expect(inflateGzip(hcrc, () => true)).toBe(false);
    expect(inflateGzip(Buffer.from('not gzip at all, long enough'), () => true)).toBe(false);
  });

  it('stops handing over when asked, still checking the CRC', () => {
    const data = sample(2_000_000, 3);
    const file = gzipSync(data);
    let calls = 0;
    expect(inflateGzip(file, () => ++calls < 2)).toBe(true);
    expect(calls).toBe(2);
    const bad = Buffer.from(file);
    bad.writeUInt32LE((bad.readUInt32LE(bad.length - 8) ^ 1) >>> 0, bad.length - 8);
    expect(() => inflateGzip(bad, () => false)).toThrow(InflateError);
  });

  it('refuses corrupt, truncated and multi-member data', () => {
    const data = sample(300000, 5);
    const file = gzipSync(data);
    const badCrc = Buffer.from(file);
    badCrc[badCrc.length - 5] = (badCrc[badCrc.length - 5] as number) ^ 0x40;
    expect(() => inflateGzip(badCrc, () => true)).toThrow(InflateError);
    const badSize = Buffer.from(file);
    badSize[badSize.length - 1] = (badSize[badSize.length - 1] as number) ^ 1;
    expect(() => inflateGzip(badSize, () => true)).toThrow(InflateError);
    for (const cut of [20, 1000, file.length - 12]) expect(() => inflateGzip(file.subarray(0, cut), () => true)).toThrow(InflateError);
    const garbled = Buffer.from(file);
    garbled.fill(0xff, 10, 40);
    expect(() => inflateGzip(garbled, () => true)).toThrow(InflateError);
    expect(() => inflateGzip(Buffer.concat([file, file]), () => true)).toThrow(InflateError);
  });
});
