import { type BoundarySet, checkBoundarySet, octBoundaries } from './boundaries';

/**
 * Binary layout of a boundary set (little endian), kept as one blob per revision:
 *
 *   offset 0   8 bytes  magic "DLNOCTB1"
 *   offset 8   u16      boundary count (always 11, in the order of `octBoundaries`)
 *   offset 10  u16      B-scan count S
 *   offset 12  u16      A-scan count A
 *   offset 14  u16      reserved (0)
 *   offset 16  u8[11·S·A]   states (0 not annotated, 1 value, 2 absent), boundary-major,
 *                           then B-scan, then A-scan; padded with zeros to a multiple of 4
 *   then       f32[11·S·A]  heights in pixel rows, same order; NaN unless the state is value
 *
 * A state byte array beside plain floats is used rather than NaN payloads: NaN payloads do not
 * survive every float path (JSON, some typed-array copies canonicalise them).
 */
const MAGIC = [0x44, 0x4c, 0x4e, 0x4f, 0x43, 0x54, 0x42, 0x31];
const HEADER = 16;

export function encodeBoundarySet(set: BoundarySet): Uint8Array {
  const cells = octBoundaries.length * set.bscans * set.ascans;
  const statesEnd = HEADER + Math.ceil(cells / 4) * 4;
  const bytes = new Uint8Array(statesEnd + cells * 4);
  bytes.set(MAGIC, 0);
  const view = new DataView(bytes.buffer);
  view.setUint16(8, octBoundaries.length, true);
  view.setUint16(10, set.bscans, true);
  view.setUint16(12, set.ascans, true);
  bytes.set(set.states, HEADER);
  for (let i = 0; i < cells; i++) view.setFloat32(statesEnd + i * 4, set.heights[i]!, true);
  return bytes;
}

export type DecodedBoundarySet = { ok: true; set: BoundarySet } | { ok: false; reason: string };

export function decodeBoundarySet(bytes: Uint8Array): DecodedBoundarySet {
  if (bytes.length < HEADER || MAGIC.some((b, i) => bytes[i] !== b)) return { ok: false, reason: 'not a boundary set (magic bytes differ)' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(8, true) !== octBoundaries.length) return { ok: false, reason: `a boundary set holds ${octBoundaries.length} boundaries` };
  const bscans = view.getUint16(10, true);
  const ascans = view.getUint16(12, true);
  const cells = octBoundaries.length * bscans * ascans;
  const statesEnd = HEADER + Math.ceil(cells / 4) * 4;
  if (bytes.length !== statesEnd + cells * 4) return { ok: false, reason: 'length does not match the B-scan and A-scan counts' };
  const states = bytes.slice(HEADER, HEADER + cells);
  const heights = new Float32Array(cells);
  for (let i = 0; i < cells; i++) heights[i] = view.getFloat32(statesEnd + i * 4, true);
  const set = { bscans, ascans, states, heights };
  const check = checkBoundarySet(set);
  return check.ok ? { ok: true, set } : check;
}
