import { z } from 'zod';
import { Id, plainText, Timestamp, VersionRef } from './common';
import { DeidOptionName, DeidProfile, Modality, OversightModel, Region, StorageLocationKind, LegalBasis } from './vocabularies';

/** Where data may live: a blob store, database or worker location bound to a region. */
export const StorageLocation = z.object({
  id: Id,
  name: z.string().min(1),
  kind: StorageLocationKind,
  region: Region,
  /** Folder path or `s3://bucket/prefix`; never carries credentials. */
  uri: z.string().min(1),
});
export type StorageLocation = z.infer<typeof StorageLocation>;

export const AgreementSampling = z.object({
  /** Fraction of items read by several annotators, 0..1. */
  fraction: z.number().min(0).max(1),
  readersPerItem: z.number().int().min(1).max(20),
  /** Readers do not see each other's masks. */
  blinded: z.boolean(),
});
export type AgreementSampling = z.infer<typeof AgreementSampling>;

/** Profile plus the options that modify it (each at most once). */
export const DeidSettings = z.object({
  profile: DeidProfile,
  options: z.array(DeidOptionName).refine((o) => new Set(o).size === o.length, { message: 'duplicate de-identification option' }),
});
export type DeidSettings = z.infer<typeof DeidSettings>;

export const Project = z.object({
  id: Id,
  name: plainText(200).min(1),
  modality: Modality,
  /**
   * The modalities whose images ingest accepts: always the project's own modality, plus any the
   * project lists (an MR into a CT project is refused unless MR is listed).
   */
  acceptedModalities: z.array(Modality).min(1),
  oversightModel: OversightModel,
  region: Region,
  purpose: plainText(10_000).min(1),
  legalBasis: LegalBasis,
  labelSchema: VersionRef,
  reviewProtocol: VersionRef,
  agreementSampling: AgreementSampling,
  deid: DeidSettings,
  createdAt: Timestamp,
});
export type Project = z.infer<typeof Project>;
