import { z } from 'zod';
import { Id, Sha256Hex, Timestamp } from './common';
import { Modality } from './vocabularies';

/** Coarse, non-identifying composition attributes extracted at ingest (ARCHITECTURE §2). */
export const ageBands = ['0-17', '18-29', '30-39', '40-49', '50-59', '60-69', '70-79', '80+', 'unknown'] as const;
export const AgeBand = z.enum(ageBands);
export type AgeBand = z.infer<typeof AgeBand>;

export const sexes = ['F', 'M', 'O', 'unknown'] as const;
export const Sex = z.enum(sexes);
export type Sex = z.infer<typeof Sex>;

/** A patient known only by a pseudonym within a project. */
export const Subject = z.object({
  id: Id,
  projectId: Id,
  pseudonym: z.string().min(1).max(64),
  ageBand: AgeBand,
  sex: Sex,
  sitePseudonym: z.string().max(64).nullable(),
  createdAt: Timestamp,
});
export type Subject = z.infer<typeof Subject>;

/** DICOM UIDs stored here are the de-identified (remapped) ones. */
const DicomUid = z.string().regex(/^[0-9]+(\.[0-9]+)*$/).max(64);

export const Study = z.object({
  id: Id,
  subjectId: Id,
  studyInstanceUid: DicomUid,
  createdAt: Timestamp,
});
export type Study = z.infer<typeof Study>;

export const Series = z.object({
  id: Id,
  studyId: Id,
  seriesInstanceUid: DicomUid,
  modality: Modality,
  manufacturer: z.string().max(64).nullable(),
  model: z.string().max(64).nullable(),
  fieldStrength: z.number().positive().nullable(),
  sliceThickness: z.number().positive().nullable(),
  instanceCount: z.number().int().min(0),
  createdAt: Timestamp,
});
export type Series = z.infer<typeof Series>;

export const Instance = z.object({
  id: Id,
  seriesId: Id,
  sopInstanceUid: DicomUid,
  instanceNumber: z.number().int().nullable(),
  /** Content address of the de-identified instance in the blob store. */
  blobHash: Sha256Hex,
});
export type Instance = z.infer<typeof Instance>;

export const Slide = z.object({
  id: Id,
  subjectId: Id,
  stain: z.string().max(64).nullable(),
  scanner: z.string().max(64).nullable(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Micrometres per pixel at level 0. */
  mpp: z.number().positive().nullable(),
  /** Content address of the pyramidal TIFF. */
  pyramidHash: Sha256Hex,
  createdAt: Timestamp,
});
export type Slide = z.infer<typeof Slide>;

export const Video = z.object({
  id: Id,
  subjectId: Id,
  frameCount: z.number().int().positive(),
  framesPerSecond: z.number().positive(),
  blobHash: Sha256Hex,
  createdAt: Timestamp,
});
export type Video = z.infer<typeof Video>;

export const PixelRegion = z.object({
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type PixelRegion = z.infer<typeof PixelRegion>;

/** What an item points at: a series volume, a slide region, a frame range or a photograph. */
export const ItemTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('series_volume'), seriesId: Id }),
  z.object({ kind: z.literal('slide_region'), slideId: Id, region: PixelRegion }),
  z
    .object({ kind: z.literal('frame_range'), videoId: Id, firstFrame: z.number().int().min(0), lastFrame: z.number().int().min(0) })
    .refine((t) => t.lastFrame >= t.firstFrame, { message: 'lastFrame before firstFrame', path: ['lastFrame'] }),
  // A photograph (a fundus photo): one image of a series, annotated in 2D (issue 20).
  z.object({ kind: z.literal('photo'), seriesId: Id }),
  /** A cardiac cine: a series of slices × phases (schema/cardiac.ts has its 4-D shape). */
  z.object({ kind: z.literal('cine_volume'), seriesId: Id }),
]);
export type ItemTarget = z.infer<typeof ItemTarget>;

/** The unit a task points at. */
export const Item = z.object({
  id: Id,
  projectId: Id,
  subjectId: Id,
  target: ItemTarget,
  createdAt: Timestamp,
});
export type Item = z.infer<typeof Item>;
