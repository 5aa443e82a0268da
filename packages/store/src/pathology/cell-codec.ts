import { DelineateError } from '@delineate/schema';

/**
 * A task's cells in a compact columnar binary form (issue 17): a viewer or the server reads
 * 100,000 nuclei as a handful of typed arrays with no parsing. Layout (little-endian), each
 * column starting on a 4-byte boundary (zero padding) so it can be viewed in place:
 *
 *   magic "DLNC" | version u8 = 1 | 3 reserved bytes | count n u32 | vertex total V u32 | nextId u32
 *   | dictionary length D u32 | dictionary: UTF-8 JSON { classes, authors, sources }
 *   | id u32[n] | x i32[n] | y i32[n]                    centroid in full-resolution px
 *   | vertexStart u32[n+1]                                 cell i's vertices are [start[i], start[i+1])
 *   | offsets i16[2V]                                      (dx, dy) of each vertex from its centroid
 *   | author u16[n] | source u16[n]                       indexes into the dictionary (0xffff: none)
 *   | class u8[n] | review u8[n]                          class index; 0 unreviewed, 1 accepted, 2 rejected
 *
 * Points (mitotic figures) have no vertices. Offsets are int16, so a nucleus spans at most
 * ±32,767 px from its centroid (32 µm at 0.25 µm/px is about 130 px).
 */
export interface CellColumns {
  readonly count: number;
  readonly nextId: number;
  readonly classes: readonly string[];
  readonly authors: readonly string[];
  /** `person` or `model@version`. */
  readonly sources: readonly string[];
  readonly id: Uint32Array;
  readonly x: Int32Array;
  readonly y: Int32Array;
  readonly vertexStart: Uint32Array;
  readonly offsets: Int16Array;
  readonly author: Uint16Array;
  readonly source: Uint16Array;
  readonly cls: Uint8Array;
  readonly review: Uint8Array;
}

export const NO_ENTRY = 0xffff;
const MAGIC = [0x44, 0x4c, 0x4e, 0x43];
const VERSION = 1;
const pad4 = (n: number) => (n + 3) & ~3;

export function encodeCells(c: CellColumns): Uint8Array {
  const n = c.count, v = c.vertexStart[n] ?? 0;
  const dictionary = new TextEncoder().encode(JSON.stringify({ classes: c.classes, authors: c.authors, sources: c.sources }));
  const columns = [c.id.subarray(0, n), c.x.subarray(0, n), c.y.subarray(0, n), c.vertexStart.subarray(0, n + 1), c.offsets.subarray(0, 2 * v), c.author.subarray(0, n), c.source.subarray(0, n), c.cls.subarray(0, n), c.review.subarray(0, n)];
  const total = columns.reduce((s, column) => s + pad4(column.byteLength), pad4(24 + dictionary.length));
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  view.setUint32(8, n, true);
  view.setUint32(12, v, true);
  view.setUint32(16, c.nextId, true);
  view.setUint32(20, dictionary.length, true);
  out.set(dictionary, 24);
  let o = pad4(24 + dictionary.length);
  for (const column of columns) {
    out.set(new Uint8Array(column.buffer, column.byteOffset, column.byteLength), o);
    o = pad4(o + column.byteLength);
  }
  return out;
}

function fail(reason: string): never {
  throw new DelineateError('DLN_PATHOLOGY_CELL_INVALID', `The stored cells are not a valid cell set (${reason})`);
}

/** Decodes into fresh aligned arrays; checks every length and index before returning. */
export function decodeCells(bytes: Uint8Array): CellColumns {
  if (bytes.length < 24 || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a cell set');
  if (bytes[4] !== VERSION) fail('unsupported version');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(8, true), v = view.getUint32(12, true), nextId = view.getUint32(16, true), dictLength = view.getUint32(20, true);
  if (24 + dictLength > bytes.length) fail('truncated');
  let dictionary: { classes: string[]; authors: string[]; sources: string[] };
  try {
    dictionary = JSON.parse(new TextDecoder().decode(bytes.subarray(24, 24 + dictLength)));
  } catch {
    fail('dictionary');
  }
  let o = pad4(24 + dictLength);
  const take = (length: number) => {
    if (o + length > bytes.length) fail('truncated');
    // A copy: aligned, and never aliasing the caller's buffer.
    const copy = bytes.slice(o, o + length).buffer;
    o = pad4(o + length);
    return copy;
  };
  const id = new Uint32Array(take(4 * n)), x = new Int32Array(take(4 * n)), y = new Int32Array(take(4 * n));
  const vertexStart = new Uint32Array(take(4 * (n + 1)));
  const offsets = new Int16Array(take(4 * v));
  const author = new Uint16Array(take(2 * n)), source = new Uint16Array(take(2 * n));
  const cls = new Uint8Array(take(n)), review = new Uint8Array(take(n));
  if (vertexStart[0] !== 0 || vertexStart[n] !== v) fail('vertex index');
  for (let i = 0; i < n; i++) {
    if (vertexStart[i + 1]! < vertexStart[i]!) fail('vertex index');
    if (cls[i]! >= dictionary.classes.length || review[i]! > 2) fail('class');
    if (author[i] !== NO_ENTRY && author[i]! >= dictionary.authors.length) fail('author');
    if (source[i]! >= dictionary.sources.length) fail('source');
  }
  return { count: n, nextId, classes: dictionary.classes, authors: dictionary.authors, sources: dictionary.sources, id, x, y, vertexStart, offsets, author, source, cls, review };
}
