import { z } from 'zod';
import { RevisionRef } from './annotation';
import { Id, Sha256Hex, Slug, Timestamp } from './common';
import { ConsensusMethod, SurfaceDistanceConvention } from './vocabularies';

/** Distances in millimetres; null where the raw value is NaN or infinite (empty masks). */
export const PairMetrics = z.object({
  dice: z.number().min(0).max(1).nullable(),
  jaccard: z.number().min(0).max(1).nullable(),
  hd95Mm: z.number().min(0).nullable(),
  assdMm: z.number().min(0).nullable(),
});
export type PairMetrics = z.infer<typeof PairMetrics>;

export const AgreementResult = z.object({
  id: Id,
  itemId: Id,
  labelKey: Slug,
  convention: SurfaceDistanceConvention,
  inputs: z.array(RevisionRef).min(2),
  /** Pairwise metrics, in the order of all pairs (i < j) of `inputs`. */
  pairs: z.array(PairMetrics),
  createdAt: Timestamp,
});
export type AgreementResult = z.infer<typeof AgreementResult>;

export const ConsensusResult = z.object({
  id: Id,
  itemId: Id,
  labelKey: Slug,
  method: ConsensusMethod,
  inputs: z.array(RevisionRef).min(1),
  /** How the field of view was chosen (part of the STAPLE result). */
  fieldOfView: z.string().min(1),
  sensitivity: z.array(z.number()).nullable(),
  specificity: z.array(z.number()).nullable(),
  maskHash: Sha256Hex,
  createdAt: Timestamp,
});
export type ConsensusResult = z.infer<typeof ConsensusResult>;
