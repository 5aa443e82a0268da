export { DelineateError, errorCodes, exhaustiveSwitchError, isDelineateError, type ErrorCode } from './errors';
export {
  regions,
  Region,
  storageLocationKinds,
  StorageLocationKind,
  modalities,
  Modality,
  oversightModels,
  OversightModel,
  legalBases,
  LegalBasis,
  codingSchemes,
  CodingScheme,
  errorTypes,
  ErrorType,
  roles,
  Role,
  qualificationKinds,
  QualificationKind,
  credentialKinds,
  CredentialKind,
  itemKinds,
  ItemKind,
  taskKinds,
  TaskKind,
  taskStatuses,
  TaskStatus,
  revisionSources,
  RevisionSource,
  maskEncodings,
  MaskEncoding,
  reviewDecisions,
  ReviewDecision,
  surfaceDistanceConventions,
  SurfaceDistanceConvention,
  consensusMethods,
  ConsensusMethod,
  auditOutcomes,
  AuditOutcome,
  deidProfiles,
  DeidProfile,
  deidOptionNames,
  DeidOptionName,
  deidStatuses,
  DeidStatus,
  deidActions,
  DeidAction,
  modelRuntimes,
  ModelRuntime,
  jobStatuses,
  JobStatus,
  releaseStatuses,
  ReleaseStatus,
} from './vocabularies';
export {
  Id,
  Timestamp,
  inCalendarRange,
  CONTROL_CHARACTER,
  plainText,
  Sha256Hex,
  VersionNumber,
  VersionRef,
  CodedConcept,
  Colour,
  ReferenceStandard,
  Magnification,
  Slug,
} from './common';
export {
  StorageLocation,
  AgreementSampling,
  DeidSettings,
  Project,
} from './project';
export {
  Label,
  LabelList,
  LabelSchema,
  LabelSchemaInput,
} from './label-schema';
export {
  ChecklistItem,
  ChecklistList,
  ReviewProtocol,
  ReviewProtocolInput,
} from './review-protocol';
export {
  ageBands,
  AgeBand,
  sexes,
  Sex,
  Subject,
  Study,
  Series,
  Instance,
  Slide,
  Video,
  PixelRegion,
  ItemTarget,
  Item,
} from './imaging';
export {
  Username,
  User,
  Credential,
  Qualification,
  Membership,
} from './people';
export {
  Task,
  Annotation,
  RevisionAuthor,
  IdempotencyKey,
  Revision,
  buildRevision,
  NewRevision,
  buildNewRevision,
  RevisionRef,
  ChecklistAnswer,
  ReviewCorrection,
  Review,
} from './annotation';
export {
  PairMetrics,
  AgreementResult,
  ConsensusResult,
} from './quality';
export {
  AuditEvent,
} from './audit';
export {
  DeidAttributeAction,
  RedactedRegion,
  DeidFinding,
  DeidRecord,
} from './deid';
export {
  Model,
  JobKind,
  Job,
} from './jobs';
export {
  ReleaseManifest,
  ReleaseManifestV1,
  ReleaseManifestV2,
  isManifestV2,
  ReleaseDocument,
  Release,
  releaseSplits,
  ReleaseSplit,
  ReleaseFilter,
  releaseExclusionReasons,
  ReleaseExclusionReason,
  ReleaseBuildRequest,
  ManifestAuthor,
  ManifestRevision,
  ManifestReview,
  ManifestReading,
  ManifestConsensus,
  ManifestItem,
  ManifestExclusion,
  UnreviewedWork,
  ReleasePreview,
  ReleaseExport,
  ReleaseVerification,
} from './release';
export {
  ErrorBody,
  HealthResponse,
  IdParams,
  CreateProjectRequest,
  ProjectResponse,
  ProjectListResponse,
  CreateLabelSchemaRequest,
  LabelSchemaResponse,
  LabelSchemaVersionParams,
  CreateReviewProtocolRequest,
  ReviewProtocolResponse,
  CreateItemRequest,
  ItemListResponse,
  CreateUserRequest,
  UserResponse,
  AddMembershipRequest,
  MembershipResponse,
  CreateAnnotationRequest,
  AnnotationResponse,
  SaveRevisionHeaders,
  parseIfMatch,
  SaveRevisionRequest,
  SaveRevisionResponse,
  RevisionHistoryResponse,
  RevisionParams,
  RevertRequest,
} from './api';
export {
  parseOrThrow,
} from './validate';
export { liverCtLabelSchema, liverCtLabelSchemaVersion } from './demo/liver-ct-label-schema';
export { liverCtReviewProtocol, liverCtReviewProtocolVersion } from './demo/liver-ct-review-protocol';
export { demoSecondReader, demoUsers, type DemoUser } from './demo/demo-users';
export { demoAgreementSampling, demoProjectSettings, demoWorkflowSettings } from './demo/demo-project';
export {
  ExpertReviewRules,
  AgreementThresholds,
  defaultAgreementThresholds,
  WorkflowConfig,
  workflowStages,
  WorkflowStage,
  VoxelBox,
  SignificantRegionMark,
  ReviewAnswerInput,
  FailedItem,
  CorrectionSize,
  WorkflowTask,
} from './workflow';
export { REDACTION_JOB_KIND, RedactionJobPayload, RedactionRegion, RedactionRequest } from './deid-redaction';
export { GATE_CHECK_JOB_KIND, GateCheckJobPayload, QuarantineDecisionRequest, QuarantineRejectRequest } from './quarantine-review';
export {
  ReleaseDocumentFormat,
  ReleaseDocumentInput,
  ReleaseDocumentKind,
  releaseDocumentFormats,
  releaseDocumentKinds,
} from './release-documents';
export { ReleaseTrace, TraceAuthor, TraceLabel, TraceReading, TraceRevision } from './release-trace';
export { SLIDE_INGEST_JOB_KIND, SlideIngestJobPayload } from './slide-ingest';
export { pathologyLabelSchema } from './demo/pathology-label-schema';
export { pathologyReviewProtocol } from './demo/pathology-review-protocol';
export {
  UPLOAD_GATE_JOB_KIND,
  UploadBatchStatus,
  UploadCounts,
  UploadFileState,
  UploadFileStatus,
  UploadGateJobPayload,
  UploadOutcome,
  uploadFileStates,
  uploadFileStateWords,
} from './uploads';
export * from './version';
export * from './backup';
