import { decodeRle8 } from '@delineate/core';
import { uidFromName, writeSegmentation } from '@delineate/formats';
import { DelineateError, type RevisionRef } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/types';
import { itemVolumeGeometry } from '../masks/import-mask';
import { DELINEATE_TOOL } from '../releases/documents/generate';
import { labelsAsSegments, readingProvenance, segmentsForLabels } from '../releases/export/seg-formats';
import { segSourceOf } from '../releases/export/seg-source';
import { releasedReading } from '../releases/selection';
import { AnnotationRepository, type Clock } from '../repositories/annotations';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import type { DB } from '../sql/tables';

/** A revision written as a DICOM SEG over the item's de-identified series. */
export interface RevisionSegmentation {
  readonly bytes: Uint8Array;
  readonly projectId: string;
  /** The version written: the one asked for, or the accepted one when none was. */
  readonly version: number;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
}

/**
 * The DICOM SEG (BINARY, one segment per label present) of an accepted revision: the one the last
 * signed review of its annotation accepted or corrected. Anything else is refused
 * (DLN_DICOMWEB_REVISION_NOT_ACCEPTED): unreviewed work does not leave the platform. Without a
 * version, the annotation's accepted revision is written. UIDs are derived from the revision, so
 * sending it twice sends the same object.
 */
export async function writeRevisionSegmentation(db: Kysely<DB>, blobs: BlobStore, asked: { annotationId: string; version?: number | undefined }, clock: Clock): Promise<RevisionSegmentation> {
  const annotations = new AnnotationRepository(db, { blobs, clock });
  const annotation = await annotations.get(asked.annotationId);
  const row = await db.selectFrom('annotations').select(['id', 'task_id', 'head_version']).where('id', '=', asked.annotationId).executeTakeFirstOrThrow();
  const reading = await releasedReading(db, row);
  if ('reason' in reading || (asked.version !== undefined && reading.released !== asked.version)) {
    throw new DelineateError('DLN_DICOMWEB_REVISION_NOT_ACCEPTED', 'Only a revision a signed review accepted can be sent', 'reason' in reading ? { reason: reading.reason } : {});
  }
  const revision: RevisionRef = { annotationId: asked.annotationId, version: reading.released };
  const stored = await annotations.getRevision(revision.annotationId, revision.version);
  const geometry = await itemVolumeGeometry(db, annotation.itemId);
  const voxels = geometry.rows * geometry.columns * geometry.slices;
  const decoded = decodeRle8(await annotations.readMask(revision.annotationId, revision.version), voxels);
  if (!decoded.ok) throw new DelineateError('DLN_REVISION_MASK_INVALID', `The revision's mask does not decode on its item's grid (${decoded.reason})`);
  const schema = await new LabelSchemaRepository(db).get(annotation.labelSchema.id, annotation.labelSchema.version);
  const present = new Set(decoded.voxels);
  const labels = schema.labels.filter((l) => present.has(l.value));
  if (labels.length === 0) throw new DelineateError('DLN_DICOMWEB_REVISION_EMPTY', 'The revision labels no voxel; there is nothing to send');
  const { segments, numberOf } = segmentsForLabels(labels, readingProvenance(reading));
  const segmentNumbers = labelsAsSegments(decoded.voxels, numberOf);
  const instanceRows = await db
    .selectFrom('items')
    .innerJoin('instances', 'instances.series_id', 'items.series_id')
    .select(['instances.blob_hash'])
    .where('items.id', '=', annotation.itemId)
    .execute();
  const instances = await Promise.all(instanceRows.map((r) => blobs.get(r.blob_hash)));
  const source = segSourceOf(
    { geometry: { dims: [geometry.columns, geometry.rows, geometry.slices], spacing: [...geometry.spacing], origin: [...geometry.origin], direction: [...geometry.direction] } },
    instances,
  );
  const name = `delineate:revision:${revision.annotationId}:${revision.version}`;
  const at = new Date(stored.createdAt).toISOString();
  const series = {
    seriesInstanceUid: uidFromName(`${name}:series`),
    sopInstanceUid: uidFromName(`${name}:instance`),
    seriesNumber: 9101,
    instanceNumber: 1,
    contentDate: at.slice(0, 10).replaceAll('-', ''),
    contentTime: at.slice(11, 19).replaceAll(':', ''),
    manufacturer: 'Delineate',
    manufacturerModelName: 'Delineate',
    deviceSerialNumber: 'none',
    softwareVersions: DELINEATE_TOOL.version,
    seriesDescription: `Accepted segmentation (revision ${revision.version})`,
    contentLabel: 'SEGMENTATION',
  };
  const bytes = writeSegmentation({ segmentationType: 'BINARY', source, segments, labels: segmentNumbers, series });
  return { bytes, projectId: annotation.projectId, version: revision.version, seriesInstanceUid: series.seriesInstanceUid, sopInstanceUid: series.sopInstanceUid };
}
