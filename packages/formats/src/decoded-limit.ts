import { constants, inflateRawSync } from 'node:zlib';
import { DelineateError } from '@delineate/schema';

/**
 * The ceiling on what one untrusted file may decode to. A few megabytes of deflate or RLE can
 * claim gigabytes (a 4 MB deflated DICOM took `deid` to 4.8 GB): every decoder is bounded first
 * by the geometry the file declares, then by this ceiling, and refuses what exceeds either with
 * a coded error instead of allocating it.
 */
export const DEFAULT_MAX_DECODED_BYTES = 512 * 1024 * 1024;

/** DELINEATE_MAX_DECODED_BYTES when set to a positive integer, else {@link DEFAULT_MAX_DECODED_BYTES}. */
export function maxDecodedBytes(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const configured = Number(env.DELINEATE_MAX_DECODED_BYTES);
  return Number.isSafeInteger(configured) && configured > 0 ? configured : DEFAULT_MAX_DECODED_BYTES;
}

/** The geometry Pixel Data declares: rows × columns × frames × samples × bits allocated, in bytes. */
export interface DeclaredGeometry {
  readonly rows: number;
  readonly columns: number;
  readonly numberOfFrames: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number;
}

export function declaredPixelBytes(g: DeclaredGeometry): number {
  return Math.ceil((g.rows * g.columns * Math.max(1, g.numberOfFrames) * Math.max(1, g.samplesPerPixel) * g.bitsAllocated) / 8);
}

/** Throws DLN_DICOM_TOO_LARGE when `bytes` (what decoding would produce) exceeds the ceiling. */
export function assertDecodable(bytes: number, what: string, limit = maxDecodedBytes()): void {
  if (!(bytes <= limit)) throw new DelineateError('DLN_DICOM_TOO_LARGE', `${what} would decode to more than the configured ceiling`, { bytes, limit });
}

/**
 * Room for everything in a deflated data set besides Pixel Data (text, sequences, overlays,
 * private blocks). Non-image objects (SR, RT Structure Sets) are bounded by this alone.
 */
export const DATASET_HEADER_ALLOWANCE = 64 * 1024 * 1024;

/** Compressed prefix first inflated to find the image geometry (then four times as much, up to the allowance). */
const FIRST_PREFIX = 4 * 1024;

/**
 * Inflates a Deflated Explicit VR Little Endian data set (raw deflate), bounded: a prefix of the
 * stream is inflated first to read the image geometry (group 0028), then the whole stream may
 * inflate to the header allowance plus the declared pixel bytes and no further, never past the
 * ceiling. Without a geometry the allowance alone bounds it. Corrupt streams throw
 * DLN_DICOM_INVALID; streams that inflate past their bound throw DLN_DICOM_TOO_LARGE.
 */
export function inflateDeflatedDataset(deflated: Uint8Array, limit = maxDecodedBytes()): Uint8Array {
  const allowance = Math.min(limit, DATASET_HEADER_ALLOWANCE);
  let bound = allowance;
  for (let prefix = FIRST_PREFIX; ; prefix *= 4) {
    // Deflate expands at most 1032:1, so a prefix inflates to at most about 1 KiB per byte.
    const head = inflate(deflated.subarray(0, prefix), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: Math.min(1032 * prefix + 1024, allowance + 1) }, allowance);
    const scan = scanGeometry(head);
    if (scan.complete || head.length >= allowance || prefix >= deflated.length) {
      const pixels = scan.geometry ? declaredPixelBytes(scan.geometry) : 0;
      assertDecodable(pixels, 'The declared image', limit);
      bound = Math.min(limit, allowance + pixels);
      break;
    }
  }
  return inflate(deflated, { maxOutputLength: bound }, bound);
}

function inflate(deflated: Uint8Array, options: { finishFlush?: number; maxOutputLength: number }, bound: number): Uint8Array {
  try {
    return inflateRawSync(deflated, options);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DelineateError('DLN_DICOM_TOO_LARGE', 'Deflated data set inflates beyond what its image geometry allows', { limit: bound });
    }
    throw new DelineateError('DLN_DICOM_INVALID', 'Deflated data set could not be inflated');
  }
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);

interface GeometryScan {
  /** The top level has gone past group 0028 (or ended): what was found is all there is. */
  readonly complete: boolean;
  readonly geometry?: DeclaredGeometry;
}

/**
 * Reads Rows, Columns, NumberOfFrames, SamplesPerPixel and BitsAllocated from the start of an
 * explicit VR little endian data set that may be cut short. Nested sequences are skipped.
 */
export function scanGeometry(bytes: Uint8Array): GeometryScan {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = new Map<number, number>();
  const result = (complete: boolean): GeometryScan => {
    const rows = found.get(0x00280010);
    const columns = found.get(0x00280011);
    if (rows === undefined || columns === undefined) return { complete };
    return {
      complete,
      geometry: {
        rows,
        columns,
        numberOfFrames: found.get(0x00280008) ?? 1,
        samplesPerPixel: found.get(0x00280002) ?? 1,
        bitsAllocated: found.get(0x00280100) ?? 16,
      },
    };
  };
  let p = 0;
  while (p + 8 <= bytes.length) {
    const tag = ((view.getUint16(p, true) << 16) | view.getUint16(p + 2, true)) >>> 0;
    if (tag >>> 16 > 0x0028) return result(true);
    const vr = String.fromCharCode(bytes[p + 4] ?? 0, bytes[p + 5] ?? 0);
    let length: number;
    let value: number;
    if (LONG_VRS.has(vr)) {
      if (p + 12 > bytes.length) return result(false);
      length = view.getUint32(p + 8, true);
      value = p + 12;
    } else {
      length = view.getUint16(p + 6, true);
      value = p + 8;
    }
    if (length === 0xffffffff) {
      const end = skipUndefinedLength(view, value);
      if (end === undefined) return result(false);
      p = end;
      continue;
    }
    if (value + length > bytes.length) return result(false);
    if (vr === 'US' && length >= 2) found.set(tag, view.getUint16(value, true));
    if (tag === 0x00280008) {
      const frames = Number.parseInt(new TextDecoder('latin1').decode(bytes.subarray(value, value + length)).trim(), 10);
      if (Number.isFinite(frames) && frames > 0) found.set(tag, frames);
    }
    p = value + length;
  }
  return result(p >= bytes.length);
}

/** The end of an undefined-length sequence starting at `at`, or undefined when the bytes stop first. */
function skipUndefinedLength(view: DataView, at: number): number | undefined {
  let depth = 1;
  let p = at;
  // Item and delimiter tags, and undefined-length elements inside items, are tracked by depth:
  // values of defined length are jumped over, so their bytes are never mistaken for tags.
  while (p + 8 <= view.byteLength) {
    const group = view.getUint16(p, true);
    const element = view.getUint16(p + 2, true);
    if (group === 0xfffe) {
      const length = view.getUint32(p + 4, true);
      p += 8;
      if (element === 0xe0dd) {
        depth -= 1;
        if (depth === 0) return p;
      } else if (element === 0xe000 && length !== 0xffffffff) {
        p += length;
      }
      continue;
    }
    // An element inside an undefined-length item (explicit VR little endian).
    const vr = String.fromCharCode(view.getUint8(p + 4), view.getUint8(p + 5));
    if (LONG_VRS.has(vr)) {
      if (p + 12 > view.byteLength) return undefined;
      const length = view.getUint32(p + 8, true);
      p += 12;
      if (length === 0xffffffff) depth += 1;
      else p += length;
    } else {
      p += 8 + view.getUint16(p + 6, true);
    }
  }
  return undefined;
}
