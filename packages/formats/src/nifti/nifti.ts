import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { type Grid, type LabelArray, createGrid } from '@delineate/core';
import { DelineateError } from '@delineate/schema';
import { maxDecodedBytes } from '../decoded-limit';

/**
 * NIfTI-1 single-file images (.nii, and .nii.gz by content). Spacing comes from pixdim as the
 * header stores it (float32); orientation from the sform when sform_code > 0, else the qform when
 * qform_code > 0, else pixdim alone (NIfTI-1 "method 1"), as a 4×4 voxel → RAS-mm affine.
 */

export type NiftiDatatype = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';
export type NiftiArray = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

const DATATYPES: Record<NiftiDatatype, { code: number; bytes: number }> = {
  uint8: { code: 2, bytes: 1 },
  int16: { code: 4, bytes: 2 },
  int32: { code: 8, bytes: 4 },
  float32: { code: 16, bytes: 4 },
  float64: { code: 64, bytes: 8 },
  int8: { code: 256, bytes: 1 },
  uint16: { code: 512, bytes: 2 },
  uint32: { code: 768, bytes: 4 },
};

export type OrientationSource = 'sform' | 'qform' | 'pixdim';

export interface NiftiImage {
  readonly grid: Grid;
  readonly datatype: NiftiDatatype;
  /** Stored values, before scl_slope/scl_inter. */
  readonly data: NiftiArray;
  /** Applied by {@link niftiValues}; slope 0 means "no scaling" per the standard. */
  readonly sclSlope: number;
  readonly sclInter: number;
  /** Row-major 4×4 voxel index → RAS millimetres. */
  readonly affine: readonly number[];
  readonly orientation: OrientationSource;
}

function invalid(message: string, details?: Record<string, string | number | boolean | null>): DelineateError {
  return new DelineateError('DLN_NIFTI_INVALID', message, details);
}

function datatypeOf(code: number): NiftiDatatype {
  for (const [name, d] of Object.entries(DATATYPES)) if (d.code === code) return name as NiftiDatatype;
  throw new DelineateError('DLN_NIFTI_UNSUPPORTED', 'NIfTI datatype is not supported', { datatype: code });
}

/** Parses a NIfTI-1 file (gzip-compressed or not). */
export function decodeNifti(input: Uint8Array): NiftiImage {
  let bytes = input;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipNifti(bytes);
  const h = parseNiftiHeader(bytes);
  const { bytes: size } = DATATYPES[h.datatype];
  if (bytes.length < h.voxOffset + h.count * size) throw invalid('NIfTI file is truncated', { expected: h.voxOffset + h.count * size });
  const data = readData(bytes, h.voxOffset, h.count, h.datatype, h.littleEndian);
  return { grid: h.grid, datatype: h.datatype, data, sclSlope: h.sclSlope, sclInter: h.sclInter, affine: h.affine, orientation: h.orientation };
}

/**
 * Inflates a .nii.gz bounded by its own header: the header is read from the first compressed
 * bytes, and the whole stream may then inflate to the header's size of data and no further (a
 * few megabytes of gzip can claim gigabytes). Beyond it: DLN_NIFTI_TOO_LARGE.
 */
function gunzipNifti(gz: Uint8Array): Uint8Array {
  const ceiling = maxDecodedBytes();
  let bound = ceiling;
  // Enough compressed bytes for the 348-byte header even with a long file name in the gzip header.
  for (let prefix = 1024; ; prefix *= 4) {
    let head: Uint8Array;
    try {
      head = gunzipSync(gz.subarray(0, prefix), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 1032 * prefix + 1024 });
    } catch {
      throw invalid('NIfTI gzip stream is corrupt');
    }
    if (head.length >= 348) {
      const h = parseNiftiHeader(head);
      bound = Math.min(ceiling, h.voxOffset + h.count * DATATYPES[h.datatype].bytes + TRAILING_ALLOWANCE);
      break;
    }
    if (prefix >= gz.length) break;
  }
  try {
    // The gzip trailer holds the decoded size (mod 2³²): one output buffer of that size is
    // filled in place, where the default 16 KiB chunks are concatenated at the end.
    return gunzipSync(gz, { chunkSize: gzipSizeHint(gz, bound), maxOutputLength: bound });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DelineateError('DLN_NIFTI_TOO_LARGE', 'NIfTI gzip stream inflates beyond the size its header declares', { limit: bound });
    }
    throw invalid('NIfTI gzip stream is corrupt');
  }
}

/** Bytes a NIfTI file may hold after its voxels (some writers pad) before it counts as oversized. */
const TRAILING_ALLOWANCE = 64 * 1024;

/**
 * Output chunk size for inflating a gzip file: the size its trailer records plus one, at least
 * 64 KiB, and never more than deflate can expand the input (1032:1) or than `bound`, whatever
 * the trailer says (the chunk is allocated before a byte is inflated).
 */
export function gzipSizeHint(gz: Uint8Array, bound = maxDecodedBytes()): number {
  if (gz.length < 18) return 64 * 1024;
  const isize = new DataView(gz.buffer, gz.byteOffset + gz.length - 4, 4).getUint32(0, true);
  return Math.max(64 * 1024, Math.min(isize + 1, gz.length * 1032 + 1024, bound + 1));
}

/** A NIfTI-1 header: what {@link decodeNifti} reads before the voxels. */
export interface NiftiHeader {
  readonly grid: Grid;
  readonly datatype: NiftiDatatype;
  readonly littleEndian: boolean;
  /** Byte offset of the first voxel. */
  readonly voxOffset: number;
  /** Voxels in the image. */
  readonly count: number;
  readonly sclSlope: number;
  readonly sclInter: number;
  readonly affine: readonly number[];
  readonly orientation: OrientationSource;
}

/** Parses the header of uncompressed NIfTI-1 bytes (at least the 348 header bytes). */
export function parseNiftiHeader(bytes: Uint8Array): NiftiHeader {
  if (bytes.length < 348) throw invalid('file is shorter than a NIfTI-1 header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le = true;
  if (view.getInt32(0, true) !== 348) {
    if (view.getInt32(0, false) !== 348) throw invalid('not a NIfTI-1 header (sizeof_hdr is not 348)');
    le = false;
  }
  const magic = String.fromCharCode(bytes[344] ?? 0, bytes[345] ?? 0, bytes[346] ?? 0);
  if (magic !== 'n+1') throw invalid(magic === 'ni1' ? 'two-file NIfTI (.hdr/.img) is not supported' : 'NIfTI magic is not n+1');
  const i16 = (o: number): number => view.getInt16(o, le);
  const f32 = (o: number): number => view.getFloat32(o, le);
  const ndim = i16(40);
  if (ndim < 2 || ndim > 7) throw invalid('NIfTI dim[0] must be 2‥7', { ndim });
  const dims = [i16(42), i16(44), i16(46), i16(48), i16(50), i16(52), i16(54)].slice(0, ndim);
  for (let k = 3; k < ndim; k++) if ((dims[k] ?? 1) !== 1) throw invalid('only 2D and 3D NIfTI volumes are supported', { ndim });
  const spatial = ndim === 2 ? 2 : 3;
  const shape = dims.slice(0, spatial);
  if (shape.some((n) => n < 1)) throw invalid('NIfTI dimensions must be positive');
  const pixdim = [f32(80), f32(84), f32(88)].slice(0, spatial).map((s) => Math.abs(s));
  const gridResult = createGrid(shape, pixdim.map((s) => (s > 0 && Number.isFinite(s) ? s : 1)));
  if (!gridResult.ok) throw invalid('NIfTI grid is invalid');
  const datatype = datatypeOf(i16(70));
  const voxOffset = Math.floor(f32(108));
  if (voxOffset < 348) throw invalid('NIfTI vox_offset is before the end of the header');
  const count = shape.reduce((a, b) => a * b, 1);
  const voxelBytes = count * DATATYPES[datatype].bytes;
  if (voxelBytes > maxDecodedBytes()) throw new DelineateError('DLN_NIFTI_TOO_LARGE', 'NIfTI dimensions exceed the configured ceiling on decoded bytes', { bytes: voxelBytes });
  const { affine, orientation } = readAffine(view, le, pixdim);
  return { grid: gridResult.grid, datatype, littleEndian: le, voxOffset, count, sclSlope: f32(112), sclInter: f32(116), affine, orientation };
}

/** Bytes per voxel of a datatype. */
export function datatypeBytes(datatype: NiftiDatatype): number {
  return DATATYPES[datatype].bytes;
}

function readData(bytes: Uint8Array, offset: number, count: number, datatype: NiftiDatatype, le: boolean): NiftiArray {
  const size = DATATYPES[datatype].bytes;
  const start = bytes.byteOffset + offset;
  let buf: ArrayBufferLike = bytes.buffer;
  let at = start;
  // A view over the decoded bytes when aligned and little-endian (no copy of a large volume).
  if (!le || start % size !== 0) {
    const copy = new Uint8Array(count * size);
    copy.set(bytes.subarray(offset, offset + count * size));
    if (!le && size > 1) for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
    buf = copy.buffer;
    at = 0;
  }
  switch (datatype) {
    case 'uint8': return new Uint8Array(buf, at, count);
    case 'int8': return new Int8Array(buf, at, count);
    case 'int16': return new Int16Array(buf, at, count);
    case 'uint16': return new Uint16Array(buf, at, count);
    case 'int32': return new Int32Array(buf, at, count);
    case 'uint32': return new Uint32Array(buf, at, count);
    case 'float32': return new Float32Array(buf, at, count);
    case 'float64': return new Float64Array(buf, at, count);
  }
}

function readAffine(view: DataView, le: boolean, pixdim: number[]): { affine: number[]; orientation: OrientationSource } {
  const f32 = (o: number): number => view.getFloat32(o, le);
  const [dx = 1, dy = 1, dz = 1] = pixdim;
  if (view.getInt16(254, le) > 0) {
    const a: number[] = [];
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) a.push(f32(280 + r * 16 + c * 4));
    return { affine: [...a, 0, 0, 0, 1], orientation: 'sform' };
  }
  if (view.getInt16(252, le) > 0) {
    const b = f32(256), c = f32(260), d = f32(264);
    const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
    const qfac = f32(76) < 0 ? -1 : 1;
    const R = [
      a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c),
      2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b),
      2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b,
    ];
    const s = [dx, dy, qfac * dz];
    const o = [f32(268), f32(272), f32(276)];
    const m: number[] = [];
    for (let r = 0; r < 3; r++) {
      for (let k = 0; k < 3; k++) m.push((R[r * 3 + k] ?? 0) * (s[k] ?? 1));
      m.push(o[r] ?? 0);
    }
    return { affine: [...m, 0, 0, 0, 1], orientation: 'qform' };
  }
  return { affine: [dx, 0, 0, 0, 0, dy, 0, 0, 0, 0, dz, 0, 0, 0, 0, 1], orientation: 'pixdim' };
}

/** Stored values with scl_slope/scl_inter applied (slope 0 or (1, 0) means no scaling). */
export function niftiValues(image: NiftiImage): NiftiArray {
  const { sclSlope: m, sclInter: b } = image;
  if (m === 0 || !Number.isFinite(m) || (m === 1 && b === 0)) return image.data;
  const out = new Float64Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (image.data[i] ?? 0) * m + b;
  return out;
}

/**
 * The image as integer labels (after scaling): integer datatypes pass through; float data must
 * hold whole, non-negative numbers. Throws DLN_NIFTI_INVALID otherwise.
 */
export function niftiLabels(image: NiftiImage): LabelArray {
  const v = niftiValues(image);
  if (!(v instanceof Float32Array) && !(v instanceof Float64Array)) return v;
  let max = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] ?? 0;
    if (!Number.isInteger(x) || x < 0) throw invalid('label image holds values that are not non-negative integers');
    if (x > max) max = x;
  }
  const out = max <= 255 ? new Uint8Array(v.length) : max <= 65535 ? new Uint16Array(v.length) : new Uint32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] ?? 0;
  return out;
}

export interface NiftiWriteInput {
  readonly grid: Grid;
  readonly data: NiftiArray;
  /** Row-major 4×4 voxel → RAS-mm; defaults to diag(spacing). Written as both sform and qform. */
  readonly affine?: readonly number[];
  /** scl_slope (default 1): e.g. 1/255 for a probability stored as uint8. */
  readonly sclSlope?: number;
}

function datatypeFor(data: NiftiArray): NiftiDatatype {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}

/** Serialises a NIfTI-1 single file; `gzip` gives the .nii.gz bytes. */
export function encodeNifti(image: NiftiWriteInput, options: { gzip?: boolean } = {}): Uint8Array {
  const { grid, data } = image;
  const datatype = datatypeFor(data);
  const { code, bytes: size } = DATATYPES[datatype];
  const count = grid.dims[0] * grid.dims[1] * grid.dims[2];
  if (data.length !== count) throw invalid('data length does not match the grid');
  const out = new Uint8Array(352 + count * size);
  const view = new DataView(out.buffer);
  const [sx, sy, sz] = grid.spacing;
  const affine = image.affine ?? [sx, 0, 0, 0, 0, sy, 0, 0, 0, 0, sz, 0, 0, 0, 0, 1];
  view.setInt32(0, 348, true);
  const ndim = grid.ndim;
  view.setInt16(40, ndim, true);
  for (let k = 0; k < 7; k++) view.setInt16(42 + 2 * k, k < ndim ? (grid.dims[k] ?? 1) : 1, true);
  view.setInt16(70, code, true);
  view.setInt16(72, size * 8, true);
  const { quaternion, qfac, offset } = affineToQuaternion(affine);
  view.setFloat32(76, qfac, true);
  [sx, sy, sz].forEach((s, k) => view.setFloat32(80 + 4 * k, k < ndim ? s : 1, true));
  view.setFloat32(108, 352, true);
  view.setFloat32(112, image.sclSlope ?? 1, true);
  view.setFloat32(116, 0, true);
  out[123] = 2 | 8; // mm, seconds
  view.setInt16(252, 1, true);
  view.setInt16(254, 1, true);
  quaternion.forEach((q, k) => view.setFloat32(256 + 4 * k, q, true));
  offset.forEach((o, k) => view.setFloat32(268 + 4 * k, o, true));
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) view.setFloat32(280 + r * 16 + c * 4, affine[r * 4 + c] ?? 0, true);
  out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  out.set(body, 352); // the platform is little-endian (checked in tests)
  return options.gzip ? gzipSync(out, { level: 6 }) : out;
}

/** Quaternion (b, c, d), qfac and offset of an affine's rotation part (the qform fields). */
function affineToQuaternion(affine: readonly number[]): { quaternion: number[]; qfac: number; offset: number[] } {
  const col = (k: number): number[] => [affine[k] ?? 0, affine[4 + k] ?? 0, affine[8 + k] ?? 0];
  const norm = (v: number[]): number[] => { const n = Math.hypot(...v) || 1; return v.map((x) => x / n); };
  const r0 = norm(col(0)), r1 = norm(col(1));
  let r2 = norm(col(2));
  const det =
    (r0[0] ?? 0) * ((r1[1] ?? 0) * (r2[2] ?? 0) - (r1[2] ?? 0) * (r2[1] ?? 0)) -
    (r1[0] ?? 0) * ((r0[1] ?? 0) * (r2[2] ?? 0) - (r0[2] ?? 0) * (r2[1] ?? 0)) +
    (r2[0] ?? 0) * ((r0[1] ?? 0) * (r1[2] ?? 0) - (r0[2] ?? 0) * (r1[1] ?? 0));
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) r2 = r2.map((x) => -x);
  // Rotation matrix R with columns r0, r1, r2; quaternion by the largest-diagonal method.
  const [xx = 1, yx = 0, zx = 0] = r0, [xy = 0, yy = 1, zy = 0] = r1, [xz = 0, yz = 0, zz = 1] = r2;
  let a = xx + yy + zz + 1, b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (zy - yz)) / a;
    c = (0.25 * (xz - zx)) / a;
    d = (0.25 * (yx - xy)) / a;
  } else {
    const xd = 1 + xx - (yy + zz), yd = 1 + yy - (xx + zz), zd = 1 + zz - (xx + yy);
    if (xd > 1) { b = 0.5 * Math.sqrt(xd); c = (0.25 * (xy + yx)) / b; d = (0.25 * (xz + zx)) / b; a = (0.25 * (zy - yz)) / b; }
    else if (yd > 1) { c = 0.5 * Math.sqrt(yd); b = (0.25 * (xy + yx)) / c; d = (0.25 * (yz + zy)) / c; a = (0.25 * (xz - zx)) / c; }
    else { d = 0.5 * Math.sqrt(zd); b = (0.25 * (xz + zx)) / d; c = (0.25 * (yz + zy)) / d; a = (0.25 * (yx - xy)) / d; }
    if (a < 0) { b = -b; c = -c; d = -d; }
  }
  return { quaternion: [b, c, d], qfac, offset: [affine[3] ?? 0, affine[7] ?? 0, affine[11] ?? 0] };
}
