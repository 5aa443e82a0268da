import { deflateSync } from 'node:zlib';

/** A grey image, row by row: 8-bit (label maps) or 16-bit (radiographs' stored values). */
export interface GreyImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint16Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/**
 * Encodes a grey PNG (colour type 0, no filter, no ancillary chunks: nothing but the pixels, so no
 * text chunk can carry an identifying value). 16-bit samples are big-endian, as PNG stores them.
 */
export function encodeGreyPng(image: GreyImage): Uint8Array {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height) {
    throw new RangeError('PNG image size does not match its data');
  }
  const depth = data instanceof Uint16Array ? 16 : 8;
  const rowBytes = 1 + width * (depth / 8);
  const raw = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes; // filter byte 0 (none) leads each row
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x]!;
      if (depth === 8) raw[row + 1 + x] = v;
      else {
        raw[row + 1 + 2 * x] = v >>> 8;
        raw[row + 2 + 2 * x] = v & 0xff;
      }
    }
  }
  return pngFile(width, height, depth, 0, deflateSync(raw));
}

/** The PNG container: signature, IHDR (no interlace), one IDAT of filtered rows, IEND. */
function pngFile(width: number, height: number, depth: number, colourType: number, idat: Uint8Array): Uint8Array {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([depth, colourType, 0, 0, 0], 8);
  const parts = [new Uint8Array(SIGNATURE), chunk('IHDR', header), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Encodes an 8-bit RGB PNG (colour type 2, pixels interleaved R, G, B), with no ancillary chunks. */
export function encodeRgbPng(image: { readonly width: number; readonly height: number; readonly data: Uint8Array }): Uint8Array {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height * 3) {
    throw new RangeError('PNG image size does not match its data');
  }
  const rowBytes = 1 + width * 3;
  const raw = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * width * 3, (y + 1) * width * 3), y * rowBytes + 1);
  return pngFile(width, height, 8, 2, deflateSync(raw, { level: 6 }));
}
