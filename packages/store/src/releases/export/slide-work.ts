import type { SlideSegSource } from '@delineate/formats';
import type { Cell, ManifestItem, SlideRegion, TaskField } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../../blob/types';
import { CellStore } from '../../pathology/cells';
import { cellsOf } from '../../pathology/cell-set';
import { toRegion } from '../../pathology/regions';
import { pathologyDb } from '../../pathology/tables';
import { slideDicomSource } from '../../slides/dicom-source';
import type { DB } from '../../sql/tables';

/** A released region's own records: its polygon and template, its fields and each reader's cells. */
export interface SlideRegionWork {
  readonly region: SlideRegion;
  /** The region's fields (the same boxes in every task of the region). */
  readonly fields: ReadonlyArray<Pick<TaskField, 'index' | 'box'>>;
  /** Per reading, in the manifest's reading order: the task and its head cell set. */
  readonly readings: ReadonlyArray<{ readonly taskId: string; readonly annotationId: string; readonly cells: readonly Cell[] }>;
  /** The DICOM slide's pseudonymised SEG source facts (null when the slide did not come as DICOM). */
  readonly dicomSource: SlideSegSource | null;
}

/**
 * Reads a released region item's records. The tasks are submitted and reviewed by the time a
 * release is built, so their head cell sets are the released cells.
 */
export async function slideRegionWork(db: Kysely<DB>, blobs: Pick<BlobStore, 'get' | 'put'>, item: ManifestItem, clock: () => Date): Promise<SlideRegionWork> {
  const p = pathologyDb(db);
  const region = toRegion(await p.selectFrom('pathology_regions').selectAll().where('id', '=', item.slide!.regionId).executeTakeFirstOrThrow());
  const cells = new CellStore(db, blobs, clock);
  const readings = [];
  for (const reading of item.readings) {
    const row = await db.selectFrom('annotations').select('task_id').where('id', '=', reading.annotationId).executeTakeFirstOrThrow();
    const taskId = row.task_id!;
    readings.push({ taskId, annotationId: reading.annotationId, cells: cellsOf((await cells.read(taskId, region)).columns) });
  }
  const first = readings[0]?.taskId ?? '';
  const boxes = await p.selectFrom('pathology_task_fields').select(['field_index', 'x', 'y', 'width', 'height']).where('task_id', '=', first).orderBy('field_index').execute();
  // Only the boxes: a field's state and who changed it is the task's progress, not released data.
  const fields = boxes.map((b) => ({ index: b.field_index, box: { x: b.x, y: b.y, width: b.width, height: b.height } }));
  return { region, fields, readings, dicomSource: await slideDicomSource(db, item.slide!.slideId) };
}
