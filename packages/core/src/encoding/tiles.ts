/**
 * Tiled masks: a label volume cut on its item's grid into 512 × 512 in-plane tiles, one set per
 * slice (a 512² CT slice is one tile; a slide is one slice of many tiles). A save then carries and
 * stores only the tiles an edit touched. Each tile is the `rle` encoding of its own voxels (x fastest
 * within the tile, then y). Cutting and joining work on runs, never on voxels, so a mostly empty
 * volume costs its runs, not its size.
 */
import { validateRle8, walkRle8Runs, type DecodeResult } from './rle';

export const TILE_SIZE = 512;

export interface TileGrid {
  readonly columns: number;
  readonly rows: number;
  readonly slices: number;
  readonly tileSize: number;
}

export interface TilePosition {
  readonly slice: number;
  readonly tileRow: number;
  readonly tileColumn: number;
}

/** One tile's voxels as `rle` runs. */
export interface Tile {
  readonly position: TilePosition;
  readonly runs: Uint8Array;
}

export function tileGridOf(columns: number, rows: number, slices: number, tileSize: number = TILE_SIZE): TileGrid {
  for (const n of [columns, rows, slices, tileSize]) if (!Number.isInteger(n) || n < 1) throw new RangeError('tile grid dimensions must be positive integers');
  return { columns, rows, slices, tileSize };
}

export function tilesAcross(grid: TileGrid): number {
  return Math.ceil(grid.columns / grid.tileSize);
}

export function tilesDown(grid: TileGrid): number {
  return Math.ceil(grid.rows / grid.tileSize);
}

export function tileCount(grid: TileGrid): number {
  return tilesAcross(grid) * tilesDown(grid) * grid.slices;
}

export function isOnGrid(grid: TileGrid, p: TilePosition): boolean {
  return (
    Number.isInteger(p.slice) && Number.isInteger(p.tileRow) && Number.isInteger(p.tileColumn) &&
    p.slice >= 0 && p.slice < grid.slices && p.tileRow >= 0 && p.tileRow < tilesDown(grid) && p.tileColumn >= 0 && p.tileColumn < tilesAcross(grid)
  );
}

/** Width and height of a tile: edge tiles are cut short by the grid. */
export function tileExtent(grid: TileGrid, p: TilePosition): { width: number; height: number } {
  return {
    width: Math.min(grid.tileSize, grid.columns - p.tileColumn * grid.tileSize),
    height: Math.min(grid.tileSize, grid.rows - p.tileRow * grid.tileSize),
  };
}

export function tileVoxels(grid: TileGrid, p: TilePosition): number {
  const { width, height } = tileExtent(grid, p);
  return width * height;
}

/** The tile's place in volume order (slice, then tile row, then tile column): a map key and sort key. */
export function tileOrdinal(grid: TileGrid, p: TilePosition): number {
  return (p.slice * tilesDown(grid) + p.tileRow) * tilesAcross(grid) + p.tileColumn;
}

export function tileAtOrdinal(grid: TileGrid, ordinal: number): TilePosition {
  const across = tilesAcross(grid);
  const down = tilesDown(grid);
  return { slice: Math.floor(ordinal / (across * down)), tileRow: Math.floor(ordinal / across) % down, tileColumn: ordinal % across };
}

/** True when every run of the tile is label 0: such a tile is not stored. */
export function isEmptyTile(runs: Uint8Array): boolean {
  let i = 0;
  while (i < runs.length) {
    if (runs[i++] !== 0) return false;
    while (i < runs.length && (runs[i++]! & 0x80) !== 0);
  }
  return true;
}

export type CutResult = { ok: true; tiles: Tile[]; labels: number[] } | Extract<DecodeResult, { ok: false }>;

/**
 * Cuts a whole-volume `rle` stream into its non-empty tiles (in volume order), each in canonical
 * runs. Fails as {@link validateRle8} does when the stream does not cover the grid exactly.
 */
export function cutRle8(grid: TileGrid, encoded: Uint8Array): CutResult {
  const { columns, rows, tileSize } = grid;
  const across = tilesAcross(grid);
  const down = tilesDown(grid);
  const writers = new Map<number, RunWriter>();
  const labels = new Set<number>();
  const put = (slice: number, tileRow: number, tileColumn: number, value: number, length: number): void => {
    const ordinal = (slice * down + tileRow) * across + tileColumn;
    let w = writers.get(ordinal);
    if (!w) writers.set(ordinal, (w = new RunWriter()));
    w.push(value, length);
  };
  // Puts `count` whole rows (starting at row y of a slice, all in one band of tiles) of one value.
  const putRows = (z: number, y: number, count: number, value: number): void => {
    const band = Math.floor(y / tileSize);
    for (let tx = 0; tx < across; tx++) put(z, band, tx, value, count * Math.min(tileSize, columns - tx * tileSize));
  };
  // Puts part of one row, from column x, of `length` voxels.
  const putRowPart = (z: number, y: number, x: number, length: number, value: number): void => {
    const band = Math.floor(y / tileSize);
    while (length > 0) {
      const tx = Math.floor(x / tileSize);
      const n = Math.min(length, (tx + 1) * tileSize - x);
      put(z, band, tx, value, n);
      x += n;
      length -= n;
    }
  };
  const sliceVoxels = columns * rows;
  const failure = walkRle8Runs(encoded, sliceVoxels * grid.slices, (value, start, length) => {
    labels.add(value);
    let o = start;
    let left = length;
    while (left > 0) {
      const z = Math.floor(o / sliceVoxels);
      const inSlice = o - z * sliceVoxels;
      const y = Math.floor(inSlice / columns);
      const x = inSlice - y * columns;
      if (x !== 0 || left < columns) {
        const n = Math.min(left, columns - x);
        putRowPart(z, y, x, n, value);
        o += n;
        left -= n;
        continue;
      }
      // Whole rows: as many as the run, the slice and the band of tiles allow, in one step.
      const bandEnd = Math.min(rows, (Math.floor(y / tileSize) + 1) * tileSize);
      const count = Math.min(Math.floor(left / columns), bandEnd - y);
      putRows(z, y, count, value);
      o += count * columns;
      left -= count * columns;
    }
  });
  if (failure) return failure;
  const tiles: Tile[] = [];
  for (const ordinal of [...writers.keys()].sort((a, b) => a - b)) {
    const w = writers.get(ordinal)!;
    if (w.nonZero) tiles.push({ position: tileAtOrdinal(grid, ordinal), runs: w.finish() });
  }
  labels.delete(0);
  return { ok: true, tiles, labels: [...labels].sort((a, b) => a - b) };
}

/**
 * The whole-volume `rle` stream of a tiled mask, in canonical runs (maximal, minimal varints: what
 * {@link encodeRle8} writes), so its SHA-256 is the revision's whole-volume mask hash. `tileRuns`
 * gives a tile's runs, or undefined for an empty tile; each must already be valid for its tile.
 */
export function joinTilesRle8(grid: TileGrid, tileRuns: (ordinal: number) => Uint8Array | undefined): Uint8Array {
  const across = tilesAcross(grid);
  const down = tilesDown(grid);
  const out = new RunWriter();
  for (let z = 0; z < grid.slices; z++) {
    for (let band = 0; band < down; band++) {
      const height = Math.min(grid.tileSize, grid.rows - band * grid.tileSize);
      // A row of the band crosses its tiles in order; neighbouring empty tiles are one background
      // stretch, so a slide band with a few painted tiles costs those tiles, not all 196.
      const stretches: { cursor: RunCursor | null; width: number }[] = [];
      for (let tx = 0; tx < across; tx++) {
        const runs = tileRuns((z * down + band) * across + tx);
        const width = Math.min(grid.tileSize, grid.columns - tx * grid.tileSize);
        const last = stretches.at(-1);
        if (!runs && last && !last.cursor) last.width += width;
        else stretches.push({ cursor: runs ? new RunCursor(runs) : null, width });
      }
      if (stretches.length === 1) {
        // One stretch spans the row (one tile, or a band with nothing painted): taken whole.
        const only = stretches[0]!;
        if (only.cursor) only.cursor.take(grid.columns * height, out);
        else out.push(0, grid.columns * height);
        continue;
      }
      for (let y = 0; y < height; y++) {
        for (const stretch of stretches) {
          if (stretch.cursor) stretch.cursor.take(stretch.width, out);
          else out.push(0, stretch.width);
        }
      }
    }
  }
  return out.finish();
}

export type TileCheck = { ok: true; labels: number[] } | { ok: false; reason: 'off_grid' | 'duplicate' | Extract<DecodeResult, { ok: false }>['reason'] };

/** Checks tiles sent by a client: each on the grid, once, and exactly covering its tile. */
export function checkTiles(grid: TileGrid, tiles: readonly Tile[]): TileCheck {
  const seen = new Set<number>();
  const labels = new Set<number>();
  for (const tile of tiles) {
    if (!isOnGrid(grid, tile.position)) return { ok: false, reason: 'off_grid' };
    const ordinal = tileOrdinal(grid, tile.position);
    if (seen.has(ordinal)) return { ok: false, reason: 'duplicate' };
    seen.add(ordinal);
    const checked = validateRle8(tile.runs, tileVoxels(grid, tile.position));
    if (!checked.ok) return checked;
    for (const l of checked.labels) if (l !== 0) labels.add(l);
  }
  return { ok: true, labels: [...labels].sort((a, b) => a - b) };
}

/** Appends runs, merging equal neighbours, into a growing buffer: canonical `rle` runs. */
export class RunWriter {
  #bytes = new Uint8Array(64);
  #length = 0;
  #value = -1;
  #run = 0;
  nonZero = false;

  push(value: number, length: number): void {
    if (length === 0) return;
    if (value !== 0) this.nonZero = true;
    if (value === this.#value) {
      this.#run += length;
      return;
    }
    this.#flush();
    this.#value = value;
    this.#run = length;
  }

  finish(): Uint8Array {
    this.#flush();
    this.#value = -1;
    return this.#bytes.slice(0, this.#length);
  }

  #flush(): void {
    if (this.#value < 0) return;
    if (this.#length + 9 > this.#bytes.length) {
      const grown = new Uint8Array(this.#bytes.length * 2);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    this.#bytes[this.#length++] = this.#value;
    let n = this.#run;
    while (n >= 0x80) {
      this.#bytes[this.#length++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.#bytes[this.#length++] = n;
  }
}

/** Reads a tile's runs a piece at a time; an absent tile reads as label 0 forever. */
class RunCursor {
  readonly #runs: Uint8Array | undefined;
  #i = 0;
  #value = 0;
  #left = 0;

  constructor(runs: Uint8Array | undefined) {
    this.#runs = runs;
    if (!runs) this.#left = Infinity;
  }

  take(count: number, out: RunWriter): void {
    while (count > 0) {
      if (this.#left === 0) this.#next();
      const n = Math.min(count, this.#left);
      out.push(this.#value, n);
      this.#left -= n;
      count -= n;
    }
  }

  #next(): void {
    const runs = this.#runs!;
    if (this.#i >= runs.length) throw new RangeError('a tile has fewer voxels than its extent');
    this.#value = runs[this.#i++]!;
    let length = 0;
    let scale = 1;
    for (;;) {
      const byte = runs[this.#i++]!;
      length += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) break;
      scale *= 128;
    }
    this.#left = length;
  }
}

const TILE_SET_MAGIC = [0x44, 0x4c, 0x4e, 0x54]; // "DLNT"
const TILE_SET_VERSION = 1;

/**
 * The wire format of a set of tiles (`application/vnd.delineate.tiles`): "DLNT", a version byte,
 * a u32 count, then per tile u32 slice, tile row, tile column and payload length, and the tile's
 * `rle` runs. Integers are little-endian.
 */
export function encodeTileSet(tiles: readonly Tile[]): Uint8Array {
  let size = 9;
  for (const t of tiles) size += 16 + t.runs.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(TILE_SET_MAGIC, 0);
  out[4] = TILE_SET_VERSION;
  view.setUint32(5, tiles.length, true);
  let o = 9;
  for (const t of tiles) {
    view.setUint32(o, t.position.slice, true);
    view.setUint32(o + 4, t.position.tileRow, true);
    view.setUint32(o + 8, t.position.tileColumn, true);
    view.setUint32(o + 12, t.runs.length, true);
    out.set(t.runs, o + 16);
    o += 16 + t.runs.length;
  }
  return out;
}

export type TileSetResult = { ok: true; tiles: Tile[] } | { ok: false; reason: 'not_a_tile_set' | 'unsupported_version' | 'truncated' | 'trailing_bytes' };

export function decodeTileSet(bytes: Uint8Array): TileSetResult {
  if (bytes.length < 9 || TILE_SET_MAGIC.some((b, i) => bytes[i] !== b)) return { ok: false, reason: 'not_a_tile_set' };
  if (bytes[4] !== TILE_SET_VERSION) return { ok: false, reason: 'unsupported_version' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(5, true);
  const tiles: Tile[] = [];
  let o = 9;
  for (let k = 0; k < count; k++) {
    if (o + 16 > bytes.length) return { ok: false, reason: 'truncated' };
    const length = view.getUint32(o + 12, true);
    if (o + 16 + length > bytes.length) return { ok: false, reason: 'truncated' };
    tiles.push({
      position: { slice: view.getUint32(o, true), tileRow: view.getUint32(o + 4, true), tileColumn: view.getUint32(o + 8, true) },
      runs: bytes.subarray(o + 16, o + 16 + length),
    });
    o += 16 + length;
  }
  if (o !== bytes.length) return { ok: false, reason: 'trailing_bytes' };
  return { ok: true, tiles };
}
