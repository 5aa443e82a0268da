import { z } from 'zod';
import { Id, Timestamp, VersionRef } from './common';
import { DeidProfile, Modality, OversightModel, Region, StorageLocationKind, LegalBasis } from './vocabularies';

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

/** De-identification options beyond the profile (PS3.15 Annex E option names). */
export const DeidOptions = z.object({
  retainLongitudinalTemporal: z.boolean(),
  retainPatientCharacteristics: z.boolean(),
  retainDeviceIdentity: z.boolean(),
  retainInstitutionIdentity: z.boolean(),
  cleanPixelData: z.boolean(),
  cleanDescriptors: z.boolean(),
});
export type DeidOptions = z.infer<typeof DeidOptions>;

export const DeidSettings = z.object({ profile: DeidProfile, options: DeidOptions });
export type DeidSettings = z.infer<typeof DeidSettings>;

export const Project = z.object({
  id: Id,
  name: z.string().min(1).max(200),
  modality: Modality,
  oversightModel: OversightModel,
  region: Region,
  purpose: z.string().min(1),
  legalBasis: LegalBasis,
  labelSchema: VersionRef,
  reviewProtocol: VersionRef,
  agreementSampling: AgreementSampling,
  deid: DeidSettings,
  createdAt: Timestamp,
});
export type Project = z.infer<typeof Project>;
