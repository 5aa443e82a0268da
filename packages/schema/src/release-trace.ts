import { z } from 'zod';
import { Id, Timestamp, VersionNumber, VersionRef } from './common';
import { ManifestAuthor, ManifestReview } from './release';
import { RevisionSource } from './vocabularies';

/** A label at a voxel: its value and, when it is a schema label, its key and name (0 is background). */
export const TraceLabel = z.object({ value: z.number().int().min(0).max(255), key: z.string().nullable(), name: z.string() });
export type TraceLabel = z.infer<typeof TraceLabel>;

/** An author as a trace names it: the manifest's author with a person's display name. */
export const TraceAuthor = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), userId: Id, name: z.string().nullable() }),
  ManifestAuthor.options[1],
]);
export type TraceAuthor = z.infer<typeof TraceAuthor>;

export const TraceRevision = z.object({ version: VersionNumber, parentVersion: VersionNumber.nullable(), source: RevisionSource, author: TraceAuthor, createdAt: Timestamp });
export type TraceRevision = z.infer<typeof TraceRevision>;

/** One reader's work at the voxel: the label, the revision that set it and the chain behind it. */
export const TraceReading = z.object({
  annotationId: Id,
  releasedVersion: VersionNumber,
  label: TraceLabel,
  /** The revision that last changed this voxel to its released value (walking parent by parent). */
  setBy: TraceRevision,
  /** The released revision, then its parent, back to the first. */
  chain: z.array(TraceRevision),
  reviews: z.array(ManifestReview.extend({ reviewerName: z.string().nullable() })),
  /** Consensus items: this reader's STAPLE sensitivity and specificity for the released label (null otherwise). */
  staple: z.object({ labelKey: z.string(), sensitivity: z.number(), specificity: z.number() }).nullable(),
});
export type TraceReading = z.infer<typeof TraceReading>;

/** Who drew this voxel: what `delineate trace` and `GET /api/releases/:id/trace` answer. */
export const ReleaseTrace = z.object({
  releaseId: Id,
  manifestHash: z.string(),
  itemId: Id,
  voxel: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
  label: TraceLabel,
  labelSchema: VersionRef,
  reviewProtocol: VersionRef,
  consensusMethod: z.string().nullable(),
  /** The de-identified source instance at the voxel's slice and the DeidRecord that let it through. */
  source: z.object({ sopInstanceUid: z.string(), deidRecordId: Id.nullable() }),
  readings: z.array(TraceReading),
});
export type ReleaseTrace = z.infer<typeof ReleaseTrace>;
