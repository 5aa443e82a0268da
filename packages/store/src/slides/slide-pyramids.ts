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
 * Stores a converted slide: the pyramid blob, its tile index blob (layout and SHA-256 of every
 * tile, so the tile server's ranged reads are verified) and the `slides` row. The pyramid is
 * parsed first, so a file that cannot be served is refused before anything is written.
 */
export async function registerSlidePyramid(db: Kysely<DB>, blobs: BlobStore, input: SlidePyramidInput): Promise<RegisteredSlide> {
  const layout = pyramidLayoutOf(readTiff(input.pyramid));
  const index = await buildSlideTileIndex(layout, async (level, i) => {
    const offset = level.tileOffsets[i] ?? 0;
    return input.pyramid.subarray(offset, offset + (level.tileByteCounts[i] ?? 0));
  });
  const pyramid = await blobs.put(input.pyramid);
  const stored = await blobs.put(index);
  const row = await translated(() =>
    db
      .insertInto('slides')
      .values({
        subject_id: input.subjectId,
        width: layout.width,
        height: layout.height,
        mpp: input.mpp ?? null,
        stain: input.stain ?? null,
        scanner: input.scanner ?? null,
        pyramid_hash: pyramid.hash,
        tile_index_hash: stored.hash,
      })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
  return { slideId: row.id, pyramidHash: pyramid.hash, tileIndexHash: stored.hash, width: layout.width, height: layout.height };
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
