import { z } from 'zod';
import { Id, Timestamp } from './common';

/** The public label maps a cine's labels are exported in or imported from, always named. */
export const CardiacLabelMap = z.enum(['acdc', 'mnms']);
export type CardiacLabelMap = z.infer<typeof CardiacLabelMap>;

/** Whether papillary muscles and trabeculations count as blood pool or as myocardium. */
export const PapillaryMusclePolicy = z.enum(['included_in_cavity', 'excluded_from_cavity']);
export type PapillaryMusclePolicy = z.infer<typeof PapillaryMusclePolicy>;

/**
 * Which basal slice is contoured: the SCMR rule (a slice counts when at least half of its blood
 * pool is surrounded by myocardium) or every slice a reader contoured.
 */
export const BasalSliceRule = z.enum(['half_circumference_myocardium', 'all_contoured_slices']);
export type BasalSliceRule = z.infer<typeof BasalSliceRule>;

/** A label schema version's cardiac fields. */
export const CardiacLabelConventions = z.object({
  labelMap: CardiacLabelMap,
  papillaryMuscles: PapillaryMusclePolicy,
  basalSliceRule: BasalSliceRule,
});
export type CardiacLabelConventions = z.infer<typeof CardiacLabelConventions>;

/** The 4-D shape of a cine item: planes stacked phase by phase (plane = phase · slices + slice). */
export const CineShape = z.object({
  slices: z.number().int().min(1),
  phases: z.number().int().min(2),
  /** Ms after the R wave per phase; null where the images do not record it. */
  triggerTimes: z.array(z.number().nullable()),
  /** mm between slice centres, from the positions. */
  sliceSpacing: z.number().positive(),
});
export type CineShape = z.infer<typeof CineShape>;

/** End-diastole and end-systole of one reader's annotation, with who chose them and when. */
export const CardiacPhaseDesignation = z.object({
  edPhase: z.number().int().min(0),
  esPhase: z.number().int().min(0),
  source: z.enum(['lv_volume_curve', 'reader']),
  setBy: Id.nullable(),
  setAt: Timestamp,
});
export type CardiacPhaseDesignation = z.infer<typeof CardiacPhaseDesignation>;

/** A contour in pixel coordinates (column, row pairs; pixel centres at integers), at least three points. */
export const CardiacContour = z.array(z.number().finite()).min(6).max(8192).refine((points) => points.length % 2 === 0, { message: 'a contour is a list of x, y pairs' });

/** The contours a reader saves for one slice of one phase (absent = not drawn). */
export const CardiacSliceContoursInput = z.object({
  slice: z.number().int().min(0),
  phase: z.number().int().min(0),
  lvEndocardium: CardiacContour.optional(),
  lvEpicardium: CardiacContour.optional(),
  rvEndocardium: CardiacContour.optional(),
});
export type CardiacSliceContoursInput = z.infer<typeof CardiacSliceContoursInput>;
