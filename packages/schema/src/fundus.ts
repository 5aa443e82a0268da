import { z } from 'zod';
import type { LabelSchemaInput } from './label-schema';
import type { ReviewProtocolInput } from './review-protocol';

/** Which eye a fundus photograph shows: OD (right, oculus dexter) or OS (left, oculus sinister). */
export const lateralities = ['OD', 'OS'] as const;
export const Laterality = z.enum(lateralities);
export type Laterality = z.infer<typeof Laterality>;
export const lateralityWords: Readonly<Record<Laterality, string>> = { OD: 'Right eye (OD)', OS: 'Left eye (OS)' };

/** The label keys a fundus label schema must have: the disc (its rim) and the cup inside it. */
export const FUNDUS_DISC_LABEL = 'optic_disc';
export const FUNDUS_CUP_LABEL = 'optic_cup';

/** A point in image pixels: x to the right, y down, pixel centres at integers. */
export const FundusPoint = z.tuple([z.number().finite().min(-1e6).max(1e6), z.number().finite().min(-1e6).max(1e6)]);
export type FundusPoint = z.infer<typeof FundusPoint>;

/** A closed contour (the last point joins the first), from the ellipse tool or drawn freehand. */
export const FundusContour = z.object({
  tool: z.enum(['ellipse', 'freehand']),
  points: z.array(FundusPoint).min(3).max(8192),
});
export type FundusContour = z.infer<typeof FundusContour>;

/** What a fundus save carries: disc and cup contours and the fovea; the server rasterises them onto the item's mask. */
export const SaveFundusAnnotation = z.object({
  disc: FundusContour,
  cup: FundusContour,
  fovea: FundusPoint.nullable(),
});
export type SaveFundusAnnotation = z.infer<typeof SaveFundusAnnotation>;

const ratio = z.number().nullable();

/** One named convention's cup-to-disc ratios (null when there is no disc to measure against). */
export const CdrView = z.object({
  convention: z.enum(['refuge', 'extent', 'ellipse_fit']),
  /** The convention in words, as exports and the measures panel name it. */
  name: z.string(),
  description: z.string(),
  vertical: ratio,
  horizontal: ratio,
});
export type CdrView = z.infer<typeof CdrView>;

export const RimSectorView = z.object({
  sector: z.enum(['inferior', 'superior', 'nasal', 'temporal']),
  meanPx: z.number(),
  minimumPx: z.number(),
  meanMm: z.number().nullable(),
  minimumMm: z.number().nullable(),
});

/** The derived measures of one saved revision, computed from its stored mask. */
export const FundusMeasuresView = z.object({
  cdr: z.array(CdrView),
  areaRatio: ratio,
  discAreaPx: z.number().int(),
  cupAreaPx: z.number().int(),
  discAreaMm2: z.number().nullable(),
  cupAreaMm2: z.number().nullable(),
  laterality: Laterality.nullable(),
  rim: z.array(RimSectorView),
  /** Column and row spacing in mm, or null: the photograph records none, so only ratios are given. */
  pixelSpacingMm: z.tuple([z.number(), z.number()]).nullable(),
});
export type FundusMeasuresView = z.infer<typeof FundusMeasuresView>;

/** A photograph item as the fundus workspace opens it. */
export const FundusPhotoView = z.object({
  itemId: z.uuid(),
  width: z.number().int(),
  height: z.number().int(),
  laterality: Laterality.nullable(),
  pixelSpacingMm: z.tuple([z.number(), z.number()]).nullable(),
  /** Downsampled levels the photo route serves (level k halves level k−1), level 0 the full image. */
  levels: z.number().int().min(1),
});
export type FundusPhotoView = z.infer<typeof FundusPhotoView>;

/** A saved revision's contours and measures. */
export const FundusRevisionView = z.object({
  annotationId: z.uuid(),
  version: z.number().int(),
  disc: FundusContour.nullable(),
  cup: FundusContour.nullable(),
  fovea: FundusPoint.nullable(),
  measures: FundusMeasuresView,
});
export type FundusRevisionView = z.infer<typeof FundusRevisionView>;

/**
 * The demo's fundus label schema: the optic disc's neuroretinal rim and the optic cup, as the
 * REFUGE challenge (Orlando et al. 2020) labels them (the disc is rim and cup together). The
 * concepts are in the LOCAL scheme: no SNOMED CT code for them was checked here, and a guessed
 * code would be worse than a local one; the category is SNOMED CT's "Anatomical structure".
 */
export const fundusLabelSchema: LabelSchemaInput = {
  name: 'Optic disc and cup',
  labels: [
    {
      key: FUNDUS_DISC_LABEL,
      value: 1,
      name: 'Optic disc (rim)',
      concept: { scheme: 'LOCAL', value: 'DLN-FUNDUS-DISC', meaning: 'Optic disc' },
      category: { scheme: 'SCT', value: '91723000', meaning: 'Anatomical structure' },
      colour: '#2ca02c',
      definition: 'The optic disc up to the inner edge of the peripapillary scleral ring (Elschnig’s ring); painted where it is not cup, so the disc is this label and the cup together.',
      inclusion: ['The neuroretinal rim up to the scleral ring', 'Vessels crossing the rim'],
      exclusion: ['Peripapillary atrophy (alpha and beta zones) outside the scleral ring', 'The scleral ring itself'],
      referenceStandard: {
        title: 'REFUGE: Retinal Fundus Glaucoma Challenge',
        citation: 'Orlando JI, Fu H, Barbosa Breda J, et al. REFUGE Challenge: a unified framework for evaluating automated methods for glaucoma assessment from fundus photographs. Med Image Anal. 2020;59:101570.',
      },
      requiresExpertReview: false,
    },
    {
      key: FUNDUS_CUP_LABEL,
      value: 2,
      name: 'Optic cup',
      concept: { scheme: 'LOCAL', value: 'DLN-FUNDUS-CUP', meaning: 'Optic cup' },
      category: { scheme: 'SCT', value: '91723000', meaning: 'Anatomical structure' },
      colour: '#ff7f0e',
      definition: 'The optic cup, outlined where the small vessels bend as they leave it (vessel kinking), not by pallor alone; always inside the disc.',
      inclusion: ['The cup to where the vessels bend at its edge'],
      exclusion: ['Pallor beyond the vessel bend', 'Any part outside the disc'],
      referenceStandard: {
        title: 'REFUGE: Retinal Fundus Glaucoma Challenge',
        citation: 'Orlando JI, Fu H, Barbosa Breda J, et al. REFUGE Challenge: a unified framework for evaluating automated methods for glaucoma assessment from fundus photographs. Med Image Anal. 2020;59:101570.',
      },
      requiresExpertReview: true,
    },
  ],
};

export const fundusReviewProtocol: ReviewProtocolInput = {
  name: 'Optic disc and cup review',
  checklist: [
    { key: 'optic_disc.scleral-ring', labelKey: FUNDUS_DISC_LABEL, question: 'Does the disc reach the inner edge of the scleral ring and leave peripapillary atrophy out?', errorType: 'over_segmentation' },
    { key: 'optic_cup.vessel-bend', labelKey: FUNDUS_CUP_LABEL, question: 'Is the cup outlined at the vessel bend rather than by pallor?', errorType: 'over_segmentation' },
  ],
};
