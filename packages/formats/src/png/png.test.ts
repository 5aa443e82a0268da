import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeGreyPng } from './png';

/** Reads back what encodeGreyPng writes: chunks with their CRCs, the header, and the unfiltered rows. */
function readPng(bytes: Uint8Array): { width: number; height: number; depth: number; colour: number; rows: Uint8Array; chunks: string[] } {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: string[] = [];
  let header: Uint8Array = new Uint8Array(0);
  const data: Uint8Array[] = [];
  for (let p = 8; p < bytes.length; ) {
    const length = view.getUint32(p);
    const type = String.fromCharCode(...bytes.subarray(p + 4, p + 8));
    const body = bytes.subarray(p + 8, p + 8 + length);
    expect(view.getUint32(p + 8 + length)).toBe(crc(bytes.subarray(p + 4, p + 8 + length)));
    chunks.push(type);
    if (type === 'IHDR') header = body;
    if (type === 'IDAT') data.push(body);
    p += 12 + length;
  }
  const h = new DataView(header.buffer, header.byteOffset);
  return { width: h.getUint32(0), height: h.getUint32(4), depth: header[8]!, colour: header[9]!, rows: inflateSync(Buffer.concat(data)), chunks };
}

function crc(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

describe('encodeGreyPng', () => {
  it('writes 8-bit grey rows, unfiltered, with nothing but IHDR, IDAT and IEND', () => {
    const png = readPng(encodeGreyPng({ width: 3, height: 2, data: Uint8Array.from([0, 1, 2, 3, 4, 255]) }));
    expect(png).toMatchObject({ width: 3, height: 2, depth: 8, colour: 0, chunks: ['IHDR', 'IDAT', 'IEND'] });
    expect([...png.rows]).toEqual([0, 0, 1, 2, 0, 3, 4, 255]);
  });

  it('writes 16-bit samples big-endian', () => {
    const png = readPng(encodeGreyPng({ width: 2, height: 1, data: Uint16Array.from([0x0102, 65535]) }));
    expect(png.depth).toBe(16);
    expect([...png.rows]).toEqual([0, 1, 2, 255, 255]);
  });

  it('refuses data that does not fill the image', () => {
    expect(() => encodeGreyPng({ width: 2, height: 2, data: new Uint8Array(3) })).toThrow(RangeError);
  });
});
