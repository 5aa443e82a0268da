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

/** Random access to a file's bytes: an in-memory array, or reads from a file handle. */
export interface ByteSource {
  readonly length: number;
  read(offset: number, length: number): Uint8Array;
}

export function bytesSource(bytes: Uint8Array): ByteSource {
  return { length: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A byte range the parser needs next; the driver answers with those bytes. */
type RangeRequest = readonly [offset: number, length: number];

/** Parses the TIFF or BigTIFF header and every IFD of the main chain (reads only headers and values). */
export function readTiff(input: Uint8Array | ByteSource): TiffFile {
  const source = input instanceof Uint8Array ? bytesSource(input) : input;
  const parser = parseTiff(source.length);
  let step = parser.next();
  while (!step.done) step = parser.next(source.read(step.value[0], step.value[1]));
  return step.value;
}

/**
 * As {@link readTiff}, over asynchronous ranged reads (a file handle, an object store's ranged
 * GETs): only the header, the IFDs and their out-of-line values are read, never the tiles.
 */
export async function readTiffRanged(length: number, read: (offset: number, length: number) => Promise<Uint8Array>): Promise<TiffFile> {
  const parser = parseTiff(length);
  let step = parser.next();
  while (!step.done) step = parser.next(await read(step.value[0], step.value[1]));
  return step.value;
}

// One parser for both drivers: it yields the ranges it needs, so sync and async reads share it.
function* parseTiff(length: number): Generator<RangeRequest, TiffFile, Uint8Array> {
  if (length < 8) invalid('Not a TIFF file');
  const header: Uint8Array = yield [0, Math.min(16, length)];
  const order = String.fromCharCode(header[0] ?? 0, header[1] ?? 0);
  if (order !== 'II' && order !== 'MM') invalid('Not a TIFF file');
  const le = order === 'II';
  const hv = viewOf(header);
  const magic = hv.getUint16(2, le);
  if (magic !== 42 && magic !== 43) invalid('Not a TIFF file');
  const bigTiff = magic === 43;
  if (bigTiff && header.length < 16) invalid('Not a TIFF file');
  const offsetIn = (view: DataView, p: number): number => (bigTiff ? Number(view.getBigUint64(p, le)) : view.getUint32(p, le));
  let next = offsetIn(hv, bigTiff ? 8 : 4);
  const seen = new Set<number>();
  const images: TiffImage[] = [];
  const entrySize = bigTiff ? 20 : 12;
  const countSize = bigTiff ? 8 : 2;
  const nextSize = bigTiff ? 8 : 4;
  while (next !== 0) {
    if (seen.has(next) || next + countSize > length) invalid('TIFF IFD chain is broken');
    seen.add(next);
    const countView = viewOf(yield [next, countSize]);
    const count = bigTiff ? Number(countView.getBigUint64(0, le)) : countView.getUint16(0, le);
    const first = next + countSize;
    if (first + count * entrySize + nextSize > length) invalid('TIFF IFD runs past the end of the file');
    const block: Uint8Array = yield [first, count * entrySize + nextSize];
    const view = viewOf(block);
    const entries: TiffEntry[] = [];
    for (let i = 0; i < count; i++) {
      const p = i * entrySize;
      const tag = view.getUint16(p, le);
      const type = view.getUint16(p + 2, le);
      const n = bigTiff ? Number(view.getBigUint64(p + 4, le)) : view.getUint32(p + 4, le);
      if (!typeSize[type]) continue; // unknown field types are dropped, never copied blind
      const size = (typeSize[type] ?? 0) * n;
      const valueField = p + (bigTiff ? 12 : 8);
      if (size <= (bigTiff ? 8 : 4)) {
        entries.push({ tag, type, value: readValue(view, block, valueField, type, n, le) });
        continue;
      }
      const at = offsetIn(view, valueField);
      if (at + size > length) invalid('TIFF value runs past the end of the file');
      const value: Uint8Array = yield [at, size];
      entries.push({ tag, type, value: readValue(viewOf(value), value, 0, type, n, le) });
    }
    const partial: TiffImage = { offset: next, entries, blocks: [], tiled: false };
    const tiled = entries.some((e) => e.tag === TIFF_TAG.TileOffsets);
    const offsets = entryNumbers(partial, tiled ? TIFF_TAG.TileOffsets : TIFF_TAG.StripOffsets);
    const lengths = entryNumbers(partial, tiled ? TIFF_TAG.TileByteCounts : TIFF_TAG.StripByteCounts);
    if (offsets.length !== lengths.length) invalid('TIFF offsets and byte counts differ in number');
    const blocks = offsets.map((offset, i) => ({ offset, length: lengths[i] ?? 0 }));
    for (const b of blocks) if (b.offset + b.length > length) invalid('TIFF strip or tile runs past the end of the file');
    images.push({ offset: next, entries, blocks, tiled });
    next = offsetIn(view, count * entrySize);
  }
  return { littleEndian: le, bigTiff, images };
}

/** A strip or tile to write: bytes in memory, or read when its turn comes (from a file). */
export interface TiffBlock {
  readonly length: number;
  bytes(): Uint8Array;
}

/** One image to write: its entries (offset and byte-count tags are filled in) and its blocks. */
export interface TiffImageToWrite {
  readonly entries: readonly TiffEntry[];
  readonly blocks: readonly (Uint8Array | TiffBlock)[];
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

const blockLength = (b: Uint8Array | TiffBlock): number => b.length;
const blockBytes = (b: Uint8Array | TiffBlock): Uint8Array => (b instanceof Uint8Array ? b : b.bytes());

/**
 * Writes images as a little-endian TIFF (BigTIFF when asked or when past 4 GiB) to `sink`, in
 * file order: header, every block, then the IFDs with their out-of-line values. Offset and
 * byte-count entries are computed here; whatever the caller leaves out of `entries` is not in
 * the file. Returns the number of bytes written.
 */
export function writeTiffTo(images: readonly TiffImageToWrite[], sink: (chunk: Uint8Array) => void, options: { bigTiff?: boolean } = {}): number {
  const dataBytes = images.reduce((n, im) => n + im.blocks.reduce((m, b) => m + blockLength(b) + (blockLength(b) % 2), 0), 0);
  const bigTiff = options.bigTiff ?? dataBytes > 0xf0000000;
  const headerSize = bigTiff ? 16 : 8;
  const offsetType = bigTiff ? 16 : 4;
  let position = headerSize;
  const skip = new Set<number>([TIFF_TAG.StripOffsets, TIFF_TAG.StripByteCounts, TIFF_TAG.TileOffsets, TIFF_TAG.TileByteCounts]);
  const placed = images.map((image) => {
    const offsets: number[] = [];
    const counts: number[] = [];
    for (const block of image.blocks) {
      const length = blockLength(block);
      offsets.push(position);
      counts.push(length);
      position += length + (length % 2);
    }
    const entries: TiffEntry[] = image.entries.filter((e) => !skip.has(e.tag));
    entries.push(
      { tag: image.tiled ? TIFF_TAG.TileOffsets : TIFF_TAG.StripOffsets, type: offsetType, value: offsets },
      { tag: image.tiled ? TIFF_TAG.TileByteCounts : TIFF_TAG.StripByteCounts, type: offsetType, value: counts },
    );
    return entries.sort((a, b) => a.tag - b.tag);
  });
  const entrySize = bigTiff ? 20 : 12;
  const inlineSize = bigTiff ? 8 : 4;
  const ifds: Uint8Array[][] = [];
  const ifdOffsets: number[] = [];
  for (const entries of placed) {
    const ifdSize = (bigTiff ? 8 : 2) + entries.length * entrySize + (bigTiff ? 8 : 4);
    ifdOffsets.push(position);
    const ifd = new Uint8Array(ifdSize);
    const view = new DataView(ifd.buffer);
    let extraPosition = position + ifdSize;
    const parts: Uint8Array[] = [ifd];
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
      if (bytes.length <= inlineSize) {
        ifd.set(bytes, valueAt);
        return;
      }
      if (bigTiff) view.setBigUint64(valueAt, BigInt(extraPosition), true);
      else view.setUint32(valueAt, extraPosition, true);
      parts.push(bytes.length % 2 ? Uint8Array.from([...bytes, 0]) : bytes);
      extraPosition += bytes.length + (bytes.length % 2);
    });
    ifds.push(parts);
    position = extraPosition;
  }
  if (!bigTiff && position > 0xffffffff) throw new DelineateError('DLN_INTERNAL', 'TIFF too large for classic offsets');
  // Link the IFD chain: each IFD's last field points at the next.
  ifds.forEach((parts, i) => {
    const ifd = parts[0];
    if (!ifd) return;
    const at = ifd.length - (bigTiff ? 8 : 4);
    const view = new DataView(ifd.buffer);
    const next = ifdOffsets[i + 1] ?? 0;
    if (bigTiff) view.setBigUint64(at, BigInt(next), true);
    else view.setUint32(at, next, true);
  });
  const header = new Uint8Array(headerSize);
  const hv = new DataView(header.buffer);
  header[0] = 0x49;
  header[1] = 0x49;
  hv.setUint16(2, bigTiff ? 43 : 42, true);
  if (bigTiff) {
    hv.setUint16(4, 8, true);
    hv.setBigUint64(8, BigInt(ifdOffsets[0] ?? 0), true);
  } else hv.setUint32(4, ifdOffsets[0] ?? 0, true);
  sink(header);
  const pad = new Uint8Array(1);
  for (const image of images) {
    for (const block of image.blocks) {
      const bytes = blockBytes(block);
      if (bytes.length !== blockLength(block)) throw new DelineateError('DLN_INTERNAL', 'TIFF block changed length while writing');
      sink(bytes);
      if (bytes.length % 2) sink(pad);
    }
  }
  for (const parts of ifds) for (const part of parts) sink(part);
  return position;
}

/** {@link writeTiffTo} into memory. */
export function writeTiff(images: readonly TiffImageToWrite[], options: { bigTiff?: boolean } = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  const total = writeTiffTo(images, (chunk) => chunks.push(chunk), options);
  const out = new Uint8Array(total);
  let o = 0;
  for (const chunk of chunks) {
    out.set(chunk, o);
    o += chunk.length;
  }
  return out;
}
