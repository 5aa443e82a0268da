import { z } from 'zod';
import { RevisionRef } from './annotation';
import { Id, Sha256Hex, VersionRef } from './common';
import { ManifestTrack, ReleaseSplit } from './release';
import { ConsensusMethod } from './vocabularies';

/**
 * What a frozen release's manifest holds, as the release freezer hands it to the document
 * generator. Everything else a document says (schema text, reviews, agreement, composition) is
 * read from the records, so a document never says more than the records behind the manifest.
 */
export const ReleaseDocumentInput = z.object({
  releaseId: Id,
  projectId: Id,
  name: z.string().min(1).max(200),
  manifestHash: Sha256Hex,
  frozenAt: z.date(),
  labelSchema: VersionRef,
  reviewProtocol: VersionRef,
  items: z.array(
    z.object({
      itemId: Id,
      subjectPseudonym: z.string().min(1).max(64),
      split: ReleaseSplit,
      modality: z.string().min(1).max(16),
      deidRecordIds: z.array(Id),
      revisions: z.array(RevisionRef.extend({ maskHash: Sha256Hex })),
      consensus: z.object({ method: ConsensusMethod, readers: z.array(RevisionRef).min(2) }).nullable(),
      /** A video item's released tracks (its readings); absent on other items. */
      videoTracks: z.array(ManifestTrack).optional(),
    }),
  ),
  excluded: z.array(z.object({ itemId: Id, reason: z.string().min(1).max(500) })),
});
export type ReleaseDocumentInput = z.infer<typeof ReleaseDocumentInput>;

export const releaseDocumentKinds = ['annotation_protocol', 'inter_observer_variability', 'dataset_composition', 'qa_results'] as const;
export const ReleaseDocumentKind = z.enum(releaseDocumentKinds);
export type ReleaseDocumentKind = z.infer<typeof ReleaseDocumentKind>;

export const releaseDocumentFormats = ['json', 'html', 'pdf'] as const;
export const ReleaseDocumentFormat = z.enum(releaseDocumentFormats);
export type ReleaseDocumentFormat = z.infer<typeof ReleaseDocumentFormat>;
