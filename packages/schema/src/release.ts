import { z } from 'zod';
import { RevisionRef } from './annotation';
import { Id, Sha256Hex, Slug, Timestamp, VersionRef } from './common';
import { ReleaseStatus } from './vocabularies';

export const ReleaseManifest = z.object({
  labelSchema: VersionRef,
  reviewProtocol: VersionRef,
  items: z.array(z.object({ itemId: Id, revisions: z.array(RevisionRef) })),
});
export type ReleaseManifest = z.infer<typeof ReleaseManifest>;

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
