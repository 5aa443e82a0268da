import { decodeRle8, tileAtOrdinal, tileVoxels } from '@delineate/core';
import { writeOmeZarrLabels, type OmeZarrLabelChunk, type OmeZarrChunkCodec, type WrittenOmeZarrLabels } from '@delineate/formats';
import { DelineateError, type RevisionRef } from '@delineate/schema';
import type { Kysely } from 'kysely';
import { AnnotationRepository } from '../repositories/annotations';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import type { DB } from '../sql/tables';
import { itemGrid } from '../workflow/grid';
import { RevisionTileReader } from './revision-tiles';
import type { MaskBlobs } from './tiled-masks';

/**
 * Writes a revision's mask as an OME-Zarr label image at `dir`, one chunk per stored tile (the
 * chunks are the tiles, so one tile is decoded at a time and empty tiles are not written). A series
 * volume is [z, y, x] in millimetres; a slide region is [y, x] in its pixels (micrometre axes, one
 * unit per pixel until slides carry their microns per pixel). Labels and colours come from the
 * annotation's pinned label schema.
 */
export async function writeRevisionOmeZarr(
  db: Kysely<DB>,
  blobs: MaskBlobs,
  revision: RevisionRef,
  dir: string,
  options: { codec?: OmeZarrChunkCodec } = {},
): Promise<WrittenOmeZarrLabels> {
  const annotation = await new AnnotationRepository(db).get(revision.annotationId);
  const schema = await new LabelSchemaRepository(db).get(annotation.labelSchema.id, annotation.labelSchema.version);
  const item = await db.selectFrom('items').select('kind').where('id', '=', annotation.itemId).executeTakeFirst();
  if (!item) throw new DelineateError('DLN_NOT_FOUND', 'Item not found');
  const grid = await itemGrid(db, annotation.itemId);
  const source = await new RevisionTileReader(db, blobs).source(revision);
  const tiles = source.grid;
  const slide = item.kind === 'slide_region';
  const [sx, sy, sz] = grid.spacing;
  async function* chunks(): AsyncGenerator<OmeZarrLabelChunk> {
    for await (const tile of source.tiles()) {
      const position = tileAtOrdinal(tiles, tile.ordinal);
      const decoded = decodeRle8(tile.runs, tileVoxels(tiles, position));
      if (!decoded.ok) throw new DelineateError('DLN_REVISION_MASK_INVALID', `A stored mask tile does not decode (${decoded.reason})`);
      yield { ...(slide ? {} : { z: position.slice }), y: position.tileRow, x: position.tileColumn, labels: decoded.voxels };
    }
  }
  return writeOmeZarrLabels(
    dir,
    {
      shape: slide ? [tiles.rows, tiles.columns] : [tiles.slices, tiles.rows, tiles.columns],
      spacing: slide ? [sy, sx] : [sz, sy, sx],
      unit: slide ? 'micrometer' : 'millimeter',
      labels: schema.labels,
      name: `${schema.name} v${schema.version}`,
      ...(options.codec ? { codec: options.codec } : {}),
    },
    chunks(),
  );
}
