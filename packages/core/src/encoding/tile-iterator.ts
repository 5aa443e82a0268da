/**
 * Reading several tiled masks of one grid together, tile by tile and run by run, so that metrics,
 * agreement and consensus over a 100,000² slide hold a few tiles at a time, never the mask. A tile
 * no mask stores is label 0 in all of them; its voxels are counted once at the end.
 */
import { joinTilesRle8, RunWriter, tileAtOrdinal, tileCount, tileVoxels, type TileGrid, type TilePosition } from './tiles';

/** One stored tile as a source yields it: its place in volume order and its `rle` runs. */
export interface OrdinalTile {
  readonly ordinal: number;
  readonly runs: Uint8Array;
}

/** A tile position with each mask's runs there, in the sources' order (undefined: the tile is empty). */
export interface AlignedTile {
  readonly ordinal: number;
  readonly position: TilePosition;
  readonly runs: readonly (Uint8Array | undefined)[];
}

/**
 * The tiles any of the sources stores, in ascending ordinal (the stable volume order), each with
 * every source's runs. Each source must yield its tiles in ascending ordinal, once each.
 */
export async function* alignTiles(grid: TileGrid, sources: readonly AsyncIterable<OrdinalTile>[]): AsyncGenerator<AlignedTile> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const heads = await Promise.all(iterators.map((it) => it.next()));
  const last = new Array<number>(sources.length).fill(-1);
  for (;;) {
    let ordinal = Infinity;
    for (const h of heads) if (!h.done && h.value.ordinal < ordinal) ordinal = h.value.ordinal;
    if (ordinal === Infinity) return;
    if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= tileCount(grid)) throw new RangeError('a tile lies outside the grid');
    const runs: (Uint8Array | undefined)[] = [];
    for (let s = 0; s < heads.length; s++) {
      const h = heads[s]!;
      if (h.done || h.value.ordinal !== ordinal) {
        runs.push(undefined);
        continue;
      }
      if (ordinal <= last[s]!) throw new RangeError('tiles must come in ascending order, once each');
      last[s] = ordinal;
      runs.push(h.value.runs);
      heads[s] = await iterators[s]!.next();
    }
    yield { ordinal, position: tileAtOrdinal(grid, ordinal), runs };
  }
}

/**
 * Calls `visit` for each stretch of voxels over which every mask keeps one value (`values[m]` is
 * mask m's label), walking all masks' runs together: the cost is the number of runs, not voxels.
 * Covers all of the grid: tiles no mask stores are visited last, as one stretch of zeros.
 * `values` is reused between calls.
 */
export async function forEachAlignedStretch(
  grid: TileGrid,
  masks: number,
  tiles: AsyncIterable<AlignedTile>,
  visit: (values: Uint8Array, length: number, position: TilePosition | undefined) => void,
): Promise<void> {
  const values = new Uint8Array(masks);
  let covered = 0;
  for await (const tile of tiles) {
    const voxels = tileVoxels(grid, tile.position);
    walkStretches(tile.runs, voxels, values, (length) => visit(values, length, tile.position));
    covered += voxels;
  }
  const remaining = grid.columns * grid.rows * grid.slices - covered;
  if (remaining > 0) {
    values.fill(0);
    visit(values, remaining, undefined);
  }
}

/** Walks the runs of one tile of several masks together (absent: all zeros), `voxels` in all. */
export function walkStretches(runs: readonly (Uint8Array | undefined)[], voxels: number, values: Uint8Array, visit: (length: number) => void): void {
  const n = runs.length;
  const at = new Int32Array(n);
  const left = new Float64Array(n);
  for (let m = 0; m < n; m++) {
    if (!runs[m]) {
      values[m] = 0;
      left[m] = Infinity;
    }
  }
  let done = 0;
  while (done < voxels) {
    let step = voxels - done;
    for (let m = 0; m < n; m++) {
      if (left[m] === 0) {
        const r = runs[m]!;
        let i = at[m]!;
        if (i >= r.length) throw new RangeError('a tile has fewer voxels than its extent');
        values[m] = r[i++]!;
        let length = 0;
        let scale = 1;
        for (;;) {
          const byte = r[i++]!;
          length += (byte & 0x7f) * scale;
          if ((byte & 0x80) === 0) break;
          scale *= 128;
        }
        at[m] = i;
        left[m] = length;
      }
      if (left[m]! < step) step = left[m]!;
    }
    if (step <= 0) continue;
    visit(step);
    for (let m = 0; m < n; m++) left[m] = left[m]! - step;
    done += step;
  }
}

/**
 * A label volume computed voxel by voxel from several masks (`map` of each voxel's values, e.g. a
 * consensus or a vote count), built tile by tile on runs and returned as its whole-volume canonical
 * `rle` stream. Tiles no mask stores take `map` of all zeros.
 */
export async function mapAlignedTiles(grid: TileGrid, masks: number, tiles: AsyncIterable<AlignedTile>, map: (values: Uint8Array) => number): Promise<Uint8Array> {
  const values = new Uint8Array(masks);
  const out = new Map<number, Uint8Array>();
  for await (const tile of tiles) {
    const writer = new RunWriter();
    walkStretches(tile.runs, tileVoxels(grid, tile.position), values, (length) => writer.push(map(values), length));
    out.set(tile.ordinal, writer.finish());
  }
  values.fill(0);
  const elsewhere = map(values);
  return joinTilesRle8(grid, (ordinal) => {
    const runs = out.get(ordinal);
    if (runs || elsewhere === 0) return runs;
    const writer = new RunWriter();
    writer.push(elsewhere, tileVoxels(grid, tileAtOrdinal(grid, ordinal)));
    return writer.finish();
  });
}
