import { z } from 'zod';
import { RevisionRef } from './annotation';
import { CardiacLabelMap } from './cardiac';
import { Id, Sha256Hex, Slug, Timestamp, VersionNumber, VersionRef } from './common';
import { ConsensusMethod, ErrorType, Modality, ReleaseStatus, ReviewDecision, RevisionSource, TaskStatus } from './vocabularies';

export const releaseSplits = ['train', 'validation', 'test'] as const;
export const ReleaseSplit = z.enum(releaseSplits);
export type ReleaseSplit = z.infer<typeof ReleaseSplit>;

/** Which items of a project a release takes; every field left out matches every item. */
export const ReleaseFilter = z.object({
  modality: Modality.optional(),
  /** Items whose released mask holds every one of these labels. */
  labelKeys: z.array(Slug).max(64).optional(),
  /** Items whose annotation tasks are all in this state. */
  taskStatus: TaskStatus.optional(),
  /** Items drawn into the agreement sample, or not. */
  agreementSample: z.enum(['sampled', 'not_sampled']).optional(),
});
export type ReleaseFilter = z.infer<typeof ReleaseFilter>;

/** Why an item of the project is not in a release (the web app shows the words, not these keys). */
export const releaseExclusionReasons = ['not_a_volume', 'not_gated', 'not_annotated', 'unreviewed', 'modality', 'label_absent', 'task_status', 'agreement_sample'] as const;
export const ReleaseExclusionReason = z.enum(releaseExclusionReasons);
export type ReleaseExclusionReason = z.infer<typeof ReleaseExclusionReason>;

/** What a project admin asks for: a filter, splits per item (or one for all), and whether unreviewed work is left out. */
export const ReleaseBuildRequest = z.object({
  name: z.string().min(1).max(200),
  filter: ReleaseFilter.default({}),
  splits: z.array(z.object({ itemId: Id, split: ReleaseSplit })).max(100_000).default([]),
  defaultSplit: ReleaseSplit.optional(),
  /** By default unreviewed work on a selected item refuses the build; true leaves such items out instead. */
  excludeUnreviewed: z.boolean().default(false),
  /** Five folds grouped by subject over the training and validation items (nnU-Net's splits_final.json). */
  crossValidation: z.boolean().optional(),
  /** The terms the data is released under, written into the training layouts' dataset.json. */
  licence: z.string().min(1).max(200).optional(),
});
export type ReleaseBuildRequest = z.input<typeof ReleaseBuildRequest>;

/** Who drew a released revision: a person, or a model with its version (and weights hash when recorded). */
export const ManifestAuthor = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), userId: Id }),
  /** A model: its registration id when registered, and the weights hash once models record one. */
  z.object({ kind: z.literal('model'), modelId: Id.nullable(), name: z.string(), version: z.string(), weightsHash: Sha256Hex.nullable() }),
]);
export type ManifestAuthor = z.infer<typeof ManifestAuthor>;

export const ManifestRevision = z.object({
  version: VersionNumber,
  parentVersion: VersionNumber.nullable(),
  source: RevisionSource,
  author: ManifestAuthor,
  maskHash: Sha256Hex,
  createdAt: Timestamp,
});
export type ManifestRevision = z.infer<typeof ManifestRevision>;

export const ManifestReview = z.object({
  reviewId: Id,
  stage: z.enum(['review', 'expert_review']),
  reviewerId: Id,
  decision: ReviewDecision,
  reviewedVersion: VersionNumber,
  correctedVersion: VersionNumber.nullable(),
  errorTypes: z.array(ErrorType),
  signedAt: Timestamp,
});
export type ManifestReview = z.infer<typeof ManifestReview>;

/** One reader's work on an item: the released revision, the chain that led to it and its signed reviews. */
export const ManifestReading = z.object({
  annotationId: Id,
  annotatorId: Id.nullable(),
  released: VersionNumber,
  revisions: z.array(ManifestRevision),
  reviews: z.array(ManifestReview),
});
export type ManifestReading = z.infer<typeof ManifestReading>;

/** A multi-reader item's consensus: method, reader revisions, per-label STAPLE and soft-label blobs. */
export const ManifestConsensus = z.object({
  method: ConsensusMethod,
  inputs: z.array(RevisionRef),
  labels: z.array(
    z.object({
      labelKey: Slug,
      labelValue: z.number().int().min(1).max(255),
      sensitivity: z.array(z.number()),
      specificity: z.array(z.number()),
      /** rle: per voxel the number of readers who drew the label (fraction = votes / readers). */
      votesHash: Sha256Hex,
      /** rle: per voxel the STAPLE probability as round(255 p). */
      stapleHash: Sha256Hex,
    }),
  ),
});
export type ManifestConsensus = z.infer<typeof ManifestConsensus>;

/**
 * A cardiac cine (issue 21): its planes are slices × phases stacked phase by phase (geometry.dims[2]
 * = slices · phases), and its labels are in the cardiac map the label schema names, which the
 * cine exports write and name.
 */
export const ManifestCine = z.object({
  slices: z.number().int().min(1),
  phases: z.number().int().min(1),
  /** Ms after the R wave per phase; null where the source did not record it. */
  triggerTimes: z.array(z.number().nullable()),
  labelMap: CardiacLabelMap,
});
export type ManifestCine = z.infer<typeof ManifestCine>;

/** One reader's track of a video item at the version released. */
export const ManifestTrack = z.object({
  trackId: Id,
  version: VersionNumber,
  authorId: Id.nullable(),
  labelValue: z.number().int().min(1).max(255),
  name: z.string(),
  /** The tiled mask index of that version (null: a track with no mask on any frame). */
  maskIndexHash: Sha256Hex.nullable(),
});
export type ManifestTrack = z.infer<typeof ManifestTrack>;

/**
 * An endoscopy video (issue 21): frames are addressed by their index in the frame table decoded at
 * ingest (`decodedFrames` rows, never the container's claim), whose rows hash to `frameTableHash`.
 */
export const ManifestVideo = z.object({
  videoId: Id,
  width: z.number().int().min(1),
  height: z.number().int().min(1),
  framesPerSecond: z.number(),
  decodedFrames: z.number().int().min(1),
  frameTableHash: Sha256Hex,
  /** The browser proxy the gate passed, and the DeidRecord that passed it. */
  proxyHash: Sha256Hex,
  deidRecordId: Id.nullable(),
  tracks: z.array(ManifestTrack),
});
export type ManifestVideo = z.infer<typeof ManifestVideo>;

/**
 * A slide region item's place on its slide (issue 17): the region's bounds in full-resolution
 * pixels, the slide's µm per pixel and the source format (DICOM SEG is written only over a DICOM
 * whole-slide image). The region's polygon and fields come from the region record.
 */
export const ManifestSlideRegion = z.object({
  regionId: Id,
  slideItemId: Id,
  slideId: Id,
  bounds: z.object({ x: z.number().int().min(0), y: z.number().int().min(0), width: z.number().int().min(1), height: z.number().int().min(1) }),
  mppX: z.number().positive(),
  mppY: z.number().positive(),
  sourceFormat: z.string().nullable(),
  /** The DeidRecord that let the slide's pyramid through the gate. */
  deidRecordId: Id.nullable(),
});
export type ManifestSlideRegion = z.infer<typeof ManifestSlideRegion>;

export const ManifestItem = z.object({
  itemId: Id,
  /** The revisions the released mask comes from (one, or every reader's). */
  revisions: z.array(RevisionRef),
  subjectPseudonym: z.string(),
  split: ReleaseSplit,
  modality: Modality,
  /** The grid, origin (LPS mm) and direction of the item's de-identified series. */
  geometry: z.object({
    dims: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
    spacing: z.tuple([z.number(), z.number(), z.number()]),
    origin: z.tuple([z.number(), z.number(), z.number()]),
    direction: z.array(z.number()).length(9),
  }),
  instances: z.array(z.object({ sopInstanceUid: z.string(), deidRecordId: Id.nullable() })),
  /** rle of the released label map (for one reader, the revision's own mask hash). */
  maskHash: Sha256Hex,
  labelKeys: z.array(Slug),
  readings: z.array(ManifestReading),
  consensus: ManifestConsensus.nullable(),
  /** Set on a cardiac cine item (absent on volumes, so their manifests and hashes are unchanged). */
  cine: ManifestCine.optional(),
  /** Set on a video item: its readings are tracks, and `maskHash` is the canonical JSON of those tracks. */
  video: ManifestVideo.optional(),
  /** Present on slide region items only (absent on volumes, so older manifests parse unchanged). */
  slide: ManifestSlideRegion.optional(),
});
export type ManifestItem = z.infer<typeof ManifestItem>;

export const ManifestExclusion = z.object({ itemId: Id, reason: ReleaseExclusionReason });
export type ManifestExclusion = z.infer<typeof ManifestExclusion>;

/** The canonical manifest of format 2 (issue 13): everything a release holds and where it came from. */
export const ReleaseManifestV2 = z.object({
  format: z.literal(2),
  projectId: Id,
  labelSchema: VersionRef,
  reviewProtocol: VersionRef,
  labels: z.array(z.object({ key: Slug, value: z.number().int().min(1).max(255), name: z.string() })),
  filter: ReleaseFilter,
  consensusMethod: ConsensusMethod,
  /** Set when the release asks for cross-validation (issue 25): five folds, no subject in two. */
  crossValidation: z.object({ folds: z.literal(5), groupedBy: z.literal('subject') }).optional(),
  licence: z.string().optional(),
  items: z.array(ManifestItem),
  excluded: z.array(ManifestExclusion),
});
export type ReleaseManifestV2 = z.infer<typeof ReleaseManifestV2>;

/** The first manifests (before issue 13): still parsed, never written any more. */
export const ReleaseManifestV1 = z
  .object({
    labelSchema: VersionRef,
    reviewProtocol: VersionRef,
    items: z.array(z.object({ itemId: Id, revisions: z.array(RevisionRef) })),
  })
  // Strict, so a format-2 manifest missing its provenance is refused, never read as format 1.
  .strict();

export const ReleaseManifest = z.union([ReleaseManifestV2, ReleaseManifestV1]);
export type ReleaseManifest = z.infer<typeof ReleaseManifest>;

export function isManifestV2(manifest: ReleaseManifest): manifest is ReleaseManifestV2 {
  return 'format' in manifest && manifest.format === 2;
}

export const ReleaseDocument = z.object({ kind: Slug, hash: Sha256Hex });
export type ReleaseDocument = z.infer<typeof ReleaseDocument>;

export const Release = z
  .object({
    id: Id,
    projectId: Id,
    name: z.string().min(1).max(200),
    status: ReleaseStatus,
    manifest: ReleaseManifest,
    /** SHA-256 of the canonical manifest JSON; set when frozen. */
    manifestHash: Sha256Hex.nullable(),
    documents: z.array(ReleaseDocument),
    createdAt: Timestamp,
    frozenAt: Timestamp.nullable(),
  })
  .refine((r) => r.status !== 'frozen' || (r.manifestHash !== null && r.frozenAt !== null), {
    message: 'a frozen release needs its manifest hash and time',
    path: ['manifestHash'],
  });
export type Release = z.infer<typeof Release>;

/** Unreviewed work that refuses a build: ids only, never PHI. */
export const UnreviewedWork = z.object({ itemId: Id, annotationId: Id, version: z.number().int().min(0), reason: z.enum(['free_annotation', 'not_signed']) });
export type UnreviewedWork = z.infer<typeof UnreviewedWork>;

/** What a build would release, before anything is written. */
export const ReleasePreview = z.object({
  items: z.array(z.object({ itemId: Id, subjectPseudonym: z.string(), modality: Modality, split: ReleaseSplit.nullable(), readers: z.number().int(), labelKeys: z.array(Slug) })),
  excluded: z.array(ManifestExclusion),
  unreviewed: z.array(UnreviewedWork),
  /** Subjects whose items were given more than one split. */
  sharedSubjects: z.array(z.object({ subjectPseudonym: z.string(), splits: z.array(ReleaseSplit) })),
  consensusMethod: ConsensusMethod,
  /** The pinned schema's labels, for showing names and choosing the label filter. */
  labels: z.array(z.object({ key: Slug, value: z.number().int(), name: z.string() })),
});
export type ReleasePreview = z.infer<typeof ReleasePreview>;

/** An export of a frozen release: a job with progress and, once done, an archive blob. */
export const ReleaseExport = z.object({
  id: Id,
  releaseId: Id,
  format: Slug,
  jobId: Id,
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  progress: z.object({ done: z.number().int().min(0), total: z.number().int().min(0) }),
  archiveHash: Sha256Hex.nullable(),
  archiveBytes: z.number().int().min(0).nullable(),
  error: z.string().nullable(),
  createdAt: Timestamp,
  finishedAt: Timestamp.nullable(),
});
export type ReleaseExport = z.infer<typeof ReleaseExport>;

/** What `release verify` reports: each blob or document that no longer matches, by what it is. */
export const ReleaseVerification = z.object({
  releaseId: Id,
  manifestHash: Sha256Hex.nullable(),
  ok: z.boolean(),
  checked: z.number().int(),
  problems: z.array(z.object({ what: z.string(), hash: z.string(), problem: z.enum(['missing', 'differs', 'manifest_changed']) })),
});
export type ReleaseVerification = z.infer<typeof ReleaseVerification>;
