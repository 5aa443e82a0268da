import { z } from 'zod';

/**
 * Closed vocabularies of the domain (docs/ARCHITECTURE.md §4). Each has one exported list
 * (the single spelling), a zod enum built from it and the literal union type.
 */

export const regions = ['eu', 'uk', 'us', 'ca', 'au', 'local'] as const;
export const Region = z.enum(regions);
export type Region = z.infer<typeof Region>;

export const storageLocationKinds = ['local', 's3'] as const;
export const StorageLocationKind = z.enum(storageLocationKinds);
export type StorageLocationKind = z.infer<typeof StorageLocationKind>;

export const modalities = ['CT', 'MR', 'PT', 'US', 'XA', 'CR', 'DX', 'MG', 'SM', 'ES', 'OT', 'OPT', 'OP'] as const;
export const Modality = z.enum(modalities);
export type Modality = z.infer<typeof Modality>;

export const oversightModels = ['direct_clinical', 'supervised_technologist'] as const;
export const OversightModel = z.enum(oversightModels);
export type OversightModel = z.infer<typeof OversightModel>;

export const legalBases = ['consent', 'public_task', 'legitimate_interest', 'research_exemption', 'waiver'] as const;
export const LegalBasis = z.enum(legalBases);
export type LegalBasis = z.infer<typeof LegalBasis>;

export const codingSchemes = ['SCT', 'DCM', 'RADLEX', 'LOINC', 'NCIt', 'UMLS', 'LOCAL'] as const;
export const CodingScheme = z.enum(codingSchemes);
export type CodingScheme = z.infer<typeof CodingScheme>;

export const errorTypes = [
  'over_segmentation',
  'under_segmentation',
  'missed_finding',
  'false_finding',
  'wrong_label',
  'wrong_side',
  'other',
] as const;
export const ErrorType = z.enum(errorTypes);
export type ErrorType = z.infer<typeof ErrorType>;

export const roles = [
  'annotator',
  'clinician_annotator',
  'reviewer',
  'expert_reviewer',
  'project_admin',
  'data_steward',
  'auditor',
] as const;
export const Role = z.enum(roles);
export type Role = z.infer<typeof Role>;

export const qualificationKinds = ['radiologist', 'pathologist', 'clinician', 'radiographer', 'technologist', 'trained_annotator'] as const;
export const QualificationKind = z.enum(qualificationKinds);
export type QualificationKind = z.infer<typeof QualificationKind>;

export const credentialKinds = ['password', 'totp'] as const;
export const CredentialKind = z.enum(credentialKinds);
export type CredentialKind = z.infer<typeof CredentialKind>;

export const itemKinds = ['series_volume', 'slide_region', 'frame_range', 'photo', 'cine_volume'] as const;
export const ItemKind = z.enum(itemKinds);
export type ItemKind = z.infer<typeof ItemKind>;

export const taskKinds = ['roi_pass', 'annotate', 'review', 'expert_review'] as const;
export const TaskKind = z.enum(taskKinds);
export type TaskKind = z.infer<typeof TaskKind>;

export const taskStatuses = ['open', 'assigned', 'in_progress', 'submitted', 'done', 'cancelled'] as const;
export const TaskStatus = z.enum(taskStatuses);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const revisionSources = ['human', 'ai', 'correction', 'revert', 'import'] as const;
export const RevisionSource = z.enum(revisionSources);
export type RevisionSource = z.infer<typeof RevisionSource>;

export const maskEncodings = ['bitset', 'rle', 'chunked', 'nifti', 'dicom_seg'] as const;
export const MaskEncoding = z.enum(maskEncodings);
export type MaskEncoding = z.infer<typeof MaskEncoding>;

export const reviewDecisions = ['accept', 'correct', 'reject'] as const;
export const ReviewDecision = z.enum(reviewDecisions);
export type ReviewDecision = z.infer<typeof ReviewDecision>;

export const surfaceDistanceConventions = ['surfel', 'voxel'] as const;
export const SurfaceDistanceConvention = z.enum(surfaceDistanceConventions);
export type SurfaceDistanceConvention = z.infer<typeof SurfaceDistanceConvention>;

export const consensusMethods = ['staple', 'multi_label_staple', 'majority_vote'] as const;
export const ConsensusMethod = z.enum(consensusMethods);
export type ConsensusMethod = z.infer<typeof ConsensusMethod>;

export const auditOutcomes = ['success', 'denied', 'error'] as const;
export const AuditOutcome = z.enum(auditOutcomes);
export type AuditOutcome = z.infer<typeof AuditOutcome>;

/** PS3.15 Annex E: the Basic Application Confidentiality Profile, modified by options. */
export const deidProfiles = ['basic'] as const;
export const DeidProfile = z.enum(deidProfiles);
export type DeidProfile = z.infer<typeof DeidProfile>;

/** PS3.15 Annex E options, spelled exactly as @delineate/deid's `deidOptions`. */
export const deidOptionNames = [
  'retain-safe-private',
  'retain-uids',
  'retain-device-identity',
  'retain-institution-identity',
  'retain-patient-characteristics',
  'retain-longitudinal-full-dates',
  'modified-dates',
  'clean-descriptors',
  'clean-structured-content',
  'clean-graphics',
  'clean-pixel-data',
  'clean-recognizable-visual-features',
] as const;
export const DeidOptionName = z.enum(deidOptionNames);
export type DeidOptionName = z.infer<typeof DeidOptionName>;

export const deidStatuses = ['passed', 'quarantined'] as const;
export const DeidStatus = z.enum(deidStatuses);
export type DeidStatus = z.infer<typeof DeidStatus>;

export const deidActions = ['remove', 'empty', 'dummy', 'clean', 'uid_map', 'date_shift', 'keep'] as const;
export const DeidAction = z.enum(deidActions);
export type DeidAction = z.infer<typeof DeidAction>;

export const modelRuntimes = ['onnx', 'monai_label', 'builtin'] as const;
export const ModelRuntime = z.enum(modelRuntimes);
export type ModelRuntime = z.infer<typeof ModelRuntime>;

export const jobStatuses = ['queued', 'running', 'succeeded', 'failed'] as const;
export const JobStatus = z.enum(jobStatuses);
export type JobStatus = z.infer<typeof JobStatus>;

export const releaseStatuses = ['draft', 'frozen'] as const;
export const ReleaseStatus = z.enum(releaseStatuses);
export type ReleaseStatus = z.infer<typeof ReleaseStatus>;

/**
 * RT ROI Interpreted Type (3006,00A4) defined terms of DICOM PS3.3 C.8.8.8, the kind of
 * structure an RT Structure Set says a region of interest is.
 */
export const rtRoiInterpretedTypes = [
  'EXTERNAL',
  'PTV',
  'CTV',
  'GTV',
  'ITV',
  'TREATED_VOLUME',
  'IRRAD_VOLUME',
  'BOLUS',
  'AVOIDANCE',
  'ORGAN',
  'MARKER',
  'REGISTRATION',
  'ISOCENTER',
  'CONTRAST_AGENT',
  'CAVITY',
  'SUPPORT',
  'FIXATION',
  'DOSE_REGION',
  'CONTROL',
] as const;
export const RtRoiInterpretedType = z.enum(rtRoiInterpretedTypes);
export type RtRoiInterpretedType = z.infer<typeof RtRoiInterpretedType>;
