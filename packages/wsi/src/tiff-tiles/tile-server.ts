import { recutJpeg } from '@delineate/formats';
import { completeJpegTile } from './jpeg-tile';
import { tileBlock, type SlidePyramidLayout } from './layout';
import { LruCache } from './lru';
import type { PyramidSource } from './sources';
import type { TilePlan } from './tile-plan';

/** JPEG quality of re-cut edge and small-level tiles (the stored tiles were written at 85). */
const RECUT_QUALITY = 90;

export interface SlideTileServerOptions {
  /** Parsed layouts kept (one per slide). */
  readonly maxLayouts?: number;
  /** Bytes of recently served tiles kept, across slides. */
  readonly maxTileBytes?: number;
}

/**
 * Serves complete JPEG tiles of converted slides by passthrough: the stored bytes with the level's
 * tables spliced in, never decoded. Layouts and recent tile byte ranges are kept in small LRUs, so
 * a viewer panning back and forth costs neither a re-parse nor a second read.
 */
export class SlideTileServer {
  readonly #layouts: LruCache<string, Promise<SlidePyramidLayout>>;
  /** Complete tiles (tables spliced in), by source, level and tile index. */
  readonly #tiles: LruCache<string, Uint8Array>;

  constructor(options: SlideTileServerOptions = {}) {
    this.#layouts = new LruCache(options.maxLayouts ?? 16);
    this.#tiles = new LruCache(options.maxTileBytes ?? 64 * 1024 * 1024, (bytes) => bytes.length);
  }

  layout(source: PyramidSource): Promise<SlidePyramidLayout> {
    const cached = this.#layouts.get(source.key);
    if (cached) return cached;
    // The promise is cached, so concurrent first requests parse once; a failure is not kept.
    const opening = source.openLayout();
    this.#layouts.set(source.key, opening);
    opening.catch(() => this.#layouts.delete(source.key));
    return opening;
  }

  /**
   * The stored tile as a complete JPEG; DLN_SLIDE_TILE_NOT_FOUND or DLN_SLIDE_TILE_EMPTY (404)
   * otherwise. The cache keeps complete tiles, so a hit is sent without a copy.
   */
  async tile(source: PyramidSource, level: number, column: number, row: number): Promise<Uint8Array> {
    const layout = await this.layout(source);
    const block = tileBlock(layout, level, column, row);
    const key = `${source.key}\u0000${level}\u0000${block.index}`;
    const cached = this.#tiles.get(key);
    if (cached) return cached;
    const pyramidLevel = layout.levels[level]!;
    const complete = source.readCompleteTile
      ? await source.readCompleteTile(pyramidLevel, block.index)
      : completeJpegTile(pyramidLevel.jpegPrefix, await source.readTile(pyramidLevel, block.index));
    this.#tiles.set(key, complete);
    return complete;
  }

  /** A viewer adapter's tile: the stored tile as it is, or re-cut when the viewer expects another shape. */
  async render(source: PyramidSource, plan: TilePlan): Promise<Uint8Array> {
    const stored = await this.tile(source, plan.level, plan.column, plan.row);
    if (plan.kind === 'stored') return stored;
    return recutJpeg(stored, plan.crop, plan.shrink, plan.output, RECUT_QUALITY);
  }
}
