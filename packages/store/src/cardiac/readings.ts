import {
  cardiacMeasures,
  cutRle8,
  designateEdEs,
  encodeRle8,
  planeOffset,
  rasteriseCardiacSlice,
  volumeCurves,
  type CardiacMeasures,
  type VolumeCurves,
} from '@delineate/core';
import { DelineateError, type CardiacLabelConventions, type CardiacPhaseDesignation, type CardiacSliceContoursInput } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { AnnotationRepository, SaveRevisionResult } from '../repositories/annotations';
import type { DB } from '../sql/tables';
import { cineOfItem, cineStackAt, labelConventionsOf, labelValuesOf, type CineItem } from './cine';
import { cardiacDb } from './tables';

type Author = { readonly kind: 'user'; readonly userId: string };

async function readingContext(db: Kysely<DB>, annotations: AnnotationRepository, annotationId: string): Promise<{ cine: CineItem; conventions: CardiacLabelConventions }> {
  const annotation = await annotations.get(annotationId);
  const cine = await cineOfItem(db, annotation.itemId);
  const conventions = await labelConventionsOf(db, annotation.labelSchema.id, annotation.labelSchema.version);
  return { cine, conventions };
}

export interface SaveCardiacContoursInput {
  readonly annotationId: string;
  readonly expectedVersion: number;
  readonly idempotencyKey?: string | undefined;
  readonly author: Author;
  /** Each entry replaces the labels of its slice in its phase; planes not named are kept. */
  readonly contours: readonly CardiacSliceContoursInput[];
}

/**
 * Rasterises a reader's contours into the planes they name (label values from the schema's named
 * map) and saves the result as the next revision on the tiled mask path, then lets the LV volume
 * curve designate ED and ES unless a reader has set them.
 */
export async function saveCardiacContours(db: Kysely<DB>, annotations: AnnotationRepository, input: SaveCardiacContoursInput, now: Date): Promise<SaveRevisionResult> {
  const { cine, conventions } = await readingContext(db, annotations, input.annotationId);
  const labels = labelValuesOf(conventions);
  const stack = await cineStackAt(annotations, cine, input.annotationId, input.expectedVersion);
  for (const plane of input.contours) {
    if (plane.slice >= cine.shape.slices || plane.phase >= cine.shape.phases) throw new DelineateError('DLN_CARDIAC_PHASE_INVALID', 'A contour names a slice or phase the cine does not have');
    rasteriseCardiacSlice(
      {
        ...(plane.lvEndocardium ? { lv_endocardium: plane.lvEndocardium } : {}),
        ...(plane.lvEpicardium ? { lv_epicardium: plane.lvEpicardium } : {}),
        ...(plane.rvEndocardium ? { rv_endocardium: plane.rvEndocardium } : {}),
      },
      labels,
      stack.data,
      planeOffset(stack, plane.slice, plane.phase),
      cine.columns,
      cine.rows,
    );
  }
  const tileGrid = await annotations.tileGrid(input.annotationId);
  const cut = cutRle8(tileGrid, encodeRle8(stack.data));
  if (!cut.ok) throw new DelineateError('DLN_INTERNAL', 'Cardiac labels did not fit their own grid');
  const saved = await annotations.saveTiledRevision({ annotationId: input.annotationId, expectedVersion: input.expectedVersion, idempotencyKey: input.idempotencyKey, author: input.author, source: 'human', grid: tileGrid, tiles: cut.tiles, whole: true });
  const auto = designateEdEs(volumeCurves(stack, labels).lv_blood_pool);
  const current = await currentDesignation(db, input.annotationId);
  if (auto && current?.source !== 'reader' && (current?.edPhase !== auto.edPhase || current.esPhase !== auto.esPhase)) {
    await insertDesignation(db, input.annotationId, { ...auto, source: 'lv_volume_curve', setBy: null }, now);
  }
  return saved;
}

async function insertDesignation(db: Kysely<DB>, annotationId: string, d: Omit<CardiacPhaseDesignation, 'setAt'>, now: Date): Promise<void> {
  await cardiacDb(db).insertInto('cardiac_phase_designations').values({ annotation_id: annotationId, ed_phase: d.edPhase, es_phase: d.esPhase, source: d.source, set_by: d.setBy, set_at: now }).execute();
}

/** The latest ED/ES designation of an annotation (designations are append-only). */
export async function currentDesignation(db: Kysely<DB>, annotationId: string): Promise<CardiacPhaseDesignation | undefined> {
  const row = await cardiacDb(db).selectFrom('cardiac_phase_designations').selectAll().where('annotation_id', '=', annotationId).orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row ? { edPhase: row.ed_phase, esPhase: row.es_phase, source: row.source as CardiacPhaseDesignation['source'], setBy: row.set_by, setAt: row.set_at.toISOString() } : undefined;
}

/** A reader moves ED and ES: recorded with who and when, and kept over later automatic designations. */
export async function designatePhases(db: Kysely<DB>, annotations: AnnotationRepository, annotationId: string, phases: { edPhase: number; esPhase: number }, userId: string, now: Date): Promise<CardiacPhaseDesignation> {
  const { cine } = await readingContext(db, annotations, annotationId);
  const valid = (p: number) => Number.isInteger(p) && p >= 0 && p < cine.shape.phases;
  if (!valid(phases.edPhase) || !valid(phases.esPhase) || phases.edPhase === phases.esPhase) {
    throw new DelineateError('DLN_CARDIAC_PHASE_INVALID', 'ED and ES must be two different phases of the cine');
  }
  await insertDesignation(db, annotationId, { ...phases, source: 'reader', setBy: userId }, now);
  return (await currentDesignation(db, annotationId))!;
}

export interface CardiacReading {
  annotationId: string;
  version: number;
  curves: VolumeCurves;
  designation: CardiacPhaseDesignation | undefined;
  /** Undefined until ED and ES are known (fewer than two phases contoured). */
  measures: CardiacMeasures | undefined;
  labelConventions: CardiacLabelConventions;
}

/** Volume curves, ED/ES and the measures of one reader's annotation at its head (or a given version). */
export async function cardiacReading(db: Kysely<DB>, annotations: AnnotationRepository, annotationId: string, version?: number): Promise<CardiacReading> {
  const { cine, conventions } = await readingContext(db, annotations, annotationId);
  const at = version ?? (await annotations.get(annotationId)).headVersion;
  const stack = await cineStackAt(annotations, cine, annotationId, at);
  const curves = volumeCurves(stack, labelValuesOf(conventions));
  const designation = await currentDesignation(db, annotationId);
  const measures = designation
    ? cardiacMeasures(
        curves,
        { edPhase: designation.edPhase, esPhase: designation.esPhase, source: designation.source },
        { sliceSpacing: cine.shape.sliceSpacing, papillaryMuscles: conventions.papillaryMuscles, basalSliceRule: conventions.basalSliceRule },
      )
    : undefined;
  return { annotationId, version: at, curves, designation, measures, labelConventions: conventions };
}
