import { DelineateError } from '@delineate/schema';

/**
 * TIFF and BigTIFF structure: the IFD chain, each entry's value, and the strips or tiles each
 * image points at. Enough to rewrite a slide file image by image (keeping some, dropping
 * others, rewriting metadata) without decoding a single tile.
 */
export type TiffValue = string | Uint8Array | readonly number[];

export interface TiffEntry {
  readonly tag: number;
  /** TIFF field type (1 BYTE, 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL, 7 UNDEFINED, 16 LONG8…). */
  readonly type: number;
  /** ASCII as a string (NULs removed), bytes as bytes, every numeric type as numbers (rationals as pairs). */
  readonly value: TiffValue;
}

export interface TiffImage {
  /** Byte offset of this IFD in the source. */
  readonly offset: number;
  readonly entries: readonly TiffEntry[];
  /** The strip or tile byte ranges of this image, in order. */
  readonly blocks: readonly { readonly offset: number; readonly length: number }[];
  readonly tiled: boolean;
}

export interface TiffFile {
  readonly littleEndian: boolean;
  readonly bigTiff: boolean;
  readonly images: readonly TiffImage[];
}

export const TIFF_TAG = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  Compression: 259,
  DocumentName: 269,
  ImageDescription: 270,
  Make: 271,
  Model: 272,
  StripOffsets: 273,
  StripByteCounts: 279,
  Software: 305,
  DateTime: 306,
  Artist: 315,
  HostComputer: 316,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SubIFDs: 330,
  JPEGTables: 347,
} as const;

const typeSize: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

function invalid(message: string): never {
  throw new DelineateError('DLN_REQUEST_UNSUPPORTED_MEDIA', message);
}

function readValue(view: DataView, bytes: Uint8Array, at: number, type: number, count: number, le: boolean): TiffValue {
  switch (type) {
    case 2: {
      const raw = bytes.subarray(at, at + count);
      return new TextDecoder('latin1').decode(raw).replace(/\0+$/, '');
    }
    case 1:
    case 6:
    case 7:
      return bytes.slice(at, at + count);
    default: {
      const out: number[] = [];
      const size = typeSize[type] ?? 1;
      const n = type === 5 || type === 10 ? count * 2 : count;
      const step = type === 5 || type === 10 ? 4 : size;
      for (let i = 0; i < n; i++) {
        const p = at + i * step;
        switch (type) {
          case 3: out.push(view.getUint16(p, le)); break;
          case 8: out.push(view.getInt16(p, le)); break;
          case 4: case 13: case 5: out.push(view.getUint32(p, le)); break;
          case 9: case 10: out.push(view.getInt32(p, le)); break;
          case 11: out.push(view.getFloat32(p, le)); break;
          case 12: out.push(view.getFloat64(p, le)); break;
          case 16: case 18: out.push(Number(view.getBigUint64(p, le))); break;
          case 17: out.push(Number(view.getBigInt64(p, le))); break;
          default: invalid('Unknown TIFF field type');
        }
      }
      return out;
    }
  }
}

export function entryNumbers(image: TiffImage, tag: number): readonly number[] {
  const value = image.entries.find((e) => e.tag === tag)?.value;
  if (value === undefined || typeof value === 'string') return [];
  return value instanceof Uint8Array ? [...value] : value;
}

export function entryText(image: TiffImage, tag: number): string | undefined {
  const value = image.entries.find((e) => e.tag === tag)?.value;
  return typeof value === 'string' ? value : undefined;
}

/** Parses the TIFF or BigTIFF header and every IFD of the main chain. */
export function readTiff(bytes: Uint8Array): TiffFile {
  if (bytes.length < 8) invalid('Not a TIFF file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = String.fromCharCode(bytes[0] ?? 0, bytes[1] ?? 0);
  if (order !== 'II' && order !== 'MM') invalid('Not a TIFF file');
  const le = order === 'II';
  const magic = view.getUint16(2, le);
  if (magic !== 42 && magic !== 43) invalid('Not a TIFF file');
  const bigTiff = magic === 43;
  const offsetAt = (p: number): number => (bigTiff ? Number(view.getBigUint64(p, le)) : view.getUint32(p, le));
  let next = bigTiff ? offsetAt(8) : offsetAt(4);
  const seen = new Set<number>();
  const images: TiffImage[] = [];
  while (next !== 0) {
    if (seen.has(next) || next + (bigTiff ? 8 : 2) > bytes.length) invalid('TIFF IFD chain is broken');
    seen.add(next);
    const count = bigTiff ? Number(view.getBigUint64(next, le)) : view.getUint16(next, le);
    const entrySize = bigTiff ? 20 : 12;
    const first = next + (bigTiff ? 8 : 2);
    if (first + count * entrySize + (bigTiff ? 8 : 4) > bytes.length) invalid('TIFF IFD runs past the end of the file');
    const entries: TiffEntry[] = [];
    for (let i = 0; i < count; i++) {
      const p = first + i * entrySize;
      const tag = view.getUint16(p, le);
      const type = view.getUint16(p + 2, le);
      const n = bigTiff ? Number(view.getBigUint64(p + 4, le)) : view.getUint32(p + 4, le);
      const size = (typeSize[type] ?? 0) * n;
      if (!typeSize[type]) continue; // unknown field types are dropped, never copied blind
      const inline = size <= (bigTiff ? 8 : 4);
      const at = inline ? p + (bigTiff ? 12 : 8) : offsetAt(p + (bigTiff ? 12 : 8));
      if (at + size > bytes.length) invalid('TIFF value runs past the end of the file');
      entries.push({ tag, type, value: readValue(view, bytes, at, type, n, le) });
    }
    const partial: TiffImage = { offset: next, entries, blocks: [], tiled: false };
    const tiled = entries.some((e) => e.tag === TIFF_TAG.TileOffsets);
    const offsets = entryNumbers(partial, tiled ? TIFF_TAG.TileOffsets : TIFF_TAG.StripOffsets);
    const lengths = entryNumbers(partial, tiled ? TIFF_TAG.TileByteCounts : TIFF_TAG.StripByteCounts);
    if (offsets.length !== lengths.length) invalid('TIFF offsets and byte counts differ in number');
    const blocks = offsets.map((offset, i) => ({ offset, length: lengths[i] ?? 0 }));
    for (const b of blocks) if (b.offset + b.length > bytes.length) invalid('TIFF strip or tile runs past the end of the file');
    images.push({ offset: next, entries, blocks, tiled });
    next = offsetAt(first + count * entrySize);
  }
  return { littleEndian: le, bigTiff, images };
}

/** One image to write: its entries (offset and byte-count tags are filled in) and its blocks. */
export interface TiffImageToWrite {
  readonly entries: readonly TiffEntry[];
  readonly blocks: readonly Uint8Array[];
  readonly tiled: boolean;
}

function encodeValue(entry: TiffEntry): { count: number; bytes: Uint8Array } {
  const { type, value } = entry;
  if (typeof value === 'string') {
    const text = new TextEncoder().encode(`${value}\0`);
    return { count: text.length, bytes: text };
  }
  if (value instanceof Uint8Array) return { count: value.length, bytes: value };
  const size = typeSize[type] ?? 4;
  const pairs = type === 5 || type === 10;
  const count = pairs ? value.length / 2 : value.length;
  const out = new Uint8Array(count * size);
  const view = new DataView(out.buffer);
  value.forEach((v, i) => {
    const step = pairs ? 4 : size;
    const p = i * step;
    switch (type) {
      case 3: view.setUint16(p, v, true); break;
      case 8: view.setInt16(p, v, true); break;
      case 4: case 13: case 5: view.setUint32(p, v, true); break;
      case 9: case 10: view.setInt32(p, v, true); break;
      case 11: view.setFloat32(p, v, true); break;
      case 12: view.setFloat64(p, v, true); break;
      case 16: case 18: view.setBigUint64(p, BigInt(v), true); break;
      case 17: view.setBigInt64(p, BigInt(v), true); break;
      default: out[p] = v;
    }
  });
  return { count, bytes: out };
}

/**
 * Writes images as a little-endian TIFF (BigTIFF when asked or when past 4 GiB): every block
 * first, then the IFDs with their out-of-line values. Offset and byte-count entries are
 * computed here; whatever the caller leaves out of `entries` is not in the file.
 */
export function writeTiff(images: readonly TiffImageToWrite[], options: { bigTiff?: boolean } = {}): Uint8Array {
  const dataBytes = images.reduce((n, im) => n + im.blocks.reduce((m, b) => m + b.length + (b.length % 2), 0), 0);
  const bigTiff = options.bigTiff ?? dataBytes > 0xf0000000;
  const headerSize = bigTiff ? 16 : 8;
  const offsetType = bigTiff ? 16 : 4;
  const chunks: Uint8Array[] = [];
  let position = headerSize;
  const placed = images.map((image) => {
    const offsets: number[] = [];
    const counts: number[] = [];
    for (const block of image.blocks) {
      offsets.push(position);
      counts.push(block.length);
      chunks.push(block);
      position += block.length;
      if (block.length % 2) {
        chunks.push(new Uint8Array(1));
        position += 1;
      }
    }
    const skip = new Set<number>([TIFF_TAG.StripOffsets, TIFF_TAG.StripByteCounts, TIFF_TAG.TileOffsets, TIFF_TAG.TileByteCounts]);
    const entries: TiffEntry[] = image.entries.filter((e) => !skip.has(e.tag));
    entries.push(
      { tag: image.tiled ? TIFF_TAG.TileOffsets : TIFF_TAG.StripOffsets, type: offsetType, value: offsets },
      { tag: image.tiled ? TIFF_TAG.TileByteCounts : TIFF_TAG.StripByteCounts, type: offsetType, value: counts },
    );
    return entries.sort((a, b) => a.tag - b.tag);
  });
  const entrySize = bigTiff ? 20 : 12;
  const inlineSize = bigTiff ? 8 : 4;
  const ifdOffsets: number[] = [];
  for (const entries of placed) {
    const ifdSize = (bigTiff ? 8 : 2) + entries.length * entrySize + (bigTiff ? 8 : 4);
    const ifdStart = position;
    ifdOffsets.push(ifdStart);
    const ifd = new Uint8Array(ifdSize);
    const view = new DataView(ifd.buffer);
    let extraPosition = ifdStart + ifdSize;
    const extras: Uint8Array[] = [];
    if (bigTiff) view.setBigUint64(0, BigInt(entries.length), true);
    else view.setUint16(0, entries.length, true);
    entries.forEach((entry, i) => {
      const p = (bigTiff ? 8 : 2) + i * entrySize;
      const { count, bytes } = encodeValue(entry);
      view.setUint16(p, entry.tag, true);
      view.setUint16(p + 2, entry.type, true);
      if (bigTiff) view.setBigUint64(p + 4, BigInt(count), true);
      else view.setUint32(p + 4, count, true);
      const valueAt = p + (bigTiff ? 12 : 8);
      if (bytes.length <= inlineSize) ifd.set(bytes, valueAt);
      else {
        if (bigTiff) view.setBigUint64(valueAt, BigInt(extraPosition), true);
        else view.setUint32(valueAt, extraPosition, true);
        extras.push(bytes);
        extraPosition += bytes.length;
        if (bytes.length % 2) {
          extras.push(new Uint8Array(1));
          extraPosition += 1;
        }
      }
    });
    chunks.push(ifd, ...extras);
    position = extraPosition;
  }
  if (!bigTiff && position > 0xffffffff) throw new DelineateError('DLN_INTERNAL', 'TIFF too large for classic offsets');
  const out = new Uint8Array(position);
  const view = new DataView(out.buffer);
  out[0] = 0x49;
  out[1] = 0x49;
  view.setUint16(2, bigTiff ? 43 : 42, true);
  if (bigTiff) {
    view.setUint16(4, 8, true);
    view.setBigUint64(8, BigInt(ifdOffsets[0] ?? 0), true);
  } else view.setUint32(4, ifdOffsets[0] ?? 0, true);
  let o = headerSize;
  for (const chunk of chunks) {
    out.set(chunk, o);
    o += chunk.length;
  }
  // Link the IFD chain: each IFD's last field points at the next.
  placed.forEach((entries, i) => {
    const start = ifdOffsets[i] ?? 0;
    const at = start + (bigTiff ? 8 : 2) + entries.length * entrySize;
    const next = ifdOffsets[i + 1] ?? 0;
    if (bigTiff) view.setBigUint64(at, BigInt(next), true);
    else view.setUint32(at, next, true);
  });
  return out;
}
