import { cardiacLabelMaps, decodeRle8, type CardiacLabelValues, type CineLabelStack } from '@delineate/core';
import { DelineateError, type CardiacLabelConventions, type CineShape } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { AnnotationRepository } from '../repositories/annotations';
import type { DB } from '../sql/tables';
import { cardiacDb } from './tables';

/** Records the 4-D shape of a series ingested as a cine (in the ingest's transaction). */
export async function recordCineSeries(db: Kysely<DB>, seriesId: string, shape: Omit<CineShape, 'sliceSpacing'>): Promise<void> {
  await cardiacDb(db)
    .insertInto('cine_series')
    .values({ series_id: seriesId, slices: shape.slices, phases: shape.phases, trigger_times: JSON.stringify(shape.triggerTimes) })
    .execute();
}

/** A cine item's grid: columns × rows × (slices × phases) planes, and its 4-D shape. */
export interface CineItem {
  itemId: string;
  projectId: string;
  seriesId: string;
  columns: number;
  rows: number;
  shape: CineShape;
  spacing: [number, number, number];
}

export async function cineOfItem(db: Kysely<DB>, itemId: string): Promise<CineItem> {
  const row = await cardiacDb(db)
    .selectFrom('items')
    .leftJoin('series', 'series.id', 'items.series_id')
    .leftJoin('cine_series', 'cine_series.series_id', 'items.series_id')
    .select(['items.kind', 'items.project_id', 'series.id as series_id', 'series.rows', 'series.columns', 'series.spacing', 'cine_series.slices', 'cine_series.phases', 'cine_series.trigger_times'])
    .where('items.id', '=', itemId)
    .executeTakeFirst();
  if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Item not found');
  if (row.kind !== 'cine_volume' || !row.series_id || !row.rows || !row.columns || !row.slices || !row.phases || row.spacing?.length !== 3) {
    throw new DelineateError('DLN_CARDIAC_NOT_CINE', 'This item is not a cardiac cine');
  }
  const spacing = row.spacing as [number, number, number];
  return {
    itemId,
    projectId: row.project_id,
    seriesId: row.series_id,
    columns: row.columns,
    rows: row.rows,
    spacing,
    shape: { slices: row.slices, phases: row.phases, triggerTimes: row.trigger_times ?? [], sliceSpacing: spacing[2] },
  };
}

/** The cardiac fields of a label schema version; a cine cannot be measured without its label map. */
export async function labelConventionsOf(db: Kysely<DB>, schemaId: string, version: number): Promise<CardiacLabelConventions> {
  const row = await cardiacDb(db).selectFrom('cardiac_label_conventions').selectAll().where('schema_id', '=', schemaId).where('version', '=', version).executeTakeFirst();
  if (!row) throw new DelineateError('DLN_CARDIAC_LABEL_MAP_REQUIRED', 'The label schema names no cardiac label map (ACDC or M&Ms); set its cardiac conventions first');
  return { labelMap: row.label_map as CardiacLabelConventions['labelMap'], papillaryMuscles: row.papillary_muscles as CardiacLabelConventions['papillaryMuscles'], basalSliceRule: row.basal_slice_rule as CardiacLabelConventions['basalSliceRule'] };
}

/** Sets a label schema version's cardiac fields once: a version is immutable, so are they. */
export async function setLabelConventions(db: Kysely<DB>, schemaId: string, version: number, conventions: CardiacLabelConventions): Promise<void> {
  const inserted = await cardiacDb(db)
    .insertInto('cardiac_label_conventions')
    .values({ schema_id: schemaId, version, label_map: conventions.labelMap, papillary_muscles: conventions.papillaryMuscles, basal_slice_rule: conventions.basalSliceRule })
    .onConflict((oc) => oc.columns(['schema_id', 'version']).doNothing())
    .returning('schema_id')
    .executeTakeFirst();
  if (!inserted) {
    const existing = await labelConventionsOf(db, schemaId, version);
    if (JSON.stringify(existing) !== JSON.stringify(conventions)) throw new DelineateError('DLN_SCHEMA_IMMUTABLE', 'This label schema version already has other cardiac conventions');
  }
}

export function labelValuesOf(conventions: CardiacLabelConventions): CardiacLabelValues {
  return cardiacLabelMaps[conventions.labelMap];
}

/** One reader's labels of a cine at a revision (version 0: nothing drawn yet). */
export async function cineStackAt(annotations: AnnotationRepository, cine: CineItem, annotationId: string, version: number): Promise<CineLabelStack> {
  const voxels = cine.columns * cine.rows * cine.shape.slices * cine.shape.phases;
  const shape = { columns: cine.columns, rows: cine.rows, slices: cine.shape.slices, phases: cine.shape.phases, spacing: cine.spacing };
  if (version === 0) return { ...shape, data: new Uint8Array(voxels) };
  const decoded = decodeRle8(await annotations.readMask(annotationId, version), voxels);
  if (!decoded.ok) throw new DelineateError('DLN_INTERNAL', 'A stored mask did not decode');
  return { ...shape, data: decoded.voxels };
}
