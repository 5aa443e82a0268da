import { z } from 'zod';
import { Colour, Id, Magnification, plainText, Slug, Timestamp, VersionNumber } from './common';
import { QualificationKind } from './vocabularies';

/**
 * The pathology workflow (issue 17): a region drawn at low power on a slide becomes annotation
 * tasks at a target magnification, tracked field by field; cells (nuclei, mitotic figures) live
 * per task beside the tissue mask; a boundary between two tissue classes gets an expert review.
 * Coordinates are full-resolution slide pixels throughout.
 */

/** A vertex in full-resolution slide pixels. */
export const SlidePoint = z.tuple([z.number().finite().min(0).max(10_000_000), z.number().finite().min(0).max(10_000_000)]);
export type SlidePoint = z.infer<typeof SlidePoint>;

/** A simple closed polygon (the last vertex joins the first; not repeated). */
export const SlidePolygon = z.array(SlidePoint).min(3).max(2000);
export type SlidePolygon = z.infer<typeof SlidePolygon>;

/** How a task's region is split into fields an annotator works through one by one. */
export const FieldTiling = z.discriminatedUnion('kind', [
  /** High-power fields of a stated area (mitotic counts are given per 10 HPF or per mm²): square fields of that area. */
  z.object({ kind: z.literal('hpf'), areaMm2: z.number().min(0.01).max(5) }),
  /** Square fields of a fixed side. */
  z.object({ kind: z.literal('fixed'), sizeUm: z.number().min(10).max(10_000) }),
]);
export type FieldTiling = z.infer<typeof FieldTiling>;

export const cellShapes = ['polygon', 'point'] as const;
export const CellShape = z.enum(cellShapes);
export type CellShape = z.infer<typeof CellShape>;

/** One class of cell a task records: nuclei are polygons, mitotic figures points. */
export const CellClass = z.object({
  key: Slug,
  name: plainText(120),
  colour: Colour,
  shape: CellShape,
  /** A class kept apart because it is easily mistaken for another (e.g. a mitotic look-alike). */
  lookAlikeOf: Slug.optional(),
  /** Readers' detections of this class match within this radius (agreement). */
  matchRadiusUm: z.number().positive().max(200).default(4),
});
export type CellClass = z.infer<typeof CellClass>;

/** What each task created from a region asks for. */
export const RegionTaskTemplate = z
  .object({
    /** Target objective magnification: 2× ≈ 5 µm/px, 10× ≈ 1 µm/px, 40× ≈ 0.25 µm/px. */
    magnification: Magnification,
    fieldTiling: FieldTiling,
    /** Tissue labels of the project's pinned label schema painted in this task. */
    labelKeys: z.array(Slug).max(64),
    cellClasses: z.array(CellClass).max(32).default([]),
    /** Only annotators holding one of these qualifications are assigned (empty: the role's rule alone). */
    qualificationKinds: z.array(QualificationKind).max(8).default([]),
  })
  .refine((t) => new Set(t.cellClasses.map((c) => c.key)).size === t.cellClasses.length, { message: 'duplicate cell class key', path: ['cellClasses'] });
export type RegionTaskTemplate = z.infer<typeof RegionTaskTemplate>;
export type RegionTaskTemplateInput = z.input<typeof RegionTaskTemplate>;

export const CreateSlideRegionRequest = z.object({
  polygon: SlidePolygon,
  template: RegionTaskTemplate,
});
export type CreateSlideRegionRequest = z.input<typeof CreateSlideRegionRequest>;

/** The tools' zoom band: ±1.5× around the target magnification. */
export const ZoomBand = z.object({ min: z.number(), max: z.number() });
export type ZoomBand = z.infer<typeof ZoomBand>;

export const fieldStates = ['unseen', 'seen', 'done'] as const;
export const FieldState = z.enum(fieldStates);
export type FieldState = z.infer<typeof FieldState>;

/** An axis-aligned box in full-resolution slide pixels: [x, y) × [y, y + height). */
export const SlideBox = z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int().positive(), height: z.number().int().positive() });
export type SlideBox = z.infer<typeof SlideBox>;

export const TaskField = z.object({
  index: z.number().int().min(0),
  box: SlideBox,
  state: FieldState,
  changedBy: Id.nullable(),
  changedAt: Timestamp.nullable(),
});
export type TaskField = z.infer<typeof TaskField>;

export const SlideRegion = z.object({
  id: Id,
  projectId: Id,
  /** The whole-slide item the region was drawn on. */
  slideItemId: Id,
  /** The item (the region's bounding box) the tasks annotate. */
  itemId: Id,
  polygon: SlidePolygon,
  bounds: SlideBox,
  template: RegionTaskTemplate,
  /** Slide pixel size the target was computed from. */
  slideMpp: z.number().positive(),
  /** Downsample from full resolution to the target magnification (≥ 1 means coarser than the scan). */
  targetDownsample: z.number().positive(),
  zoomBand: ZoomBand,
  fieldSizePx: z.number().int().positive(),
  createdBy: Id.nullable(),
  createdAt: Timestamp,
});
export type SlideRegion = z.infer<typeof SlideRegion>;

export const FieldProgress = z.object({ unseen: z.number().int(), seen: z.number().int(), done: z.number().int(), total: z.number().int() });
export type FieldProgress = z.infer<typeof FieldProgress>;

export const cellSources = ['person', 'model'] as const;
export const cellReviewStatuses = ['unreviewed', 'accepted', 'rejected'] as const;
export const CellReviewStatus = z.enum(cellReviewStatuses);
export type CellReviewStatus = z.infer<typeof CellReviewStatus>;

/** Where a cell came from: a person (the author) or a model and its version. */
export const CellSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('person') }),
  z.object({ kind: z.literal('model'), model: Slug, version: plainText(64).pipe(z.string().min(1)) }),
]);
export type CellSource = z.infer<typeof CellSource>;

/** A cell as the API shows it: a point (centroid) with, for nuclei, the outline. */
export const Cell = z.object({
  id: z.number().int().min(1),
  classKey: Slug,
  x: z.number().int(),
  y: z.number().int(),
  /** Nucleus outline in full-resolution px; absent for point classes. */
  polygon: z.array(z.tuple([z.number().int(), z.number().int()])).optional(),
  authorId: Id.nullable(),
  source: CellSource,
  reviewStatus: CellReviewStatus,
});
export type Cell = z.infer<typeof Cell>;

const CellInput = z.object({
  classKey: Slug,
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  polygon: z.array(z.tuple([z.number().int(), z.number().int()])).min(3).max(255).optional(),
  source: CellSource.default({ kind: 'person' }),
});

/** One edit of a batch; ids are the task's cell ids. */
export const CellEdit = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), cell: CellInput }),
  z.object({ op: z.literal('move'), id: z.number().int().min(1), dx: z.number().int(), dy: z.number().int() }),
  z.object({ op: z.literal('delete'), id: z.number().int().min(1) }),
  z.object({ op: z.literal('reclassify'), id: z.number().int().min(1), classKey: Slug }),
  z.object({ op: z.literal('review'), id: z.number().int().min(1), reviewStatus: CellReviewStatus }),
]);
export type CellEdit = z.input<typeof CellEdit>;

export const CellEditBatch = z.object({ edits: z.array(CellEdit).min(1).max(20_000) });
export type CellEditBatch = z.input<typeof CellEditBatch>;

export const CellSetVersion = z.object({ version: z.number().int().min(0), count: z.number().int().min(0) });

/** The expert review of a boundary between two tissue classes the label schema names. */
export const StartBoundaryReviewRequest = z.object({
  /** The annotation task whose mask is reviewed. */
  taskId: Id,
  /** Mask revision reviewed (the task's submitted or head version when absent). */
  version: VersionNumber.optional(),
  between: z.tuple([Slug, Slug]).refine(([a, b]) => a !== b, { message: 'two different labels' }),
  /** Half-width of the band around the boundary. */
  bandUm: z.number().positive().max(2000),
  fieldSizeUm: z.number().min(10).max(10_000),
});
export type StartBoundaryReviewRequest = z.infer<typeof StartBoundaryReviewRequest>;

export const boundaryFieldStates = ['unseen', 'seen', 'accepted', 'edited'] as const;
export const BoundaryFieldState = z.enum(boundaryFieldStates);
export type BoundaryFieldState = z.infer<typeof BoundaryFieldState>;

export const BoundaryField = z.object({
  index: z.number().int().min(0),
  box: SlideBox,
  /** Band pixels inside the field. */
  bandPixels: z.number().int().min(0),
  state: BoundaryFieldState,
  changedBy: Id.nullable(),
  changedAt: Timestamp.nullable(),
});
export type BoundaryField = z.infer<typeof BoundaryField>;

export const BoundaryReview = z.object({
  id: Id,
  taskId: Id,
  annotationId: Id,
  version: VersionNumber,
  between: z.tuple([Slug, Slug]),
  bandUm: z.number(),
  fieldSizePx: z.number().int(),
  fields: z.array(BoundaryField),
  coverage: z.object({ seen: z.number().int(), total: z.number().int(), fraction: z.number() }),
  signedBy: Id.nullable(),
  signedAt: Timestamp.nullable(),
});
export type BoundaryReview = z.infer<typeof BoundaryReview>;
