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
  ReleaseDocument,
  Release,
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
export { demoUsers, type DemoUser } from './demo/demo-users';
export { demoProjectSettings } from './demo/demo-project';
export {
  ExpertReviewRules,
  AgreementThresholds,
  defaultAgreementThresholds,
  WorkflowConfig,
  workflowStages,
  WorkflowStage,
  SignificantRegionMark,
  ReviewAnswerInput,
  FailedItem,
  CorrectionSize,
  WorkflowTask,
} from './workflow';
export { REDACTION_JOB_KIND, RedactionJobPayload, RedactionRegion, RedactionRequest } from './deid-redaction';
