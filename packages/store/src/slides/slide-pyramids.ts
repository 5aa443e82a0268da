import { DelineateError } from '@delineate/schema';
import { buildSlideTileIndex, decodeSlideTileIndex, pyramidLayoutOf, tileHash, type PyramidLevel, type PyramidSource, type SlidePyramidLayout } from '@delineate/wsi';
import { readTiff } from '@delineate/formats';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/types';
import type { DB } from '../sql/tables';
import { translated } from '../repositories/db-errors';

export interface SlidePyramidInput {
  readonly subjectId: string;
  /** The converted pyramidal JPEG (Big)TIFF, already through the de-identification gate. */
  readonly pyramid: Uint8Array;
  /** Microns per pixel at full resolution, read from the source before conversion. */
  readonly mpp?: number | null;
  readonly stain?: string | null;
  readonly scanner?: string | null;
}

export interface RegisteredSlide {
  readonly slideId: string;
  readonly pyramidHash: string;
  readonly tileIndexHash: string;
  readonly width: number;
  readonly height: number;
}

/**
 * The tile index of a converted pyramid (layout and SHA-256 of every tile, so the tile server's
 * ranged reads are verified), stored as a blob. The pyramid is parsed first, so a file that cannot
 * be served is refused (`DLN_SLIDE_PYRAMID_INVALID`) before anything is written. Slide ingest
 * calls it beside the pyramid blob, inside its records-last order.
 */
export async function storeSlideTileIndex(blobs: BlobStore, pyramid: Uint8Array): Promise<{ tileIndexHash: string; width: number; height: number }> {
  const layout = pyramidLayoutOf(readTiff(pyramid));
  const index = await buildSlideTileIndex(layout, async (level, i) => {
    const offset = level.tileOffsets[i] ?? 0;
    return pyramid.subarray(offset, offset + (level.tileByteCounts[i] ?? 0));
  });
  const stored = await blobs.put(index);
  return { tileIndexHash: stored.hash, width: layout.width, height: layout.height };
}

/**
 * Stores a converted slide: its tile index (storeSlideTileIndex), the pyramid blob and the
 * `slides` row. For tests and tools that register a pyramid made elsewhere; ingest makes its own row.
 */
export async function registerSlidePyramid(db: Kysely<DB>, blobs: BlobStore, input: SlidePyramidInput): Promise<RegisteredSlide> {
  const indexed = await storeSlideTileIndex(blobs, input.pyramid);
  const pyramid = await blobs.put(input.pyramid);
  const row = await translated(() =>
    db
      .insertInto('slides')
      .values({
        subject_id: input.subjectId,
        width: indexed.width,
        height: indexed.height,
        mpp: input.mpp ?? null,
        stain: input.stain ?? null,
        scanner: input.scanner ?? null,
        pyramid_hash: pyramid.hash,
        tile_index_hash: indexed.tileIndexHash,
      })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
  return { slideId: row.id, pyramidHash: pyramid.hash, tileIndexHash: indexed.tileIndexHash, width: indexed.width, height: indexed.height };
}

/**
 * A slide pyramid in the blob store: the layout from its tile index (read whole, verified by the
 * store), each tile by a ranged read checked against its recorded SHA-256 (S3: one ranged GET).
 */
export class BlobPyramidSource implements PyramidSource {
  constructor(
    private readonly blobs: BlobStore,
    readonly key: string,
    private readonly tileIndexHash: string,
  ) {}

  async openLayout(): Promise<SlidePyramidLayout> {
    return decodeSlideTileIndex(await this.blobs.get(this.tileIndexHash));
  }

  async readTile(level: PyramidLevel, index: number): Promise<Uint8Array> {
    const offset = level.tileOffsets[index];
    const length = level.tileByteCounts[index];
    if (offset === undefined || length === undefined) throw new DelineateError('DLN_SLIDE_TILE_NOT_FOUND', 'No such tile in this slide');
    const [bytes] = await this.blobs.getParts(this.key, [{ offset, length, sha256: tileHash(level, index) }]);
    return bytes!;
  }
}
