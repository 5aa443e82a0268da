import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { readTiffRanged } from '@delineate/formats';
import { DelineateError } from '@delineate/schema';
import { completeJpegTile, uninitialisedBytes } from './jpeg-tile';
import { pyramidLayoutOf, type PyramidLevel, type SlidePyramidLayout } from './layout';

/**
 * Where a converted slide's bytes are. `key` names the bytes (a content hash) for the caches;
 * `readTile` gets the stored bytes of tile `index` of a level of the layout `openLayout` gave.
 */
export interface PyramidSource {
  readonly key: string;
  openLayout(): Promise<SlidePyramidLayout>;
  readTile(level: PyramidLevel, index: number): Promise<Uint8Array>;
  /** Optional: the complete JPEG (`completeJpegTile`) read into one buffer, without a second copy. */
  readCompleteTile?(level: PyramidLevel, index: number): Promise<Uint8Array>;
}

function shorter(): DelineateError {
  return new DelineateError('DLN_SLIDE_PYRAMID_INVALID', 'The slide file is shorter than its layout says');
}

/** Ranged reads of a local file through one open handle (header and IFDs only, then tiles). */
export class LocalPyramidFile implements PyramidSource {
  #handle: Promise<FileHandle> | undefined;

  constructor(
    private readonly path: string,
    readonly key: string = path,
  ) {}

  async openLayout(): Promise<SlidePyramidLayout> {
    const handle = await this.#open();
    const { size } = await handle.stat();
    return pyramidLayoutOf(await readTiffRanged(size, (offset, length) => this.#read(offset, length)));
  }

  /**
   * A tile is read synchronously: a local range of a few tens of KiB comes from the page cache or
   * an SSD in microseconds, less than the thread-pool round trip of an asynchronous read costs
   * (measured 12 µs against 36 µs of CPU per 18 KiB tile). Slides on remote storage are read
   * through the blob store's source, never this one.
   */
  async readTile(level: PyramidLevel, index: number): Promise<Uint8Array> {
    return this.#readTileAt(level, index, 0);
  }

  /** The tile read just after room for the level's prefix, which then overwrites the tile's SOI. */
  async readCompleteTile(level: PyramidLevel, index: number): Promise<Uint8Array> {
    const prefix = level.jpegPrefix;
    const buffer = await this.#readTileAt(level, index, prefix.length - 2);
    const tile = buffer.subarray(prefix.length - 2);
    if (tile[0] !== 0xff || tile[1] !== 0xd8) return completeJpegTile(prefix, tile);
    buffer.set(prefix, 0);
    return buffer;
  }

  async #readTileAt(level: PyramidLevel, index: number, at: number): Promise<Uint8Array> {
    const handle = await this.#open();
    const length = level.tileByteCounts[index] ?? 0;
    const buffer = uninitialisedBytes(at + length);
    if (readSync(handle.fd, buffer, at, length, level.tileOffsets[index] ?? 0) !== length) throw shorter();
    return buffer;
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) await (await handle).close();
  }

  #open(): Promise<FileHandle> {
    this.#handle ??= open(this.path, 'r').catch((error: unknown) => {
      this.#handle = undefined;
      throw new DelineateError('DLN_NOT_FOUND', 'The slide file cannot be opened', { code: (error as NodeJS.ErrnoException).code ?? 'unknown' });
    });
    return this.#handle;
  }

  async #read(offset: number, length: number): Promise<Uint8Array> {
    const handle = await this.#open();
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    if (bytesRead !== length) throw shorter();
    return buffer;
  }
}
