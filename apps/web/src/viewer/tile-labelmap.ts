/**
 * A slide's labels as sparse tiles: 512² full-resolution tiles on the server's grid, held only for
 * the tiles loaded (from the revision's tile index, as they come into view) or painted. A slide is
 * up to 100,000² pixels, 10 GB as one byte per pixel, so the whole mask is never made. Every edit
 * happens inside a stroke, kept per tile (offsets in the tile, values before and after), so undo,
 * redo and the save controller's changed tiles work as on a radiology volume.
 */
import { decodeTileSet, decodeRle8, encodeRle8, encodeTileSet, isOnGrid, tileAtOrdinal, tileExtent, tileGridOf, tileOrdinal, tilesAcross, tilesDown, type Tile, type TileGrid } from '@delineate/core';
import type { Draft } from '../drafts';
import type { SavedLabels } from '../workspace/save-controller';

/** One tile's part of a stroke: the offsets (y · width + x in the tile) it changed, before and after. */
export interface TileEdit {
  readonly offsets: Uint32Array;
  readonly before: Uint8Array;
  readonly after: Uint8Array;
}

export interface TileStroke {
  readonly name: string;
  /** By tile ordinal. */
  readonly tiles: ReadonlyMap<number, TileEdit>;
}

export class TileLabelmap implements SavedLabels<TileStroke> {
  readonly grid: TileGrid;
  readonly undoStack: TileStroke[] = [];
  readonly redoStack: TileStroke[] = [];
  revision = 0;
  onTilesChanged: ((ordinals: Iterable<number>) => void) | null = null;
  /** Told whenever tiles change, loads included (the viewer redraws them). */
  onDraw: ((ordinals: Iterable<number>) => void) | null = null;
  /** Tiles holding a label (a tile painted back to background may stay, all zero). */
  readonly #tiles = new Map<number, Uint8Array>();
  /** Tiles whose stored labels are in (empty or not): only these may be painted. */
  readonly #loaded = new Set<number>();
  /** The open stroke: each touched tile as it was before (null: it held no labels). */
  #pending: Map<number, Uint8Array | null> | null = null;
  #pendingName = '';
  /** Pixels a stroke could not paint because their tile was still loading. */
  skipped = 0;

  constructor(width: number, height: number) {
    this.grid = tileGridOf(width, height, 1);
  }

  get width(): number {
    return this.grid.columns;
  }

  get height(): number {
    return this.grid.rows;
  }

  ordinalAt(x: number, y: number): number {
    return Math.floor(y / this.grid.tileSize) * tilesAcross(this.grid) + Math.floor(x / this.grid.tileSize);
  }

  isLoaded(ordinal: number): boolean {
    return this.#loaded.has(ordinal);
  }

  /** A tile's labels (row-major, its own extent), or undefined when it holds none. */
  tile(ordinal: number): Uint8Array | undefined {
    return this.#tiles.get(ordinal);
  }

  /** The non-empty tiles held, by ordinal. */
  tileOrdinals(): number[] {
    return [...this.#tiles.keys()];
  }

  #extent(ordinal: number): { width: number; height: number } {
    return tileExtent(this.grid, tileAtOrdinal(this.grid, ordinal));
  }

  get(x: number, y: number): number {
    const tile = this.#tiles.get(this.ordinalAt(x, y));
    if (!tile) return 0;
    const ts = this.grid.tileSize;
    return tile[(y % ts) * this.#extent(this.ordinalAt(x, y)).width + (x % ts)]!;
  }

  /**
   * The labels of a rectangle (row-major, clipped to the slide by the caller), with `unknown` where
   * a tile's stored labels are not in yet.
   */
  readRect(x0: number, y0: number, width: number, height: number, unknown: number): Uint8Array {
    const out = new Uint8Array(width * height);
    const ts = this.grid.tileSize;
    for (let ty = Math.floor(y0 / ts); ty * ts < y0 + height; ty++) {
      for (let tx = Math.floor(x0 / ts); tx * ts < x0 + width; tx++) {
        const ordinal = ty * tilesAcross(this.grid) + tx;
        const tile = this.#tiles.get(ordinal);
        const loaded = this.#loaded.has(ordinal);
        const tw = this.#extent(ordinal).width;
        const ya = Math.max(y0, ty * ts);
        const yb = Math.min(y0 + height, (ty + 1) * ts, this.height);
        const xa = Math.max(x0, tx * ts);
        const xb = Math.min(x0 + width, (tx + 1) * ts, this.width);
        for (let y = ya; y < yb; y++) {
          const at = (y - y0) * width + (xa - x0);
          if (!loaded) out.fill(unknown, at, at + xb - xa);
          else if (tile) out.set(tile.subarray((y - ty * ts) * tw + (xa - tx * ts), (y - ty * ts) * tw + (xb - tx * ts)), at);
        }
      }
    }
    return out;
  }

  /** Stored tiles arriving: written in, unless the tile is already loaded (edits there win). */
  load(tiles: readonly Tile[], asked: readonly number[]): void {
    const drawn: number[] = [];
    for (const tile of tiles) {
      if (!isOnGrid(this.grid, tile.position) || tile.position.slice !== 0) throw new RangeError('A stored tile is off the slide');
      const ordinal = tileOrdinal(this.grid, tile.position);
      if (this.#loaded.has(ordinal)) continue;
      const { width, height } = this.#extent(ordinal);
      const decoded = decodeRle8(tile.runs, width * height);
      if (!decoded.ok) throw new RangeError('A stored tile does not fit its place');
      this.#tiles.set(ordinal, decoded.voxels);
      this.#loaded.add(ordinal);
      drawn.push(ordinal);
    }
    // Asked for and not sent: empty.
    for (const ordinal of asked) this.#loaded.add(ordinal);
    this.revision++;
    this.onDraw?.(drawn);
  }

  /** Forgets every tile (a newer version is loaded in their place); clears undo and redo. */
  reset(): void {
    const drawn = [...this.#tiles.keys()];
    this.#tiles.clear();
    this.#loaded.clear();
    this.undoStack.length = 0;
    this.redoStack.length = 0;
    this.#pending = null;
    this.revision++;
    this.onDraw?.(drawn);
  }

  begin(name: string): void {
    if (this.#pending) this.end();
    this.#pending = new Map();
    this.#pendingName = name;
    this.skipped = 0;
  }

  get inStroke(): boolean {
    return this.#pending !== null;
  }

  /** Writes `value` over columns x0 … x1 (inclusive) of row y, clipped to the slide. */
  setSpan(y: number, x0: number, x1: number, value: number, only?: (old: number) => boolean): void {
    const pending = this.#pending;
    if (!pending) throw new Error('Edits happen inside a stroke');
    if (y < 0 || y >= this.height) return;
    const ts = this.grid.tileSize;
    let x = Math.max(0, x0);
    const end = Math.min(this.width - 1, x1);
    while (x <= end) {
      const ordinal = this.ordinalAt(x, y);
      const stop = Math.min(end, (Math.floor(x / ts) + 1) * ts - 1);
      if (!this.#loaded.has(ordinal)) {
        this.skipped += stop - x + 1;
        x = stop + 1;
        continue;
      }
      const { width, height } = this.#extent(ordinal);
      let tile = this.#tiles.get(ordinal);
      if (!pending.has(ordinal)) pending.set(ordinal, tile ? tile.slice() : null);
      if (!tile) {
        tile = new Uint8Array(width * height);
        this.#tiles.set(ordinal, tile);
      }
      const row = (y % ts) * width;
      if (!only) tile.fill(value, row + (x % ts), row + (stop % ts) + 1);
      else for (let at = row + (x % ts); at <= row + (stop % ts); at++) if (tile[at] !== value && only(tile[at]!)) tile[at] = value;
      x = stop + 1;
    }
    this.revision++;
  }

  set(x: number, y: number, value: number): void {
    this.setSpan(y, x, x, value);
  }

  /** Closes the stroke; returns it, or null when nothing changed. */
  end(): TileStroke | null {
    const pending = this.#pending;
    this.#pending = null;
    if (!pending) return null;
    const tiles = new Map<number, TileEdit>();
    for (const [ordinal, was] of pending) {
      const tile = this.#tiles.get(ordinal)!;
      const changed: number[] = [];
      for (let at = 0; at < tile.length; at++) if (tile[at] !== (was ? was[at] : 0)) changed.push(at);
      if (!changed.length) continue;
      const offsets = Uint32Array.from(changed);
      const before = new Uint8Array(offsets.length);
      const after = new Uint8Array(offsets.length);
      for (let k = 0; k < offsets.length; k++) {
        before[k] = was ? was[offsets[k]!]! : 0;
        after[k] = tile[offsets[k]!]!;
      }
      tiles.set(ordinal, { offsets, before, after });
    }
    if (tiles.size === 0) return null;
    const stroke = { name: this.#pendingName, tiles };
    this.undoStack.push(stroke);
    if (this.undoStack.length > 200) this.undoStack.shift();
    this.redoStack.length = 0;
    this.#changed(tiles.keys());
    return stroke;
  }

  /** Drops the open stroke, putting back every pixel it changed (a cancelled tool). */
  abort(): void {
    const pending = this.#pending;
    this.#pending = null;
    if (!pending) return;
    for (const [ordinal, was] of pending) {
      if (was) this.#tiles.get(ordinal)!.set(was);
      else this.#tiles.delete(ordinal);
    }
    this.revision++;
    this.onDraw?.(pending.keys());
  }

  #apply(stroke: TileStroke, which: 'before' | 'after'): void {
    for (const [ordinal, edit] of stroke.tiles) {
      let tile = this.#tiles.get(ordinal);
      if (!tile) {
        const { width, height } = this.#extent(ordinal);
        this.#tiles.set(ordinal, (tile = new Uint8Array(width * height)));
      }
      const values = edit[which];
      for (let k = 0; k < edit.offsets.length; k++) tile[edit.offsets[k]!] = values[k]!;
    }
    this.revision++;
    this.#changed(stroke.tiles.keys());
  }

  #changed(ordinals: Iterable<number>): void {
    const list = [...ordinals];
    this.onTilesChanged?.(list);
    this.onDraw?.(list);
  }

  undo(): boolean {
    const stroke = this.undoStack.pop();
    if (!stroke) return false;
    this.#apply(stroke, 'before');
    this.redoStack.push(stroke);
    return true;
  }

  redo(): boolean {
    const stroke = this.redoStack.pop();
    if (!stroke) return false;
    this.#apply(stroke, 'after');
    this.undoStack.push(stroke);
    return true;
  }

  /** The tiles some strokes touched (to load before replaying them on a newer version). */
  static tilesOf(strokes: readonly TileStroke[]): number[] {
    return [...new Set(strokes.flatMap((s) => [...s.tiles.keys()]))];
  }

  /** Re-applies strokes (someone's edits) as one new undoable stroke, on loaded tiles. */
  replay(strokes: readonly TileStroke[], name = 'redo my edits'): TileStroke | null {
    this.begin(name);
    const ts = this.grid.tileSize;
    const across = tilesAcross(this.grid);
    for (const stroke of strokes) {
      for (const [ordinal, edit] of stroke.tiles) {
        const { width } = this.#extent(ordinal);
        const x0 = (ordinal % across) * ts;
        const y0 = Math.floor(ordinal / across) * ts;
        for (let k = 0; k < edit.offsets.length; k++) {
          const at = edit.offsets[k]!;
          const x = x0 + (at % width);
          this.setSpan(y0 + Math.floor(at / width), x, x, edit.after[k]!);
        }
      }
    }
    return this.end();
  }

  readTile(ordinal: number): Tile {
    const position = tileAtOrdinal(this.grid, ordinal);
    const tile = this.#tiles.get(ordinal);
    const { width, height } = tileExtent(this.grid, position);
    return { position, runs: encodeRle8(tile ?? new Uint8Array(width * height)) };
  }

  /** A slide's mask is never whole. */
  wholeRle(): null {
    return null;
  }

  draftOf(changed: readonly number[]): Pick<Draft, 'tiles'> {
    return { tiles: encodeTileSet(changed.map((o) => this.readTile(o))) };
  }

  /** A draft's tiles replace those tiles as one undoable stroke (they must be loaded first: {@link draftTiles}). */
  applyDraft(draft: Draft): boolean {
    const set = draft.tiles ? decodeTileSet(draft.tiles) : null;
    if (!set?.ok) return false;
    const ts = this.grid.tileSize;
    this.begin('restore draft');
    for (const tile of set.tiles) {
      if (!isOnGrid(this.grid, tile.position) || tile.position.slice !== 0) {
        this.abort();
        return false;
      }
      const { width, height } = tileExtent(this.grid, tile.position);
      const decoded = decodeRle8(tile.runs, width * height);
      if (!decoded.ok) {
        this.abort();
        return false;
      }
      const x0 = tile.position.tileColumn * ts;
      const y0 = tile.position.tileRow * ts;
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) this.setSpan(y0 + y, x0 + x, x0 + x, decoded.voxels[y * width + x]!);
    }
    this.end();
    return true;
  }

  /** How many pixels of the held tiles carry `value`. */
  count(value: number): number {
    let n = 0;
    for (const tile of this.#tiles.values()) for (let i = 0; i < tile.length; i++) if (tile[i] === value) n++;
    return n;
  }

  get tileCount(): number {
    return tilesAcross(this.grid) * tilesDown(this.grid);
  }
}

/** The tiles a draft holds, by ordinal (to load before applying it). */
export function draftTiles(grid: TileGrid, draft: Draft): number[] {
  const set = draft.tiles ? decodeTileSet(draft.tiles) : null;
  return set?.ok ? set.tiles.map((t) => tileOrdinal(grid, t.position)) : [];
}
